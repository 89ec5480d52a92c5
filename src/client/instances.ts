/**
 * The instance admin API, read-only: the project's instances and the
 * connection's instance's clusters (google.bigtable.admin.v2.
 * BigtableInstanceAdmin ListInstances / ListClusters). Tabula lists the
 * instances holding a table or a backup, each with one cluster
 * `{instance}-c1`; Bigtable lists what exists. Google's emulator answers
 * UNIMPLEMENTED (UnimplementedError).
 */
import { requestMetadata, unary, type ProtoObject, type RpcContext } from './rpc.js';
import { lastSegment } from './table-info.js';

export interface InstanceInfo {
  /** Instance id. */
  id: string;
  displayName: string;
  /** READY, CREATING, STATE_NOT_KNOWN. */
  state: string;
}

export interface ClusterInfo {
  /** Cluster id. */
  id: string;
  /** The last segment of its location (a zone in Bigtable, `tabula` in Tabula). */
  zone: string;
  /** READY, CREATING, RESIZING, DISABLED, STATE_NOT_KNOWN. */
  state: string;
  serveNodes: number;
}

export interface InstanceAdmin {
  /** The project's instances. */
  listInstances(): Promise<InstanceInfo[]>;
  /** The clusters of the connection's instance. */
  listClusters(): Promise<ClusterInfo[]>;
}

export function createInstanceAdmin(ctx: RpcContext): InstanceAdmin {
  const project = ctx.instanceName.split('/').slice(0, 2).join('/');
  const call = (method: string, req: ProtoObject, params: Record<string, string>): Promise<ProtoObject> =>
    unary(ctx.instanceAdmin, method, req, requestMetadata(params), ctx.timeoutMs);
  return {
    async listInstances() {
      const res = await call('ListInstances', { parent: project }, { parent: project });
      return ((res.instances ?? []) as ProtoObject[]).map((i) => ({ id: lastSegment(i.name), displayName: String(i.displayName ?? ''), state: String(i.state ?? 'STATE_NOT_KNOWN') }));
    },
    async listClusters() {
      const res = await call('ListClusters', { parent: ctx.instanceName }, { parent: ctx.instanceName });
      return ((res.clusters ?? []) as ProtoObject[]).map((c) => ({
        id: lastSegment(c.name), zone: lastSegment(c.location), state: String(c.state ?? 'STATE_NOT_KNOWN'), serveNodes: Number(c.serveNodes ?? 0),
      }));
    },
  };
}

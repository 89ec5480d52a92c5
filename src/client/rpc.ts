/**
 * The client's gRPC plumbing: grpc-js clients for the data, table-admin and
 * instance-admin services built from the official protos (api/protos.ts), promisified unary
 * calls, collected server streams, and the request metadata Bigtable expects.
 * Messages are proto-loader plain objects (camelCase, int64 as strings).
 */
import * as grpc from '@grpc/grpc-js';
import { DATA_SERVICE_NAME, INSTANCE_ADMIN_SERVICE_NAME, serviceClientConstructor, TABLE_ADMIN_SERVICE_NAME } from '../api/protos.js';
import { fromGrpcError } from './client-errors.js';

export type ProtoObject = Record<string, unknown>;
type Callback = (err: grpc.ServiceError | null, res: ProtoObject) => void;
type Method = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb?: Callback) => unknown;
export type RawClient = grpc.Client & Record<string, Method>;

/** Everything a Table or Admin needs to make calls. */
export interface RpcContext {
  readonly data: RawClient;
  readonly admin: RawClient;
  readonly instanceAdmin: RawClient;
  /** `projects/{p}/instances/{i}`. */
  readonly instanceName: string;
  /** `projects/{p}/instances/{i}/clusters/{c}`: where backups are made and looked up. */
  readonly clusterName: string;
  readonly appProfileId: string | undefined;
  /** Per-call deadline for unary calls, ms (undefined = none). */
  readonly timeoutMs: number | undefined;
}

export function makeClients(endpoint: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions): { data: RawClient; admin: RawClient; instanceAdmin: RawClient } {
  const opts = {
    'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1,
    // 1 MiB receive windows (grpc-java's default) instead of grpc-js's 64 KiB: a scan's
    // responses then need no WINDOW_UPDATE round trip every 64 KiB.
    'grpc-node.flow_control_window': 1 << 20,
    ...options,
  };
  const Data = serviceClientConstructor(DATA_SERVICE_NAME);
  const Admin = serviceClientConstructor(TABLE_ADMIN_SERVICE_NAME);
  const data = new Data(endpoint, credentials, opts) as unknown as RawClient;
  // One channel (one HTTP/2 connection) for all three services.
  const admin = new Admin(endpoint, credentials, { ...opts, channelOverride: data.getChannel() }) as unknown as RawClient;
  const InstanceAdmin = serviceClientConstructor(INSTANCE_ADMIN_SERVICE_NAME);
  const instanceAdmin = new InstanceAdmin(endpoint, credentials, { ...opts, channelOverride: data.getChannel() }) as unknown as RawClient;
  return { data, admin, instanceAdmin };
}

/** Metadata with the routing header Google's service expects (`x-goog-request-params`). */
export function requestMetadata(params: Record<string, string>, extra?: Record<string, string>): grpc.Metadata {
  const md = new grpc.Metadata();
  const p = Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  if (p) md.set('x-goog-request-params', p);
  for (const [k, v] of Object.entries(extra ?? {})) md.set(k, v);
  return md;
}

/**
 * What a data request addresses: a table (`table_name`) or an authorized view
 * of one (`authorized_view_name`, `…/tables/{t}/authorizedViews/{v}`), with
 * the request field and the routing header that name it.
 */
export interface DataTarget {
  /** Full resource name of the table or view. */
  readonly resourceName: string;
  /** The request field that carries it: `{ tableName }` or `{ authorizedViewName }`. */
  readonly requestFields: Readonly<Record<string, string>>;
  /** Its `x-goog-request-params` entry. */
  readonly routing: Readonly<Record<string, string>>;
}

/** The target of `resourceName`: an authorized view when it has an `/authorizedViews/` segment, else a table. */
export function dataTarget(resourceName: string): DataTarget {
  return resourceName.includes('/authorizedViews/')
    ? { resourceName, requestFields: { authorizedViewName: resourceName }, routing: { authorized_view_name: resourceName } }
    : { resourceName, requestFields: { tableName: resourceName }, routing: { table_name: resourceName } };
}

/** `bigtable-features` = base64url(FeatureFlags{reverse_scans: true}), required for reversed ReadRows. */
export const REVERSE_SCANS_FEATURES = Buffer.from([0x08, 0x01]).toString('base64url');

function callOptions(timeoutMs: number | undefined): grpc.CallOptions {
  return timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
}

/** A unary call; rejects with a TabulaError. */
export function unary(client: RawClient, method: string, req: object, md: grpc.Metadata, timeoutMs?: number): Promise<ProtoObject> {
  return new Promise((resolve, reject) => {
    const fn = client[method];
    if (fn === undefined) { reject(new Error(`no method ${method}`)); return; }
    fn.call(client, req, md, callOptions(timeoutMs), (err: grpc.ServiceError | null, res: ProtoObject) => {
      if (err) reject(fromGrpcError(err)); else resolve(res);
    });
  });
}

/** Opens a server-streaming call (errors surface as grpc-js ServiceErrors on the stream). */
export function openStream(client: RawClient, method: string, req: object, md: grpc.Metadata, timeoutMs?: number): grpc.ClientReadableStream<ProtoObject> {
  const fn = client[method]!;
  return fn.call(client, req, md, callOptions(timeoutMs)) as grpc.ClientReadableStream<ProtoObject>;
}

/** A server-streaming call collected into an array; rejects with the raw grpc-js error (callers convert). */
export async function collectStream(client: RawClient, method: string, req: object, md: grpc.Metadata, timeoutMs?: number): Promise<ProtoObject[]> {
  const out: ProtoObject[] = [];
  for await (const msg of openStream(client, method, req, md, timeoutMs)) out.push(msg as ProtoObject);
  return out;
}

/**
 * Entry point of the client: connect() opens one gRPC channel to a server
 * speaking the Cloud Bigtable v2 API (Tabula, the emulator, …) and hands out
 * the admin interface and per-table handles.
 *
 * Endpoint resolution: the `endpoint` argument, else BIGTABLE_EMULATOR_HOST,
 * else localhost:8086. Project/instance: options, else BIGTABLE_PROJECT /
 * BIGTABLE_INSTANCE, else 'tabula'/'tabula'. Cluster (where backups live):
 * the option, else `{instance}-c1`, the one cluster Tabula reports for an
 * instance. The channel is plaintext unless `credentials` says otherwise.
 */
import * as grpc from '@grpc/grpc-js';
import { clusterIdOf } from '../api/backup-name.js';
import { InvalidArgumentError } from '../base/errors.js';
import { createAdmin, type Admin } from './admin.js';
import { makeClients, type RpcContext } from './rpc.js';
import { createTable, type Table } from './table.js';

export interface ConnectOptions {
  project?: string;
  instance?: string;
  /** Cluster id of the instance that holds backups (default `{instance}-c1`, Tabula's only cluster). */
  cluster?: string;
  /** Channel credentials (default: insecure, as emulators and `tabula serve` expect). */
  credentials?: grpc.ChannelCredentials;
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
  /** app_profile_id sent with data requests. */
  appProfileId?: string;
  /** Deadline of unary calls, ms (default: none). */
  timeoutMs?: number;
}

export interface Connection {
  /** host:port connected to. */
  readonly endpoint: string;
  readonly project: string;
  readonly instance: string;
  /** Cluster id backups are made in. */
  readonly cluster: string;
  readonly admin: Admin;
  /** A handle on a table (no call is made until it is used). */
  table(name: string): Table;
  /**
   * A handle on authorized view `viewId` of `table` (see authorized-views.ts):
   * a Table whose every request names the view instead of the table, so reads
   * see only the view's rows and columns and writes outside it fail with
   * PermissionDeniedError. No call is made until it is used.
   */
  authorizedView(table: string, viewId: string): Table;
  /** Closes the channel; in-flight calls fail with CANCELLED. */
  close(): void;
}

export const DEFAULT_ENDPOINT = 'localhost:8086';

export function connect(endpoint?: string, options: ConnectOptions = {}): Connection {
  const target = endpoint ?? process.env.BIGTABLE_EMULATOR_HOST ?? DEFAULT_ENDPOINT;
  if (target.trim() === '') throw new InvalidArgumentError('endpoint: must be host:port');
  const project = options.project ?? process.env.BIGTABLE_PROJECT ?? 'tabula';
  const instance = options.instance ?? process.env.BIGTABLE_INSTANCE ?? 'tabula';
  const cluster = options.cluster ?? clusterIdOf(instance);
  if (cluster === '' || cluster.includes('/')) throw new InvalidArgumentError(`cluster: must be a cluster id, got "${cluster}"`);
  const { data, admin, instanceAdmin } = makeClients(target, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions ?? {});
  const ctx: RpcContext = {
    data,
    admin,
    instanceAdmin,
    instanceName: `projects/${project}/instances/${instance}`,
    clusterName: `projects/${project}/instances/${instance}/clusters/${cluster}`,
    appProfileId: options.appProfileId,
    timeoutMs: options.timeoutMs,
  };
  return {
    endpoint: target,
    project,
    instance,
    cluster,
    admin: createAdmin(ctx),
    table: (name) => createTable(ctx, name),
    authorizedView: (table, viewId) => createTable(ctx, table, viewId),
    close() {
      instanceAdmin.close();
      admin.close();
      data.close();
    },
  };
}

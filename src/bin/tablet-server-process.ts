/**
 * Composition root of `tabula tablet-server`: a tablet server over the
 * shared storage root DIR (its WAL in DIR/wal/<id>), a member of the cluster
 * of the master at MASTER, serving on one port both the internal
 * TabletServer service and the public Bigtable API: data requests are
 * routed to the tablets' owners (in-process for its own), table admin is
 * forwarded to the master.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { LocalStorage } from '../storage/local-storage.js';
import { TabletServer } from '../tabletserver/tablet-server.js';
import { ClusterMember } from '../tabletserver/cluster-member.js';
import { Router } from '../api/router.js';
import { dataServiceHandlers, dataServiceServerDefinition } from '../api/data-service.js';
import { instanceAdminServiceHandlers } from '../api/instance-admin-service.js';
import { instanceAdminServiceDefinition, tableAdminServiceDefinition } from '../api/protos.js';
import { MAX_RECEIVE_MESSAGE_BYTES } from '../api/limits.js';
import { RemoteMaster } from '../rpc/master-grpc.js';
import { serveTabletServer } from '../rpc/tablet-server-grpc.js';
import { bindInternalServer, shutdownInternalServer } from '../rpc/internal-server.js';
import { RouteCache } from '../rpc/route-cache.js';
import { ServerPool } from '../rpc/server-pool.js';
import { forwardingHandlers } from './admin-proxy.js';

export interface TabletServerProcessOptions {
  data: string;
  master: string;
  host: string;
  port: number;
  /** Server id (names its WAL directory); default a fresh random id per start. */
  id?: string;
  heartbeatMs: number;
  cacheBytes?: number;
  walSync?: boolean;
}

export interface RunningTabletServer {
  id: string;
  port: number;
  close(): Promise<void>;
}

const DATA_DEADLINE_MS = 30_000;

export async function startTabletServerProcess(opts: TabletServerProcessOptions): Promise<RunningTabletServer> {
  const data = resolve(opts.data);
  mkdirSync(data, { recursive: true });
  const id = opts.id ?? `ts-${randomBytes(4).toString('hex')}`;
  const ts = await TabletServer.open({
    storage: new LocalStorage(data), serverId: id, jobs: { localRoot: data }, cacheBytes: opts.cacheBytes, walSync: opts.walSync,
  });
  // Reconnect quickly after a master restart, so the lease is renewed within the master's grace period.
  const master = new RemoteMaster(opts.master, {
    deadlineMs: 10_000, channelOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 },
  });
  const adminClient = new grpc.Client(opts.master, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });

  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES, 'grpc.max_send_message_length': -1 });
  serveTabletServer(server, ts);
  const port = await bindInternalServer(server, opts.host, opts.port);
  const address = `${opts.host}:${port}`;
  const pool = new ServerPool({ local: { address, server: ts }, remote: { deadlineMs: DATA_DEADLINE_MS } });
  const router = new Router(new RouteCache(master), pool);
  server.addService(dataServiceServerDefinition, dataServiceHandlers(router));
  server.addService(tableAdminServiceDefinition, forwardingHandlers(tableAdminServiceDefinition, adminClient));
  server.addService(instanceAdminServiceDefinition, instanceAdminServiceHandlers());

  const member = new ClusterMember({ server: ts, master, address, heartbeatMs: opts.heartbeatMs });
  await member.start();
  return {
    id, port,
    close: async () => {
      await member.stop();
      await shutdownInternalServer(server);
      pool.close();
      master.close();
      adminClient.close();
      await ts.close({ flush: true });
    },
  };
}

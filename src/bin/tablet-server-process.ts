/**
 * Composition root of `tabula tablet-server`: a tablet server over the
 * shared storage root DIR (its WAL in DIR/wal/<id>), a member of the cluster
 * of the master at MASTER, serving on one port both the internal
 * TabletServer service and the public Bigtable API: data requests are
 * routed to the tablets' owners (in-process for its own), table and
 * instance admin are forwarded to the master.
 *
 * Operations as in `tabula serve` (prepareServerOps). /readyz is ready once
 * the server is registered, its last heartbeat was accepted, its lease is
 * valid and every tablet the master assigned it is open; it turns unready
 * while heartbeats fail (master unreachable). Calls to the master and to
 * other tablet servers use TLS and the cluster token as configured
 * (internal-clients.ts); forwarded table admin carries the caller's own
 * `authorization`, so the master checks the caller's scope.
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
import { instanceAdminServiceDefinition, tableAdminServiceDefinition } from '../api/protos.js';
import { logger } from '../base/log.js';
import { RemoteMaster } from '../rpc/master-grpc.js';
import { TABLET_SERVER_SERVICE_NAME } from '../rpc/internal-protos.js';
import { serveTabletServer } from '../rpc/tablet-server-grpc.js';
import { bindInternalServer, createInternalServer, shutdownInternalServer } from '../rpc/internal-server.js';
import { RouteCache } from '../rpc/route-cache.js';
import { ServerPool } from '../rpc/server-pool.js';
import { internalClients } from '../ops/internal-clients.js';
import { defaultOpsOptions, type InternalClientOptions, type OpsOptions } from '../ops/ops-options.js';
import type { Readiness } from '../ops/ops-http-server.js';
import { BIGTABLE_SERVICES, prepareServerOps } from '../ops/server-ops.js';
import { watchTabletServer } from '../ops/tabula-metrics.js';
import { forwardingHandlers } from './admin-proxy.js';
import { remoteViewDirectory } from '../api/remote-view-directory.js';
import { watchMasterLink } from './master-link.js';

const log = logger('tabletserver');

export interface TabletServerProcessOptions {
  data: string;
  master: string;
  host: string;
  port: number;
  /** host the other processes dial to reach this server (default `host`); the port is the bound one. */
  advertiseHost?: string;
  /** Server id (names its WAL directory); default a fresh random id per start. */
  id?: string;
  heartbeatMs: number;
  cacheBytes?: number;
  walSync?: boolean;
  /** false = read SSTable blocks through libuv's threadpool, not the read worker thread (storage/read-worker.ts). Default true. */
  readWorker?: boolean;
  /** Logging, metrics endpoint, TLS, auth, limits and internal TLS (defaults: as `tabula tablet-server --help` shows). */
  ops?: Partial<OpsOptions> & InternalClientOptions;
  /** Called as soon as the metrics endpoint listens (before tablets load). */
  onMetricsListening?: (port: number) => void;
}

export interface RunningTabletServer {
  id: string;
  port: number;
  /** Port of /metrics, /healthz, /readyz; undefined when not enabled. */
  metricsPort?: number;
  close(): Promise<void>;
}

const DATA_DEADLINE_MS = 30_000;

export async function startTabletServerProcess(opts: TabletServerProcessOptions): Promise<RunningTabletServer> {
  const started = Date.now();
  const data = resolve(opts.data);
  const id = opts.id ?? `ts-${randomBytes(4).toString('hex')}`;
  const o = defaultOpsOptions(opts.ops);
  const ops = prepareServerOps(o, opts.host, [...BIGTABLE_SERVICES, TABLET_SERVER_SERVICE_NAME]);
  let state: 'loading' | 'serving' | 'stopping' = 'loading';
  let ready: () => Promise<Readiness> = async () => ({ ready: false, checks: { tablets: 'loading' } });
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    const clients = internalClients(o, ops.auth);
    const metricsPort = await ops.startHttp(() => (state === 'stopping' ? { ready: false, checks: { tablets: 'shutting down' } } : ready()));
    if (metricsPort !== undefined) opts.onMetricsListening?.(metricsPort);

    mkdirSync(data, { recursive: true });
    const ts = await TabletServer.open({
      storage: new LocalStorage(data, { readWorker: opts.readWorker ?? true }), serverId: id, jobs: { localRoot: data }, cacheBytes: opts.cacheBytes, walSync: opts.walSync,
    });
    cleanup.push(() => ts.close());
    watchTabletServer(ops.metrics, ts);
    // Reconnect quickly after a master restart, so the lease is renewed within the master's grace period.
    const remoteMaster = new RemoteMaster(opts.master, {
      deadlineMs: 10_000, credentials: clients.cluster.credentials,
      channelOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000, ...clients.cluster.channelOptions },
    });
    cleanup.push(() => remoteMaster.close());
    const link = watchMasterLink(remoteMaster);
    const adminClient = new grpc.Client(opts.master, clients.forward.credentials, {
      'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1, ...clients.forward.channelOptions,
    });
    cleanup.push(() => adminClient.close());

    const server = createInternalServer(ops.grpcServerOptions());
    ops.grpcSettings.extraServices(server);
    serveTabletServer(server, ts);
    const port = await bindInternalServer(server, opts.host, opts.port, ops.credentials);
    cleanup.push(() => shutdownInternalServer(server, 0));
    const address = `${opts.advertiseHost ?? opts.host}:${port}`;
    const pool = new ServerPool({ local: { address, server: ts }, remote: { deadlineMs: DATA_DEADLINE_MS, ...clients.cluster } });
    cleanup.push(() => pool.close());
    const router = new Router(new RouteCache(link.master), pool);
    server.addService(dataServiceServerDefinition, dataServiceHandlers(router, remoteViewDirectory(adminClient)));
    server.addService(tableAdminServiceDefinition, forwardingHandlers(tableAdminServiceDefinition, adminClient));
    // Instance admin reads the catalog (ListInstances) too: the master answers it.
    server.addService(instanceAdminServiceDefinition, forwardingHandlers(instanceAdminServiceDefinition, adminClient));

    const member = new ClusterMember({ server: ts, master: link.master, address, heartbeatMs: opts.heartbeatMs });
    ready = async () => {
      const l = link.state();
      const masterCheck: true | string = !l.ok ? l.problem ?? 'no heartbeat accepted' : member.leaseValid ? true : 'lease expired';
      const open = new Set((await ts.tabletStats()).map((t) => t.id));
      const missing = l.assigned.filter((t) => !open.has(t)).length;
      const tablets: true | string = missing === 0 ? true : `opening ${missing} of ${l.assigned.length} assigned tablets`;
      return { ready: masterCheck === true && tablets === true, checks: { tablets, master: masterCheck } };
    };
    await member.start();
    ops.health()?.setServing(true);
    state = 'serving';
    log.info({ id, port, address, metricsPort, tls: !!o.tlsCert, auth: !!ops.auth, ms: Date.now() - started }, 'open');

    let closing: Promise<void> | undefined;
    return {
      id, port, metricsPort,
      close: () => (closing ??= (async () => {
        const t0 = Date.now();
        state = 'stopping';
        ops.health()?.setServing(false);
        await member.stop();
        await shutdownInternalServer(server, o.drainTimeout); // stop accepting, drain running calls
        const t1 = Date.now();
        pool.close();
        remoteMaster.close();
        adminClient.close();
        await ts.close({ flush: true }); // flush memtables, close the WAL
        log.info({ drainMs: t1 - t0, flushMs: Date.now() - t1 }, 'shutdown complete');
        await ops.close();
      })()),
    };
  } catch (e) {
    for (const c of cleanup.reverse()) await Promise.resolve().then(c).catch(() => {});
    await ops.close();
    throw e;
  }
}

/**
 * Composition root of `tabula master`: the catalog (DIR/master), the cluster
 * master (leases, assignment, recovery) and, on one port, both the internal
 * Master service for tablet servers and the public Bigtable API (table admin
 * here; data requests routed to the tablets' owners).
 *
 * Operations as in `tabula serve` (prepareServerOps): the metrics/health
 * endpoint comes up first (/readyz "loading" until the catalog is loaded and
 * the port serves), the auth + metrics interceptor wraps every call (internal
 * ones need a cluster token), and the calls this master makes to tablet
 * servers use TLS and the cluster token as configured (internal-clients.ts).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BACKUP_SWEEP_MS, Master } from '../master/master.js';
import { LocalStorage } from '../storage/local-storage.js';
import { FILE_GC_DEFAULTS, startFileGc, type FileGcOptions } from './file-gc-timer.js';
import { ClusterMaster } from '../master/cluster-master.js';
import { Router } from '../api/router.js';
import { createApiGrpcServer } from '../api/api-server.js';
import { logger } from '../base/log.js';
import { serveMaster } from '../rpc/master-grpc.js';
import { MASTER_SERVICE_NAME } from '../rpc/internal-protos.js';
import { RemoteTabletServer } from '../rpc/tablet-server-grpc.js';
import { bindInternalServer, shutdownInternalServer } from '../rpc/internal-server.js';
import { RouteCache } from '../rpc/route-cache.js';
import { ServerPool } from '../rpc/server-pool.js';
import type { TabletControlService } from '../rpc/tablet-service.js';
import { internalClients } from '../ops/internal-clients.js';
import { defaultOpsOptions, type InternalClientOptions, type OpsOptions } from '../ops/ops-options.js';
import type { Readiness } from '../ops/ops-http-server.js';
import { BIGTABLE_SERVICES, prepareServerOps } from '../ops/server-ops.js';
import { watchMaster } from '../ops/tabula-metrics.js';

const log = logger('master');

export interface MasterProcessOptions {
  data: string;
  host: string;
  port: number;
  leaseMs: number;
  /** How often leases are checked and unassigned tablets assigned. */
  tickMs: number;
  /** Split tablets larger than this (bytes); 0 = never. */
  splitBytes: number;
  /** How often the balancer runs (ms); 0 = only on request (tabula cluster balance). */
  balanceMs: number;
  /** Background deletion of unreferenced SSTables in the shared storage (default FILE_GC_DEFAULTS); the master is the one process that runs it. */
  fileGc?: FileGcOptions;
  /** Logging, metrics endpoint, TLS, auth, limits and internal TLS (defaults: as `tabula master --help` shows). */
  ops?: Partial<OpsOptions> & InternalClientOptions;
  /** Called as soon as the metrics endpoint listens (before the catalog loads). */
  onMetricsListening?: (port: number) => void;
}

export interface RunningMaster {
  port: number;
  /** Port of /metrics, /healthz, /readyz; undefined when not enabled. */
  metricsPort?: number;
  cluster: ClusterMaster;
  close(): Promise<void>;
}

/** Deadline of the master's control calls (opening a tablet may replay a WAL). */
const CONTROL_DEADLINE_MS = 60_000;
const DATA_DEADLINE_MS = 30_000;

export async function startMasterProcess(opts: MasterProcessOptions): Promise<RunningMaster> {
  const started = Date.now();
  const data = resolve(opts.data);
  const o = defaultOpsOptions(opts.ops);
  const ops = prepareServerOps(o, opts.host, [...BIGTABLE_SERVICES, MASTER_SERVICE_NAME]);
  let state: 'loading' | 'serving' | 'stopping' = 'loading';
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    const clients = internalClients(o, ops.auth);
    const metricsPort = await ops.startHttp((): Readiness => (state === 'serving'
      ? { ready: true, checks: { catalog: true } }
      : { ready: false, checks: { catalog: state === 'loading' ? 'loading' : 'shutting down' } }));
    if (metricsPort !== undefined) opts.onMetricsListening?.(metricsPort);

    mkdirSync(join(data, 'master'), { recursive: true });
    const servers = new Map<string, TabletControlService>();
    const master = await Master.open({ dir: join(data, 'master'), servers, assignOnOpen: false });
    cleanup.push(() => master.close());
    const cluster = new ClusterMaster({
      master, servers, leaseMs: opts.leaseMs,
      connect: (address) => new RemoteTabletServer(address, address, { deadlineMs: CONTROL_DEADLINE_MS, ...clients.cluster }),
    });
    cleanup.push(() => cluster.close());
    const pool = new ServerPool({ remote: { deadlineMs: DATA_DEADLINE_MS, ...clients.cluster } });
    cleanup.push(() => pool.close());
    watchMaster(ops.metrics, master);
    const router = new Router(new RouteCache(cluster), pool);
    const server = createApiGrpcServer(router, master, ops.grpcSettings);
    serveMaster(server, cluster, cluster);
    const port = await bindInternalServer(server, opts.host, opts.port, ops.credentials);
    cleanup.push(() => shutdownInternalServer(server, 0));
    const stopTicks = cluster.start(opts.tickMs);
    const balancer = opts.balanceMs > 0 ? setInterval(() => void cluster.balance().catch(() => {}), opts.balanceMs) : undefined;
    balancer?.unref();
    const stopSplits = opts.splitBytes > 0 ? master.startAutoSplit({ splitBytes: opts.splitBytes, intervalMs: Math.max(opts.tickMs, 1000) }) : async () => {};
    // Expired backups go, and deletions or creations a crash interrupted are finished.
    const stopBackupSweep = master.startBackupSweep(BACKUP_SWEEP_MS);
    // SSTables no manifest references any more (compacted, dropped tables, deleted backups).
    const stopFileGc = startFileGc(new LocalStorage(data), opts.fileGc ?? FILE_GC_DEFAULTS);
    ops.health()?.setServing(true);
    state = 'serving';
    log.info({ port, metricsPort, tls: !!o.tlsCert, auth: !!ops.auth, ms: Date.now() - started }, 'open');

    let closing: Promise<void> | undefined;
    return {
      port, metricsPort, cluster,
      close: () => (closing ??= (async () => {
        const t0 = Date.now();
        state = 'stopping';
        ops.health()?.setServing(false);
        stopTicks();
        await stopSplits();
        clearInterval(balancer);
        await shutdownInternalServer(server, o.drainTimeout); // stop accepting, drain running calls
        await stopBackupSweep();
        await stopFileGc();
        const t1 = Date.now();
        pool.close();
        cluster.close();
        await master.close();
        log.info({ drainMs: t1 - t0, closeMs: Date.now() - t1 }, 'shutdown complete');
        await ops.close();
      })()),
    };
  } catch (e) {
    for (const c of cleanup.reverse()) await Promise.resolve().then(c).catch(() => {});
    await ops.close();
    throw e;
  }
}

/**
 * Composition root of the embedded server (`tabula serve`): master, one or
 * more tablet servers (--tablet-servers; embedded-cluster.ts) and the
 * Bigtable API in one process, data in one directory. The parts talk through
 * the same interfaces a cluster uses over the network.
 *
 * Start-up order matters for probes: the metrics/health endpoint comes up
 * first (so /healthz answers and /readyz says "loading" while tablets open),
 * then storage, tablets and the master, then the API.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../storage/local-storage.js';
import { startApiServer } from '../api/api-server.js';
import { FILE_GC_DEFAULTS, startFileGc, type FileGcOptions } from './file-gc-timer.js';
import { logger } from '../base/log.js';
import { defaultOpsOptions, type OpsOptions } from '../ops/ops-options.js';
import { prepareServerOps } from '../ops/server-ops.js';
import type { Readiness } from '../ops/ops-http-server.js';
import { watchMaster, watchTabletServer } from '../ops/tabula-metrics.js';
import { BACKUP_SWEEP_MS } from '../master/master.js';
import { openEmbeddedCluster, type EmbeddedCluster } from './embedded-cluster.js';

const log = logger('serve');

/** Default split size: as a cluster master's --split-size. */
export const DEFAULT_SPLIT_BYTES = 256 << 20;

export interface ServeOptions {
  data: string;
  host: string;
  port: number;
  /** Bytes of the block cache (split evenly among the tablet servers). */
  cacheBytes?: number;
  /**
   * Tablet servers in this process (default 1), each with its own WAL
   * (DIR/wal/<id>, ids embedded, embedded-1, …); the master assigns and
   * balances tablets across them.
   */
  tabletServers?: number;
  /** With more than one tablet server, how often the master balances them (ms; default 30000, 0 = only at start-up). */
  balanceMs?: number;
  /** Tablets whose data passes this many bytes are split (by pointer; default 256 MiB, 0 = never). */
  splitBytes?: number;
  /** How often tablet sizes are checked for splitting (ms; default 5000). */
  splitCheckMs?: number;
  /** false = do not fsync the WAL (benchmarks only; acknowledged writes may be lost). */
  walSync?: boolean;
  /** false = read SSTable blocks through libuv's threadpool, not the read worker thread (storage/read-worker.ts). Default true. */
  readWorker?: boolean;
  /** Background deletion of unreferenced SSTables (default FILE_GC_DEFAULTS: every 5 min, files older than 10 min). */
  fileGc?: FileGcOptions;
  /** Logging, metrics endpoint, TLS, auth and limits (defaults: as `tabula serve --help` shows). */
  ops?: Partial<OpsOptions>;
  /** Called as soon as the metrics endpoint listens (before tablets load). */
  onMetricsListening?: (port: number) => void;
  /** Awaited after the metrics endpoint is up and before tablets load (embedding and probe tests). */
  beforeLoad?: () => Promise<void>;
}

export interface EmbeddedServer {
  host: string;
  port: number;
  /** Port of /metrics, /healthz, /readyz; undefined when not enabled. */
  metricsPort?: number;
  data: string;
  close(): Promise<void>;
}

export async function serve(opts: ServeOptions): Promise<EmbeddedServer> {
  const started = Date.now();
  const data = resolve(opts.data);
  const o: OpsOptions = defaultOpsOptions(opts.ops);
  const ops = prepareServerOps(o, opts.host);
  const n = opts.tabletServers ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`tabletServers: must be an integer 1-64, got ${n}`);
  let state: 'loading' | 'serving' | 'stopping' = 'loading';
  let cluster: EmbeddedCluster | undefined;
  let metricsPort: number | undefined;
  try {
    metricsPort = await ops.startHttp(async (): Promise<Readiness> => {
      if (state !== 'serving' || !cluster) return { ready: false, checks: { tablets: state === 'loading' ? 'loading' : 'shutting down' } };
      await cluster.tabletStats(); // the tablet servers answer
      // Embedded: the master lives in this process, reachable while serving.
      return { ready: true, checks: { tablets: true, master: true } };
    });
    if (metricsPort !== undefined) opts.onMetricsListening?.(metricsPort);
    await opts.beforeLoad?.();

    mkdirSync(data, { recursive: true });
    const storage = new LocalStorage(data, { readWorker: opts.readWorker ?? true });
    cluster = await openEmbeddedCluster({
      storage, masterDir: join(data, 'master'), tabletServers: n,
      server: {
        jobs: { localRoot: data },
        cacheBytes: opts.cacheBytes === undefined || n === 1 ? opts.cacheBytes : Math.max(1 << 20, Math.floor(opts.cacheBytes / n)),
        walSync: opts.walSync,
      },
    });
    const { master, router } = cluster;
    const embedded = cluster;
    // One server: its own stats, as always; several: the metrics cover all of them.
    watchTabletServer(ops.metrics, n === 1 ? embedded.servers[0]! : embedded);
    watchMaster(ops.metrics, master);
    // Several servers: even them out now (a data directory last served by fewer servers) and then periodically.
    let balancing: Promise<unknown> = Promise.resolve();
    const balance = () => (balancing = balancing.then(() => master.balance()).catch((e) => log.warn({ err: String(e) }, 'balancing failed')));
    if (n > 1) await balance();
    const api = await startApiServer({
      host: opts.host, port: opts.port, data: router, admin: master,
      credentials: ops.credentials, drainMs: o.drainTimeout, ...ops.grpcSettings,
    });
    ops.health()?.setServing(true);
    state = 'serving';
    const balancer = n > 1 && (opts.balanceMs ?? 30_000) > 0 ? setInterval(() => void balance(), opts.balanceMs ?? 30_000) : undefined;
    balancer?.unref();
    const tablets = (await embedded.tabletStats()).length;
    log.info({ port: api.port, metricsPort, tablets, tabletServers: n, tls: !!o.tlsCert, auth: !!ops.auth, ms: Date.now() - started }, 'open');

    // Expired backups go, and deletions or creations a crash interrupted are finished.
    const stopBackupSweep = master.startBackupSweep(BACKUP_SWEEP_MS);
    // Tablets past the split size are split by pointer, as a cluster's master does.
    const splitBytes = opts.splitBytes ?? DEFAULT_SPLIT_BYTES;
    const stopSplits = splitBytes > 0 ? master.startAutoSplit({ splitBytes, intervalMs: opts.splitCheckMs ?? 5000 }) : async () => {};

    // SSTables no manifest references any more (compacted, dropped tables, deleted backups) are deleted in the background.
    const stopFileGc = startFileGc(storage, opts.fileGc ?? FILE_GC_DEFAULTS);

    let closing: Promise<void> | undefined;
    return {
      host: opts.host,
      port: api.port,
      metricsPort,
      data,
      close: () => (closing ??= (async () => {
        const t0 = Date.now();
        state = 'stopping';
        ops.health()?.setServing(false);
        clearInterval(balancer);
        await api.close(); // stop accepting, drain running calls (bounded by drainTimeout)
        await stopSplits();
        await stopBackupSweep();
        await stopFileGc();
        await balancing; // a move in progress finishes before the servers close
        const t1 = Date.now();
        await embedded.close({ flush: true }); // flush memtables, close the WALs, then the master
        log.info({ drainMs: t1 - t0, flushMs: Date.now() - t1 }, 'shutdown complete');
        await ops.close();
      })()),
    };
  } catch (e) {
    await cluster?.close().catch(() => {});
    await ops.close();
    throw e;
  }
}

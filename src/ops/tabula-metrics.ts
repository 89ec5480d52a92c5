/**
 * The Prometheus metrics of one Tabula process (prom-client). Every process
 * kind (serve, master, tablet-server) builds one with createTabulaMetrics(),
 * installs it as the engine's metrics hooks, and adds collectors for the parts
 * it hosts (watchTabletServer, watchMaster); an ops HTTP server exposes it.
 *
 * Names: tabula_* for ours, process_* / nodejs_* (incl. nodejs_eventloop_lag_*)
 * from prom-client's default metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { blockCaches, setMetricsHooks, type MetricsHooks } from '../base/metrics-hooks.js';

/** Latency buckets in seconds: 100 µs … 10 s. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const GROUP_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

export interface TabulaMetrics {
  readonly registry: Registry;
  /** One finished RPC: full method path, status code name (OK, CANCELLED, …), seconds. */
  rpcFinished(method: string, code: string, seconds: number): void;
  rpcStarted(method: string): void;
  /** A response message was handed to the transport (counts streamed work). */
  rpcMessageSent(method: string): void;
  /** Makes this object the engine's metrics hooks; returns an uninstall function. */
  installEngineHooks(): () => void;
}

export function createTabulaMetrics(opts: { defaultMetrics?: boolean } = {}): TabulaMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const rpcTotal = new Counter({ name: 'tabula_rpc_total', help: 'Finished RPCs by method and gRPC status code', labelNames: ['method', 'code'], registers });
  const rpcSeconds = new Histogram({ name: 'tabula_rpc_duration_seconds', help: 'RPC latency from metadata received to status sent', labelNames: ['method', 'code'], buckets: LATENCY_BUCKETS, registers });
  const rpcInflight = new Gauge({ name: 'tabula_rpc_in_flight', help: 'RPCs started and not finished', labelNames: ['method'], registers });
  const rpcMessages = new Counter({ name: 'tabula_rpc_messages_sent_total', help: 'Response messages sent (a cancelled stream stops adding to it)', labelNames: ['method'], registers });

  const walSync = new Histogram({ name: 'tabula_wal_sync_duration_seconds', help: 'WAL group commit: append plus fsync', buckets: LATENCY_BUCKETS, registers });
  const walGroup = new Histogram({ name: 'tabula_wal_group_records', help: 'Records covered by one WAL group commit', buckets: GROUP_BUCKETS, registers });
  const walBytes = new Counter({ name: 'tabula_wal_bytes_total', help: 'Bytes appended to the WAL', registers });
  const jobs = new Counter({ name: 'tabula_lsm_jobs_total', help: 'Flush and compaction jobs by kind and outcome', labelNames: ['kind', 'outcome'], registers });
  const jobBytes = new Counter({ name: 'tabula_lsm_job_bytes_written_total', help: 'SSTable bytes written by flushes and compactions', labelNames: ['kind'], registers });
  const jobSeconds = new Histogram({ name: 'tabula_lsm_job_duration_seconds', help: 'Flush and compaction durations', labelNames: ['kind'], buckets: JOB_BUCKETS, registers });
  // As HBase's "updates blocked" time and RocksDB's stall counters: writes outrunning flushes.
  const stalls = new Counter({ name: 'tabula_write_stalls_total', help: 'Writes that waited for memtable flushes (frozenMemtables, 3 by default, of their tablet already waiting)', registers });
  const stallSeconds = new Counter({ name: 'tabula_write_stall_seconds_total', help: 'Seconds writes spent waiting for memtable flushes', registers });

  const cacheSum = () => {
    const s = { hits: 0, misses: 0, bytes: 0, capacity: 0, recycled: 0 };
    for (const c of blockCaches()) {
      const x = c.stats();
      s.hits += x.hits; s.misses += x.misses; s.bytes += x.bytes; s.capacity += x.capacity; s.recycled += x.recycled;
    }
    return s;
  };
  // Counters kept by the cache itself, exposed at scrape time (no per-lookup cost).
  new Counter({ name: 'tabula_block_cache_hits_total', help: 'Block cache hits', registers, collect() { this.reset(); this.inc(cacheSum().hits); } });
  new Counter({ name: 'tabula_block_cache_misses_total', help: 'Block cache misses', registers, collect() { this.reset(); this.inc(cacheSum().misses); } });
  new Counter({ name: 'tabula_block_cache_recycled_total', help: 'Block reads into the memory of an evicted block (the rest of the misses read into fresh memory)', registers, collect() { this.reset(); this.inc(cacheSum().recycled); } });
  new Gauge({ name: 'tabula_block_cache_bytes', help: 'Bytes held by block caches', registers, collect() { this.set(cacheSum().bytes); } });
  new Gauge({ name: 'tabula_block_cache_capacity_bytes', help: 'Configured block cache capacity', registers, collect() { this.set(cacheSum().capacity); } });

  const hooks: MetricsHooks = {
    walGroupCommit(seconds, records, bytes, synced) {
      if (synced) walSync.observe(seconds);
      walGroup.observe(records);
      walBytes.inc(bytes);
    },
    lsmJob(kind, seconds, bytesOut, ok) {
      jobs.inc({ kind, outcome: ok ? 'ok' : 'error' });
      if (ok) {
        jobBytes.inc({ kind }, bytesOut);
        jobSeconds.observe({ kind }, seconds);
      }
    },
    writeStall(seconds) {
      stalls.inc();
      stallSeconds.inc(seconds);
    },
  };

  return {
    registry,
    rpcStarted: (method) => rpcInflight.inc({ method }),
    rpcFinished(method, code, seconds) {
      rpcInflight.dec({ method });
      rpcTotal.inc({ method, code });
      rpcSeconds.observe({ method, code }, seconds);
    },
    rpcMessageSent: (method) => rpcMessages.inc({ method }),
    installEngineHooks: () => setMetricsHooks(hooks),
  };
}

/** What watchTabletServer reads (TabletServer's public surface). */
export interface TabletStatsSource {
  tabletStats(): Promise<Array<{ id: string; bytes: number; sstables: number; sortedRuns: number; memtableBytes: number }>>;
}

/** Per-tablet figures of a tablet server, read at scrape time. */
export function watchTabletServer(m: TabulaMetrics, server: TabletStatsSource): void {
  const registers = [m.registry];
  let last: Promise<Awaited<ReturnType<TabletStatsSource['tabletStats']>>> | undefined;
  // One tabletStats() call per scrape, shared by the gauges below.
  // A closing server may refuse; a scrape then shows no tablets rather than failing as a whole.
  const stats = () => (last ??= server.tabletStats().catch(() => []).finally(() => setTimeout(() => { last = undefined; }, 100).unref()));
  new Gauge({ name: 'tabula_tablets', help: 'Tablets served by this server', registers, async collect() { this.set((await stats()).length); } });
  new Gauge({
    name: 'tabula_memtable_bytes', help: 'Memtable bytes (active + waiting to flush) over all tablets', registers,
    async collect() { this.set((await stats()).reduce((n, t) => n + t.memtableBytes, 0)); },
  });
  new Gauge({
    name: 'tabula_tablet_sstables', help: 'SSTables per tablet', labelNames: ['tablet'], registers,
    async collect() { this.reset(); for (const t of await stats()) this.set({ tablet: t.id }, t.sstables); },
  });
  new Gauge({
    // What compaction bounds (a flush's SSTable, or all the files one compaction wrote): near
    // 3 x the bound (24), flushes wait for compaction and writes may stall.
    name: 'tabula_tablet_sorted_runs', help: 'Sorted runs of SSTables per tablet (what compaction bounds)', labelNames: ['tablet'], registers,
    async collect() { this.reset(); for (const t of await stats()) this.set({ tablet: t.id }, t.sortedRuns); },
  });
  new Gauge({
    name: 'tabula_tablet_bytes', help: 'SSTable bytes per tablet', labelNames: ['tablet'], registers,
    async collect() { this.reset(); for (const t of await stats()) this.set({ tablet: t.id }, t.bytes); },
  });
}

/** Master counters (splits, moves, recoveries), read at scrape time. */
export function watchMaster(m: TabulaMetrics, master: { counters: { splits: number; moves: number; recoveries: number; backups: number; restores: number } }): void {
  const registers = [m.registry];
  for (const k of ['splits', 'moves', 'recoveries'] as const) {
    new Counter({ name: `tabula_master_${k}_total`, help: `Tablet ${k} done by the master`, registers, collect() { this.reset(); this.inc(master.counters[k]); } });
  }
  new Counter({ name: 'tabula_master_backups_total', help: 'Backups created by the master', registers, collect() { this.reset(); this.inc(master.counters.backups); } });
  new Counter({ name: 'tabula_master_restores_total', help: 'Tables restored from backups by the master', registers, collect() { this.reset(); this.inc(master.counters.restores); } });
}

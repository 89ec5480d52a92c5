/**
 * The tiny seam between the storage engine and the metrics system: lsm code
 * reports events here, src/ops installs an implementation (prom-client).
 * Keeping it in base/ means lsm never imports ops. The default does nothing,
 * so engines in tests and benchmarks pay one no-op call per event.
 *
 * One process-wide instance, because the engine objects are built deep inside
 * the tablet server and the process has one metrics registry anyway.
 */

export interface MetricsHooks {
  /** One WAL group commit: time spent in append+fsync, and the records it covered. */
  walGroupCommit(seconds: number, records: number, bytes: number, synced: boolean): void;
  /** A background job (flush or compaction) ended: duration, bytes written, outcome. */
  lsmJob(kind: string, seconds: number, bytesOut: number, ok: boolean): void;
  /** A write waited for memtable flushes (frozenMemtables, 3 by default, already waiting to flush): how long it waited. */
  writeStall(seconds: number): void;
}

/** What a block cache can tell the metrics system (polled at scrape time). */
export interface BlockCacheStatsSource {
  stats(): { hits: number; misses: number; bytes: number; capacity: number; entries: number; recycled: number };
}

const noop: MetricsHooks = { walGroupCommit() {}, lsmJob() {}, writeStall() {} };
let current: MetricsHooks = noop;
// Weak so a closed engine's cache can be garbage collected.
const caches = new Set<WeakRef<BlockCacheStatsSource>>();

export function metricsHooks(): MetricsHooks {
  return current;
}

/** Installs the process's metrics implementation; returns a function restoring the previous one. */
export function setMetricsHooks(h: MetricsHooks): () => void {
  const prev = current;
  current = h;
  return () => {
    current = prev;
  };
}

export function registerBlockCache(cache: BlockCacheStatsSource): void {
  caches.add(new WeakRef(cache));
}

/** The live block caches of this process. */
export function blockCaches(): BlockCacheStatsSource[] {
  const out: BlockCacheStatsSource[] = [];
  for (const ref of caches) {
    const c = ref.deref();
    if (c) out.push(c);
    else caches.delete(ref);
  }
  return out;
}

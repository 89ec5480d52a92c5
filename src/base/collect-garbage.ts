/**
 * A full garbage collection on request, for a worker thread that receives
 * shared memory. V8 does not count a SharedArrayBuffer's memory towards the
 * external-memory pressure that schedules an isolate's collections, and a job
 * thread allocates few objects of its own: it kept the dead memtables that
 * flushes had sent it for as long as it stayed idle (test/compaction/
 * job-runner.test.ts shows it): 10M random-key cells ended at 1.64 GB RSS,
 * against 1.11-1.20 GB collecting after jobs (measured; CollectionThrottle
 * below says how often).
 *
 * `gc` is exposed by turning on V8's --expose-gc at run time and taking the
 * function from a fresh context, where the flag installs it (node:v8's
 * setFlagsFromString); a V8 that refuses flags after start (newer Node
 * versions may freeze them) leaves this a no-op that returns false.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/** Runs a full collection; false when this runtime does not allow it. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
      gc = typeof fn === 'function' ? (fn as () => void) : null;
    } catch {
      gc = null;
    }
  }
  if (gc === null) return false;
  gc();
  return true;
}

/**
 * Collections on request, at most one per `intervalMs`: the first request
 * collects at once; requests within the interval that follows are folded
 * into one collection at its end (so the last request is always followed by
 * a collection within `intervalMs`).
 *
 * Why not one after every job: a full collection while the job code's
 * objects are all dead lets V8 drop the maps its optimised code was built
 * for, and that code is thrown away ("weak objects" deoptimisations): every
 * flush then built its SSTable with block-building code re-optimised from
 * scratch (measured: nine functions recompiled per flush; see bench/README).
 */
export class CollectionThrottle {
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number, private readonly collect: () => unknown = collectGarbage) {}

  request(): void {
    if (this.timer !== undefined) return; // a collection is already due
    const wait = this.last + this.intervalMs - performance.now();
    if (wait <= 0) return this.run();
    this.timer = setTimeout(() => { this.timer = undefined; this.run(); }, wait);
    this.timer.unref(); // never what keeps a thread alive
  }

  private run(): void {
    this.last = performance.now();
    this.collect();
  }
}

/**
 * A full garbage collection on request, for a worker thread that receives
 * shared memory. V8 does not count a SharedArrayBuffer's memory towards the
 * external-memory pressure that schedules an isolate's collections, and a job
 * thread allocates few objects of its own: it kept the dead memtables that
 * flushes had sent it for as long as it stayed idle (test/compaction/
 * job-runner.test.ts shows it): 10M random-key cells ended at 1.64 GB RSS,
 * against 1.13-1.18 GB collecting after each job (measured).
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

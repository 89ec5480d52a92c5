/**
 * The shared memory between the main thread and its read worker
 * (read-worker.ts, read-worker-thread.ts). All of it is SharedArrayBuffers,
 * handed over once when the worker starts.
 *
 * ```
 * ctrl      Int32[4]      C_HEAD requests submitted (written by the main thread)
 *                         C_DONE requests completed (written by the worker)
 *                         C_SLEEPING 1 while the worker is (about to be) blocked in Atomics.wait
 * requests  Float64[6·S]  per slot: fd, file position, length, hash length,
 *                         target id (-1: the slot's data) and offset in the target
 * submitted Int32[S]      ring of slot ids in submission order (index: count & (S-1))
 * completed Int32[S]      ring of slot ids in completion order
 * status    Int32[S]      per slot: bytes read (>= 0), or -errno
 * hashes    Int32[S]      per slot: checksum32 of the first `hash length` bytes read
 *                         (when that many were read and the length is not 0)
 * data      S·slotBytes   per slot: the bytes read, when the request has no target
 * ```
 *
 * Targets: a read into memory backed by a SharedArrayBuffer goes straight
 * into it (no copy out of a slot). The main thread numbers each such buffer
 * once and posts `{ id, buffer }` on the targets port before the first
 * request naming it, so the worker finds it with receiveMessageOnPort; once
 * the main thread's buffer is garbage-collected it posts `{ forget: [ids] }`
 * (no request can name a buffer the main thread no longer holds), which the
 * worker takes whenever it goes idle.
 *
 * The counters wrap as int32 and are only compared for equality. A slot is
 * owned by the main thread from when it is completed until it is submitted
 * again, so at most S requests are in flight and neither ring overruns.
 * Plain writes before an Atomics.store of a counter are visible to the other
 * thread once its Atomics.load sees that count (the JavaScript memory model's
 * synchronizes-with), so only the counters need atomics.
 */
export interface ReadWorkerMemory {
  ctrl: Int32Array;
  requests: Float64Array;
  submitted: Int32Array;
  completed: Int32Array;
  status: Int32Array;
  hashes: Int32Array;
  data: SharedArrayBuffer;
  slotBytes: number;
}

export const C_HEAD = 0;
export const C_DONE = 1;
export const C_SLEEPING = 2;
/** Fields per slot in `requests`. */
export const REQUEST_FIELDS = 6;

/** A message on the targets port: a new target, or targets to forget. */
export interface TargetMessage {
  id?: number;
  buffer?: SharedArrayBuffer;
  forget?: number[];
}

/**
 * How long the worker polls for more requests before it sleeps. Measured
 * (16 reads in flight, 14 µs of main-thread work each, page cache warm):
 * 42k reads/s through the threadpool, 51k with a worker that sleeps at once,
 * 61k polling 50 µs, 62k polling 200 µs.
 */
export const SPIN_MS = 0.05;

/** Allocates the memory for `slots` slots (a power of two) of `slotBytes` each. */
export function newReadWorkerMemory(slots: number, slotBytes: number): ReadWorkerMemory {
  if (!(slots > 0 && (slots & (slots - 1)) === 0)) throw new RangeError('slots: must be a power of two');
  const ints = (n: number) => new Int32Array(new SharedArrayBuffer(4 * n));
  return {
    ctrl: ints(4),
    requests: new Float64Array(new SharedArrayBuffer(8 * REQUEST_FIELDS * slots)),
    submitted: ints(slots),
    completed: ints(slots),
    status: ints(slots),
    hashes: ints(slots),
    data: new SharedArrayBuffer(slots * slotBytes),
    slotBytes,
  };
}

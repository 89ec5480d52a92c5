/**
 * One reusable big buffer per thread. A fresh multi-megabyte allocation is
 * mapped memory the kernel faults in page by page on first touch: measured
 * on these machines at ~3.5 ns per byte, 20x a copy into memory already
 * touched (~0.17 ns per byte). A flush writes its whole SSTable into one
 * such buffer; reusing the previous flush's buffer skips those faults.
 *
 * The spare is dropped after IDLE_MS unused, so an idle server does not keep
 * it resident.
 */
const IDLE_MS = 10_000;
/** Smaller buffers come from the allocator's own reused memory anyway. */
const MIN_BYTES = 1 << 20;

let spare: Buffer | undefined;
let timer: NodeJS.Timeout | undefined;

/** A buffer of at least `min` bytes with arbitrary contents: the spare if it is big enough, else a new one. */
export function takeBuffer(min: number): Buffer {
  if (spare && spare.length >= min) {
    const b = spare;
    spare = undefined;
    return b;
  }
  // Headroom, so that the next, similar-sized request fits too (untouched pages cost no memory).
  return Buffer.allocUnsafeSlow(min >= MIN_BYTES ? Math.ceil(min * 1.25) : min);
}

/** Offers `b` (no longer used by the caller) as the spare; the bigger of it and the current spare is kept. */
export function giveBuffer(b: Buffer): void {
  if (b.length < MIN_BYTES || (spare && spare.length >= b.length)) return;
  spare = b;
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => { spare = undefined; timer = undefined; }, IDLE_MS);
  timer.unref();
}

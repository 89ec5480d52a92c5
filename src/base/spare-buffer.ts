/**
 * A few reusable big buffers per thread (a flush needs two: the memtable
 * export and the SSTable it becomes). A fresh multi-megabyte allocation is
 * mapped memory the kernel faults in page by page on first touch: measured
 * on these machines at ~3.5 ns per byte, 20x a copy into memory already
 * touched (~0.17 ns per byte). A flush writes its whole SSTable into one
 * such buffer; reusing the previous flush's buffer skips those faults.
 *
 * Spares are dropped after IDLE_MS unused, so an idle server does not keep
 * them resident.
 */
const IDLE_MS = 10_000;
/** Smaller buffers come from the allocator's own reused memory anyway. */
const MIN_BYTES = 1 << 20;
/** How many spares a thread keeps (the biggest ones offered). */
const MAX_SPARES = 2;

const spares: Buffer[] = [];
let timer: NodeJS.Timeout | undefined;

/** A buffer of at least `min` bytes with arbitrary contents: the smallest spare that is big enough, else a new one. */
export function takeBuffer(min: number): Buffer {
  let best = -1;
  for (let i = 0; i < spares.length; i++) {
    if (spares[i]!.length >= min && (best < 0 || spares[i]!.length < spares[best]!.length)) best = i;
  }
  if (best >= 0) return spares.splice(best, 1)[0]!;
  // Headroom, so that the next, similar-sized request fits too (untouched pages cost no memory).
  return Buffer.allocUnsafeSlow(min >= MIN_BYTES ? Math.ceil(min * 1.25) : min);
}

/** Offers `b` (no longer used by the caller) as a spare; the MAX_SPARES biggest offers are kept. */
export function giveBuffer(b: Buffer): void {
  if (b.length < MIN_BYTES || spares.includes(b)) return;
  spares.push(b);
  spares.sort((x, y) => y.length - x.length);
  spares.length = Math.min(spares.length, MAX_SPARES);
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => { spares.length = 0; timer = undefined; }, IDLE_MS);
  timer.unref();
}

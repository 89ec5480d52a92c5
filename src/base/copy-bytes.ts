/**
 * Copying to and from shared memory (SharedArrayBuffers) fast.
 *
 * V8 copies shared memory with relaxed atomics, word by word only when
 * source and target addresses are equally aligned (mod 8), else byte by
 * byte: 1 MB out of shared memory took 208 µs unaligned against 37 µs aligned
 * on the bench machine. A flush's memtable export is such a copy (its runs
 * start anywhere in the arena and land anywhere in the export), and so is a
 * block copied into the block cache's shared memory from a flush image.
 * Between plain buffers V8 uses memmove, aligned or not (31 µs). So an
 * unaligned copy with one shared side goes through a plain scratch buffer
 * placed at the shared side's alignment: 84 µs per MB.
 */

/** Scratch for unaligned copies, per thread (module state); allocated on first use. */
let scratch = new Uint8Array(0);
const SCRATCH_BYTES = 256 * 1024;

const isShared = (a: Uint8Array): boolean => a.buffer instanceof SharedArrayBuffer;

/**
 * Copies src[off, off + len) to out[pos, pos + len) and returns pos + len,
 * whichever of them is shared memory. No other thread may write either range
 * meanwhile (the copy is not atomic).
 */
export function copyBytes(out: Uint8Array, pos: number, src: Uint8Array, off: number, len: number): number {
  if (len <= 32) {
    // A loop beats creating a view for set() at these sizes.
    for (let i = 0; i < len; i++) out[pos + i] = src[off + i]!;
    return pos + len;
  }
  // Backing stores are at least 8-aligned, so byte offsets decide the addresses' alignment.
  const srcMis = (src.byteOffset + off) & 7;
  const outMis = (out.byteOffset + pos) & 7;
  const fromShared = isShared(src);
  // Equally aligned, both plain (memmove), or both shared (no placement of the scratch suits both).
  if (srcMis === outMis || fromShared === isShared(out)) {
    out.set(src.subarray(off, off + len), pos);
    return pos + len;
  }
  if (scratch.length === 0) scratch = new Uint8Array(SCRATCH_BYTES + 8);
  const mis = fromShared ? srcMis : outMis; // the scratch takes the shared side's alignment
  for (let done = 0; done < len; done += SCRATCH_BYTES) {
    const n = Math.min(len - done, SCRATCH_BYTES);
    scratch.set(src.subarray(off + done, off + done + n), mis);
    out.set(scratch.subarray(mis, mis + n), pos + done);
  }
  return pos + len;
}

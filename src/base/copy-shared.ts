/**
 * Copying out of shared memory (a SharedArrayBuffer) fast.
 *
 * V8 copies from shared memory with relaxed atomic loads, word by word only
 * when source and target addresses are equally aligned (mod 8), else byte by
 * byte: 1 MB took 208 µs unaligned against 37 µs aligned on the bench machine,
 * and a flush's memtable export is such a copy (its runs start anywhere in the
 * arena and land anywhere in the export). Between plain buffers V8 uses
 * memmove, aligned or not (31 µs). So an unaligned copy goes through a plain
 * scratch buffer, at the source's alignment: 84 µs per MB.
 */

/** Scratch for unaligned copies, per thread (module state); grown on first use. */
let scratch = new Uint8Array(0);
const SCRATCH_BYTES = 256 * 1024;

/**
 * Copies src[off, off + len) to out[pos, pos + len) and returns pos + len;
 * `src` may be backed by a SharedArrayBuffer, `out` must not be (the caller
 * owns it; no other thread writes either range meanwhile).
 */
export function copyFromShared(out: Uint8Array, pos: number, src: Uint8Array, off: number, len: number): number {
  if (len <= 32) {
    // A loop beats creating a view for set() at these sizes.
    for (let i = 0; i < len; i++) out[pos + i] = src[off + i]!;
    return pos + len;
  }
  // Backing stores are at least 8-aligned, so byte offsets decide the addresses' alignment.
  const mis = (src.byteOffset + off) & 7;
  if (mis === ((out.byteOffset + pos) & 7) || !(src.buffer instanceof SharedArrayBuffer)) {
    out.set(src.subarray(off, off + len), pos);
    return pos + len;
  }
  if (scratch.length === 0) scratch = new Uint8Array(SCRATCH_BYTES + 8);
  let done = 0;
  while (done < len) {
    const n = Math.min(len - done, SCRATCH_BYTES);
    scratch.set(src.subarray(off + done, off + done + n), mis); // shared → plain, equally aligned
    out.set(scratch.subarray(mis, mis + n), pos + done); // plain → plain: memmove
    done += n;
  }
  return pos + len;
}

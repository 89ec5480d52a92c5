/**
 * A sorted list of byte keys (an SSTable index's first or last keys) that
 * binary-searches mostly on numbers: each key's first 12 bytes are kept as
 * two 48-bit integers ("abbreviated keys", as in PostgreSQL's sorts), and the
 * full keys are compared only where both abbreviations tie.
 *
 * Why: every point read searches the index of each SSTable its bloom filter
 * lets through, about log2(blocks) ≈ 11 comparisons; comparing byte arrays
 * that each sit in their own heap object was the largest single cost of a
 * cached read (a cache miss per probed key). Two Float64Arrays are dense.
 *
 * Soundness: a key shorter than 12 bytes is padded with zeros. When two
 * padded abbreviations differ, the first differing byte either is a real byte
 * of both keys (same order as the full keys) or is padding in the shorter key
 * against a non-zero byte of the longer, which then extends the shorter key
 * as a prefix (and so sorts after it). Equal abbreviations fall back to the
 * full comparison.
 */
import { compareBytes } from '../../base/bytes.js';

export class SortedKeys {
  private readonly hi: Float64Array;
  private readonly lo: Float64Array;

  /** `keys` must be sorted (compareBytes); they are kept, not copied. */
  constructor(readonly keys: readonly Uint8Array[]) {
    this.hi = new Float64Array(keys.length);
    this.lo = new Float64Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      this.hi[i] = abbreviate(keys[i]!, 0);
      this.lo[i] = abbreviate(keys[i]!, 6);
    }
  }

  /** First i with keys[i] >= target (length if none). */
  lowerBound(target: Uint8Array): number {
    const th = abbreviate(target, 0);
    const tl = abbreviate(target, 6);
    const { hi, lo, keys } = this;
    let a = 0;
    let b = keys.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const h = hi[mid]!;
      let less: boolean;
      if (h !== th) less = h < th;
      else {
        const l = lo[mid]!;
        less = l !== tl ? l < tl : compareBytes(keys[mid]!, target) < 0;
      }
      if (less) a = mid + 1;
      else b = mid;
    }
    return a;
  }
}

/** Bytes [off, off+6) of key as a big-endian integer (< 2^48, exact in a double), zero-padded. */
function abbreviate(key: Uint8Array, off: number): number {
  let v = 0;
  const n = key.length;
  for (let i = off; i < off + 6; i++) v = v * 256 + (i < n ? key[i]! : 0);
  return v;
}

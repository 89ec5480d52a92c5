/**
 * A KvIterator over the flat format produced by Memtable.exportSorted():
 * `varint keyLen, key, varint valueLen, value`, repeated, in key order.
 * Used by the flush job (often in a worker thread). Always synchronous.
 *
 * Forward iteration (seekToFirst + next) decodes sequentially and allocates
 * nothing but the key/value views. The first seek/seekLT/seekToLast builds an
 * index of entry offsets (one pass) and then binary-searches it.
 *
 * key()/value() are views into `buf` and stay valid as long as `buf` does.
 * A malformed buffer throws CorruptionError.
 */
import { compareRanges } from '../../base/bytes.js';
import { CorruptionError, FailedPreconditionError } from '../../base/errors.js';
import type { KvIterator } from './kv-iterator.js';

const SOURCE = 'memtable export';

export function newFlatIterator(buf: Uint8Array): KvIterator {
  return new FlatIterator(buf);
}

class FlatIterator implements KvIterator {
  /** Offset of the current entry's header, or -1 when invalid. */
  private pos = -1;
  private kOff = 0;
  private kLen = 0;
  private vOff = 0;
  private vLen = 0;
  /** Entry start offsets, built on the first random-access call. */
  private index: Int32Array | undefined;
  private indexLen = 0;

  constructor(private readonly buf: Uint8Array) {}

  /** Decodes the entry at p (p < buf.length) into kOff/kLen/vOff/vLen. */
  private decode(p: number): void {
    const buf = this.buf;
    let q = p;
    // Inline varint reads (keys and values < 2^35 bytes).
    let kLen = 0;
    for (let shift = 0; ; shift += 7) {
      if (q >= buf.length || shift > 28) throw new CorruptionError(SOURCE, `bad key length at offset ${p}`);
      const b = buf[q++]!;
      kLen += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    const kOff = q;
    q += kLen;
    let vLen = 0;
    for (let shift = 0; ; shift += 7) {
      if (q >= buf.length || shift > 28) throw new CorruptionError(SOURCE, `bad value length at offset ${p}`);
      const b = buf[q++]!;
      vLen += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (q + vLen > buf.length) throw new CorruptionError(SOURCE, `entry at offset ${p} overruns the buffer`);
    this.pos = p;
    this.kOff = kOff;
    this.kLen = kLen;
    this.vOff = q;
    this.vLen = vLen;
  }

  private at(p: number): void {
    if (p >= this.buf.length) this.pos = -1;
    else this.decode(p);
  }

  private buildIndex(): Int32Array {
    if (this.index) return this.index;
    let idx = new Int32Array(1024);
    let n = 0;
    for (let p = 0; p < this.buf.length; ) {
      this.decode(p);
      if (n === idx.length) {
        const bigger = new Int32Array(idx.length * 2);
        bigger.set(idx);
        idx = bigger;
      }
      idx[n++] = p;
      p = this.vOff + this.vLen;
    }
    this.pos = -1;
    this.index = idx;
    this.indexLen = n;
    return idx;
  }

  /** Index of the first entry with key >= target (indexLen when none). */
  private lowerBound(target: Uint8Array): number {
    const idx = this.buildIndex();
    let lo = 0;
    let hi = this.indexLen;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      this.decode(idx[mid]!);
      if (compareRanges(this.buf, this.kOff, this.kOff + this.kLen, target, 0, target.length) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  seekToFirst(): void { this.at(0); }

  seek(target: Uint8Array): void {
    const i = this.lowerBound(target);
    if (i < this.indexLen) this.decode(this.index![i]!);
    else this.pos = -1;
  }

  seekLT(target: Uint8Array): void {
    const i = this.lowerBound(target);
    if (i > 0) this.decode(this.index![i - 1]!);
    else this.pos = -1;
  }

  seekToLast(): void {
    const idx = this.buildIndex();
    if (this.indexLen > 0) this.decode(idx[this.indexLen - 1]!);
    else this.pos = -1;
  }

  next(): void {
    if (this.pos < 0) throw new FailedPreconditionError('flat iterator: next() on an invalid iterator');
    this.at(this.vOff + this.vLen);
  }

  valid(): boolean { return this.pos >= 0; }

  key(): Uint8Array {
    if (this.pos < 0) throw new FailedPreconditionError('flat iterator: key() on an invalid iterator');
    return this.buf.subarray(this.kOff, this.kOff + this.kLen);
  }

  value(): Uint8Array {
    if (this.pos < 0) throw new FailedPreconditionError('flat iterator: value() on an invalid iterator');
    return this.buf.subarray(this.vOff, this.vOff + this.vLen);
  }

  close(): void { this.pos = -1; }
}

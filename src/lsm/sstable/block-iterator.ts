/**
 * Iterates the entries of one block built by block-builder.ts, without
 * copying the block. Seeks binary-search the restart array (restart entries
 * store full keys, compared in place), then scan forward.
 *
 * Lifetime: `key()` is a view of one reusable key buffer owned by this
 * iterator (prefix-compressed keys must be reassembled) and is often the
 * *same object* from call to call, overwritten in place; `value()` is a view
 * of the block. Both are valid until the next positioning call or `reset`:
 * copy a key to keep it (never hold it to compare with the next key).
 *
 * Every decode is bounds-checked against the restart array; malformed bytes
 * throw CorruptionError naming the file and the block offset.
 */
import { compareRanges } from '../../base/bytes.js';
import { readUint32LE } from '../../base/varint.js';
import { CorruptionError } from '../../base/errors.js';

export interface BlockIterator {
  /** Installs a new block (its contents, without trailer). Leaves the iterator unpositioned. */
  reset(block: Uint8Array, blockOffset: number): void;
  /** Drops the reference to the block. */
  release(): void;
  /** Makes valid() false without dropping the block. */
  invalidate(): void;
  /** Number of restart points of the current block. */
  readonly restartCount: number;
  seekToFirst(): void;
  seekToLast(): void;
  /** First entry with key >= target (invalid if none in this block). */
  seek(target: Uint8Array): void;
  /** Last entry with key < target (invalid if none in this block). */
  seekLT(target: Uint8Array): void;
  next(): void;
  valid(): boolean;
  key(): Uint8Array;
  value(): Uint8Array;
}

export function newBlockIterator(fileName: string): BlockIterator {
  return new BlockIteratorImpl(fileName);
}

const EMPTY = new Uint8Array(0);

/** End position of the last varintAt call (avoids allocating a tuple). */
let vpos = 0;
/** Reads a varint at d[pos] below `limit`; -1 when truncated or too long. */
function varintAt(d: Uint8Array, pos: number, limit: number): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= limit) return -1;
    const b = d[pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      vpos = pos;
      return result;
    }
    mul *= 128;
  }
  return -1;
}

class BlockIteratorImpl implements BlockIterator {
  private data: Uint8Array = EMPTY;
  private blockOffset = 0;
  private restartsOffset = 0;
  private numRestarts = 0;
  /** Offset of the current entry, -1 when invalid. */
  private cur = -1;
  private nextOff = 0;
  private keyBuf: Buffer = Buffer.allocUnsafe(64);
  private keyLen = 0;
  private keyView: Uint8Array | undefined;
  private valStart = 0;
  private valEnd = 0;

  constructor(private readonly fileName: string) {}

  get restartCount(): number {
    return this.numRestarts;
  }

  reset(block: Uint8Array, blockOffset: number): void {
    this.data = block;
    this.blockOffset = blockOffset;
    this.cur = -1;
    const len = block.length;
    if (len < 4) throw this.corrupt(`block too short (${len} bytes)`);
    const n = readUint32LE(block, len - 4);
    const ro = len - 4 - 4 * n;
    if (ro < 0 || (n === 0 && ro !== 0)) throw this.corrupt(`bad restart count ${n}`);
    this.numRestarts = n;
    this.restartsOffset = ro;
  }

  release(): void {
    this.data = EMPTY;
    this.cur = -1;
    this.numRestarts = 0;
    this.restartsOffset = 0;
  }

  invalidate(): void {
    this.cur = -1;
  }

  valid(): boolean {
    return this.cur >= 0;
  }

  key(): Uint8Array {
    return (this.keyView ??= this.keyBuf.subarray(0, this.keyLen));
  }

  value(): Uint8Array {
    return this.data.subarray(this.valStart, this.valEnd);
  }

  seekToFirst(): void {
    if (this.numRestarts === 0) {
      this.cur = -1;
      return;
    }
    this.seekToRestart(0);
  }

  seekToLast(): void {
    if (this.numRestarts === 0) {
      this.cur = -1;
      return;
    }
    this.seekToRestart(this.numRestarts - 1);
    while (this.nextOff < this.restartsOffset) this.decodeAt(this.nextOff);
  }

  next(): void {
    if (this.nextOff >= this.restartsOffset) {
      this.cur = -1;
      return;
    }
    this.decodeAt(this.nextOff);
  }

  seek(target: Uint8Array): void {
    if (this.numRestarts === 0) {
      this.cur = -1;
      return;
    }
    this.seekToRestart(this.lastRestartBelow(target));
    for (;;) {
      if (compareRanges(this.keyBuf, 0, this.keyLen, target, 0, target.length) >= 0) return;
      if (this.nextOff >= this.restartsOffset) {
        this.cur = -1;
        return;
      }
      this.decodeAt(this.nextOff);
    }
  }

  seekLT(target: Uint8Array): void {
    const n = this.numRestarts;
    if (n === 0 || this.compareRestartKey(0, target) >= 0) {
      this.cur = -1;
      return;
    }
    // The answer lies in restart interval lo: its first key is < target and
    // the next restart key (if any) is >= target.
    const lo = this.lastRestartBelow(target);
    this.seekToRestart(lo);
    const limit = lo + 1 < n ? this.restartOffset(lo + 1) : this.restartsOffset;
    let steps = 0;
    while (this.nextOff < limit) {
      this.decodeAt(this.nextOff);
      if (compareRanges(this.keyBuf, 0, this.keyLen, target, 0, target.length) >= 0) {
        // Went one too far: keys are prefix-compressed, so replay from the restart.
        this.seekToRestart(lo);
        for (let i = 0; i < steps; i++) this.decodeAt(this.nextOff);
        return;
      }
      steps++;
    }
  }

  /** The last restart whose key is < target, or 0 when none is (binary search; the block has restarts). */
  private lastRestartBelow(target: Uint8Array): number {
    let lo = 0;
    let hi = this.numRestarts - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.compareRestartKey(mid, target) < 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private restartOffset(i: number): number {
    const off = readUint32LE(this.data, this.restartsOffset + 4 * i);
    if (off >= this.restartsOffset) throw this.corrupt(`restart ${i} offset ${off} out of range`);
    return off;
  }

  private seekToRestart(i: number): void {
    if (this.keyLen !== 0) {
      this.keyLen = 0;
      this.keyView = undefined;
    }
    this.decodeAt(this.restartOffset(i));
  }

  /** Compares the (full, uncompressed) key of restart entry i with target, in place. */
  private compareRestartKey(i: number, target: Uint8Array): number {
    const d = this.data;
    const limit = this.restartsOffset;
    let p = this.restartOffset(i);
    const shared = d[p++]!;
    if (shared !== 0) throw this.corrupt(`restart entry at ${p - 1} has shared prefix`);
    let unshared = d[p++]!;
    if (unshared >= 0x80) {
      unshared = varintAt(d, p - 1, limit);
      p = vpos;
    }
    let vlen = d[p++]!;
    if (vlen >= 0x80) {
      vlen = varintAt(d, p - 1, limit);
      p = vpos;
    }
    if (!(unshared >= 0 && vlen >= 0 && p + unshared <= limit)) throw this.corrupt(`bad restart entry ${i}`);
    return compareRanges(d, p, p + unshared, target, 0, target.length);
  }

  /** Decodes the entry at p; the key buffer must hold the previous key (or be empty at a restart). */
  private decodeAt(p: number): void {
    const d = this.data;
    const limit = this.restartsOffset;
    const start = p;
    let shared = d[p++]!;
    if (shared >= 0x80) {
      shared = varintAt(d, p - 1, limit);
      p = vpos;
    }
    let unshared = d[p++]!;
    if (unshared >= 0x80) {
      unshared = varintAt(d, p - 1, limit);
      p = vpos;
    }
    let vlen = d[p++]!;
    if (vlen >= 0x80) {
      vlen = varintAt(d, p - 1, limit);
      p = vpos;
    }
    const keyEnd = p + unshared;
    const valEnd = keyEnd + vlen;
    // Negated tests so NaN (reading past the end) also fails.
    if (!(shared >= 0 && unshared >= 0 && vlen >= 0 && shared <= this.keyLen && valEnd <= limit)) {
      this.cur = -1;
      throw this.corrupt(`bad entry at ${start}`);
    }
    const klen = shared + unshared;
    let kb = this.keyBuf;
    if (klen > kb.length) {
      const grown = Buffer.allocUnsafe(Math.max(klen, 2 * kb.length));
      kb.copy(grown, 0, 0, shared);
      this.keyBuf = kb = grown;
      this.keyView = undefined;
    }
    // A byte loop up to 64 bytes: a seek decodes up to a restart interval of
    // cell keys (~40 bytes each with little shared), and a subarray view for
    // set() per entry cost more than the loop (8% of a cached point read).
    if (unshared < 64) {
      for (let i = p, j = shared; i < keyEnd; i++, j++) kb[j] = d[i]!;
    } else {
      kb.set(d.subarray(p, keyEnd), shared);
    }
    if (klen !== this.keyLen) {
      this.keyLen = klen;
      this.keyView = undefined;
    }
    this.cur = start;
    this.nextOff = valEnd;
    this.valStart = keyEnd;
    this.valEnd = valEnd;
  }

  private corrupt(msg: string): CorruptionError {
    return new CorruptionError(this.fileName, `block at offset ${this.blockOffset}: ${msg}`);
  }
}

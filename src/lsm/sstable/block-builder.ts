/**
 * Builds one prefix-compressed block (data, index or properties) directly
 * into a ByteWriter. Layout (FORMAT.md "Data block"):
 *
 *   entry*  = varint shared | varint unshared | varint valueLength | key[shared..] | value
 *   restarts = u32le offset (relative to the block start) of every restartInterval-th entry
 *   u32le restart count
 *
 * followed by the block trailer (type byte + checksum32), written by finish().
 * Keys must be added in strictly increasing order; the caller checks that.
 */
import { checksum32 } from '../../base/checksum.js';
import { writeVarint } from '../../base/varint.js';
import type { BlockType } from './format.js';
import type { ByteWriter } from './byte-writer.js';

/** Where a block lives in the file: contents [offset, offset+size), trailer after it. */
export interface BlockHandle {
  offset: number;
  size: number;
}

export interface BlockBuilder {
  /** Entries in the current (unfinished) block. */
  readonly entryCount: number;
  /** Contents size of the current block if finished now (without trailer). */
  readonly sizeEstimate: number;
  /** File offset where the current block starts. */
  readonly startOffset: number;
  /** Appends an entry; key must be greater than the previous key of this block. */
  add(key: Uint8Array, value: Uint8Array): void;
  /**
   * add() of key = k[kOff, kOff+kLen) and value = v[vOff, vOff+vLen), without views.
   * `shared`: sharedIfAfterLast's answer for this key, when the caller has it (saves a second pass over the key).
   */
  addParts(k: Uint8Array, kOff: number, kLen: number, v: Uint8Array, vOff: number, vLen: number, shared?: number): void;
  /**
   * The length of the prefix k[kOff, kOff+kLen) shares with lastKey(), or -1
   * when the key is not greater than lastKey() (one pass: order check and
   * prefix compression compare the same bytes).
   */
  sharedIfAfterLast(k: Uint8Array, kOff: number, kLen: number): number;
  /** The last key added (a view valid until the next add); empty before the first add. */
  lastKey(): Uint8Array;
  /** Writes restarts, count and trailer; returns the handle; the next add starts a new block. */
  finish(type: BlockType): BlockHandle;
}

export function newBlockBuilder(out: ByteWriter, restartInterval: number): BlockBuilder {
  return new BlockBuilderImpl(out, restartInterval);
}

class BlockBuilderImpl implements BlockBuilder {
  entryCount = 0;
  private start: number;
  private restarts: number[] = [];
  private counter = 0;
  private last: Buffer = Buffer.allocUnsafe(64);
  private lastLen = 0;

  constructor(private readonly out: ByteWriter, private readonly restartInterval: number) {
    this.start = out.length;
  }

  get startOffset(): number {
    return this.start;
  }

  get sizeEstimate(): number {
    return this.out.length - this.start + 4 * this.restarts.length + 4;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    this.addParts(key, 0, key.length, value, 0, value.length);
  }

  addParts(k: Uint8Array, kOff: number, kLen: number, v: Uint8Array, vOff: number, vLen: number, known = -1): void {
    const out = this.out;
    // The prefix shared with the last key, needed below for `last` even at a restart.
    const common = known >= 0 ? known : this.commonPrefix(k, kOff, kLen);
    let shared = common;
    if (this.counter >= this.restartInterval || this.entryCount === 0) {
      this.restarts.push(out.length - this.start);
      this.counter = 0;
      shared = 0;
    }
    // Only the suffix after the common prefix of the last key changes.
    if (kLen > this.last.length) {
      const grown = Buffer.allocUnsafe(Math.max(kLen, 2 * this.last.length));
      this.last.copy(grown, 0, 0, common);
      this.last = grown;
    }
    const last = this.last;
    // The entry is written in place after one ensure (three varints of at most 5 bytes each):
    // the key suffix in the same loop that updates `last`.
    const unshared = kLen - shared;
    out.ensure(15 + unshared + vLen);
    const b = out.buf;
    let p = writeVarint(b, writeVarint(b, writeVarint(b, out.length, shared), unshared), vLen);
    for (let i = shared; i < common; i++) b[p++] = k[kOff + i]!;
    for (let i = common; i < kLen; i++) {
      const x = k[kOff + i]!;
      b[p++] = x;
      last[i] = x;
    }
    out.length = p;
    out.bytes(v, vOff, vOff + vLen);
    this.lastLen = kLen;
    this.counter++;
    this.entryCount++;
  }

  sharedIfAfterLast(k: Uint8Array, kOff: number, kLen: number): number {
    const shared = this.commonPrefix(k, kOff, kLen);
    if (shared < kLen && shared < this.lastLen) return k[kOff + shared]! > this.last[shared]! ? shared : -1;
    return kLen > this.lastLen ? shared : -1;
  }

  private commonPrefix(k: Uint8Array, kOff: number, kLen: number): number {
    const last = this.last;
    const n = this.lastLen < kLen ? this.lastLen : kLen;
    let i = 0;
    while (i < n && last[i] === k[kOff + i]) i++;
    return i;
  }

  lastKey(): Uint8Array {
    return this.last.subarray(0, this.lastLen);
  }

  finish(type: BlockType): BlockHandle {
    const out = this.out;
    for (const r of this.restarts) out.u32le(r);
    out.u32le(this.restarts.length);
    const handle = { offset: this.start, size: out.length - this.start };
    out.u8(type);
    out.u32le(checksum32(out.buf.subarray(this.start, out.length)));
    this.start = out.length;
    this.restarts.length = 0;
    this.counter = 0;
    this.entryCount = 0;
    return handle;
  }
}

/** Appends `contents` as a block of the given type (contents + trailer); returns its handle. */
export function writeRawBlock(out: ByteWriter, contents: Uint8Array, type: BlockType): BlockHandle {
  const start = out.length;
  out.bytes(contents);
  out.u8(type);
  const handle = { offset: start, size: contents.length };
  out.u32le(checksum32(out.buf.subarray(start, out.length)));
  return handle;
}

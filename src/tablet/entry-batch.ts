/**
 * A batch of engine entries (key, value) — what one WAL record of a tablet
 * carries and what replay puts back into the memtable. Encoding:
 *   varint count, then per entry: varint keyLen, key, varint valueLen, value.
 * (Each entry is thus also in the memtable's arena format.)
 */
import { readVarint, varintEnd, writeVarint } from '../base/varint.js';
import { cellKeyLength, writeCellKey } from './cell-key.js';

/**
 * Encodes a batch straight into its final buffer — the WAL record payload,
 * which the memtable then adopts (Memtable.putEncoded) — with no per-entry
 * key or value buffers. Each entry is already in the memtable/export entry
 * format. `offsets` holds key offset, key length, value offset and value
 * length per entry.
 */
export class EntryWriter {
  private buf: Buffer;
  private pos: number;
  offsets: Int32Array;
  count = 0;

  /** `count` entries exactly; `sizeHint` is the expected payload size. */
  constructor(private readonly expected: number, sizeHint: number) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(64, sizeHint));
    this.pos = writeVarint(this.buf, 0, expected);
    this.offsets = new Int32Array(4 * expected);
  }

  /**
   * Appends an entry: the cell key of (row, family, qualifier, ts, seq), then
   * the engine value: `type` followed by `value`. rowEscLength = escLength(row).
   */
  add(row: Uint8Array, rowEscLength: number, family: Uint8Array, qualifier: Uint8Array | undefined, ts: number, seq: number, type: number, value: Uint8Array | undefined): void {
    if (this.count >= this.expected) throw new RangeError('EntryWriter: more entries than announced');
    const kl = cellKeyLength(rowEscLength, family, qualifier);
    const vl = 1 + (value ? value.length : 0);
    this.ensure(kl + vl + 10);
    const b = this.buf;
    let p = writeVarint(b, this.pos, kl);
    const ko = p;
    p = writeCellKey(b, p, row, family, qualifier, ts, seq);
    p = writeVarint(b, p, vl);
    const vo = p;
    b[p++] = type;
    if (value) {
      if (value.length < 32) for (let i = 0; i < value.length; i++) b[p++] = value[i]!;
      else { b.set(value, p); p += value.length; }
    }
    const o = 4 * this.count++;
    this.offsets[o] = ko;
    this.offsets[o + 1] = kl;
    this.offsets[o + 2] = vo;
    this.offsets[o + 3] = vl;
    this.pos = p;
  }

  /** The encoded batch (varint count, entries); the writer is done. */
  finish(): Buffer {
    if (this.count !== this.expected) throw new RangeError(`EntryWriter: ${this.count} entries, announced ${this.expected}`);
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

/** Calls fn for every entry of an encoded batch (views into buf, no copies). */
export function forEachEntry(buf: Uint8Array, fn: (key: Uint8Array, value: Uint8Array) => void): void {
  const n = readVarint(buf, 0);
  let pos = varintEnd.pos;
  for (let i = 0; i < n; i++) {
    const kl = readVarint(buf, pos); pos = varintEnd.pos;
    const key = buf.subarray(pos, pos + kl); pos += kl;
    const vl = readVarint(buf, pos); pos = varintEnd.pos;
    const value = buf.subarray(pos, pos + vl); pos += vl;
    if (key.length !== kl || value.length !== vl) throw new RangeError('truncated entry batch');
    fn(key, value);
  }
}

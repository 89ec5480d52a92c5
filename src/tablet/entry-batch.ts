/**
 * A batch of engine entries (key, value) — what one WAL record of a tablet
 * carries and what replay puts back into the memtable. Encoding:
 *   varint count, then per entry: varint keyLen, key, varint valueLen, value.
 * (Each entry is thus also in the memtable's arena format.)
 */
import { readVarint, varintEnd, varintLength, writeVarint } from '../base/varint.js';
import { cellKeyLength, cellKeyLengthBound, escLength, writeCellKey } from './cell-key.js';

/**
 * Encodes a batch straight into its final place — the memtable's arena
 * (Memtable.reserveEncoded), from where the WAL copies the record payload —
 * with no per-entry key or value buffers and no buffer of its own. Each
 * entry is already in the memtable/export entry format. `offsets` holds key
 * offset, key length, value offset and value length per entry (offsets into
 * `buf`).
 */
export class EntryWriter {
  private readonly buf: Buffer;
  private readonly start: number;
  private readonly end: number;
  private pos: number;
  offsets: Int32Array;
  count = 0;

  /**
   * `count` entries exactly, written into buf[start, start + size): `size`
   * must be at least the batch's encoded size (else add throws RangeError);
   * the sum of entrySizeBound over its entries, plus 10 for the count, is.
   * `offsets`:
   * an array to reuse when it has room for 4 * count values (the batch is
   * linked into the memtable before the next one is encoded).
   */
  constructor(private readonly expected: number, size: number, buf: Buffer, start: number, offsets?: Int32Array) {
    this.buf = buf;
    this.start = start;
    this.end = start + size;
    if (this.end > this.buf.length) throw new RangeError('EntryWriter: region beyond the buffer');
    this.pos = writeVarint(this.buf, this.start, expected);
    this.offsets = offsets && offsets.length >= 4 * expected ? offsets : new Int32Array(4 * expected);
  }

  /**
   * Appends an entry: the cell key of (row, family, qualifier, ts, seq), then
   * the engine value: `type` followed by `value`.
   */
  add(row: Uint8Array, family: Uint8Array, qualifier: Uint8Array | undefined, ts: number, seq: number, type: number, value: Uint8Array | undefined): void {
    if (this.count >= this.expected) throw new RangeError('EntryWriter: more entries than announced');
    const vl = 1 + (value ? value.length : 0);
    const b = this.buf;
    let p = this.pos;
    let ko: number;
    let kl: number;
    const bound = cellKeyLengthBound(row.length, family.length, qualifier ? qualifier.length : -1);
    if (bound < 128 && p + 1 + bound + varintLength(vl) + vl <= this.end) {
      // The usual case, in one pass: the key's length takes one varint byte whatever its
      // escapes, so the key is written first and its exact length put before it after.
      ko = p + 1;
      p = writeCellKey(b, ko, row, family, qualifier, ts, seq);
      kl = p - ko;
      b[ko - 1] = kl;
    } else {
      kl = cellKeyLength(escLength(row), family, qualifier);
      if (p + varintLength(kl) + kl + varintLength(vl) + vl > this.end) throw new RangeError('EntryWriter: batch larger than its announced size');
      p = writeVarint(b, p, kl);
      ko = p;
      p = writeCellKey(b, p, row, family, qualifier, ts, seq);
    }
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

  /** The encoded batch (varint count, entries), a view of the buffer written into; the writer is done. */
  finish(): Buffer {
    if (this.count !== this.expected) throw new RangeError(`EntryWriter: ${this.count} entries, announced ${this.expected}`);
    return this.buf.subarray(this.start, this.pos);
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

/**
 * At least the bytes an entry of this cell takes in a batch (EntryWriter.add),
 * from lengths alone: a batch's size is bounded without scanning its keys.
 * `qualifierLength` -1: no qualifier; `valueLength`: the engine value's (type byte included).
 */
export function entrySizeBound(rowLength: number, familyLength: number, qualifierLength: number, valueLength: number): number {
  const kb = cellKeyLengthBound(rowLength, familyLength, qualifierLength);
  return (kb < 128 ? 1 : varintLength(kb)) + kb + varintLength(valueLength) + valueLength;
}

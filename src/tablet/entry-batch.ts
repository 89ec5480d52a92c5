/**
 * A batch of engine entries (key, value) — what one WAL record of a tablet
 * carries and what replay puts back into the memtable. Encoding:
 *   varint count, then per entry: varint keyLen, key, varint valueLen, value.
 */
import { readVarint, varintEnd, varintLength, writeVarint } from '../base/varint.js';

export class EntryBatch {
  readonly keys: Uint8Array[] = [];
  readonly values: Uint8Array[] = [];
  private bytes = 0;

  add(key: Uint8Array, value: Uint8Array): void {
    this.keys.push(key);
    this.values.push(value);
    this.bytes += key.length + value.length + varintLength(key.length) + varintLength(value.length);
  }

  get count(): number { return this.keys.length; }

  encode(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes + varintLength(this.keys.length));
    let pos = writeVarint(out, 0, this.keys.length);
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i]!;
      const v = this.values[i]!;
      pos = writeVarint(out, pos, k.length);
      out.set(k, pos); pos += k.length;
      pos = writeVarint(out, pos, v.length);
      out.set(v, pos); pos += v.length;
    }
    return out;
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

import { describe, expect, it } from 'vitest';
import { EntryWriter, forEachEntry } from '../../src/tablet/entry-batch.js';
import { encodeCellKey, escLength, cellKeyLength } from '../../src/tablet/cell-key.js';
import { varintLength } from '../../src/base/varint.js';

const row = Buffer.from('r\u0000w', 'latin1');
const fam = Buffer.from('f');
const size = (q: Buffer, v: Buffer) => {
  const kl = cellKeyLength(escLength(row), fam, q);
  return varintLength(kl) + kl + varintLength(v.length + 1) + v.length + 1;
};

describe('EntryWriter', () => {
  it('writes a batch into a region of a given buffer, leaving the bytes around it alone, with offsets into that buffer', () => {
    const q1 = Buffer.from('a'), q2 = Buffer.from('b'), v1 = Buffer.alloc(40, 1), v2 = Buffer.from('x');
    const total = 1 + size(q1, v1) + size(q2, v2);
    const buf = Buffer.alloc(total + 20, 0xee);
    const scratch = new Int32Array(8).fill(-1);
    expect(new EntryWriter(3, total, buf, 10, scratch).offsets).not.toBe(scratch); // too small: a new one
    const w = new EntryWriter(2, total, buf, 10, scratch);
    expect(w.offsets).toBe(scratch);
    w.add(row, escLength(row), fam, q1, 5, 1, 7, v1);
    w.add(row, escLength(row), fam, q2, 6, 2, 7, v2);
    const payload = w.finish();
    expect(payload.byteOffset - buf.byteOffset).toBe(10);
    expect(payload.length).toBe(total);
    expect(buf.subarray(0, 10).every((x) => x === 0xee)).toBe(true);
    expect(buf.subarray(10 + total).every((x) => x === 0xee)).toBe(true);
    const seen: Array<[Buffer, Buffer]> = [];
    forEachEntry(payload, (k, v) => seen.push([Buffer.from(k), Buffer.from(v)]));
    expect(seen).toEqual([
      [encodeCellKey(row, fam, q1, 5, 1), Buffer.concat([Buffer.from([7]), v1])],
      [encodeCellKey(row, fam, q2, 6, 2), Buffer.concat([Buffer.from([7]), v2])],
    ]);
    const o = w.offsets;
    expect(buf.subarray(o[0]!, o[0]! + o[1]!)).toEqual(encodeCellKey(row, fam, q1, 5, 1));
    expect(buf.subarray(o[6]!, o[6]! + o[7]!)).toEqual(Buffer.concat([Buffer.from([7]), v2]));
  });

  it('refuses an entry that would run past the announced size, a region past the buffer, and a wrong count', () => {
    const q = Buffer.from('a'), v = Buffer.alloc(10);
    const exact = 1 + size(q, v);
    const buf = Buffer.alloc(exact + 50, 0xee);
    const short = new EntryWriter(1, exact - 1, buf, 0);
    expect(() => short.add(row, escLength(row), fam, q, 1, 1, 7, v)).toThrow(RangeError);
    expect(buf.subarray(exact - 1).every((x) => x === 0xee)).toBe(true);
    expect(() => new EntryWriter(1, buf.length - 9, buf, 10)).toThrow(/beyond the buffer/);
    const w = new EntryWriter(2, 2 * exact, buf, 0);
    w.add(row, escLength(row), fam, q, 1, 1, 7, v);
    expect(() => w.finish()).toThrow(/announced 2/);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EntryWriter, entrySizeBound, forEachEntry } from '../../src/tablet/entry-batch.js';
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
    w.add(row, fam, q1, 5, 1, 7, v1);
    w.add(row, fam, q2, 6, 2, 7, v2);
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
    expect(() => short.add(row, fam, q, 1, 1, 7, v)).toThrow(RangeError);
    expect(buf.subarray(exact - 1).every((x) => x === 0xee)).toBe(true);
    expect(() => new EntryWriter(1, buf.length - 9, buf, 10)).toThrow(/beyond the buffer/);
    const w = new EntryWriter(2, 2 * exact, buf, 0);
    w.add(row, fam, q, 1, 1, 7, v);
    expect(() => w.finish()).toThrow(/announced 2/);
  });

  it('writes the same entries whether sized by entrySizeBound or exactly, for keys on both sides of one length byte (property)', () => {
    // Zero bytes double under escaping, so rows of 0-80 bytes give keys from 22 to well past 128 bytes.
    const bytes = (max: number) => fc.uint8Array({ maxLength: max }).chain((a) => fc.constantFrom(Buffer.from(a), Buffer.alloc(a.length)));
    const entry = fc.record({
      row: bytes(80),
      fam: fc.stringMatching(/^[a-z]{1,6}$/).map((f) => Buffer.from(f)),
      qual: fc.option(bytes(20), { nil: undefined }),
      ts: fc.nat(),
      value: fc.option(fc.uint8Array({ maxLength: 200 }).map((v) => Buffer.from(v)), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 12 }), fc.boolean(), (entries, exactly) => {
        const exactSize = (e: (typeof entries)[number]) => {
          const kl = cellKeyLength(escLength(e.row), e.fam, e.qual);
          const vl = 1 + (e.value?.length ?? 0);
          return varintLength(kl) + kl + varintLength(vl) + vl;
        };
        const bound = (e: (typeof entries)[number]) => entrySizeBound(e.row.length, e.fam.length, e.qual ? e.qual.length : -1, 1 + (e.value?.length ?? 0));
        for (const e of entries) expect(bound(e)).toBeGreaterThanOrEqual(exactSize(e));
        const exact = varintLength(entries.length) + entries.reduce((n, e) => n + exactSize(e), 0);
        const size = exactly ? exact : 10 + entries.reduce((n, e) => n + bound(e), 0);
        const buf = Buffer.alloc(size + 3, 0xee);
        const w = new EntryWriter(entries.length, size, buf, 3);
        entries.forEach((e, i) => w.add(e.row, e.fam, e.qual, e.ts, i, 7, e.value));
        const payload = w.finish();
        expect(payload.length).toBe(exact);
        expect(buf.subarray(3 + exact).every((x) => x === 0xee)).toBe(true);
        const seen: Array<[Buffer, Buffer]> = [];
        forEachEntry(payload, (k, v) => seen.push([Buffer.from(k), Buffer.from(v)]));
        expect(seen).toEqual(entries.map((e, i) => [encodeCellKey(e.row, e.fam, e.qual, e.ts, i), Buffer.concat([Buffer.from([7]), e.value ?? Buffer.alloc(0)])]));
        const o = w.offsets;
        entries.forEach((e, i) => expect(buf.subarray(o[4 * i]!, o[4 * i]! + o[4 * i + 1]!)).toEqual(encodeCellKey(e.row, e.fam, e.qual, e.ts, i)));
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * Row-key ranges: the clipping the router does per tablet, held to the
 * obvious range-by-range definitions over random row sets (fast-check).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { keySuccessor } from '../../src/base/bytes.js';
import {
  clipAbove, clipBelow, intersectRange, normalizeRowSet, pointKey, rangesWithin, type KeyRange,
} from '../../src/model/key-range.js';
import type { RowSet } from '../../src/model/row-set.js';

// Short keys over a tiny alphabet, so ranges touch, nest and share ends often.
const key = fc.uint8Array({ minLength: 0, maxLength: 3, max: 2 }).map((a) => Buffer.from(a));
const bound = fc.option(fc.record({ key, closed: fc.boolean() }), { nil: undefined });
const rowSet: fc.Arbitrary<RowSet> = fc.record({
  rowKeys: fc.array(key.filter((k) => k.length > 0), { maxLength: 8 }),
  rowRanges: fc.array(fc.record({ start: bound, end: bound }).map((r) => ({
    ...(r.start ? { start: r.start } : {}), ...(r.end ? { end: r.end } : {}),
  })), { maxLength: 4 }),
});

// The definitions: every range on its own.
const naiveWithin = (rs: KeyRange[], lo: Buffer, hi: Buffer | undefined) => rs.flatMap((r) => intersectRange(r, lo, hi) ?? []);
const naiveAbove = (rs: KeyRange[], k: Buffer, inclusive: boolean) => naiveWithin(rs, inclusive ? k : Buffer.from(keySuccessor(k)), undefined);
const naiveBelow = (rs: KeyRange[], k: Buffer) => naiveWithin(rs, Buffer.alloc(0), k);

describe('key ranges', () => {
  it('rangesWithin, clipAbove and clipBelow equal clipping each range on its own', () => {
    fc.assert(fc.property(rowSet, key, key, fc.boolean(), (s, a, b, inclusive) => {
      const ranges = normalizeRowSet(s);
      const [lo, hi] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
      expect(rangesWithin(ranges, lo, hi.length ? hi : undefined)).toEqual(naiveWithin(ranges, lo, hi.length ? hi : undefined));
      expect(clipAbove(ranges, a, inclusive)).toEqual(naiveAbove(ranges, a, inclusive));
      expect(clipBelow(ranges, a)).toEqual(naiveBelow(ranges, a));
    }), { numRuns: 2000 });
  });

  it('normalizes a row set into sorted, disjoint, non-empty ranges; a key is a point range', () => {
    const r = normalizeRowSet({ rowKeys: [Buffer.from('b'), Buffer.from('a'), Buffer.from('b')], rowRanges: [{ start: { key: Buffer.from('a'), closed: false }, end: { key: Buffer.from('ab'), closed: true } }] });
    expect(r.map((x) => [x.start.toString('hex'), x.end?.toString('hex')])).toEqual([['61', '616200'], ['62', '6200']]);
    expect(pointKey(r[1]!)).toEqual(Buffer.from('b'));
    expect(pointKey(r[0]!)).toBeUndefined();
  });
});

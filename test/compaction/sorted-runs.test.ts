/** Sorted runs (src/lsm/compaction/sorted-runs.ts): how compaction counts a tablet's SSTables. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sortedRuns, type RunTable } from '../../src/lsm/compaction/sorted-runs.js';

const table = (lo: number, hi: number, size = 1, entryCount = 1): RunTable => ({
  smallestKey: Buffer.from([lo]), largestKey: Buffer.from([hi]), entryCount, size,
});
const overlap = (a: RunTable, b: RunTable) =>
  a.entryCount > 0 && b.entryCount > 0 && a.smallestKey[0]! <= b.largestKey[0]! && b.smallestKey[0]! <= a.largestKey[0]!;

describe('sorted runs', () => {
  it("groups a compaction's key-ordered output files into one run and keeps overlapping flushes apart", () => {
    const tables = [
      table(0, 255, 5), // newest flush
      table(0, 9, 10), table(10, 99, 10), table(100, 255, 10), // one compaction's outputs
      table(3, 200, 7), // an older flush
    ];
    expect(sortedRuns(tables)).toEqual([{ first: 0, end: 1, size: 5 }, { first: 1, end: 4, size: 30 }, { first: 4, end: 5, size: 7 }]);
  });

  it('shared bounds overlap (ranges are inclusive); an empty table overlaps nothing', () => {
    expect(sortedRuns([table(0, 10), table(10, 20)]).length).toBe(2);
    expect(sortedRuns([table(0, 10), table(5, 5, 1, 0), table(11, 20)]).length).toBe(1);
  });

  it('partitions the list into maximal stretches of pairwise disjoint tables, in order', () => {
    const arbTable = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 50 }), fc.boolean())
      .map(([lo, w, size, empty]) => table(lo, Math.min(255, lo + w), size, empty ? 0 : 3));
    fc.assert(fc.property(fc.array(arbTable, { maxLength: 25 }), (tables) => {
      const runs = sortedRuns(tables);
      let at = 0;
      runs.forEach((r, k) => {
        expect(r.first).toBe(at);
        expect(r.end).toBeGreaterThan(r.first);
        at = r.end;
        const members = tables.slice(r.first, r.end);
        expect(r.size).toBe(members.reduce((s, t) => s + t.size, 0));
        for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) expect(overlap(members[i]!, members[j]!)).toBe(false);
        // Maximal: the next table overlaps one of this run's.
        if (k + 1 < runs.length) expect(members.some((m) => overlap(m, tables[r.end]!))).toBe(true);
      });
      expect(at).toBe(tables.length);
    }), { numRuns: 2000 });
  });
});

/** The size-tiered picker (src/lsm/compaction/compaction-picker.ts) against a brute-force search. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pickCompaction } from '../../src/lsm/compaction/compaction-picker.js';

describe('compaction picker', () => {
  it('past the bound, picks the `width` adjacent tables of least total size (the oldest such run on ties)', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 30 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 6 }),
      (sizes, maxTables, width) => {
        const pick = pickCompaction(sizes.map((size) => ({ size })), { maxTables, width });
        if (sizes.length <= maxTables) { expect(pick).toBeUndefined(); return; }
        const k = Math.min(sizes.length, width);
        let best = -1;
        let bestSum = Infinity;
        for (let s = 0; s + k <= sizes.length; s++) {
          const sum = sizes.slice(s, s + k).reduce((a, b) => a + b, 0);
          if (sum <= bestSum) { bestSum = sum; best = s; }
        }
        expect(pick).toEqual({ indices: Array.from({ length: k }, (_, j) => best + j), full: k === sizes.length });
      },
    ), { numRuns: 2000 });
  });

  it('merges four at a time however far past the bound (a bounded job; the tablet repeats it)', () => {
    const pick = pickCompaction(Array.from({ length: 24 }, (_, i) => ({ size: 24 - i })), { maxTables: 8 });
    expect(pick).toEqual({ indices: [20, 21, 22, 23], full: false });
    expect(pickCompaction([{ size: 1 }, { size: 2 }, { size: 3 }], { maxTables: 2 })).toEqual({ indices: [0, 1, 2], full: true });
  });
});

/**
 * The authorized-view rules (src/model/authorized-view.ts) against their
 * definition: through a view, a read of a row set returns exactly the cells
 * whose row is in the set and in the view's row prefixes, and whose column is
 * in the view — whatever the prefixes, qualifiers and overlaps.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareBytes, hasPrefix } from '../../src/base/bytes.js';
import { compareCells, type Cell } from '../../src/model/cell.js';
import {
  subsetViewFromJson, subsetViewToJson, viewFilter, viewHasColumn, viewHasRow, viewHasWholeFamily, viewRowSet, type SubsetView,
} from '../../src/model/authorized-view.js';
import type { RowRange, RowSet } from '../../src/model/row-set.js';
import { compileFilter } from '../../src/tablet/filter/compile-filter.js';
import { inRowSet } from '../api/memory-backend.js';

// Small alphabets with 0x00 and 0xff, so prefixes nest, overlap and hit the edges of prefixSuccessor.
const bytes = fc.array(fc.constantFrom(0x00, 0x61, 0x62, 0xff), { maxLength: 3 }).map((a) => Buffer.from(a));
const FAMILIES = ['f', 'g'];
const subsetArb: fc.Arbitrary<SubsetView> = fc.record({
  rowPrefixes: fc.array(bytes, { maxLength: 3 }),
  families: fc.array(fc.tuple(fc.constantFrom(...FAMILIES), fc.record({ qualifiers: fc.array(bytes, { maxLength: 3 }), qualifierPrefixes: fc.array(bytes, { maxLength: 2 }) })), { maxLength: 2 })
    .map((entries) => new Map(entries)),
});
const bound = fc.option(fc.record({ key: bytes, closed: fc.boolean() }), { nil: undefined });
const rangeArb: fc.Arbitrary<RowRange> = fc.record({ start: bound, end: bound }).map((r) => ({ ...(r.start ? { start: r.start } : {}), ...(r.end ? { end: r.end } : {}) }));
const rowSetArb: fc.Arbitrary<RowSet> = fc.record({ rowKeys: fc.array(bytes, { maxLength: 3 }), rowRanges: fc.array(rangeArb, { maxLength: 3 }) });
const cellsArb = fc.array(fc.record({ row: bytes, family: fc.constantFrom(...FAMILIES), qualifier: bytes }), { maxLength: 30 });

const key = (c: { row: Buffer; family: string; qualifier: Buffer }) => `${c.row.toString('hex')}/${c.family}:${c.qualifier.toString('hex')}`;

describe('authorized view rules', () => {
  it('a read through a view returns exactly the cells in the row set and in the view (property)', () => {
    fc.assert(fc.property(subsetArb, rowSetArb, cellsArb, (view, rs, written) => {
      // Distinct cells, grouped by row in canonical order.
      const byRow = new Map<string, { row: Buffer; cells: Cell[] }>();
      for (const w of written) {
        const r = byRow.get(w.row.toString('hex')) ?? { row: w.row, cells: [] };
        if (!r.cells.some((c) => c.family === w.family && compareBytes(c.qualifier, w.qualifier) === 0)) {
          r.cells.push({ family: w.family, qualifier: w.qualifier, timestamp: 1000, value: Buffer.from('v') });
        }
        byRow.set(w.row.toString('hex'), r);
      }
      const expected = [...byRow.values()]
        .filter((r) => inRowSet(r.row, rs) && view.rowPrefixes.some((p) => hasPrefix(r.row, p)))
        .flatMap((r) => r.cells.filter((c) => view.families.has(c.family)
          && (view.families.get(c.family)!.qualifiers.some((q) => q.equals(c.qualifier)) || view.families.get(c.family)!.qualifierPrefixes.some((p) => hasPrefix(c.qualifier, p))))
          .map((c) => key({ row: r.row, ...c })))
        .sort();
      const restricted = viewRowSet(view, rs);
      const filter = compileFilter(viewFilter(view));
      const actual = [...byRow.values()]
        .filter((r) => inRowSet(r.row, restricted))
        .flatMap((r) => filter.apply({ key: r.row, cells: [...r.cells].sort(compareCells) }).map((c) => key({ row: r.row, ...c })))
        .sort();
      expect(actual).toEqual(expected);
      // The helpers the write path uses agree with the definition.
      for (const w of written) {
        expect(viewHasRow(view, w.row)).toBe(view.rowPrefixes.some((p) => hasPrefix(w.row, p)));
        expect(viewHasColumn(view, w.family, w.qualifier)).toBe((view.families.get(w.family)?.qualifiers.some((q) => q.equals(w.qualifier))
          || view.families.get(w.family)?.qualifierPrefixes.some((p) => hasPrefix(w.qualifier, p)) || false));
      }
    }), { numRuns: 3000 });
  });

  it('a view of everything leaves a row set as it is; a view of nothing selects nothing', () => {
    const all: SubsetView = { rowPrefixes: [Buffer.alloc(0)], families: new Map([['f', { qualifiers: [], qualifierPrefixes: [Buffer.alloc(0)] }]]) };
    const rs: RowSet = { rowKeys: [Buffer.from('k')], rowRanges: [{ start: { key: Buffer.from('a'), closed: false } }] };
    expect(viewRowSet(all, rs)).toEqual(rs);
    expect(viewHasWholeFamily(all, 'f')).toBe(true);
    expect(viewFilter(all)).toEqual({ kind: 'columnRange', family: 'f', startQualifier: { value: Buffer.alloc(0), closed: true } });
    const none: SubsetView = { rowPrefixes: [], families: new Map() };
    expect(viewRowSet(none, rs)).toEqual({ rowKeys: [], rowRanges: [] });
    expect(viewFilter(none)).toEqual({ kind: 'blockAll' });
    expect(viewHasWholeFamily({ rowPrefixes: [], families: new Map([['f', { qualifiers: [], qualifierPrefixes: [Buffer.from('a')] }]]) }, 'f')).toBe(false);
  });

  it('cuts ranges at the prefix bounds: a closed end at the prefix\'s successor stays out', () => {
    const v: SubsetView = { rowPrefixes: [Buffer.from('a')], families: new Map() };
    const rs: RowSet = { rowKeys: [], rowRanges: [{ start: { key: Buffer.from('a'), closed: false }, end: { key: Buffer.from('b'), closed: true } }] };
    const cut = viewRowSet(v, rs);
    expect(cut.rowRanges).toEqual([{ start: { key: Buffer.from('a'), closed: false }, end: { key: Buffer.from('b'), closed: false } }]);
    expect(inRowSet(Buffer.from('b'), cut)).toBe(false);
    expect(inRowSet(Buffer.from('a'), cut)).toBe(false);
    expect(inRowSet(Buffer.from('a\xff'), cut)).toBe(true);
  });

  it('merges overlapping and touching qualifier intervals, so no cell comes out twice', () => {
    const range = (start: string, end: string) => ({ kind: 'columnRange', family: 'f', startQualifier: { value: Buffer.from(start), closed: true }, endQualifier: { value: Buffer.from(end), closed: false } });
    // "ab" lies in prefix "a" = [a, b), which touches "b" = [b, b\0): one range.
    const touching: SubsetView = { rowPrefixes: [Buffer.alloc(0)], families: new Map([['f', { qualifiers: [Buffer.from('ab'), Buffer.from('b')], qualifierPrefixes: [Buffer.from('a'), Buffer.from('a')] }]]) };
    expect(viewFilter(touching)).toEqual(range('a', 'b\0'));
    const apart: SubsetView = { rowPrefixes: [Buffer.alloc(0)], families: new Map([['f', { qualifiers: [Buffer.from('c')], qualifierPrefixes: [Buffer.from('a')] }]]) };
    expect(viewFilter(apart)).toEqual({ kind: 'interleave', filters: [range('a', 'b'), range('c', 'c\0')] });
  });

  it('round-trips through the catalog form', () => {
    fc.assert(fc.property(subsetArb, (v) => {
      expect(subsetViewFromJson(JSON.parse(JSON.stringify(subsetViewToJson(v))))).toEqual(v);
    }));
  });
});

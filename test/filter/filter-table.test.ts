/**
 * Data-driven table: every RowFilter kind on one fixed multi-family,
 * multi-version row (see filter-fixtures.ts), with the exact expected output
 * (order, duplicates, labels, stripped values).
 */
import { describe, expect, it } from 'vitest';
import type { RowFilter } from '../../src/model/row-filter.js';
import { compileFilter } from '../../src/tablet/filter/compile-filter.js';
import { ALL_IDS, b, cellId, describeCell, ROW } from './filter-fixtures.js';

const fam = (regex: string): RowFilter => ({ kind: 'familyNameRegex', regex });
const qual = (regex: string | Buffer): RowFilter => ({ kind: 'columnQualifierRegex', regex: typeof regex === 'string' ? b(regex) : regex });
const val = (regex: string): RowFilter => ({ kind: 'valueRegex', regex: b(regex) });
const key = (regex: string): RowFilter => ({ kind: 'rowKeyRegex', regex: b(regex) });
const label = (l: string): RowFilter => ({ kind: 'applyLabel', label: l });
const chain = (...filters: RowFilter[]): RowFilter => ({ kind: 'chain', filters });
const interleave = (...filters: RowFilter[]): RowFilter => ({ kind: 'interleave', filters });
const PASS: RowFilter = { kind: 'passAll' };
const BLOCK: RowFilter = { kind: 'blockAll' };
const SINK: RowFilter = { kind: 'sink' };
const closed = (s: string) => ({ value: b(s), closed: true });
const open = (s: string) => ({ value: b(s), closed: false });
const withLabel = (ids: string[], l: string): string[] => ids.map((id) => `${id}{${l}}`);

const A = ['a:0x0aff@5', 'a:q1@3', 'a:q1@2', 'a:q1@1', 'a:q2@2'];
const B = ['b:q1@4', 'b:q1@1', 'b:r@1'];
const C = ['c:q1@6'];

interface Case {
  name: string;
  filter: RowFilter | undefined;
  want: string[];
  /** Output values must be empty (strip_value_transformer). */
  stripped?: boolean;
  random?: () => number;
}

const CASES: Case[] = [
  { name: 'absent filter', filter: undefined, want: ALL_IDS },
  { name: 'pass_all', filter: PASS, want: ALL_IDS },
  { name: 'block_all', filter: BLOCK, want: [] },

  { name: 'family regex literal', filter: fam('a'), want: A },
  { name: 'family regex alternation', filter: fam('b|c'), want: [...B, ...C] },
  { name: 'family regex is a full match', filter: fam('[ab]'), want: [...A, ...B] },
  { name: 'family regex empty matches nothing', filter: fam(''), want: [] },

  { name: 'qualifier regex full match, not substring', filter: qual('q'), want: [] },
  { name: 'qualifier regex q.*', filter: qual('q.*'), want: ['a:q1@3', 'a:q1@2', 'a:q1@1', 'a:q2@2', 'b:q1@4', 'b:q1@1', 'c:q1@6'] },
  { name: 'qualifier . does not match newline', filter: qual('.*'), want: ALL_IDS.filter((id) => !id.startsWith('a:0x')) },
  { name: 'qualifier \\C* matches every byte', filter: qual('\\C*'), want: ALL_IDS },
  { name: 'qualifier \\C\\C: two bytes', filter: qual('\\C\\C'), want: ['a:0x0aff@5', 'a:q1@3', 'a:q1@2', 'a:q1@1', 'a:q2@2', 'b:q1@4', 'b:q1@1', 'c:q1@6'] },
  { name: 'qualifier raw binary pattern bytes', filter: qual(Buffer.from([0x0a, 0xff])), want: ['a:0x0aff@5'] },
  { name: 'qualifier \\n\\xff escapes', filter: qual('\\n\\xff'), want: ['a:0x0aff@5'] },
  { name: 'qualifier \\\\C is a literal backslash-C', filter: qual('\\\\C'), want: [] },
  { name: 'qualifier [\\x80-\\xff] class on high bytes', filter: qual('\\n[\\x80-\\xff]'), want: ['a:0x0aff@5'] },

  { name: 'value regex full match', filter: val('v.'), want: ['a:q1@3', 'a:q1@2', 'a:q1@1'] },
  { name: 'value regex substring does not match', filter: val('hello'), want: [] },
  { name: 'value regex prefix', filter: val('hello.*'), want: C },
  { name: 'value regex binary with \\C', filter: val('\\x00\\C+'), want: ['a:0x0aff@5'] },
  { name: 'value regex .* skips values with newline', filter: val('.*'), want: ALL_IDS.filter((id) => !id.startsWith('a:0x')) },
  { name: 'value regex empty matches empty values', filter: val(''), want: ['b:r@1'] },
  { name: 'value regex case-insensitive', filter: val('(?i)HELLO WORLD'), want: C },

  { name: 'row key regex: . does not match newline', filter: key('k.1'), want: [] },
  { name: 'row key regex: \\C matches newline', filter: key('k\\C1'), want: ALL_IDS },
  { name: 'row key regex: (?s) flag', filter: key('(?s)k.1'), want: ALL_IDS },
  { name: 'row key regex: prefix is not a full match', filter: key('k'), want: [] },

  { name: 'column range [q1, q2)', filter: { kind: 'columnRange', family: 'a', startQualifier: closed('q1'), endQualifier: open('q2') }, want: ['a:q1@3', 'a:q1@2', 'a:q1@1'] },
  { name: 'column range (q1, inf)', filter: { kind: 'columnRange', family: 'a', startQualifier: open('q1') }, want: ['a:q2@2'] },
  { name: 'column range whole family', filter: { kind: 'columnRange', family: 'b' }, want: B },
  { name: 'column range (-inf, q2]', filter: { kind: 'columnRange', family: 'a', endQualifier: closed('q2') }, want: A },
  { name: 'column range unknown family', filter: { kind: 'columnRange', family: 'zz' }, want: [] },

  { name: 'timestamp range [2ms, 4ms)', filter: { kind: 'timestampRange', startMicros: 2000, endMicros: 4000 }, want: ['a:q1@3', 'a:q1@2', 'a:q2@2'] },
  { name: 'timestamp range [4ms, inf)', filter: { kind: 'timestampRange', startMicros: 4000 }, want: ['a:0x0aff@5', 'b:q1@4', 'c:q1@6'] },
  { name: 'timestamp range empty', filter: { kind: 'timestampRange', startMicros: 3000, endMicros: 3000 }, want: [] },

  { name: 'value range [v1, v2]', filter: { kind: 'valueRange', start: closed('v1'), end: closed('v2') }, want: ['a:q1@2', 'a:q1@1'] },
  { name: 'value range (v1, v3)', filter: { kind: 'valueRange', start: open('v1'), end: open('v3') }, want: ['a:q1@2'] },
  { name: 'value range unbounded', filter: { kind: 'valueRange' }, want: ALL_IDS },
  { name: 'value range (empty, inf) drops empty values', filter: { kind: 'valueRange', start: open('') }, want: ALL_IDS.filter((id) => id !== 'b:r@1') },

  { name: 'value bitmask', filter: { kind: 'valueBitmask', mask: Buffer.from([0x76, 0x31]) }, want: ['a:q1@3', 'a:q1@1'] },

  { name: 'cells_per_row_offset 7 (crosses families)', filter: { kind: 'cellsPerRowOffset', n: 7 }, want: ['b:r@1', 'c:q1@6'] },
  { name: 'cells_per_row_offset 0', filter: { kind: 'cellsPerRowOffset', n: 0 }, want: ALL_IDS },
  { name: 'cells_per_row_offset beyond the row', filter: { kind: 'cellsPerRowOffset', n: 100 }, want: [] },
  { name: 'cells_per_row_limit 6 (crosses families)', filter: { kind: 'cellsPerRowLimit', n: 6 }, want: [...A, 'b:q1@4'] },
  { name: 'cells_per_column_limit 1', filter: { kind: 'cellsPerColumnLimit', n: 1 }, want: ['a:0x0aff@5', 'a:q1@3', 'a:q2@2', 'b:q1@4', 'b:r@1', 'c:q1@6'] },
  { name: 'cells_per_column_limit 2', filter: { kind: 'cellsPerColumnLimit', n: 2 }, want: ['a:0x0aff@5', 'a:q1@3', 'a:q1@2', 'a:q2@2', 'b:q1@4', 'b:q1@1', 'b:r@1', 'c:q1@6'] },
  { name: 'offset then limit across families', filter: chain({ kind: 'cellsPerRowOffset', n: 4 }, { kind: 'cellsPerRowLimit', n: 3 }), want: ['a:q2@2', 'b:q1@4', 'b:q1@1'] },
  { name: 'column limit then row limit', filter: chain({ kind: 'cellsPerColumnLimit', n: 1 }, { kind: 'cellsPerRowLimit', n: 4 }), want: ['a:0x0aff@5', 'a:q1@3', 'a:q2@2', 'b:q1@4'] },

  { name: 'strip_value', filter: { kind: 'stripValue' }, want: ALL_IDS, stripped: true },
  { name: 'apply_label', filter: label('foo'), want: withLabel(ALL_IDS, 'foo') },
  { name: 'strip + label', filter: chain(fam('c'), { kind: 'stripValue' }, label('x-1')), want: ['c:q1@6{x-1}'], stripped: true },

  { name: 'chain narrows', filter: chain(fam('a'), { kind: 'cellsPerColumnLimit', n: 2 }, qual('q\\C')), want: ['a:q1@3', 'a:q1@2', 'a:q2@2'] },
  { name: 'chain with block_all', filter: chain(fam('a'), BLOCK), want: [] },
  { name: 'chain of pass_all', filter: chain(PASS, PASS), want: ALL_IDS },

  { name: 'interleave merges in canonical order', filter: interleave(fam('c'), fam('a')), want: [...A, ...C] },
  { name: 'interleave keeps duplicates', filter: interleave(fam('c'), PASS), want: [...A, ...B, 'c:q1@6', 'c:q1@6'] },
  {
    name: 'interleave: same cell with two labels appears twice',
    filter: interleave(
      chain({ kind: 'columnRange', family: 'a', startQualifier: closed('q1'), endQualifier: closed('q1') }, label('x')),
      chain({ kind: 'timestampRange', startMicros: 3000 }, label('y')),
    ),
    want: ['a:0x0aff@5{y}', 'a:q1@3{x}', 'a:q1@3{y}', 'a:q1@2{x}', 'a:q1@1{x}', 'b:q1@4{y}', 'c:q1@6{y}'],
  },
  { name: 'row limit counts duplicates', filter: chain(interleave(PASS, PASS), { kind: 'cellsPerRowLimit', n: 3 }), want: ['a:0x0aff@5', 'a:0x0aff@5', 'a:q1@3'] },
  {
    name: 'column limit counts duplicates',
    filter: chain(interleave(fam('a'), fam('a')), { kind: 'cellsPerColumnLimit', n: 2 }),
    want: ['a:0x0aff@5', 'a:0x0aff@5', 'a:q1@3', 'a:q1@3', 'a:q2@2', 'a:q2@2'],
  },
  { name: 'row offset counts duplicates', filter: chain(interleave(fam('c'), fam('c'), fam('b')), { kind: 'cellsPerRowOffset', n: 3 }), want: ['c:q1@6', 'c:q1@6'] },

  { name: 'condition true', filter: { kind: 'condition', predicate: val('hello.*'), trueFilter: fam('b'), falseFilter: BLOCK }, want: B },
  { name: 'condition false', filter: { kind: 'condition', predicate: val('nope'), trueFilter: PASS, falseFilter: fam('c') }, want: C },
  { name: 'condition true without true_filter', filter: { kind: 'condition', predicate: PASS, falseFilter: PASS }, want: [] },
  { name: 'condition false without false_filter', filter: { kind: 'condition', predicate: BLOCK, trueFilter: PASS }, want: [] },
  {
    name: 'condition: predicate labels are not applied',
    filter: { kind: 'condition', predicate: chain(fam('c'), label('p')), trueFilter: fam('b') },
    want: B,
  },
  {
    name: 'condition: branch labels are applied',
    filter: { kind: 'condition', predicate: fam('c'), trueFilter: chain(fam('c'), label('yes')), falseFilter: chain(fam('c'), label('no')) },
    want: ['c:q1@6{yes}'],
  },
  {
    name: 'condition sees the chain input, not the whole row',
    filter: chain(fam('a'), { kind: 'condition', predicate: val('hello.*'), trueFilter: PASS, falseFilter: qual('q2') }),
    want: ['a:q2@2'],
  },
  {
    name: 'condition with stateful predicate (row limit) inside interleave',
    filter: interleave(fam('c'), { kind: 'condition', predicate: chain({ kind: 'cellsPerRowOffset', n: 7 }, fam('b')), trueFilter: fam('b') }),
    want: [...B, ...C],
  },

  {
    name: 'sink: the data.proto example',
    filter: chain(fam('a'), interleave(PASS, chain(label('foo'), SINK)), qual('q2')),
    want: [...withLabel(A.slice(0, 4), 'foo'), 'a:q2@2{foo}', 'a:q2@2'],
  },
  { name: 'sink alone outputs the row', filter: SINK, want: ALL_IDS },
  { name: 'sink bypasses the rest of the chain', filter: chain(fam('b'), SINK, BLOCK), want: B },
  { name: 'sink then more filters: they see nothing', filter: chain(fam('b'), SINK, { kind: 'cellsPerRowLimit', n: 1 }), want: B },
  { name: 'sink inside interleave duplicates', filter: interleave(SINK, fam('c')), want: [...A, ...B, 'c:q1@6', 'c:q1@6'] },
  {
    name: 'sink bypasses an outer row limit',
    filter: chain(interleave(chain(fam('c'), SINK), fam('a')), { kind: 'cellsPerRowLimit', n: 1 }),
    want: ['a:0x0aff@5', 'c:q1@6'],
  },
  { name: 'two sinks', filter: interleave(chain(fam('c'), SINK), chain(fam('b'), label('s'), SINK)), want: [...withLabel(B, 's'), ...C] },
  { name: 'sink after strip', filter: chain(fam('c'), { kind: 'stripValue' }, SINK), want: C, stripped: true },

  { name: 'row sample kept', filter: { kind: 'rowSample', probability: 0.5 }, want: ALL_IDS, random: () => 0.3 },
  { name: 'row sample dropped', filter: { kind: 'rowSample', probability: 0.2 }, want: [], random: () => 0.3 },
];

describe('RowFilter evaluation table', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const compiled = compileFilter(c.filter, c.random === undefined ? {} : { random: c.random });
      const out = compiled.apply(ROW);
      expect(out.map(describeCell)).toEqual(c.want);
      for (const cell of out) {
        if (c.stripped) expect(cell.value.length).toBe(0);
        else expect(cell.value).toEqual(ROW.cells.find((o) => cellId(o) === cellId(cell))!.value);
      }
      // The input row is never modified.
      expect(ROW.cells.every((x) => x.labels === undefined)).toBe(true);
    });
  }

  it('an empty row yields no cells for any filter', () => {
    for (const c of CASES) expect(compileFilter(c.filter, { random: () => 0 }).apply({ key: ROW.key, cells: [] })).toEqual([]);
  });

  it('reuses one compiled filter across rows', () => {
    const f = compileFilter(chain(qual('q1'), label('l')));
    const other = { key: b('x'), cells: [{ family: 'z', qualifier: b('q1'), timestamp: 0, value: b('') }] };
    expect(f.apply(ROW).map(describeCell)).toEqual(['a:q1@3{l}', 'a:q1@2{l}', 'a:q1@1{l}', 'b:q1@4{l}', 'b:q1@1{l}', 'c:q1@6{l}']);
    expect(f.apply(other).map(describeCell)).toEqual(['z:q1@0{l}']);
    expect(f.apply(ROW)).toHaveLength(6);
  });

  it('hints: pass-all and leading limits', () => {
    expect(compileFilter(undefined).passesAll).toBe(true);
    expect(compileFilter(PASS).passesAll).toBe(true);
    expect(compileFilter(fam('a')).passesAll).toBe(false);
    expect(compileFilter({ kind: 'cellsPerColumnLimit', n: 1 }).maxCellsPerColumn).toBe(1);
    expect(compileFilter(chain(chain({ kind: 'cellsPerColumnLimit', n: 3 }, fam('a')), label('x'))).maxCellsPerColumn).toBe(3);
    expect(compileFilter(chain({ kind: 'cellsPerRowLimit', n: 2 }, fam('a'))).maxCellsPerRow).toBe(2);
    expect(compileFilter(chain(fam('a'), { kind: 'cellsPerColumnLimit', n: 1 })).maxCellsPerColumn).toBeUndefined();
  });
});

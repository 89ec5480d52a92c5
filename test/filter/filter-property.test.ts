/**
 * Property test: the compiled evaluator agrees with a deliberately naive
 * reference evaluator (written here, straight from data.proto) on random
 * rows and random filters of the non-sink subset. Regexes come from a small
 * set of patterns whose meaning is the same in RE2 and in JavaScript once
 * `\C` is spelled `[\s\S]`, so the reference can use RegExp independently.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cell, Row } from '../../src/model/cell.js';
import type { RowFilter } from '../../src/model/row-filter.js';
import { compileFilter } from '../../src/tablet/filter/compile-filter.js';
import { validateFilter } from '../../src/tablet/filter/validate-filter.js';
import { fullCell } from './filter-fixtures.js';

// ---- the naive reference -------------------------------------------------

function refCompare(a: Cell, b: Cell): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  const q = Buffer.compare(a.qualifier, b.qualifier);
  return q !== 0 ? q : b.timestamp - a.timestamp;
}

/** RE2 full match for the restricted pattern set, via a JS RegExp on Latin-1 text. */
function refRegex(pattern: string, subject: Buffer | string): boolean {
  const js = '^(?:' + pattern.replaceAll('\\C', '[\\s\\S]') + ')$';
  return new RegExp(js).test(typeof subject === 'string' ? subject : subject.toString('latin1'));
}

function inRange(v: Buffer, start?: { value: Buffer; closed: boolean }, end?: { value: Buffer; closed: boolean }): boolean {
  if (start && (start.closed ? Buffer.compare(v, start.value) < 0 : Buffer.compare(v, start.value) <= 0)) return false;
  if (end && (end.closed ? Buffer.compare(v, end.value) > 0 : Buffer.compare(v, end.value) >= 0)) return false;
  return true;
}

function ref(f: RowFilter, key: Buffer, cells: Cell[]): Cell[] {
  switch (f.kind) {
    case 'passAll': return cells;
    case 'blockAll': return [];
    case 'chain': return f.filters.reduce((acc, g) => ref(g, key, acc), cells);
    case 'interleave': {
      const all: Cell[] = [];
      for (const g of f.filters) all.push(...ref(g, key, cells));
      return all.sort(refCompare); // stable: branch order on ties
    }
    case 'condition': {
      const branch = ref(f.predicate, key, cells).length > 0 ? f.trueFilter : f.falseFilter;
      return branch ? ref(branch, key, cells) : [];
    }
    case 'rowKeyRegex': return refRegex(f.regex.toString('latin1'), key) ? cells : [];
    case 'rowSample': return 0.5 < f.probability ? cells : [];
    case 'familyNameRegex': return cells.filter((c) => refRegex(f.regex, c.family));
    case 'columnQualifierRegex': return cells.filter((c) => refRegex(f.regex.toString('latin1'), c.qualifier));
    case 'valueRegex': return cells.filter((c) => refRegex(f.regex.toString('latin1'), c.value));
    case 'columnRange': return cells.filter((c) => c.family === f.family && inRange(c.qualifier, f.startQualifier ?? undefined, f.endQualifier));
    case 'valueRange': return cells.filter((c) => inRange(c.value, f.start, f.end));
    case 'valueBitmask': return cells.filter((c) => c.value.length === f.mask.length && [...f.mask].every((m, i) => (c.value[i]! & m) === m));
    case 'timestampRange': return cells.filter((c) => c.timestamp >= f.startMicros && (f.endMicros === undefined || c.timestamp < f.endMicros));
    case 'cellsPerRowOffset': return cells.slice(f.n);
    case 'cellsPerRowLimit': return cells.slice(0, f.n);
    case 'cellsPerColumnLimit': {
      const seen = new Map<string, number>();
      return cells.filter((c) => {
        const k = c.family + '/' + c.qualifier.toString('hex');
        const n = (seen.get(k) ?? 0) + 1;
        seen.set(k, n);
        return n <= f.n;
      });
    }
    case 'stripValue': return cells.map((c) => ({ ...c, value: Buffer.alloc(0) }));
    case 'applyLabel': return cells.map((c) => ({ ...c, labels: [...(c.labels ?? []), f.label] }));
    case 'sink': throw new Error('the reference does not model sink');
  }
}

// ---- generators ------------------------------------------------------------

const QUALIFIERS = ['', 'q', 'q1', 'q2', '\n', '\xff', 'r\n\x00'].map((s) => Buffer.from(s, 'latin1'));
const VALUES = ['', 'a', 'ab', 'b', '\n', '\x00\xff', 'hello'].map((s) => Buffer.from(s, 'latin1'));
const BYTES_REGEXES = ['q', 'q.*', '.*', '\\C*', 'q\\C', 'a|b', '[a-q]+\\d?', '', '\\C', '.', 'hel+o', '(a|q)\\C*'];
const FAMILY_REGEXES = ['a', 'b|c', '.*', '[ab]', 'c?', 'x'];
const bound = fc.option(fc.record({ value: fc.constantFrom(...QUALIFIERS, ...VALUES), closed: fc.boolean() }), { nil: undefined });

const rowArb: fc.Arbitrary<Row> = fc
  .uniqueArray(
    fc.record({
      family: fc.constantFrom('a', 'b', 'c'),
      qualifier: fc.constantFrom(...QUALIFIERS),
      timestamp: fc.integer({ min: 0, max: 5 }).map((t) => t * 1000),
      value: fc.constantFrom(...VALUES),
    }),
    { selector: (c) => `${c.family}/${c.qualifier.toString('hex')}/${c.timestamp}`, maxLength: 14 },
  )
  .map((cells) => ({ key: Buffer.from('k\n', 'latin1'), cells: cells.sort(refCompare) }));

const leafArb: fc.Arbitrary<RowFilter> = fc.oneof(
  fc.constant<RowFilter>({ kind: 'passAll' }),
  fc.constant<RowFilter>({ kind: 'blockAll' }),
  fc.constant<RowFilter>({ kind: 'stripValue' }),
  fc.constantFrom('k\\C', 'k.', '.*', '\\C*').map((r): RowFilter => ({ kind: 'rowKeyRegex', regex: Buffer.from(r, 'latin1') })),
  fc.constantFrom(0.25, 0.75).map((p): RowFilter => ({ kind: 'rowSample', probability: p })),
  fc.constantFrom(...FAMILY_REGEXES).map((r): RowFilter => ({ kind: 'familyNameRegex', regex: r })),
  fc.constantFrom(...BYTES_REGEXES).map((r): RowFilter => ({ kind: 'columnQualifierRegex', regex: Buffer.from(r, 'latin1') })),
  fc.constantFrom(...BYTES_REGEXES).map((r): RowFilter => ({ kind: 'valueRegex', regex: Buffer.from(r, 'latin1') })),
  fc.record({ family: fc.constantFrom('a', 'b'), s: bound, e: bound }).map((x): RowFilter => ({
    kind: 'columnRange', family: x.family,
    ...(x.s ? { startQualifier: x.s } : {}), ...(x.e ? { endQualifier: x.e } : {}),
  })),
  fc.record({ s: bound, e: bound }).map((x): RowFilter => ({ kind: 'valueRange', ...(x.s ? { start: x.s } : {}), ...(x.e ? { end: x.e } : {}) })),
  fc.constantFrom('a', '\x01', '\x00\x80', 'h').map((m): RowFilter => ({ kind: 'valueBitmask', mask: Buffer.from(m, 'latin1') })),
  fc.record({ s: fc.integer({ min: 0, max: 6 }), len: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }).map((x): RowFilter => ({
    kind: 'timestampRange', startMicros: x.s * 1000, ...(x.len === undefined ? {} : { endMicros: (x.s + x.len) * 1000 }),
  })),
  fc.integer({ min: 0, max: 10 }).map((n): RowFilter => ({ kind: 'cellsPerRowOffset', n })),
  fc.integer({ min: 1, max: 10 }).map((n): RowFilter => ({ kind: 'cellsPerRowLimit', n })),
  fc.integer({ min: 1, max: 3 }).map((n): RowFilter => ({ kind: 'cellsPerColumnLimit', n })),
  fc.constantFrom('x', 'y-1', 'z9').map((label): RowFilter => ({ kind: 'applyLabel', label })),
);

const filterArb: fc.Arbitrary<RowFilter> = fc.letrec<{ f: RowFilter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('f'), { minLength: 2, maxLength: 4 }).map((filters): RowFilter => ({ kind: 'chain', filters })),
    fc.array(tie('f'), { minLength: 2, maxLength: 4 }).map((filters): RowFilter => ({ kind: 'interleave', filters })),
    fc.record({
      predicate: tie('f'),
      t: fc.option(tie('f'), { nil: undefined }),
      e: fc.option(tie('f'), { nil: undefined }),
    }).map((x): RowFilter => ({ kind: 'condition', predicate: x.predicate, ...(x.t ? { trueFilter: x.t } : {}), ...(x.e ? { falseFilter: x.e } : {}) })),
  ),
})).f;

function isValid(f: RowFilter): boolean {
  try {
    validateFilter(f);
    return true;
  } catch {
    return false;
  }
}

const validFilterArb = filterArb.filter(isValid);

// ---- properties ------------------------------------------------------------

describe('compiled filter vs naive reference', () => {
  it('agrees on random rows and filters (non-sink subset)', () => {
    fc.assert(
      fc.property(validFilterArb, rowArb, (f, row) => {
        const got = compileFilter(f, { random: () => 0.5 }).apply(row).map(fullCell);
        const want = ref(f, row.key, row.cells).map(fullCell);
        expect(got).toEqual(want);
      }),
      { numRuns: 1500 },
    );
  });

  it('chain(f, sink) outputs exactly what f outputs', () => {
    fc.assert(
      fc.property(validFilterArb, rowArb, (f, row) => {
        const got = compileFilter({ kind: 'chain', filters: [f, { kind: 'sink' }] }, { random: () => 0.5 }).apply(row).map(fullCell);
        expect(got).toEqual(ref(f, row.key, row.cells).map(fullCell));
      }),
      { numRuns: 300 },
    );
  });

  it('interleave(chain(f, sink), g) = sorted union of f and g outputs, sink copies first', () => {
    fc.assert(
      fc.property(validFilterArb, validFilterArb, rowArb, (f, g, row) => {
        const filter: RowFilter = { kind: 'interleave', filters: [{ kind: 'chain', filters: [f, { kind: 'sink' }] }, g] };
        fc.pre(isValid(filter));
        const got = compileFilter(filter, { random: () => 0.5 }).apply(row).map(fullCell);
        const want = [...ref(f, row.key, row.cells), ...ref(g, row.key, row.cells)].sort(refCompare).map(fullCell);
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * fast-check generators for the differential test: a data set (MutateRows
 * batches with explicit timestamps over a few families, binary row keys and
 * qualifiers incl. 0x00/0xff, then deletes) and queries (row sets, rows_limit,
 * RowFilters of every kind the emulator implements), all as proto-loader
 * request objects.
 *
 * The generated filters stay inside the region where the emulator follows
 * the Bigtable documentation; its known deviations are tested by name in
 * differential.test.ts instead:
 *  - cells_per_row_limit/offset only run on one family (`chain(family, n)`),
 *    because the emulator walks families in a random order;
 *  - a tree never holds both a transformer inside an interleave and a
 *    counting filter (cells_per_*): which of two differing duplicates a
 *    counting filter keeps is unspecified;
 *  - apply_label and strip_value never share a tree (the emulator drops
 *    labels when stripping) and a chain has at most one labelled element
 *    (data.proto; the emulator overwrites instead of refusing);
 *  - no sink, row_sample or value_bitmask (unsupported or random), no
 *    inverted ranges.
 */
import fc from 'fast-check';

export const FAMILIES = ['a', 'b', 'c_d'] as const;
/** Qualifiers the data set writes. */
export const QUALIFIERS: Buffer[] = ['', 'q', 'q1', 'r', '\x00', '\xff', 'a\nb', '\x00\xff'].map((s) => Buffer.from(s, 'latin1'));
/** Qualifiers reserved for ReadModifyWriteRow (never written by the data set, so increments see 8-byte values only). */
export const RMW_QUALIFIERS = { counter: Buffer.from('cnt'), log: Buffer.from('log') };

const KEY_BYTES = [0x00, 0x01, 0x0a, 0x61, 0x62, 0x7f, 0x80, 0xff];
const VALUE_BYTES = [0x00, 0x0a, 0x61, 0x62, 0x7a, 0xff];

const bytesOf = (alphabet: number[], min: number, max: number): fc.Arbitrary<Buffer> =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => Buffer.from(a));

export const rowKeyArb = bytesOf(KEY_BYTES, 1, 3);
/** Values 0..4 bytes: never 8 bytes, so no written value looks like a counter. */
export const valueArb = bytesOf(VALUE_BYTES, 0, 4);
/** Milliseconds 0..9 as microseconds (0 is a legal timestamp). */
export const tsArb = fc.integer({ min: 0, max: 9 }).map((ms) => ms * 1000);
export const familyArb = fc.constantFrom<string>(...FAMILIES);
export const qualifierArb = fc.constantFrom(...QUALIFIERS);

const micros = (n: number): string => String(n);

/**
 * Rarely a value over 1 MiB (Tabula splits it across chunks, so filters and
 * labels meet split cells); otherwise 0..4 bytes.
 */
const cellValueArb = fc.oneof(
  { weight: 150, arbitrary: valueArb },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 4096 }), fc.constantFrom(...VALUE_BYTES)).map(([extra, b]) => {
    const v = Buffer.alloc(1024 * 1024 + extra, 0x61);
    v[extra] = b;
    return v;
  }) },
);

export const setCellArb = fc.record({ f: familyArb, q: qualifierArb, ts: tsArb, v: cellValueArb })
  .map(({ f, q, ts, v }) => ({ setCell: { familyName: f, columnQualifier: q, timestampMicros: micros(ts), value: v } }));

const timeRangeArb = fc.tuple(tsArb, fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }))
  .map(([start, len]) => (len === undefined
    ? { startTimestampMicros: micros(start) }
    : { startTimestampMicros: micros(start), endTimestampMicros: micros(start + len * 1000) }));

export const deleteArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ f: familyArb, q: qualifierArb, r: fc.option(timeRangeArb, { nil: undefined }) })
    .map(({ f, q, r }) => ({ deleteFromColumn: { familyName: f, columnQualifier: q, ...(r !== undefined ? { timeRange: r } : {}) } })) },
  { weight: 1, arbitrary: familyArb.map((f) => ({ deleteFromFamily: { familyName: f } })) },
  { weight: 1, arbitrary: fc.constant({ deleteFromRow: {} }) },
);

export interface MutateEntry { rowKey: Buffer; mutations: object[] }

/** Writes: 1..10 entries of 1..6 set_cell mutations. */
export const writeBatchArb: fc.Arbitrary<MutateEntry[]> = fc.array(
  fc.record({ rowKey: rowKeyArb, mutations: fc.array(setCellArb, { minLength: 1, maxLength: 6 }) }),
  { minLength: 1, maxLength: 10 },
);

/** A later batch mixing deletes and overwrites (0..4 entries). */
export const deleteBatchArb: fc.Arbitrary<MutateEntry[]> = fc.array(
  fc.record({ rowKey: rowKeyArb, mutations: fc.array(fc.oneof(deleteArb, setCellArb), { minLength: 1, maxLength: 3 }) }),
  { minLength: 0, maxLength: 4 },
);

// ---------------------------------------------------------------- row sets

const boundArb = (side: 'start' | 'end'): fc.Arbitrary<{ key: Buffer; closed: boolean } | undefined> =>
  fc.option(fc.record({ key: rowKeyArb, closed: fc.boolean() }), { nil: undefined, freq: side === 'start' ? 4 : 4 });

/** A row range with start ≤ end (bounds may be absent = unbounded). */
export const rowRangeArb = fc.tuple(boundArb('start'), boundArb('end')).map(([s, e]) => {
  if (s !== undefined && e !== undefined && Buffer.compare(s.key, e.key) > 0) [s.key, e.key] = [e.key, s.key];
  const r: Record<string, Buffer> = {};
  if (s !== undefined) r[s.closed ? 'startKeyClosed' : 'startKeyOpen'] = s.key;
  if (e !== undefined) r[e.closed ? 'endKeyClosed' : 'endKeyOpen'] = e.key;
  return r;
});

export const rowSetArb = fc.option(
  fc.record({
    rowKeys: fc.array(rowKeyArb, { maxLength: 4 }),
    rowRanges: fc.array(rowRangeArb, { maxLength: 3 }),
  }).filter((s) => s.rowKeys.length + s.rowRanges.length > 0),
  { nil: undefined, freq: 3 },
);

// ---------------------------------------------------------------- filters

const L = (s: string): Buffer => Buffer.from(s, 'latin1');

/** RE2 patterns as raw bytes (bytes ≥ 0x80 and NUL appear raw as well as escaped). */
const REGEXES: Buffer[] = [
  '.*', '(?s).*', 'a.*', '(?s).*b', '[ab]+', '\\x00(?s).*', '\x00(?s).*', '\xff(?s).*', '(?s).*\xff',
  '[\\x80-\\xff]+', '(?s)[^a]*', 'a|b', '.', '', 'b', '(?s).{2}', '\\n', 'a?b?', 'q1?', '(?s)[\\x00-\\x20].*', 'a\nb', 'z*', '\\C*', '\\C\\C', 'a\\C',
].map(L);

const FAMILY_REGEXES = ['a', 'b|c_d', '[ab]', '.*', 'c.*', 'x', 'c_d', '.'];

const qualBoundArb = fc.option(fc.record({ v: qualifierArb, closed: fc.boolean() }), { nil: undefined });
const valBoundArb = fc.option(fc.record({ v: fc.oneof(valueArb, fc.constant(Buffer.alloc(0))), closed: fc.boolean() }), { nil: undefined });

function orderedBounds<T extends { v: Buffer; closed: boolean }>(s: T | undefined, e: T | undefined): [T | undefined, T | undefined] {
  if (s !== undefined && e !== undefined && Buffer.compare(s.v, e.v) > 0) return [{ ...s, v: e.v }, { ...e, v: s.v }];
  return [s, e];
}

export type ProtoFilter = Record<string, unknown>;

const columnRangeArb = fc.tuple(familyArb, qualBoundArb, qualBoundArb).map(([f, s0, e0]) => {
  const [s, e] = orderedBounds(s0, e0);
  const r: Record<string, unknown> = { familyName: f };
  if (s !== undefined) r[s.closed ? 'startQualifierClosed' : 'startQualifierOpen'] = s.v;
  if (e !== undefined) r[e.closed ? 'endQualifierClosed' : 'endQualifierOpen'] = e.v;
  return { columnRangeFilter: r };
});

const valueRangeArb = fc.tuple(valBoundArb, valBoundArb).map(([s0, e0]) => {
  const [s, e] = orderedBounds(s0, e0);
  const r: Record<string, unknown> = {};
  if (s !== undefined) r[s.closed ? 'startValueClosed' : 'startValueOpen'] = s.v;
  if (e !== undefined) r[e.closed ? 'endValueClosed' : 'endValueOpen'] = e.v;
  return { valueRangeFilter: r };
});

const leafArb: fc.Arbitrary<ProtoFilter> = fc.oneof(
  fc.constant({ passAllFilter: true }),
  fc.constant({ blockAllFilter: true }),
  // (An empty row key regex is refused by the emulator: a named divergence.)
  fc.constantFrom(...REGEXES.filter((r) => r.length > 0)).map((r) => ({ rowKeyRegexFilter: r })),
  fc.constantFrom(...FAMILY_REGEXES).map((r) => ({ familyNameRegexFilter: r })),
  fc.constantFrom(...REGEXES).map((r) => ({ columnQualifierRegexFilter: r })),
  columnRangeArb,
  timeRangeArb.map((r) => ({ timestampRangeFilter: r })),
  fc.constantFrom(...REGEXES).map((r) => ({ valueRegexFilter: r })),
  valueRangeArb,
  fc.integer({ min: 1, max: 3 }).map((n) => ({ cellsPerColumnLimitFilter: n })),
  // Row-counting filters only over one family (see the module comment).
  fc.tuple(familyArb, fc.boolean(), fc.integer({ min: 0, max: 4 })).map(([f, limit, n]) => ({
    chain: { filters: [{ familyNameRegexFilter: f }, limit ? { cellsPerRowLimitFilter: Math.max(1, n) } : { cellsPerRowOffsetFilter: n }] },
  })),
  // Bare row-counting filters: kept only when the data has one family.
  fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 })).map(([limit, n]) =>
    (limit ? { cellsPerRowLimitFilter: Math.max(1, n) } : { cellsPerRowOffsetFilter: n })),
  fc.constant({ stripValueTransformer: true }),
  fc.constantFrom('x', 'lbl-1', '9z').map((l) => ({ applyLabelTransformer: l })),
);

const { filter: rawFilterArb } = fc.letrec<{ filter: ProtoFilter }>((tie) => ({
  filter: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'filter' },
    { weight: 4, arbitrary: leafArb },
    { weight: 1, arbitrary: fc.array(tie('filter'), { minLength: 2, maxLength: 3 }).map((filters) => ({ chain: { filters } })) },
    { weight: 1, arbitrary: fc.array(tie('filter'), { minLength: 2, maxLength: 3 }).map((filters) => ({ interleave: { filters } })) },
    {
      weight: 1,
      arbitrary: fc.record({
        predicateFilter: tie('filter'),
        trueFilter: fc.option(tie('filter'), { nil: undefined }),
        falseFilter: fc.option(tie('filter'), { nil: undefined }),
      }, { requiredKeys: ['predicateFilter'] }).map((c) => ({ condition: stripUndefined(c) })),
    },
  ),
}));

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ------------------------------------------------------- filter predicates

function children(f: ProtoFilter): ProtoFilter[] {
  const chain = f.chain as { filters: ProtoFilter[] } | undefined;
  const inter = f.interleave as { filters: ProtoFilter[] } | undefined;
  const cond = f.condition as { predicateFilter: ProtoFilter; trueFilter?: ProtoFilter; falseFilter?: ProtoFilter } | undefined;
  if (chain) return chain.filters;
  if (inter) return inter.filters;
  if (cond) return [cond.predicateFilter, ...(cond.trueFilter ? [cond.trueFilter] : []), ...(cond.falseFilter ? [cond.falseFilter] : [])];
  return [];
}

function some(f: ProtoFilter, p: (f: ProtoFilter) => boolean): boolean {
  return p(f) || children(f).some((c) => some(c, p));
}

const isLabel = (f: ProtoFilter): boolean => 'applyLabelTransformer' in f;
const isStrip = (f: ProtoFilter): boolean => 'stripValueTransformer' in f;
const isCounting = (f: ProtoFilter): boolean =>
  'cellsPerRowLimitFilter' in f || 'cellsPerRowOffsetFilter' in f || 'cellsPerColumnLimitFilter' in f;

/** True when labels applied inside `f` can reach its output (condition predicates cannot). */
function outputLabelled(f: ProtoFilter): boolean {
  if (isLabel(f)) return true;
  const cond = f.condition as { trueFilter?: ProtoFilter; falseFilter?: ProtoFilter } | undefined;
  if (cond) return (cond.trueFilter !== undefined && outputLabelled(cond.trueFilter)) || (cond.falseFilter !== undefined && outputLabelled(cond.falseFilter));
  return children(f).some(outputLabelled);
}

/** data.proto: at most one element of a chain may apply a label. */
function chainsLabelOk(f: ProtoFilter): boolean {
  const chain = f.chain as { filters: ProtoFilter[] } | undefined;
  if (chain && chain.filters.filter(outputLabelled).length > 1) return false;
  return children(f).every(chainsLabelOk);
}

const isRowCounting = (f: ProtoFilter): boolean => 'cellsPerRowLimitFilter' in f || 'cellsPerRowOffsetFilter' in f;

/** `chain(family_name_regex_filter: <one family>, cells_per_row_*)`. */
function isOneFamilyRowCounting(f: ProtoFilter): boolean {
  const chain = f.chain as { filters: ProtoFilter[] } | undefined;
  return chain !== undefined && chain.filters.length === 2
    && (FAMILIES as readonly unknown[]).includes(chain.filters[0]!.familyNameRegexFilter) && isRowCounting(chain.filters[1]!);
}

function hasBareRowCounting(f: ProtoFilter): boolean {
  if (isOneFamilyRowCounting(f)) return false;
  return isRowCounting(f) || children(f).some(hasBareRowCounting);
}

/**
 * Keeps a generated filter inside the region where the emulator is a
 * trustworthy oracle. `oneFamily`: the rows hold cells of a single family, so
 * row-counting filters may appear anywhere.
 */
export function comparableFilter(f: ProtoFilter, oneFamily = false): boolean {
  if (!chainsLabelOk(f)) return false;
  if (!oneFamily && hasBareRowCounting(f)) return false;
  if (some(f, isLabel) && some(f, isStrip)) return false;
  const interleavedTransformer = some(f, (g) => 'interleave' in g && some(g, (h) => isLabel(h) || isStrip(h)));
  if (interleavedTransformer && some(f, isCounting)) return false;
  return true;
}

export const filterArb = (oneFamily: boolean): fc.Arbitrary<ProtoFilter> => rawFilterArb.filter((f) => comparableFilter(f, oneFamily));

/** A ReadRows request without table_name. */
export const readRequestArb = (oneFamily: boolean): fc.Arbitrary<Record<string, unknown>> => fc.record({
  rows: rowSetArb,
  rowsLimit: fc.option(fc.integer({ min: 1, max: 4 }).map(String), { nil: undefined, freq: 4 }),
  filter: fc.option(filterArb(oneFamily), { nil: undefined, freq: 5 }),
}).map(stripUndefined);

/** A CheckAndMutateRow request without table_name (mutations only set cells, so both branches are valid). */
export const checkAndMutateArb = (oneFamily: boolean): fc.Arbitrary<Record<string, unknown>> => fc.record({
  rowKey: rowKeyArb,
  predicateFilter: fc.option(filterArb(oneFamily), { nil: undefined, freq: 5 }),
  trueMutations: fc.array(setCellArb, { minLength: 1, maxLength: 2 }),
  falseMutations: fc.array(setCellArb, { minLength: 0, maxLength: 2 }),
}).map(stripUndefined);

/** ReadModifyWriteRow rules on the reserved columns (increments never meet a non-counter value). */
export const rmwArb = fc.record({
  rowKey: rowKeyArb,
  rules: fc.array(fc.oneof(
    fc.record({ f: familyArb, n: fc.integer({ min: -5, max: 5 }) })
      .map(({ f, n }) => ({ familyName: f, columnQualifier: RMW_QUALIFIERS.counter, incrementAmount: String(n) })),
    fc.record({ f: familyArb, v: valueArb })
      .map(({ f, v }) => ({ familyName: f, columnQualifier: RMW_QUALIFIERS.log, appendValue: v })),
  ), { minLength: 1, maxLength: 3 }),
});

/** Rewrites every family_name in a request to `a` (Buffers kept as they are). */
export function toFamilyA<T>(x: T): T {
  if (Buffer.isBuffer(x) || x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) return x.map(toFamilyA) as T;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === 'familyName' ? 'a' : toFamilyA(v)])) as T;
}

export interface Scenario {
  /** All data lives in family `a` (row-counting filters may then appear anywhere). */
  oneFamily: boolean;
  writes: MutateEntry[];
  deletes: MutateEntry[];
  reads: Array<Record<string, unknown>>;
  cams: Array<Record<string, unknown>>;
  rmws: Array<{ rowKey: Buffer; rules: object[] }>;
}

/** One property run: a data set, then reads, check-and-mutates and read-modify-writes. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc.boolean().chain((oneFamily) => fc.record({
  oneFamily: fc.constant(oneFamily),
  writes: writeBatchArb,
  deletes: deleteBatchArb,
  reads: fc.array(readRequestArb(oneFamily), { minLength: 3, maxLength: 8 }),
  cams: fc.array(checkAndMutateArb(oneFamily), { maxLength: 2 }),
  rmws: fc.array(rmwArb, { maxLength: 2 }),
}).map((s) => (oneFamily
  ? { ...s, writes: toFamilyA(s.writes), deletes: toFamilyA(s.deletes), cams: s.cams.map((c) => ({ ...c, trueMutations: toFamilyA(c.trueMutations), falseMutations: toFamilyA(c.falseMutations) })), rmws: toFamilyA(s.rmws) }
  : s)));

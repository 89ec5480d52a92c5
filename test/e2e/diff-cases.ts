/**
 * The deterministic half of the differential test: a fixed data set and
 * hand-written ReadRows / CheckAndMutateRow / error cases that both servers
 * must answer alike.
 */
import type { MutateEntry } from './diff-arbitraries.js';

export const L = (s: string): Buffer => Buffer.from(s, 'latin1');

const set = (f: string, q: string, ms: number, v: string): object =>
  ({ setCell: { familyName: f, columnQualifier: L(q), timestampMicros: String(ms * 1000), value: L(v) } });

/** Families of the fixed table (GC rule "never": no rule). */
export const FIXED_FAMILIES = { a: {}, b: {}, c_d: {} };

/** Row keys: a newline, NUL, 0xff, a prefix pair, and ordinary keys. */
export const FIXED_DATA: MutateEntry[] = [
  { rowKey: L('a'), mutations: [set('a', 'q', 1, 'v1'), set('a', 'q', 2, 'v2'), set('a', 'q', 3, 'v3'), set('a', '', 4, ''), set('b', 'q', 1, 'b1'), set('c_d', 'x', 5, '\x00\xff')] },
  { rowKey: L('ab'), mutations: [set('a', '\x00', 1, 'nul'), set('a', '\xff', 2, 'ff'), set('b', 'q1', 7, 'zz'), set('b', 'q1', 6, 'zy'), set('b', 'q2', 6, 'a\nb')] },
  { rowKey: L('b'), mutations: [set('c_d', 'q', 9, 'only-c'), set('c_d', 'q', 8, 'older')] },
  { rowKey: L('k\n1'), mutations: [set('a', 'q', 1, 'newline-key'), set('b', 'r', 2, '')] },
  { rowKey: L('\x00'), mutations: [set('a', 'q', 0, 'ts-zero'), set('b', 'q', 3, '\xff\xff\xff')] },
  { rowKey: L('\xff\xff'), mutations: [set('a', 'q', 5, 'last'), set('a', 'q1', 5, 'last1'), set('b', 'q', 5, 'lastb')] },
  { rowKey: L('user#1'), mutations: [set('a', 'name', 3, 'ann'), set('a', 'name', 4, 'anne'), set('b', 'age', 3, '\x00\x00\x00\x00\x00\x00\x00\x2a'), set('c_d', 'tag', 1, 'x'), set('c_d', 'tag', 2, 'y')] },
  // Overwrite of the same coordinate and a deleted column.
  { rowKey: L('a'), mutations: [set('a', 'q', 2, 'v2-new'), set('b', 'gone', 1, 'x'), { deleteFromColumn: { familyName: 'b', columnQualifier: L('gone') } }] },
  // A row whose every cell is deleted again disappears.
  { rowKey: L('zz'), mutations: [set('a', 'q', 1, 'x'), { deleteFromRow: {} }] },
  // Time-ranged delete: removes [2ms, 4ms) of ab/b:q1 — nothing there at 2..3; removes user#1 a:name@3.
  { rowKey: L('user#1'), mutations: [{ deleteFromColumn: { familyName: 'a', columnQualifier: L('name'), timeRange: { startTimestampMicros: '3000', endTimestampMicros: '4000' } } }] },
];

const F = {
  fam: (r: string): object => ({ familyNameRegexFilter: r }),
  qual: (r: string): object => ({ columnQualifierRegexFilter: L(r) }),
  val: (r: string): object => ({ valueRegexFilter: L(r) }),
  key: (r: string): object => ({ rowKeyRegexFilter: L(r) }),
  chain: (...filters: object[]): object => ({ chain: { filters } }),
  inter: (...filters: object[]): object => ({ interleave: { filters } }),
  cond: (predicateFilter: object, trueFilter?: object, falseFilter?: object): object =>
    ({ condition: { predicateFilter, ...(trueFilter ? { trueFilter } : {}), ...(falseFilter ? { falseFilter } : {}) } }),
  label: (l: string): object => ({ applyLabelTransformer: l }),
  strip: { stripValueTransformer: true },
  pass: { passAllFilter: true },
  block: { blockAllFilter: true },
  cpc: (n: number): object => ({ cellsPerColumnLimitFilter: n }),
  cprl: (n: number): object => ({ cellsPerRowLimitFilter: n }),
  cpro: (n: number): object => ({ cellsPerRowOffsetFilter: n }),
  ts: (startMs: number, endMs?: number): object =>
    ({ timestampRangeFilter: { startTimestampMicros: String(startMs * 1000), ...(endMs !== undefined ? { endTimestampMicros: String(endMs * 1000) } : {}) } }),
};
export { F };

const keys = (...k: string[]): object => ({ rowKeys: k.map(L) });
const range = (r: Record<string, string>): object => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, L(v)]));

/** [name, ReadRows request without table_name]. */
export const READ_CASES: Array<[string, object]> = [
  ['whole table', {}],
  ['one key', { rows: keys('ab') }],
  ['missing key', { rows: keys('nope') }],
  ['keys unsorted with duplicates', { rows: keys('b', '\x00', 'b', 'k\n1') }],
  ['closed range', { rows: { rowRanges: [range({ startKeyClosed: 'a', endKeyClosed: 'b' })] } }],
  ['open range', { rows: { rowRanges: [range({ startKeyOpen: 'a', endKeyOpen: 'b' })] } }],
  ['start only', { rows: { rowRanges: [range({ startKeyOpen: 'k' })] } }],
  ['end only', { rows: { rowRanges: [range({ endKeyOpen: 'a' })] } }],
  ['unbounded range', { rows: { rowRanges: [{}] } }],
  ['prefix range a', { rows: { rowRanges: [range({ startKeyClosed: 'a', endKeyOpen: 'b' })] } }],
  ['keys and overlapping ranges', { rows: { rowKeys: [L('a'), L('user#1')], rowRanges: [range({ startKeyClosed: 'a', endKeyClosed: 'ab' }), range({ startKeyOpen: 'ab', endKeyClosed: 'b' })] } }],
  ['binary range 0x00..0x01', { rows: { rowRanges: [range({ startKeyClosed: '\x00', endKeyOpen: '\x01' })] } }],
  ['empty range [a, a)', { rows: { rowRanges: [range({ startKeyClosed: 'a', endKeyOpen: 'a' })] } }],
  ['empty range (a, a]', { rows: { rowRanges: [range({ startKeyOpen: 'a', endKeyClosed: 'a' })] } }],
  ['single-key range [a, a]', { rows: { rowRanges: [range({ startKeyClosed: 'a', endKeyClosed: 'a' })] } }],
  ['empty start_key_closed and end_key_open are unbounded', { rows: { rowRanges: [range({ startKeyClosed: '', endKeyOpen: '' })] } }],
  ['empty start_key_open', { rows: { rowRanges: [range({ startKeyOpen: '', endKeyOpen: 'b' })] } }],
  ['rows_limit 0 means no limit', { rowsLimit: '0' }],
  ['rows_limit 1', { rowsLimit: '1' }],
  ['rows_limit 3 over a range', { rowsLimit: '3', rows: { rowRanges: [range({ startKeyOpen: 'a' })] } }],
  ['rows_limit larger than the result', { rowsLimit: '100' }],
  ['rows_limit counts only rows with output', { rowsLimit: '2', filter: F.fam('c_d') }],
  ['pass all', { filter: F.pass }],
  ['empty RowFilter message', { filter: {} }],
  ['block all', { filter: F.block }],
  ['family regex', { filter: F.fam('b|c_d') }],
  ['family regex no match', { filter: F.fam('zzz') }],
  ['family regex empty', { filter: F.fam('') }],
  ['family regex is a full match', { filter: F.fam('c') }],
  ['qualifier regex raw NUL', { filter: F.qual('\x00') }],
  ['qualifier regex escaped \\xff', { filter: F.qual('\\xff') }],
  ['qualifier regex empty matches the empty qualifier', { filter: F.qual('') }],
  ['qualifier regex class', { filter: F.qual('q[0-9]?') }],
  ['value regex raw 0xff', { filter: F.val('(?s).*\xff') }],
  ['value regex dot does not match newline', { filter: F.val('a.b') }],
  ['value regex (?s) dot matches newline', { filter: F.val('(?s)a.b') }],
  ['value regex empty matches empty values', { filter: F.val('') }],
  ['row key regex dot vs newline', { filter: F.key('k.1') }],
  ['row key regex (?s)', { filter: F.key('(?s)k.1') }],
  ['row key regex \\C is any byte', { filter: F.key('\\C\\C') }],
  ['value regex \\C matches a newline', { filter: F.val('a\\Cb') }],
  ['row key regex binary', { filter: F.key('[\\x00\\xff]+') }],
  ['row key regex is a full match', { filter: F.key('a') }],
  ['column range closed..open', { filter: { columnRangeFilter: { familyName: 'b', startQualifierClosed: L('q1'), endQualifierOpen: L('q2') } } }],
  ['column range open..closed', { filter: { columnRangeFilter: { familyName: 'a', startQualifierOpen: L(''), endQualifierClosed: L('q') } } }],
  ['column range family only', { filter: { columnRangeFilter: { familyName: 'c_d' } } }],
  ['column range from empty closed', { filter: { columnRangeFilter: { familyName: 'a', startQualifierClosed: L('') } } }],
  ['column range binary bounds', { filter: { columnRangeFilter: { familyName: 'a', startQualifierOpen: L('\x00'), endQualifierClosed: L('\xff') } } }],
  ['value range', { filter: { valueRangeFilter: { startValueClosed: L('a'), endValueOpen: L('v3') } } }],
  ['value range open start empty', { filter: { valueRangeFilter: { startValueOpen: L('') } } }],
  ['value range end only', { filter: { valueRangeFilter: { endValueClosed: L('b1') } } }],
  ['timestamp range [2,4) ms', { filter: F.ts(2, 4) }],
  ['timestamp range from 5 ms', { filter: F.ts(5) }],
  ['timestamp range [0,1) ms', { filter: F.ts(0, 1) }],
  ['timestamp range with an int64-sized end', { filter: { timestampRangeFilter: { startTimestampMicros: '2000', endTimestampMicros: '9223372036854775000' } } }],
  ['timestamp range with an int64-sized start', { filter: { timestampRangeFilter: { startTimestampMicros: '9223372036854775000' } } }],
  ['timestamp range end 0 means infinity', { filter: { timestampRangeFilter: { startTimestampMicros: '3000', endTimestampMicros: '0' } } }],
  ['cells per column 1', { filter: F.cpc(1) }],
  ['cells per column 2', { filter: F.cpc(2) }],
  ['cells per row limit in one family', { filter: F.chain(F.fam('a'), F.cprl(2)) }],
  ['cells per row offset in one family', { filter: F.chain(F.fam('b'), F.cpro(1)) }],
  ['cells per row offset beyond the row', { filter: F.chain(F.fam('a'), F.cpro(10)) }],
  ['strip value', { filter: F.strip }],
  ['chain family, latest, strip', { filter: F.chain(F.fam('a'), F.cpc(1), F.strip) }],
  ['label inside interleave', { filter: F.inter(F.chain(F.fam('a'), F.label('fam-a')), F.chain(F.fam('b'), F.label('fam-b'))) }],
  ['two labels of the same cells', { filter: F.inter(F.label('x'), F.label('y')) }],
  ['interleave keeps duplicates', { filter: F.inter(F.pass, F.pass) }],
  ['duplicates count for cells_per_column', { filter: F.chain(F.inter(F.pass, F.pass), F.cpc(1)) }],
  ['duplicates count for cells_per_row_limit', { filter: F.chain(F.fam('a'), F.inter(F.pass, F.cpc(1)), F.cprl(3)) }],
  ['interleave of disjoint filters', { filter: F.inter(F.fam('c_d'), F.val('v.*')) }],
  ['condition true branch', { filter: F.cond(F.val('only-c'), F.strip, F.label('no')) }],
  ['condition false branch', { filter: F.cond(F.val('nothing'), F.strip, F.chain(F.fam('a'), F.label('no'))) }],
  ['condition without false branch', { filter: F.cond(F.fam('c_d'), F.pass) }],
  ['condition without true branch', { filter: F.cond(F.fam('c_d'), undefined, F.pass) }],
  ['condition on the row key', { filter: F.cond(F.key('(?s).*1'), F.cpc(1), F.block) }],
  ['condition predicate labels stay hidden', { filter: F.cond(F.chain(F.fam('a'), F.label('hidden')), F.fam('b')) }],
  ['nested condition in interleave', { filter: F.inter(F.cond(F.qual('q'), F.ts(0, 3)), F.chain(F.fam('c_d'), F.label('c'))) }],
  ['deep chain', { filter: F.chain(F.chain(F.fam('a|b'), F.qual('q.*')), F.chain(F.cpc(2), F.chain(F.val('(?s).+'), F.pass))) }],
  ['filter and rows_limit', { rowsLimit: '2', filter: F.val('v.*|last.*') }],
];

/** [name, CheckAndMutateRow request without table_name, key to read back]. */
export const CHECK_AND_MUTATE_CASES: Array<[string, Record<string, unknown>]> = [
  ['predicate matches', { rowKey: L('a'), predicateFilter: F.val('v1'), trueMutations: [set('c_d', 'cam', 1, 'T')], falseMutations: [set('c_d', 'cam', 1, 'F')] }],
  ['predicate does not match', { rowKey: L('a'), predicateFilter: F.val('nope'), trueMutations: [set('c_d', 'cam2', 1, 'T')], falseMutations: [set('c_d', 'cam2', 1, 'F')] }],
  ['no predicate, row exists', { rowKey: L('b'), trueMutations: [set('a', 'cam', 1, 'T')], falseMutations: [set('a', 'cam', 1, 'F')] }],
  ['no predicate, row missing', { rowKey: L('new-row'), trueMutations: [set('a', 'cam', 1, 'T')], falseMutations: [set('a', 'cam', 1, 'F')] }],
  ['predicate matches, no true mutations', { rowKey: L('ab'), predicateFilter: F.pass, falseMutations: [set('a', 'cam', 1, 'F')] }],
  ['predicate with label and condition', { rowKey: L('user#1'), predicateFilter: F.cond(F.fam('c_d'), F.chain(F.cpc(1), F.label('l'))), trueMutations: [{ deleteFromFamily: { familyName: 'c_d' } }] }],
  ['predicate empties the row', { rowKey: L('ab'), predicateFilter: F.chain(F.fam('a'), F.cpro(5)), trueMutations: [set('a', 'cam', 1, 'T')], falseMutations: [{ deleteFromRow: {} }] }],
];

const setRaw = (o: Record<string, unknown>): object => ({ setCell: { familyName: 'a', columnQualifier: L('q'), timestampMicros: '1000', value: L('v'), ...o } });

/**
 * Invalid requests where the emulator answers the documented code, so both
 * servers must agree: [name, kind, request without table_name].
 */
export const ERROR_CASES: Array<[string, 'read' | 'mutateRow' | 'mutateRows' | 'checkAndMutate', Record<string, unknown>]> = [
  ['bad value regex', 'read', { filter: F.val('(') }],
  ['bad row key regex', 'read', { filter: F.key('[a-') }],
  ['bad qualifier regex', 'read', { filter: F.qual('a{2,1}') }],
  ['bad family regex', 'read', { filter: F.fam('[') }],
  ['chain of one filter', 'read', { filter: { chain: { filters: [F.pass] } } }],
  ['interleave of one filter', 'read', { filter: { interleave: { filters: [F.pass] } } }],
  ['pass_all_filter false', 'read', { filter: { passAllFilter: false } }],
  ['block_all_filter false', 'read', { filter: { blockAllFilter: false } }],
  ['cells_per_row_limit 0', 'read', { filter: F.cprl(0) }],
  ['cells_per_column_limit 0', 'read', { filter: F.cpc(0) }],
  ['cells_per_row_limit -1', 'read', { filter: F.cprl(-1) }],
  ['row_sample 0', 'read', { filter: { rowSampleFilter: 0 } }],
  ['row_sample 1', 'read', { filter: { rowSampleFilter: 1 } }],
  ['empty label', 'read', { filter: F.label('') }],
  ['inverted row range', 'read', { rows: { rowRanges: [range({ startKeyClosed: 'z', endKeyOpen: 'a' })] } }],
  ['bad regex nested in a condition', 'read', { filter: F.cond(F.pass, F.chain(F.pass, F.val('*'))) }],
  ['empty row key (MutateRow)', 'mutateRow', { rowKey: L(''), mutations: [setRaw({})] }],
  ['no mutations (MutateRow)', 'mutateRow', { rowKey: L('r'), mutations: [] }],
  ['no entries (MutateRows)', 'mutateRows', { entries: [] }],
  ['bad predicate regex (CheckAndMutate)', 'checkAndMutate', { rowKey: L('a'), predicateFilter: F.val('('), trueMutations: [setRaw({})] }],
];

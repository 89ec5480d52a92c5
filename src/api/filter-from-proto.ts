/**
 * Converts a google.bigtable.v2.RowFilter in @grpc/proto-loader object form
 * (camelCase fields, int64 as decimal strings, bytes as Buffer, no defaults,
 * each oneof naming its set member, e.g. `filter: 'chain'`) into the model's
 * RowFilter.
 *
 * Checks the shape only (types, at most one member of each oneof, nesting
 * depth, int64 ranges); the semantic rules (labels, counts, regex syntax, ...)
 * are enforced when the tablet compiles the filter. Errors are
 * InvalidArgumentError naming the proto field path, e.g.
 * `filter.chain.filters[1].value_regex_filter: expected bytes`.
 */
import { InvalidArgumentError, UnimplementedError } from '../base/errors.js';
import { MAX_TIMESTAMP } from '../model/cell.js';
import { MAX_FILTER_DEPTH, type FilterBound, type RowFilter } from '../model/row-filter.js';
import { asArray, asBytes, asInt64, asObject, asString, type ProtoObject } from './proto-fields.js';

/**
 * `p` is the RowFilter message found at field path `field` (ReadRowsRequest
 * uses `filter`, CheckAndMutateRowRequest `predicate_filter`). An absent or
 * empty message passes everything.
 */
export function rowFilterFromProto(p: unknown, field = 'filter'): RowFilter {
  return convert(p, field, 1);
}

type Converter = (v: unknown, field: string, path: string, depth: number) => RowFilter;

interface Member {
  /** snake_case proto name, for error paths. */
  snake: string;
  convert: Converter;
}

/** Members of the RowFilter `filter` oneof, by proto-loader (camelCase) name. */
const MEMBERS: Record<string, Member> = {
  chain: { snake: 'chain', convert: (v, f, _p, d) => ({ kind: 'chain', filters: list(v, f, d) }) },
  interleave: { snake: 'interleave', convert: (v, f, _p, d) => ({ kind: 'interleave', filters: list(v, f, d) }) },
  condition: { snake: 'condition', convert: condition },
  sink: { snake: 'sink', convert: flag({ kind: 'sink' }) },
  passAllFilter: { snake: 'pass_all_filter', convert: flag({ kind: 'passAll' }) },
  blockAllFilter: { snake: 'block_all_filter', convert: flag({ kind: 'blockAll' }) },
  rowKeyRegexFilter: { snake: 'row_key_regex_filter', convert: (v, f) => ({ kind: 'rowKeyRegex', regex: bytes(v, f) }) },
  rowSampleFilter: { snake: 'row_sample_filter', convert: (v, f) => ({ kind: 'rowSample', probability: double(v, f) }) },
  familyNameRegexFilter: {
    snake: 'family_name_regex_filter',
    convert: (v, f) => ({ kind: 'familyNameRegex', regex: asString(required(v, f), f) }),
  },
  columnQualifierRegexFilter: {
    snake: 'column_qualifier_regex_filter',
    convert: (v, f) => ({ kind: 'columnQualifierRegex', regex: bytes(v, f) }),
  },
  columnRangeFilter: { snake: 'column_range_filter', convert: columnRange },
  timestampRangeFilter: { snake: 'timestamp_range_filter', convert: timestampRange },
  valueRegexFilter: { snake: 'value_regex_filter', convert: (v, f) => ({ kind: 'valueRegex', regex: bytes(v, f) }) },
  valueRangeFilter: { snake: 'value_range_filter', convert: valueRange },
  valueBitmaskFilter: {
    snake: 'value_bitmask_filter',
    convert: (v, f) => ({ kind: 'valueBitmask', mask: asBytes(asObject(v, f).mask, `${f}.mask`) }),
  },
  cellsPerRowOffsetFilter: { snake: 'cells_per_row_offset_filter', convert: (v, f) => ({ kind: 'cellsPerRowOffset', n: int32(v, f) }) },
  cellsPerRowLimitFilter: { snake: 'cells_per_row_limit_filter', convert: (v, f) => ({ kind: 'cellsPerRowLimit', n: int32(v, f) }) },
  cellsPerColumnLimitFilter: {
    snake: 'cells_per_column_limit_filter',
    convert: (v, f) => ({ kind: 'cellsPerColumnLimit', n: int32(v, f) }),
  },
  stripValueTransformer: { snake: 'strip_value_transformer', convert: flag({ kind: 'stripValue' }) },
  applyLabelTransformer: {
    snake: 'apply_label_transformer',
    convert: (v, f) => ({ kind: 'applyLabel', label: asString(required(v, f), f) }),
  },
};
const MEMBER_NAMES = Object.keys(MEMBERS);

function convert(p: unknown, path: string, depth: number): RowFilter {
  if (depth > MAX_FILTER_DEPTH) {
    throw new InvalidArgumentError(`${path}: filters may not be nested deeper than ${MAX_FILTER_DEPTH}`);
  }
  const o = asObject(p, path);
  const name = oneofMember(o, 'filter', MEMBER_NAMES, path);
  if (name === undefined) return { kind: 'passAll' };
  const member = MEMBERS[name];
  if (member === undefined) throw new UnimplementedError(`${path}: filter ${name} is not supported`);
  return member.convert(o[name], `${path}.${member.snake}`, path, depth);
}

/**
 * The set member of oneof `oneof` in `o`: the virtual field proto-loader adds
 * (`oneofs: true`), or else the single member present. Undefined when none.
 */
function oneofMember(o: ProtoObject, oneof: string, members: readonly string[], path: string): string | undefined {
  const named = o[oneof];
  if (typeof named === 'string') return named;
  if (named !== undefined && named !== null) throw new InvalidArgumentError(`${path}.${oneof}: expected the name of a oneof member`);
  let found: string | undefined;
  for (const m of members) {
    if (o[m] === undefined || o[m] === null) continue;
    if (found !== undefined) throw new InvalidArgumentError(`${path}: more than one of ${found} and ${m} is set`);
    found = m;
  }
  return found;
}

function list(v: unknown, field: string, depth: number): RowFilter[] {
  const items = asArray(asObject(v, field).filters, `${field}.filters`);
  return items.map((c, i) => convert(c, `${field}.filters[${i}]`, depth + 1));
}

function condition(v: unknown, field: string, _path: string, depth: number): RowFilter {
  const o = asObject(v, field);
  const out: RowFilter = {
    kind: 'condition',
    // An absent predicate is an empty RowFilter, which passes all cells.
    predicate: convert(o.predicateFilter, `${field}.predicate_filter`, depth + 1),
  };
  if (o.trueFilter !== undefined && o.trueFilter !== null) out.trueFilter = convert(o.trueFilter, `${field}.true_filter`, depth + 1);
  if (o.falseFilter !== undefined && o.falseFilter !== null) out.falseFilter = convert(o.falseFilter, `${field}.false_filter`, depth + 1);
  return out;
}

function flag(f: RowFilter): Converter {
  return (v, field) => {
    if (v !== true) throw new InvalidArgumentError(`${field}: must be true when set`);
    return f;
  };
}

function required(v: unknown, field: string): unknown {
  if (v === undefined || v === null) throw new InvalidArgumentError(`${field}: missing value`);
  return v;
}

function bytes(v: unknown, field: string): Buffer {
  return asBytes(required(v, field), field);
}

function double(v: unknown, field: string): number {
  if (typeof v !== 'number') throw new InvalidArgumentError(`${field}: expected a number`);
  return v;
}

function int32(v: unknown, field: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
    throw new InvalidArgumentError(`${field}: expected a 32-bit integer`);
  }
  return n;
}

function bound(
  o: ProtoObject, field: string, oneof: string,
  closed: [camel: string, snake: string], open: [camel: string, snake: string],
): FilterBound | undefined {
  const name = oneofMember(o, oneof, [closed[0], open[0]], field);
  if (name === undefined) return undefined;
  if (name === closed[0]) return { value: asBytes(o[name], `${field}.${closed[1]}`), closed: true };
  if (name === open[0]) return { value: asBytes(o[name], `${field}.${open[1]}`), closed: false };
  throw new InvalidArgumentError(`${field}.${oneof}: unknown member ${name}`);
}

function columnRange(v: unknown, field: string): RowFilter {
  const o = asObject(v, field);
  const out: RowFilter = { kind: 'columnRange', family: asString(o.familyName, `${field}.family_name`) };
  const start = bound(o, field, 'startQualifier', ['startQualifierClosed', 'start_qualifier_closed'], ['startQualifierOpen', 'start_qualifier_open']);
  const end = bound(o, field, 'endQualifier', ['endQualifierClosed', 'end_qualifier_closed'], ['endQualifierOpen', 'end_qualifier_open']);
  if (start !== undefined) out.startQualifier = start;
  if (end !== undefined) out.endQualifier = end;
  return out;
}

function valueRange(v: unknown, field: string): RowFilter {
  const o = asObject(v, field);
  const out: RowFilter = { kind: 'valueRange' };
  const start = bound(o, field, 'startValue', ['startValueClosed', 'start_value_closed'], ['startValueOpen', 'start_value_open']);
  const end = bound(o, field, 'endValue', ['endValueClosed', 'end_value_closed'], ['endValueOpen', 'end_value_open']);
  if (start !== undefined) out.start = start;
  if (end !== undefined) out.end = end;
  return out;
}

const MAX_SAFE = BigInt(MAX_TIMESTAMP);

/**
 * TimestampRange: start absent = 0; end absent or 0 (the proto3 default, so
 * "left empty") = infinity. Bounds beyond the largest representable cell
 * timestamp are exact in effect: a start there matches nothing, an end there
 * is infinity.
 */
function timestampRange(v: unknown, field: string): RowFilter {
  const o = asObject(v, field);
  const startField = `${field}.start_timestamp_micros`;
  const endField = `${field}.end_timestamp_micros`;
  const start = asInt64(o.startTimestampMicros, startField);
  const end = asInt64(o.endTimestampMicros, endField);
  for (const [t, f] of [[start, startField], [end, endField]] as const) {
    if (t > MAX_SAFE && t % 1000n !== 0n) {
      throw new InvalidArgumentError(`${f}: ${t} is not a multiple of 1000 (millisecond granularity)`);
    }
  }
  if (end !== 0n && end < start) {
    throw new InvalidArgumentError(`${field}: end_timestamp_micros ${end} is before start_timestamp_micros ${start}`);
  }
  const out: RowFilter = { kind: 'timestampRange', startMicros: Number(start) };
  if (end !== 0n && end <= MAX_SAFE) out.endMicros = Number(end);
  return out;
}

/**
 * Builders for the whole RowFilter language (google.bigtable.v2.RowFilter),
 * producing the proto message as a plain object (proto-loader field names).
 * Regexes are RE2 full matches over raw bytes; use `escapeRegex` to match
 * literal bytes. Timestamps are microseconds.
 *
 *   filters.chain(filters.family('cf'), filters.cellsPerColumnLimit(1))
 */
import { InvalidArgumentError } from '../base/errors.js';
import { toBytes, type Bytes } from './bytes-input.js';

/** google.bigtable.v2.RowFilter as a plain object: exactly one field set. */
export interface RowFilterProto {
  chain?: { filters: RowFilterProto[] };
  interleave?: { filters: RowFilterProto[] };
  condition?: { predicateFilter: RowFilterProto; trueFilter?: RowFilterProto; falseFilter?: RowFilterProto };
  sink?: boolean;
  passAllFilter?: boolean;
  blockAllFilter?: boolean;
  rowKeyRegexFilter?: Buffer;
  rowSampleFilter?: number;
  familyNameRegexFilter?: string;
  columnQualifierRegexFilter?: Buffer;
  columnRangeFilter?: {
    familyName: string;
    startQualifierClosed?: Buffer; startQualifierOpen?: Buffer;
    endQualifierClosed?: Buffer; endQualifierOpen?: Buffer;
  };
  timestampRangeFilter?: { startTimestampMicros?: string; endTimestampMicros?: string };
  valueRegexFilter?: Buffer;
  valueRangeFilter?: {
    startValueClosed?: Buffer; startValueOpen?: Buffer;
    endValueClosed?: Buffer; endValueOpen?: Buffer;
  };
  valueBitmaskFilter?: { mask: Buffer };
  cellsPerRowOffsetFilter?: number;
  cellsPerRowLimitFilter?: number;
  cellsPerColumnLimitFilter?: number;
  stripValueTransformer?: boolean;
  applyLabelTransformer?: string;
}

/** A byte range: `start` inclusive unless startInclusive is false; `end` exclusive unless endInclusive is true. Absent bounds are unbounded. */
export interface ByteRange {
  start?: Bytes;
  end?: Bytes;
  startInclusive?: boolean;
  endInclusive?: boolean;
}

function checkCount(n: number, min: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${what}: must be an integer ≥ ${min}, got ${n}`);
  return n;
}

/** Escapes bytes for use as a literal inside an RE2 byte regex. */
export function escapeRegex(b: Bytes): Buffer {
  const bytes = toBytes(b);
  const out: number[] = [];
  for (const c of bytes) {
    const word = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    if (word) out.push(c);
    else if (c >= 0x20 && c < 0x7f) out.push(0x5c, c);
    else out.push(...Buffer.from(`\\x${c.toString(16).padStart(2, '0')}`, 'latin1'));
  }
  return Buffer.from(out);
}

/** Every RowFilter kind, plus a few compositions (`family`, `column`). */
export const filters = {
  /** Applies the filters in sequence (0 → passAll, 1 → that filter). */
  chain(...fs: RowFilterProto[]): RowFilterProto {
    if (fs.length === 0) return { passAllFilter: true };
    if (fs.length === 1) return fs[0]!;
    return { chain: { filters: fs } };
  },
  /** Union of the filters' outputs, duplicates kept (0 → blockAll, 1 → that filter). */
  interleave(...fs: RowFilterProto[]): RowFilterProto {
    if (fs.length === 0) return { blockAllFilter: true };
    if (fs.length === 1) return fs[0]!;
    return { interleave: { filters: fs } };
  },
  /** If `predicate` outputs any cell of the row, `whenTrue` applies, else `whenFalse` (absent branch → no cells). */
  condition(predicate: RowFilterProto, whenTrue?: RowFilterProto, whenFalse?: RowFilterProto): RowFilterProto {
    const c: NonNullable<RowFilterProto['condition']> = { predicateFilter: predicate };
    if (whenTrue) c.trueFilter = whenTrue;
    if (whenFalse) c.falseFilter = whenFalse;
    return { condition: c };
  },
  /** Sends its input straight to the output of the read (inside an interleave). */
  sink(): RowFilterProto { return { sink: true }; },
  passAll(): RowFilterProto { return { passAllFilter: true }; },
  blockAll(): RowFilterProto { return { blockAllFilter: true }; },
  /** Rows whose whole key matches the RE2 byte regex. */
  rowKeyRegex(regex: Bytes): RowFilterProto { return { rowKeyRegexFilter: toBytes(regex, 'rowKeyRegex') }; },
  /** Each row passes with probability p, 0 < p < 1. */
  rowSample(p: number): RowFilterProto {
    if (!(p > 0 && p < 1)) throw new InvalidArgumentError(`rowSample: probability must be in (0, 1), got ${p}`);
    return { rowSampleFilter: p };
  },
  /** Cells whose family name fully matches (RE2, no ':'). */
  familyRegex(regex: string): RowFilterProto { return { familyNameRegexFilter: regex }; },
  /** Cells of exactly this family. */
  family(name: string): RowFilterProto { return { familyNameRegexFilter: escapeRegex(name).toString('latin1') }; },
  /** Cells whose qualifier fully matches the RE2 byte regex. */
  qualifierRegex(regex: Bytes): RowFilterProto { return { columnQualifierRegexFilter: toBytes(regex, 'qualifierRegex') }; },
  /** Cells of `family` with qualifiers in the range (default: start inclusive, end exclusive). */
  columnRange(family: string, range: ByteRange = {}): RowFilterProto {
    const r: NonNullable<RowFilterProto['columnRangeFilter']> = { familyName: family };
    if (range.start !== undefined) r[range.startInclusive === false ? 'startQualifierOpen' : 'startQualifierClosed'] = toBytes(range.start);
    if (range.end !== undefined) r[range.endInclusive === true ? 'endQualifierClosed' : 'endQualifierOpen'] = toBytes(range.end);
    return { columnRangeFilter: r };
  },
  /** Cells of exactly one column (a closed single-qualifier range: no regex escaping involved). */
  column(family: string, qualifier: Bytes): RowFilterProto {
    const q = toBytes(qualifier, 'qualifier');
    return { columnRangeFilter: { familyName: family, startQualifierClosed: q, endQualifierClosed: q } };
  },
  /** Cells with start ≤ timestamp < end (microseconds; absent = unbounded). */
  timestampRange(startMicros?: number, endMicros?: number): RowFilterProto {
    const r: NonNullable<RowFilterProto['timestampRangeFilter']> = {};
    if (startMicros !== undefined) r.startTimestampMicros = String(startMicros);
    if (endMicros !== undefined) r.endTimestampMicros = String(endMicros);
    return { timestampRangeFilter: r };
  },
  /** Cells whose value fully matches the RE2 byte regex. */
  valueRegex(regex: Bytes): RowFilterProto { return { valueRegexFilter: toBytes(regex, 'valueRegex') }; },
  /** Cells whose value lies in the range (default: start inclusive, end exclusive). */
  valueRange(range: ByteRange = {}): RowFilterProto {
    const r: NonNullable<RowFilterProto['valueRangeFilter']> = {};
    if (range.start !== undefined) r[range.startInclusive === false ? 'startValueOpen' : 'startValueClosed'] = toBytes(range.start);
    if (range.end !== undefined) r[range.endInclusive === true ? 'endValueClosed' : 'endValueOpen'] = toBytes(range.end);
    return { valueRangeFilter: r };
  },
  /** Cells whose value equals `value` exactly. */
  valueEquals(value: Bytes): RowFilterProto {
    const v = toBytes(value);
    return { valueRangeFilter: { startValueClosed: v, endValueClosed: v } };
  },
  /** Cells whose value has the mask's length and all of the mask's bits set. */
  valueBitmask(mask: Bytes): RowFilterProto { return { valueBitmaskFilter: { mask: toBytes(mask, 'mask') } }; },
  /** Skips the first n cells of each row. */
  cellsPerRowOffset(n: number): RowFilterProto { return { cellsPerRowOffsetFilter: checkCount(n, 0, 'cellsPerRowOffset') }; },
  /** Keeps the first n cells of each row. */
  cellsPerRowLimit(n: number): RowFilterProto { return { cellsPerRowLimitFilter: checkCount(n, 1, 'cellsPerRowLimit') }; },
  /** Keeps the newest n cells of each column. */
  cellsPerColumnLimit(n: number): RowFilterProto { return { cellsPerColumnLimitFilter: checkCount(n, 1, 'cellsPerColumnLimit') }; },
  /** Replaces every value with the empty string. */
  stripValue(): RowFilterProto { return { stripValueTransformer: true }; },
  /** Labels every output cell; 1..15 chars of [a-z0-9-]. */
  label(label: string): RowFilterProto {
    if (!/^[a-z0-9-]{1,15}$/.test(label)) throw new InvalidArgumentError(`label: "${label}" must be 1-15 characters of [a-z0-9-]`);
    return { applyLabelTransformer: label };
  },
} as const;

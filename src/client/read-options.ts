/**
 * Read options shared by get and scan, and their translation into a RowFilter
 * and a RowSet (google.bigtable.v2.RowSet as a plain object).
 */
import { InvalidArgumentError } from '../base/errors.js';
import { compareBytes, prefixSuccessor } from '../base/bytes.js';
import { toBytes, toRowKey, type Bytes } from './bytes-input.js';
import { filters, type RowFilterProto } from './filters.js';
import { parseColumn, type ColumnSpec, type TimeRange } from './mutations.js';

/** What to return of each row. Selections combine as: (families ∪ columns) → timeRange → versions → filter. */
export interface ReadOptions {
  /** Only these families. */
  families?: string[];
  /** Only these columns ('cf:q', 'cf' or { family, qualifier }). */
  columns?: ColumnSpec[];
  /** Newest n versions per column (default: all). */
  versions?: number;
  /** Only cells with start ≤ timestamp < end (microseconds). */
  timeRange?: TimeRange;
  /** A further RowFilter (see `filters`). */
  filter?: RowFilterProto;
}

/** Rows to scan. start inclusive, stop exclusive (both in ascending key order, also for reversed scans). */
export interface ScanOptions extends ReadOptions {
  start?: Bytes;
  stop?: Bytes;
  /** Only rows whose key starts with prefix (combined with start/stop by intersection). */
  prefix?: Bytes;
  /** Exactly these row keys (instead of a range). */
  keys?: Bytes[];
  /** Rows in descending key order. */
  reversed?: boolean;
  /** At most this many rows. */
  limit?: number;
}

/** The combined filter of `o`, or undefined when it selects everything. */
export function readFilter(o: ReadOptions): RowFilterProto | undefined {
  const parts: RowFilterProto[] = [];
  const fams = o.families ?? [];
  const selectors: RowFilterProto[] = fams.map((f) => filters.family(f));
  for (const spec of o.columns ?? []) {
    const c = parseColumn(spec);
    if (fams.includes(c.family)) continue; // already selected whole; avoid interleave duplicates
    selectors.push(c.qualifier === undefined ? filters.family(c.family) : filters.column(c.family, c.qualifier));
  }
  if (selectors.length > 0) parts.push(filters.interleave(...selectors));
  if (o.timeRange !== undefined) parts.push(filters.timestampRange(o.timeRange.start, o.timeRange.end));
  if (o.versions !== undefined) parts.push(filters.cellsPerColumnLimit(o.versions));
  if (o.filter !== undefined) parts.push(o.filter);
  return parts.length === 0 ? undefined : filters.chain(...parts);
}

/** A key range [start, end) with `end` undefined = unbounded; empty start = unbounded below. */
export interface ScanRange {
  start: Buffer;
  end: Buffer | undefined;
}

/** The rows of a scan: explicit keys (sorted, unique) or one range. */
export type ScanRows = { keys: Buffer[] } | { range: ScanRange };

/** Normalises the row selection of `o`; undefined when it selects nothing. */
export function scanRows(o: ScanOptions): ScanRows | undefined {
  if (o.keys !== undefined) {
    if (o.start !== undefined || o.stop !== undefined || o.prefix !== undefined) {
      throw new InvalidArgumentError('keys: cannot be combined with start, stop or prefix');
    }
    const keys = o.keys.map((k, i) => toRowKey(k, `keys[${i}]`)).sort(compareBytes);
    const unique = keys.filter((k, i) => i === 0 || compareBytes(keys[i - 1]!, k) !== 0);
    return unique.length === 0 ? undefined : { keys: unique };
  }
  let start = o.start === undefined ? Buffer.alloc(0) : toBytes(o.start, 'start');
  let end = o.stop === undefined || toBytes(o.stop).length === 0 ? undefined : toBytes(o.stop, 'stop');
  if (o.prefix !== undefined) {
    const p = toBytes(o.prefix, 'prefix');
    if (compareBytes(p, start) > 0) start = p;
    const succ = prefixSuccessor(p);
    if (succ !== undefined && (end === undefined || compareBytes(succ, end) < 0)) end = Buffer.from(succ);
  }
  if (end !== undefined && compareBytes(start, end) >= 0) return undefined;
  return { range: { start, end } };
}

/** The RowSet message of `rows`. */
export function rowSetProto(rows: ScanRows): Record<string, unknown> {
  if ('keys' in rows) return { rowKeys: rows.keys };
  const r: Record<string, Buffer> = {};
  if (rows.range.start.length > 0) r.startKeyClosed = rows.range.start;
  if (rows.range.end !== undefined) r.endKeyOpen = rows.range.end;
  return { rowRanges: [r] };
}

/**
 * What remains of `rows` after the row `last` was delivered (the resume
 * point of a retried scan): keys/ranges strictly after it (before it when
 * reversed). Undefined when nothing remains.
 */
export function remainingRows(rows: ScanRows, last: Buffer, reversed: boolean): ScanRows | undefined {
  if ('keys' in rows) {
    const keys = rows.keys.filter((k) => (reversed ? compareBytes(k, last) < 0 : compareBytes(k, last) > 0));
    return keys.length === 0 ? undefined : { keys };
  }
  const { start, end } = rows.range;
  if (reversed) {
    // Rows below `last`: [start, last).
    const newEnd = end === undefined || compareBytes(last, end) < 0 ? last : end;
    return compareBytes(start, newEnd) >= 0 ? undefined : { range: { start, end: newEnd } };
  }
  // Rows above `last`: [last + 0x00, end).
  const succ = Buffer.concat([last, Buffer.from([0])]);
  const newStart = compareBytes(succ, start) > 0 ? succ : start;
  if (end !== undefined && compareBytes(newStart, end) >= 0) return undefined;
  return { range: { start: newStart, end } };
}

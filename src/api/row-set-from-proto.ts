/**
 * google.bigtable.v2.RowSet / RowRange → model RowSet.
 *
 * Normalisation: an absent RowSet, or one with neither keys nor ranges, means
 * the whole table and becomes one unbounded range, so the model RowSet is
 * always the plain union of its keys and ranges (empty = no rows). An empty
 * start or end key is unbounded, as in Bigtable.
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { RowBound, RowRange, RowSet } from '../model/row-set.js';
import { MAX_ROW_KEY_BYTES } from './limits.js';
import { asArray, asBytes, asObject, validateRowKey } from './proto-fields.js';

function bound(key: Buffer, closed: boolean, field: string): RowBound | undefined {
  if (key.length === 0) return undefined;
  if (key.length > MAX_ROW_KEY_BYTES) {
    throw new InvalidArgumentError(`${field}: row key is ${key.length} bytes, the limit is ${MAX_ROW_KEY_BYTES}`);
  }
  return { key, closed };
}

/** Converts one RowRange; `field` is its path, e.g. `rows.row_ranges[1]`. */
export function rowRangeFromProto(p: unknown, field: string): RowRange {
  const r = asObject(p, field);
  const out: RowRange = {};
  let start: RowBound | undefined;
  let end: RowBound | undefined;
  if (r.startKey === 'startKeyClosed' || (r.startKey === undefined && r.startKeyClosed !== undefined)) {
    start = bound(asBytes(r.startKeyClosed, `${field}.start_key_closed`), true, `${field}.start_key_closed`);
  } else if (r.startKey === 'startKeyOpen' || r.startKeyOpen !== undefined) {
    start = bound(asBytes(r.startKeyOpen, `${field}.start_key_open`), false, `${field}.start_key_open`);
  }
  if (r.endKey === 'endKeyOpen' || (r.endKey === undefined && r.endKeyOpen !== undefined)) {
    end = bound(asBytes(r.endKeyOpen, `${field}.end_key_open`), false, `${field}.end_key_open`);
  } else if (r.endKey === 'endKeyClosed' || r.endKeyClosed !== undefined) {
    end = bound(asBytes(r.endKeyClosed, `${field}.end_key_closed`), true, `${field}.end_key_closed`);
  }
  // Bigtable refuses a range whose start sorts after its end (an equal
  // start and end with an open side is merely empty, and allowed).
  if (start !== undefined && end !== undefined && Buffer.compare(start.key, end.key) > 0) {
    throw new InvalidArgumentError(`${field}: start key sorts after end key`);
  }
  if (start !== undefined) out.start = start;
  if (end !== undefined) out.end = end;
  return out;
}

/** Converts ReadRowsRequest.rows (absent = whole table). */
export function rowSetFromProto(p: unknown, field = 'rows'): RowSet {
  const s = asObject(p, field);
  const keys = asArray(s.rowKeys, `${field}.row_keys`);
  const ranges = asArray(s.rowRanges, `${field}.row_ranges`);
  if (keys.length === 0 && ranges.length === 0) return { rowKeys: [], rowRanges: [{}] };
  const rowKeys = keys.map((k, i) => validateRowKey(asBytes(k, `${field}.row_keys[${i}]`), `${field}.row_keys[${i}]`));
  const rowRanges = ranges.map((r, i) => rowRangeFromProto(r, `${field}.row_ranges[${i}]`));
  return { rowKeys, rowRanges };
}

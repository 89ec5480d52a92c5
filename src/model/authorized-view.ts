/**
 * Authorized views (google.bigtable.admin.v2.AuthorizedView.SubsetView): a
 * named subset of a table — rows by row-key prefix, columns by family with
 * exact qualifiers and qualifier prefixes — that data requests may address
 * instead of the table. Reads through a view see only its cells; a write
 * outside it is refused. This module holds the rules as pure functions; the
 * API layer (api/authorized-view-access.ts) applies them to requests.
 *
 * A view's cells are its rows ∩ its columns: an empty `rowPrefixes` or
 * `families` selects nothing; the prefix "" selects every row (or every
 * qualifier of a family).
 */
import { compareBytes, hasPrefix, prefixSuccessor } from '../base/bytes.js';
import { BLOCK_ALL, type RowFilter } from './row-filter.js';
import type { RowBound, RowRange, RowSet } from './row-set.js';

export interface FamilySubset {
  qualifiers: Buffer[];
  qualifierPrefixes: Buffer[];
}

export interface SubsetView {
  rowPrefixes: Buffer[];
  /** Family name → the columns of that family in the view. */
  families: Map<string, FamilySubset>;
}

/** True when `row` lies in the view's rows. */
export function viewHasRow(v: SubsetView, row: Uint8Array): boolean {
  return v.rowPrefixes.some((p) => hasPrefix(row, p));
}

/** True when the column (family, qualifier) lies in the view. */
export function viewHasColumn(v: SubsetView, family: string, qualifier: Uint8Array): boolean {
  const f = v.families.get(family);
  if (f === undefined) return false;
  return f.qualifiers.some((q) => compareBytes(q, qualifier) === 0) || f.qualifierPrefixes.some((p) => hasPrefix(qualifier, p));
}

/** True when every column of `family`, present and future, lies in the view (a qualifier prefix ""). */
export function viewHasWholeFamily(v: SubsetView, family: string): boolean {
  return v.families.get(family)?.qualifierPrefixes.some((p) => p.length === 0) ?? false;
}

/** A half-open qualifier interval [start, end); end undefined = unbounded. */
interface Interval {
  start: Buffer;
  end: Buffer | undefined;
}

/** The family's columns as disjoint ascending intervals (an exact qualifier q is [q, q\0)). */
function familyIntervals(f: FamilySubset): Interval[] {
  const all: Interval[] = [
    ...f.qualifiers.map((q) => ({ start: q, end: Buffer.concat([q, Buffer.of(0)]) })),
    ...f.qualifierPrefixes.map((p) => {
      const end = prefixSuccessor(p);
      return { start: p, end: end === undefined ? undefined : Buffer.from(end) };
    }),
  ].sort((a, b) => compareBytes(a.start, b.start));
  const out: Interval[] = [];
  for (const iv of all) {
    const last = out[out.length - 1];
    // Overlapping or touching: one interval (interleaving two would duplicate their common cells).
    if (last !== undefined && (last.end === undefined || compareBytes(iv.start, last.end) <= 0)) {
      if (last.end !== undefined && (iv.end === undefined || compareBytes(iv.end, last.end) > 0)) last.end = iv.end;
      continue;
    }
    out.push({ ...iv });
  }
  return out;
}

/**
 * A filter passing exactly the view's columns: one column range per disjoint
 * qualifier interval, interleaved (rows are restricted by viewRowSet).
 */
export function viewFilter(v: SubsetView): RowFilter {
  const ranges: RowFilter[] = [];
  for (const [family, subset] of [...v.families].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const iv of familyIntervals(subset)) {
      ranges.push({
        kind: 'columnRange', family,
        startQualifier: { value: iv.start, closed: true },
        ...(iv.end !== undefined ? { endQualifier: { value: iv.end, closed: false } } : {}),
      });
    }
  }
  if (ranges.length === 0) return BLOCK_ALL;
  return ranges.length === 1 ? ranges[0]! : { kind: 'interleave', filters: ranges };
}

/** The view's rows as disjoint ascending ranges (a prefix inside a shorter one adds nothing). */
function prefixRanges(v: SubsetView): RowRange[] {
  const sorted = [...v.rowPrefixes].sort(compareBytes);
  const kept: Buffer[] = [];
  for (const p of sorted) if (!kept.some((k) => hasPrefix(p, k))) kept.push(p);
  return kept.map((p) => {
    const end = prefixSuccessor(p);
    return {
      ...(p.length > 0 ? { start: { key: p, closed: true } } : {}),
      ...(end !== undefined ? { end: { key: Buffer.from(end), closed: false } } : {}),
    };
  });
}

/** The later of two start bounds (undefined = unbounded below). */
function laterStart(a: RowBound | undefined, b: RowBound | undefined): RowBound | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const c = compareBytes(a.key, b.key);
  if (c !== 0) return c > 0 ? a : b;
  return a.closed ? b : a; // an open start at the same key starts later
}

/** The earlier of two end bounds (undefined = unbounded above). */
function earlierEnd(a: RowBound | undefined, b: RowBound | undefined): RowBound | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const c = compareBytes(a.key, b.key);
  if (c !== 0) return c < 0 ? a : b;
  return a.closed ? b : a; // an open end at the same key ends earlier
}

function isEmpty(r: RowRange): boolean {
  if (r.start === undefined || r.end === undefined) return false;
  const c = compareBytes(r.start.key, r.end.key);
  return c > 0 || (c === 0 && !(r.start.closed && r.end.closed));
}

/** The rows of `rs` that lie in the view. */
export function viewRowSet(v: SubsetView, rs: RowSet): RowSet {
  const prefixes = prefixRanges(v);
  const rowRanges: RowRange[] = [];
  for (const r of rs.rowRanges) {
    for (const p of prefixes) {
      const start = laterStart(r.start, p.start);
      const end = earlierEnd(r.end, p.end);
      const cut: RowRange = { ...(start ? { start } : {}), ...(end ? { end } : {}) };
      if (!isEmpty(cut)) rowRanges.push(cut);
    }
  }
  return { rowKeys: rs.rowKeys.filter((k) => viewHasRow(v, k)), rowRanges };
}

/** The view as JSON-safe values (bytes in base64), for the catalog. */
export interface SubsetViewJson {
  rowPrefixes: string[];
  families: Array<[string, { qualifiers: string[]; qualifierPrefixes: string[] }]>;
}

export function subsetViewToJson(v: SubsetView): SubsetViewJson {
  const b64 = (xs: Buffer[]) => xs.map((x) => x.toString('base64'));
  return {
    rowPrefixes: b64(v.rowPrefixes),
    families: [...v.families].map(([f, s]) => [f, { qualifiers: b64(s.qualifiers), qualifierPrefixes: b64(s.qualifierPrefixes) }]),
  };
}

export function subsetViewFromJson(j: SubsetViewJson): SubsetView {
  const bytes = (xs: string[]) => xs.map((x) => Buffer.from(x, 'base64'));
  return {
    rowPrefixes: bytes(j.rowPrefixes),
    families: new Map(j.families.map(([f, s]) => [f, { qualifiers: bytes(s.qualifiers), qualifierPrefixes: bytes(s.qualifierPrefixes) }])),
  };
}

/**
 * Half-open row-key ranges [start, end) — the normal form every RowSet is
 * reduced to before routing. An empty `start` is unbounded below; an absent
 * `end` is unbounded above. Exact for byte strings: the immediate successor
 * of key k is k + 0x00, so closed and open bounds convert without loss.
 */
import { compareBytes, keySuccessor } from '../base/bytes.js';
import type { RowRange, RowSet } from './row-set.js';

export interface KeyRange {
  start: Buffer;
  end?: Buffer;
}

export function fromRowRange(r: RowRange): KeyRange {
  const start = r.start ? (r.start.closed ? r.start.key : Buffer.from(keySuccessor(r.start.key))) : Buffer.alloc(0);
  const end = r.end ? (r.end.closed ? Buffer.from(keySuccessor(r.end.key)) : r.end.key) : undefined;
  return end === undefined ? { start } : { start, end };
}

export function isEmptyRange(r: KeyRange): boolean {
  return r.end !== undefined && compareBytes(r.start, r.end) >= 0;
}

/** The union of a RowSet's keys and ranges as sorted, disjoint, non-empty ranges. */
export function normalizeRowSet(s: RowSet): KeyRange[] {
  const all: KeyRange[] = [
    ...s.rowKeys.map(pointRange),
    ...s.rowRanges.map(fromRowRange),
  ].filter((r) => !isEmptyRange(r));
  all.sort((a, b) => compareBytes(a.start, b.start));
  const out: KeyRange[] = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && (last.end === undefined || compareBytes(r.start, last.end) <= 0)) {
      if (last.end !== undefined && (r.end === undefined || compareBytes(r.end, last.end) > 0)) {
        if (r.end === undefined) delete last.end;
        else last.end = r.end;
      }
    } else {
      out.push({ ...r });
    }
  }
  return out;
}

/** The part of r inside [lo, hi) (hi undefined = unbounded), or undefined if none. */
export function intersectRange(r: KeyRange, lo: Buffer, hi: Buffer | undefined): KeyRange | undefined {
  const start = compareBytes(r.start, lo) >= 0 ? r.start : lo;
  let end = r.end;
  if (hi !== undefined && (end === undefined || compareBytes(hi, end) < 0)) end = hi;
  const out: KeyRange = end === undefined ? { start } : { start, end };
  return isEmptyRange(out) ? undefined : out;
}

/** Converts back to the model's RowRange (closed start, open end). */
export function toRowRange(r: KeyRange): RowRange {
  const out: RowRange = {};
  if (r.start.length) out.start = { key: r.start, closed: true };
  if (r.end !== undefined) out.end = { key: r.end, closed: false };
  return out;
}

/** The range covering exactly row `key`: [key, key+0x00). pointKey is its inverse. */
export function pointRange(key: Buffer): KeyRange {
  return { start: key, end: Buffer.from(keySuccessor(key)) };
}

/** The single row key r covers ([k, k+0x00)), or undefined when r is not a point range. */
export function pointKey(r: KeyRange): Buffer | undefined {
  const { start, end } = r;
  if (end === undefined || start.length === 0 || end.length !== start.length + 1 || end[start.length] !== 0) return undefined;
  return start.equals(end.subarray(0, start.length)) ? start : undefined;
}

// The functions below take ranges as normalizeRowSet leaves them, sorted and disjoint, so their
// ends ascend too: a router reading many row keys over many tablets pays O(keys + tablets), not
// their product.

/** Index of the first range ending after `key` (or unbounded), by binary search. */
function firstEndingAfter(ranges: readonly KeyRange[], key: Buffer): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const end = ranges[mid]!.end;
    if (end !== undefined && compareBytes(end, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The parts of `ranges` inside [lo, hi) (hi undefined = unbounded). */
export function rangesWithin(ranges: readonly KeyRange[], lo: Buffer, hi: Buffer | undefined): KeyRange[] {
  const out: KeyRange[] = [];
  for (let i = firstEndingAfter(ranges, lo); i < ranges.length; i++) {
    const r = ranges[i]!;
    if (hi !== undefined && compareBytes(r.start, hi) >= 0) break;
    const p = intersectRange(r, lo, hi);
    if (p) out.push(p);
  }
  return out;
}

/** The parts of `ranges` strictly after `key` (or at/after it with `inclusive`). */
export function clipAbove(ranges: KeyRange[], key: Buffer, inclusive = false): KeyRange[] {
  const lo = inclusive ? key : Buffer.from(keySuccessor(key));
  const out = ranges.slice(firstEndingAfter(ranges, lo));
  const first = out[0];
  if (first && compareBytes(first.start, lo) < 0) out[0] = intersectRange(first, lo, undefined)!;
  return out;
}

/** The parts of `ranges` strictly before `key`. */
export function clipBelow(ranges: KeyRange[], key: Buffer): KeyRange[] {
  const end = firstEndingAfter(ranges, key); // every range before it ends at or before key
  const out = ranges.slice(0, end);
  const straddling = ranges[end];
  if (straddling && compareBytes(straddling.start, key) < 0) out.push(intersectRange(straddling, straddling.start, key)!);
  return out;
}

/**
 * Canonical cell order and stable merging of cell lists, as filter evaluation
 * needs them: family name ascending, qualifier ascending (unsigned bytes),
 * timestamp descending. Duplicates are kept; on ties the left input comes first.
 */
import { compareBytes } from '../../base/bytes.js';
import type { Cell } from '../../model/cell.js';

/** Canonical order (family, qualifier, timestamp desc); labels and values are ignored. */
export function compareCellOrder(a: Cell, b: Cell): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1; // family names are ASCII
  const q = a.qualifier === b.qualifier ? 0 : compareBytes(a.qualifier, b.qualifier);
  if (q !== 0) return q;
  return b.timestamp - a.timestamp;
}

/**
 * Merges two lists, each in canonical order, into one (stable: on ties cells
 * of `a` come first). May return `a` or `b` itself when the other is empty.
 */
export function mergeCells(a: readonly Cell[], b: readonly Cell[]): readonly Cell[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  // Common case: the inputs cover disjoint, ordered parts of the row.
  if (compareCellOrder(a[a.length - 1]!, b[0]!) <= 0) return a.concat(b);
  const out: Cell[] = new Array<Cell>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    if (compareCellOrder(b[j]!, a[i]!) < 0) out[k++] = b[j++]!;
    else out[k++] = a[i++]!;
  }
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/**
 * Bigtable data-model values as the tablet returns them.
 * Timestamps are microseconds (multiples of 1000) held in JS numbers, so the
 * supported range is 0 .. Number.MAX_SAFE_INTEGER (year 2255 in micros).
 */
export interface Cell {
  family: string;
  qualifier: Buffer;
  /** Microseconds. */
  timestamp: number;
  value: Buffer;
  /** Labels applied by an ApplyLabelTransformer filter (empty/absent normally). */
  labels?: string[];
}

/**
 * A row: its key and its cells in the deterministic Bigtable order — family
 * name ascending (byte order), qualifier ascending, timestamp descending.
 *
 * Rows a tablet returns may hold values that are views into the engine's
 * immutable memory (cached blocks, the memtable arena): read them, never
 * modify them in place.
 */
export interface Row {
  key: Buffer;
  cells: Cell[];
}

/** Largest timestamp a cell may carry (microseconds). */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/** Compares two cells in the canonical row order. */
export function compareCells(a: Cell, b: Cell): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  const q = Buffer.compare(a.qualifier, b.qualifier);
  if (q !== 0) return q;
  return b.timestamp - a.timestamp;
}

/**
 * Row sets (google.bigtable.v2.RowSet / RowRange). Bounds are normalised to a
 * half-open form where possible; an absent bound is unbounded.
 */
export interface RowBound {
  key: Buffer;
  closed: boolean;
}

export interface RowRange {
  start?: RowBound;
  end?: RowBound;
}

export interface RowSet {
  rowKeys: Buffer[];
  rowRanges: RowRange[];
}

/**
 * The RowFilter language (google.bigtable.v2.RowFilter) as a discriminated
 * union. One variant per member of the proto's `filter` oneof; field meanings
 * follow the proto comments (data.proto). This module only describes filters:
 * semantic validation and evaluation live in tablet/filter/, conversion from
 * the wire object in api/filter-from-proto.ts.
 *
 * Byte-valued fields (regexes, bounds) are raw bytes; regexes are RE2 full
 * matches on bytes read as Latin-1 (`\C` = any byte). Timestamps are
 * microseconds with millisecond granularity.
 */
export type RowFilter =
  /** in row -> f(0) -> ... -> f(N) -> out row. Needs ≥ 2 filters. */
  | { kind: 'chain'; filters: RowFilter[] }
  /** Every filter sees a copy of the input; outputs are merged in canonical order, duplicates kept. Needs ≥ 2 filters. */
  | { kind: 'interleave'; filters: RowFilter[] }
  /** If `predicate` outputs any cell, `trueFilter` runs on the input, else `falseFilter`; an absent branch outputs nothing. */
  | { kind: 'condition'; predicate: RowFilter; trueFilter?: RowFilter; falseFilter?: RowFilter }
  /** Sends its input to the output of the whole read, and nothing to its parent. Not allowed inside a condition. */
  | { kind: 'sink' }
  | { kind: 'passAll' }
  | { kind: 'blockAll' }
  /** The whole row passes when the row key fully matches. */
  | { kind: 'rowKeyRegex'; regex: Buffer }
  /** The whole row passes with this probability, in (0, 1). */
  | { kind: 'rowSample'; probability: number }
  /** Family name full match; the regex must not contain ':'. */
  | { kind: 'familyNameRegex'; regex: string }
  | { kind: 'columnQualifierRegex'; regex: Buffer }
  /** Cells of `family` whose qualifier lies in the range; absent bounds are unbounded ("" inclusive / infinity). */
  | { kind: 'columnRange'; family: string; startQualifier?: FilterBound; endQualifier?: FilterBound }
  /** startMicros inclusive, endMicros exclusive (absent = infinity). */
  | { kind: 'timestampRange'; startMicros: number; endMicros?: number }
  | { kind: 'valueRegex'; regex: Buffer }
  /** Absent bounds are unbounded ("" inclusive / infinity). */
  | { kind: 'valueRange'; start?: FilterBound; end?: FilterBound }
  /** Cells whose value has the mask's length and `(value & mask) == mask`. */
  | { kind: 'valueBitmask'; mask: Buffer }
  /** Skips the first n cells of the row (n ≥ 0). */
  | { kind: 'cellsPerRowOffset'; n: number }
  /** Keeps the first n cells of the row (n ≥ 1). */
  | { kind: 'cellsPerRowLimit'; n: number }
  /** Keeps the newest n cells of each column (n ≥ 1). */
  | { kind: 'cellsPerColumnLimit'; n: number }
  /** Replaces every value with the empty string. */
  | { kind: 'stripValue' }
  /** Labels every output cell; label is 1..15 chars of [a-z0-9-]. */
  | { kind: 'applyLabel'; label: string };

/** A range bound on bytes; `closed` = inclusive. */
export interface FilterBound {
  value: Buffer;
  closed: boolean;
}

export type RowFilterKind = RowFilter['kind'];

/** RowFilters may not be nested more deeply than this (data.proto); the root is depth 1. */
export const MAX_FILTER_DEPTH = 20;

/** The proto field name (snake_case) of each filter kind, used in error messages. */
export const FILTER_FIELD_NAMES: Readonly<Record<RowFilterKind, string>> = {
  chain: 'chain',
  interleave: 'interleave',
  condition: 'condition',
  sink: 'sink',
  passAll: 'pass_all_filter',
  blockAll: 'block_all_filter',
  rowKeyRegex: 'row_key_regex_filter',
  rowSample: 'row_sample_filter',
  familyNameRegex: 'family_name_regex_filter',
  columnQualifierRegex: 'column_qualifier_regex_filter',
  columnRange: 'column_range_filter',
  timestampRange: 'timestamp_range_filter',
  valueRegex: 'value_regex_filter',
  valueRange: 'value_range_filter',
  valueBitmask: 'value_bitmask_filter',
  cellsPerRowOffset: 'cells_per_row_offset_filter',
  cellsPerRowLimit: 'cells_per_row_limit_filter',
  cellsPerColumnLimit: 'cells_per_column_limit_filter',
  stripValue: 'strip_value_transformer',
  applyLabel: 'apply_label_transformer',
};

export const PASS_ALL: RowFilter = { kind: 'passAll' };
export const BLOCK_ALL: RowFilter = { kind: 'blockAll' };

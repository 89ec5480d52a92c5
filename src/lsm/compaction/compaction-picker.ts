/**
 * Compaction policy (what to compact), apart from the job that does it.
 *
 * Size-tiered with a bound: while a tablet has more than `maxTables` SSTables,
 * merge the run of adjacent tables (in newest-first order) with the smallest
 * total size, long enough to bring the count back to the bound (at least
 * `minMerge` tables). Merging adjacent tables of similar age keeps write
 * amplification low; a run that covers every table is a full compaction.
 */
export interface PickerTable {
  size: number;
}

export interface CompactionPick {
  /** Indices into the newest-first table list, contiguous and ascending. */
  indices: number[];
  /** True when every table of the tablet is included (tombstones may be dropped). */
  full: boolean;
}

export interface PickerOptions {
  maxTables: number;
  minMerge?: number;
}

export function pickCompaction(tables: readonly PickerTable[], opts: PickerOptions): CompactionPick | undefined {
  const n = tables.length;
  if (n <= opts.maxTables) return undefined;
  const k = Math.min(n, Math.max(opts.minMerge ?? 4, n - opts.maxTables + 1));
  let best = 0;
  let bestSum = Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += tables[i]!.size;
    if (i >= k) sum -= tables[i - k]!.size;
    if (i >= k - 1 && sum <= bestSum) {
      // <= prefers older runs on ties: they hold the data least likely to change.
      bestSum = sum;
      best = i - k + 1;
    }
  }
  const indices = Array.from({ length: k }, (_, j) => best + j);
  return { indices, full: k === n };
}

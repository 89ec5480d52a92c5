/**
 * Compaction policy (what to compact), apart from the job that does it.
 *
 * Size-tiered with a bound: while a tablet has more than `maxTables` sorted
 * runs (sorted-runs.ts: a flush's SSTable, or all the files one compaction
 * wrote), merge the `width` adjacent runs (in newest-first order) with the
 * smallest total size; the tablet repeats it until back at the bound.
 * Adjacent runs are of similar age and, under steady ingest, of similar
 * size, so each byte is rewritten about log_width(data / flush) times; a pick
 * that covers every run is a full compaction.
 *
 * The width is fixed (4, as Cassandra's size-tiered minimum threshold and
 * LevelDB's L0 trigger). It used to grow to bring the count back to the
 * bound in one go (n - maxTables + 1 tables), which under sustained ingest
 * meant ever larger merges of ever larger tables: 10M cells took 129 s of
 * compaction instead of 59 s (bench/README "Sustained ingest").
 */
export interface PickerTable {
  size: number;
}

export interface CompactionPick {
  /** Indices into the newest-first list, contiguous and ascending. */
  indices: number[];
  /** True when every entry of the list is included (tombstones may be dropped). */
  full: boolean;
}

export interface PickerOptions {
  maxTables: number;
  /** Tables merged at once (default 4). */
  width?: number;
}

export function pickCompaction(tables: readonly PickerTable[], opts: PickerOptions): CompactionPick | undefined {
  const n = tables.length;
  if (n <= opts.maxTables) return undefined;
  const k = Math.min(n, Math.max(2, opts.width ?? 4));
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

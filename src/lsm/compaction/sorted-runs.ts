/**
 * A tablet's SSTables as sorted runs: what compaction policy counts.
 *
 * A compaction writes its merged output as several files of at most the
 * target size, one after another in key order. Those files hold disjoint key
 * ranges, so together they are one sorted run: a point read probes at most
 * one of them (the others' key ranges rule the key out) and they cost a scan
 * no more than one file would. Counting them as separate tables made the
 * bound unreachable once a tablet held more than bound × target size (8 ×
 * 64 MB), and each merge of four tables into three files then lowered the
 * count by one: under sustained ingest the tablet compacted without end and
 * held flushes back (bench:sustained, tenth million at 0.3–0.4 of LevelDB).
 *
 * A run is a maximal stretch of adjacent tables, in the tablet's newest-first
 * order, whose key ranges are pairwise disjoint. This also groups flushes
 * that happen not to overlap (sequential keys), which need no merging either.
 * A table without entries overlaps nothing. The ranges are the tables' own
 * (not narrowed by a split's row-range restriction): a superset, so tables
 * found disjoint are disjoint.
 */
import { compareBytes } from '../../base/bytes.js';

export interface RunTable {
  /** Smallest and largest key, inclusive. */
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
  entryCount: number;
  size: number;
}

export interface SortedRun {
  /** Tables [first, end) of the newest-first list. */
  first: number;
  end: number;
  /** Total bytes of its tables. */
  size: number;
}

export function sortedRuns(tables: readonly RunTable[]): SortedRun[] {
  const runs: SortedRun[] = [];
  let run: SortedRun | undefined;
  for (let i = 0; i < tables.length; i++) {
    const t = tables[i]!;
    if (run !== undefined && disjointFromAll(tables, run.first, i, t)) {
      run.end = i + 1;
      run.size += t.size;
    } else {
      run = { first: i, end: i + 1, size: t.size };
      runs.push(run);
    }
  }
  return runs;
}

function disjointFromAll(tables: readonly RunTable[], first: number, end: number, t: RunTable): boolean {
  if (t.entryCount === 0) return true;
  for (let j = first; j < end; j++) {
    const o = tables[j]!;
    if (o.entryCount === 0) continue;
    if (compareBytes(t.smallestKey, o.largestKey) <= 0 && compareBytes(o.smallestKey, t.largestKey) <= 0) return false;
  }
  return true;
}

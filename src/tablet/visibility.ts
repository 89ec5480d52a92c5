/**
 * The visibility step of the read path (and of major compaction): given the
 * entries of ONE row in cell-key order, decides which puts a reader sees.
 *
 * - Entries newer than the snapshot sequence are ignored.
 * - The newest write of a (family, qualifier, timestamp) coordinate wins.
 * - A row tombstone hides every older write of the row; a family tombstone
 *   every older write of its family; a column tombstone older writes of its
 *   column with start <= ts < end. ("Older" = smaller sequence number.)
 * - Cells of families not in the schema are hidden (dropped families).
 * - The family's GC rule hides condemned cells: version rank counts visible
 *   cells of the column, newest first; age is now - timestamp.
 *
 * Tombstones sort before everything they can hide (cell-key.ts), so one
 * forward pass with a little state per row/family/column is enough.
 */
import { compareRanges } from '../base/bytes.js';
import { isGarbage, type GcRule } from '../model/gc-rule.js';
import type { CellKeyView } from './cell-key.js';
import { Drops } from './drops.js';
import { DELETE_COLUMN, PUT, deleteColumnEnd, deleteColumnStart } from './cell-value.js';

/** Family name → GC rule; undefined = the family does not exist. */
export type SchemaLookup = (family: string) => GcRule | undefined;

export class Visibility {
  private rowDel = -1;
  private famDel = -1;
  /** Copy of the current family component (keys are only valid until the iterator moves). */
  private famKey: Buffer | undefined;
  /** Current family's name and rule (undefined rule = unknown family). */
  family = '';
  private rule: GcRule | undefined;
  /** Copy of the current qualifier component. */
  private colKey: Buffer | undefined;
  private colDels: number[] = []; // triples: seq, start, end
  private lastTs = -1;
  private versions = 0;

  constructor(
    private readonly schema: SchemaLookup,
    private readonly snapshotSeq: number,
    private readonly nowMicros: number,
    private readonly drops: Drops = Drops.NONE,
  ) {}

  /** Call before the first entry of each row, with that entry's key. */
  startRow(firstKey: Uint8Array): void {
    this.rowDel = this.drops.empty ? -1 : this.drops.rowSeq(firstKey);
    this.famKey = undefined;
    this.colKey = undefined;
  }

  /** True when the put entry `k` (decoded) with engine value `v` is visible. Tombstones update state and return false. */
  accept(k: CellKeyView, v: Uint8Array): boolean {
    if (k.seq > this.snapshotSeq) return false;
    const key = k.key;
    if (k.isFamilyMark) {
      if (k.isRowMark) {
        if (k.seq > this.rowDel) this.rowDel = k.seq;
        return false;
      }
      if (!this.inFamily(k)) this.enterFamily(k);
      if (k.seq > this.famDel) this.famDel = k.seq;
      return false;
    }
    if (!this.inFamily(k)) this.enterFamily(k);
    if (this.colKey === undefined || compareRanges(key, k.familyEnd, k.qualEnd, this.colKey, 0, this.colKey.length) !== 0) {
      this.colKey = Buffer.from(key.subarray(k.familyEnd, k.qualEnd));
      this.colDels.length = 0;
      this.lastTs = -1;
      this.versions = 0;
    }
    const type = v[0];
    if (type === DELETE_COLUMN) {
      this.colDels.push(k.seq, deleteColumnStart(v), deleteColumnEnd(v));
      return false;
    }
    if (type !== PUT) return false;
    if (k.ts === this.lastTs) return false; // an older write of the same coordinate
    this.lastTs = k.ts;
    if (this.rule === undefined) return false;
    if (k.seq < this.rowDel || k.seq < this.famDel) return false;
    const dels = this.colDels;
    for (let i = 0; i < dels.length; i += 3) {
      if (k.seq < dels[i]! && dels[i + 1]! <= k.ts && k.ts < dels[i + 2]!) return false;
    }
    const rank = this.versions++;
    if (isGarbage(this.rule, rank, this.nowMicros - k.ts)) return false;
    return true;
  }

  private inFamily(k: CellKeyView): boolean {
    return this.famKey !== undefined && compareRanges(k.key, k.rowEnd, k.familyEnd, this.famKey, 0, this.famKey.length) === 0;
  }

  private enterFamily(k: CellKeyView): void {
    // The family component of the current key; column state restarts.
    this.famKey = Buffer.from(k.key.subarray(k.rowEnd, k.familyEnd));
    this.colKey = undefined;
    this.family = k.family();
    this.rule = this.schema(this.family);
    this.famDel = this.drops.familySeq(this.family);
  }
}

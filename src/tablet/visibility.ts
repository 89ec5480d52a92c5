/**
 * The visibility step of the read path (and of major compaction): given the
 * entries of ONE row in cell-key order, decides which puts a reader sees.
 *
 * - Entries newer than the snapshot sequence are ignored.
 * - The newest write of a (family, qualifier, timestamp) coordinate wins —
 *   unless it is an aggregate input (AGGREGATE entry): then the older writes
 *   of the coordinate are combined into it, newest first, up to and including
 *   the newest plain put (the state a full compaction wrote) or the first
 *   write a tombstone hides. The accepted cell's value is then `aggValue`, a
 *   buffer of its own that the following entries of the coordinate update in
 *   place: read it once the coordinate is passed.
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
import { AGGREGATE, DELETE_COLUMN, PUT, deleteColumnEnd, deleteColumnStart } from './cell-value.js';
import { combineInto } from '../model/aggregate.js';

/** Family name → GC rule; undefined = the family does not exist. */
export type SchemaLookup = (family: string) => GcRule | undefined;

export class Visibility {
  private rowDel = -1;
  private famDel = -1;
  /**
   * Copy of the current family component in famBuf[0, famLen), famLen -1 =
   * none (keys are only valid until the iterator moves). The buffers are
   * reused from row to row and column to column: no allocation per cell.
   */
  private famBuf: Buffer = NO_BYTES;
  private famLen = -1;
  /** Current family's name and rule (undefined rule = unknown family). */
  family = '';
  private rule: GcRule | undefined;
  /** Copy of the current qualifier component in colBuf[0, colLen), colLen -1 = none. */
  private colBuf: Buffer = NO_BYTES;
  private colLen = -1;
  private colDels: number[] = []; // triples: seq, start, end
  private lastTs = -1;
  private versions = 0;
  /**
   * The value of the cell accepted last when it is an aggregate (a fresh
   * 8-byte buffer, combined with the older writes of its coordinate as they
   * come), else undefined: then the value is the entry's own.
   */
  aggValue: Buffer | undefined;
  /** The aggregator code while older writes are combined into aggValue, else -1. */
  private folding = -1;

  constructor(
    private readonly schema: SchemaLookup,
    private readonly snapshotSeq: number,
    private readonly nowMicros: number,
    private readonly drops: Drops = Drops.NONE,
  ) {}

  /** Call before the first entry of each row, with that entry's key. */
  startRow(firstKey: Uint8Array): void {
    this.rowDel = this.drops.empty ? -1 : this.drops.rowSeq(firstKey);
    this.famLen = -1;
    this.colLen = -1;
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
    if (this.colLen < 0 || compareRanges(key, k.familyEnd, k.qualEnd, this.colBuf, 0, this.colLen) !== 0) {
      this.colBuf = copyInto(this.colBuf, key, k.familyEnd, k.qualEnd);
      this.colLen = k.qualEnd - k.familyEnd;
      this.colDels.length = 0;
      this.lastTs = -1;
      this.versions = 0;
    }
    const type = v[0];
    if (type === DELETE_COLUMN) {
      this.colDels.push(k.seq, deleteColumnStart(v), deleteColumnEnd(v));
      return false;
    }
    if (type !== PUT && type !== AGGREGATE) return false;
    if (k.ts === this.lastTs) { // an older write of the same coordinate
      if (this.folding >= 0) this.fold(k, v, type);
      return false;
    }
    this.lastTs = k.ts;
    this.folding = -1;
    this.aggValue = undefined;
    if (this.rule === undefined || this.hidden(k)) return false;
    const rank = this.versions++;
    if (isGarbage(this.rule, rank, this.nowMicros - k.ts)) return false;
    if (type === AGGREGATE) {
      if (v.length !== 10) return false; // not an operand (never written so)
      this.folding = v[1]!;
      this.aggValue = Buffer.from(v.subarray(2, 10));
    }
    return true;
  }

  /** True when a tombstone hides the write k. */
  private hidden(k: CellKeyView): boolean {
    if (k.seq < this.rowDel || k.seq < this.famDel) return true;
    const dels = this.colDels;
    for (let i = 0; i < dels.length; i += 3) {
      if (k.seq < dels[i]! && dels[i + 1]! <= k.ts && k.ts < dels[i + 2]!) return true;
    }
    return false;
  }

  /** Combines an older write of the aggregate cell being accepted into aggValue. */
  private fold(k: CellKeyView, v: Uint8Array, type: number): void {
    // Older writes come in falling sequence order: once a tombstone hides one, it hides the rest.
    if (this.hidden(k)) {
      this.folding = -1;
      return;
    }
    if (type === AGGREGATE && v.length === 10) {
      combineInto(this.folding, this.aggValue!, v, 2);
    } else if (type === PUT) {
      // The state a full compaction wrote: nothing older is left to count.
      if (v.length === 9) combineInto(this.folding, this.aggValue!, v, 1);
      this.folding = -1;
    }
  }

  private inFamily(k: CellKeyView): boolean {
    return this.famLen >= 0 && compareRanges(k.key, k.rowEnd, k.familyEnd, this.famBuf, 0, this.famLen) === 0;
  }

  private enterFamily(k: CellKeyView): void {
    // The family component of the current key; column state restarts.
    this.famBuf = copyInto(this.famBuf, k.key, k.rowEnd, k.familyEnd);
    this.famLen = k.familyEnd - k.rowEnd;
    this.colLen = -1;
    this.family = k.family();
    this.rule = this.schema(this.family);
    this.famDel = this.drops.familySeq(this.family);
  }
}

/** Until a Visibility copies its first component (a point read makes one per read: allocate on use). */
const NO_BYTES = Buffer.alloc(0);

/** src[start, end) copied to the front of buf, or of a bigger buffer when it does not fit; returns the buffer used. */
function copyInto(buf: Buffer, src: Uint8Array, start: number, end: number): Buffer {
  const len = end - start;
  const out = len <= buf.length ? buf : Buffer.allocUnsafe(Math.max(len, 32, buf.length * 2));
  // A byte loop: cheaper than a subarray view plus set() for the short components of a cell key.
  if (len > 64) out.set(src.subarray(start, end), 0);
  else for (let i = 0; i < len; i++) out[i] = src[start + i]!;
  return out;
}

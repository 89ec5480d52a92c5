/**
 * Schema-level deletes that must be cheap: DropRowRange and dropping a column
 * family. Instead of writing a tombstone per row, the tablet records
 * "everything in this row range / family with a sequence number below S is
 * gone" in its manifest. Reads hide such entries (visibility.ts); a full
 * compaction removes them, after which the record itself can go.
 */
import { compareBytes } from '../base/bytes.js';
import { rowPrefix } from './cell-key.js';

export interface DropsData {
  families: Array<[string, number]>;
  ranges: Array<{ start: string; end?: string; seq: number }>; // row keys, base64
}

interface DroppedRange {
  startRow: Buffer;
  endRow?: Buffer;
  /** Encoded-key bounds for comparison with cell keys. */
  lower: Buffer;
  upper?: Buffer;
  seq: number;
}

export class Drops {
  private constructor(
    private readonly familySeqs: Map<string, number>,
    private readonly ranges: DroppedRange[],
  ) {}

  static readonly NONE = new Drops(new Map(), []);

  static from(data: DropsData | undefined): Drops {
    if (!data) return Drops.NONE;
    const ranges = data.ranges.map((r) => range(Buffer.from(r.start, 'base64'), r.end === undefined ? undefined : Buffer.from(r.end, 'base64'), r.seq));
    return new Drops(new Map(data.families), ranges);
  }

  get empty(): boolean {
    return this.familySeqs.size === 0 && this.ranges.length === 0;
  }

  get maxSeq(): number {
    let m = 0;
    for (const s of this.familySeqs.values()) m = Math.max(m, s);
    for (const r of this.ranges) m = Math.max(m, r.seq);
    return m;
  }

  /** Entries of `family` with a smaller sequence number are gone (-1: none). */
  familySeq(family: string): number {
    return this.familySeqs.get(family) ?? -1;
  }

  /** Entries of the row whose cell key is `key` with a smaller sequence number are gone (-1: none). */
  rowSeq(key: Uint8Array): number {
    let seq = -1;
    for (const r of this.ranges) {
      if (r.seq > seq && compareBytes(key, r.lower) >= 0 && (r.upper === undefined || compareBytes(key, r.upper) < 0)) seq = r.seq;
    }
    return seq;
  }

  withFamily(family: string, seq: number): Drops {
    return new Drops(new Map(this.familySeqs).set(family, seq), this.ranges);
  }

  withRange(startRow: Buffer, endRow: Buffer | undefined, seq: number): Drops {
    return new Drops(this.familySeqs, [...this.ranges, range(startRow, endRow, seq)]);
  }

  /** Forgets drops at or below `seq` (a full compaction has applied them). */
  without(seq: number): Drops {
    return new Drops(
      new Map([...this.familySeqs].filter(([, s]) => s > seq)),
      this.ranges.filter((r) => r.seq > seq),
    );
  }

  toJSON(): DropsData {
    return {
      families: [...this.familySeqs],
      ranges: this.ranges.map((r) => ({ start: r.startRow.toString('base64'), ...(r.endRow ? { end: r.endRow.toString('base64') } : {}), seq: r.seq })),
    };
  }
}

function range(startRow: Buffer, endRow: Buffer | undefined, seq: number): DroppedRange {
  return {
    startRow,
    endRow,
    lower: startRow.length ? rowPrefix(startRow) : Buffer.alloc(0),
    upper: endRow === undefined ? undefined : rowPrefix(endRow),
    seq,
  };
}

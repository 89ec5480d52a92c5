/**
 * A row as the client returns it: the key and its cells in the canonical
 * Bigtable order (family ascending, qualifier ascending, timestamp
 * descending), with lookup helpers. Rows are snapshots; they own their Buffers.
 */
import { compareBytes } from '../base/bytes.js';
import type { Cell, Row as ModelRow } from '../model/cell.js';
import { decodeCounter, toBytes, type Bytes } from './bytes-input.js';

export type { Cell } from '../model/cell.js';

function compareCanonical(a: Cell, b: Cell): number {
  if (a.family !== b.family) return a.family < b.family ? -1 : 1;
  const q = compareBytes(a.qualifier, b.qualifier);
  if (q !== 0) return q;
  return b.timestamp - a.timestamp;
}

export class Row implements ModelRow {
  readonly key: Buffer;
  /** Cells in canonical order (sorted here if a server sent another order). */
  readonly cells: Cell[];

  constructor(key: Buffer, cells: Cell[]) {
    this.key = key;
    let sorted = true;
    for (let i = 1; i < cells.length && sorted; i++) if (compareCanonical(cells[i - 1]!, cells[i]!) > 0) sorted = false;
    // Array.prototype.sort is stable: duplicates (interleave) keep the server's relative order.
    this.cells = sorted ? cells : cells.slice().sort(compareCanonical);
  }

  /** The key decoded as UTF-8. */
  get keyString(): string {
    return this.key.toString('utf8');
  }

  /** Family names present, ascending. */
  families(): string[] {
    const out: string[] = [];
    for (const c of this.cells) if (out[out.length - 1] !== c.family) out.push(c.family);
    return out;
  }

  /** All cells of a family, or of one column (newest first). */
  cellsOf(family: string, qualifier?: Bytes): Cell[] {
    const q = qualifier === undefined ? undefined : toBytes(qualifier, 'qualifier');
    return this.cells.filter((c) => c.family === family && (q === undefined || compareBytes(c.qualifier, q) === 0));
  }

  /** The latest cell of the column, or undefined. */
  get(family: string, qualifier: Bytes): Cell | undefined {
    const q = toBytes(qualifier, 'qualifier');
    for (const c of this.cells) if (c.family === family && compareBytes(c.qualifier, q) === 0) return c;
    return undefined;
  }

  /** Value of the latest cell of the column. */
  value(family: string, qualifier: Bytes): Buffer | undefined {
    return this.get(family, qualifier)?.value;
  }

  /** Value of the latest cell of the column decoded as UTF-8. */
  string(family: string, qualifier: Bytes): string | undefined {
    return this.get(family, qualifier)?.value.toString('utf8');
  }

  /** Value of the latest cell as a 64-bit big-endian counter; throws if it is not 8 bytes. */
  counter(family: string, qualifier: Bytes): bigint | undefined {
    const v = this.value(family, qualifier);
    return v === undefined ? undefined : decodeCounter(v, `${family}:${toBytes(qualifier).toString('utf8')}`);
  }

  /** `{ family: { qualifier: latestValueAsUtf8 } }`, for display and tests. */
  toObject(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const c of this.cells) {
      const f = (out[c.family] ??= {});
      const q = c.qualifier.toString('utf8');
      if (!(q in f)) f[q] = c.value.toString('utf8');
    }
    return out;
  }
}

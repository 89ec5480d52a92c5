/**
 * Client-side assembly of rows from ReadRowsResponse.CellChunks, following
 * the ReadRows acceptance tests (shared/testdata/bigtable-readrows-conformance.json).
 *
 * State machine: between rows (NEW_ROW), inside a row between cells
 * (ROW_IN_PROGRESS), inside a split value (CELL_IN_PROGRESS). Every chunk that
 * is not the continuation of a split value starts a new cell — a bare
 * `commit_row` chunk therefore adds an empty cell with timestamp 0 in the
 * current column, as the acceptance tests require. Invalid sequences throw
 * InvalidChunkError; after an error the merger must not be reused.
 *
 * Chunks are proto-loader objects (camelCase, int64 as strings, wrappers as
 * `{ value }`, absent fields undefined) or anything shaped alike.
 */
import { Code, TabulaError } from '../base/errors.js';
import type { Cell, Row } from '../model/cell.js';

/** google.bigtable.v2.ReadRowsResponse.CellChunk as decoded by proto-loader. */
export interface CellChunkLike {
  rowKey?: Uint8Array | null;
  familyName?: { value?: string | null } | null;
  qualifier?: { value?: Uint8Array | null } | null;
  timestampMicros?: string | number | null;
  labels?: string[] | null;
  value?: Uint8Array | null;
  valueSize?: number | null;
  resetRow?: boolean | null;
  commitRow?: boolean | null;
}

/** The server sent a chunk sequence no valid ReadRows stream contains. */
export class InvalidChunkError extends TabulaError {
  constructor(message: string) {
    super(Code.INTERNAL, `invalid ReadRows chunk sequence: ${message}`);
  }
}

const EMPTY = Buffer.alloc(0);

function buf(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export interface ChunkMergerOptions {
  /** Rows arrive in descending key order (ReadRowsRequest.reversed). */
  reversed?: boolean;
}

export class ChunkMerger {
  private readonly reversed: boolean;
  private lastKey: Buffer | undefined;
  // Row in progress.
  private rowKey: Buffer | undefined;
  private cells: Cell[] = [];
  private family: string | undefined;
  private qualifier: Buffer | undefined;
  // Split value in progress.
  private pieces: Buffer[] | undefined;
  private pending: Cell | undefined;

  constructor(opts: ChunkMergerOptions = {}) {
    this.reversed = opts.reversed === true;
  }

  /** Key of the last committed row (resume point for retries). */
  get lastRowKey(): Buffer | undefined {
    return this.lastKey;
  }

  /** True when a row is partially received. */
  get inRow(): boolean {
    return this.rowKey !== undefined;
  }

  /** Records ReadRowsResponse.last_scanned_row_key (moves the resume point; rows must come after it). */
  markScanned(key: Uint8Array): void {
    if (key.length === 0) return;
    if (this.rowKey !== undefined) throw new InvalidChunkError('last_scanned_row_key inside a row');
    this.lastKey = buf(key);
  }

  /** Feeds one chunk; returns the row it commits, if any. */
  push(chunk: CellChunkLike): Row | undefined {
    const rowKey = chunk.rowKey ?? undefined;
    const hasRowKey = rowKey !== undefined && rowKey.length > 0;
    const hasFamily = chunk.familyName !== undefined && chunk.familyName !== null;
    const hasQualifier = chunk.qualifier !== undefined && chunk.qualifier !== null;
    const ts = chunk.timestampMicros === undefined || chunk.timestampMicros === null ? 0 : Number(chunk.timestampMicros);
    const labels = chunk.labels ?? undefined;
    const hasLabels = labels !== undefined && labels.length > 0;
    const value = chunk.value ?? undefined;
    const valueSize = chunk.valueSize ?? 0;
    const commit = chunk.commitRow === true;

    if (chunk.resetRow === true) {
      if (this.rowKey === undefined) throw new InvalidChunkError('reset_row outside a row');
      if (hasRowKey || hasFamily || hasQualifier || ts !== 0 || hasLabels
        || (value !== undefined && value.length > 0) || valueSize !== 0 || commit) {
        throw new InvalidChunkError('reset_row chunk carries other data');
      }
      this.resetRow();
      return undefined;
    }

    if (this.pieces !== undefined) {
      // Continuation of a split value: only value, value_size and commit_row.
      if (hasRowKey || hasFamily || hasQualifier || ts !== 0 || hasLabels) {
        throw new InvalidChunkError('cell key or labels in the middle of a split value');
      }
      if (value !== undefined && value.length > 0) this.pieces.push(buf(value));
      if (valueSize === 0) {
        this.pending!.value = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
        this.cells.push(this.pending!);
        this.pieces = undefined;
        this.pending = undefined;
      }
    } else {
      if (this.rowKey === undefined) {
        if (!hasRowKey) throw new InvalidChunkError('new row without row_key');
        if (!hasFamily || !hasQualifier) throw new InvalidChunkError('new row without family_name and qualifier');
        const key = buf(rowKey!);
        if (this.lastKey !== undefined) {
          const c = compareKeys(key, this.lastKey);
          if (this.reversed ? c >= 0 : c <= 0) throw new InvalidChunkError('row keys out of order');
        }
        this.rowKey = key;
      } else if (hasRowKey && compareKeys(rowKey!, this.rowKey) !== 0) {
        throw new InvalidChunkError('row_key changed without commit_row');
      }
      if (hasFamily) {
        if (!hasQualifier) throw new InvalidChunkError('new family_name without qualifier');
        this.family = chunk.familyName!.value ?? '';
      }
      if (hasQualifier) {
        const q = chunk.qualifier!.value;
        this.qualifier = q === undefined || q === null ? EMPTY : buf(q);
      }
      if (this.family === undefined || this.qualifier === undefined) {
        throw new InvalidChunkError('cell without family_name and qualifier');
      }
      const cell: Cell = { family: this.family, qualifier: this.qualifier, timestamp: ts, value: EMPTY };
      if (hasLabels) cell.labels = labels!.slice();
      if (valueSize > 0) {
        this.pending = cell;
        this.pieces = value !== undefined && value.length > 0 ? [buf(value)] : [];
      } else {
        if (value !== undefined && value.length > 0) cell.value = buf(value);
        this.cells.push(cell);
      }
    }

    if (commit) {
      if (this.pieces !== undefined) throw new InvalidChunkError('commit_row inside a split value');
      const row: Row = { key: this.rowKey!, cells: this.cells };
      this.lastKey = this.rowKey;
      this.resetRow();
      return row;
    }
    return undefined;
  }

  /** Call at the end of the stream: throws if a row is incomplete. */
  finish(): void {
    if (this.rowKey !== undefined || this.pieces !== undefined) {
      throw new InvalidChunkError('stream ended inside a row (missing commit_row)');
    }
  }

  private resetRow(): void {
    this.rowKey = undefined;
    this.cells = [];
    this.family = undefined;
    this.qualifier = undefined;
    this.pieces = undefined;
    this.pending = undefined;
  }
}

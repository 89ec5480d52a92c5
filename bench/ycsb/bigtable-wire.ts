/**
 * Hand-encoded Bigtable v2 requests and minimal response decoders for the
 * YCSB client. Encoding by hand (rather than through proto-loader) keeps the
 * load generator's CPU per call low; only the fields YCSB needs are written.
 *
 * Field numbers (google/bigtable/v2/bigtable.proto, data.proto):
 *   MutateRowRequest  table_name=1 row_key=2 mutations=3
 *   MutateRowsRequest table_name=1 entries=2; Entry row_key=1 mutations=2
 *   Mutation set_cell=1; SetCell family_name=1 column_qualifier=2 timestamp_micros=3 value=4
 *   ReadRowsRequest   table_name=1 rows=2 filter=3 rows_limit=4
 *   RowSet row_keys=1 row_ranges=2; RowRange start_key_closed=1
 *   RowFilter cells_per_column_limit_filter=12
 *   ReadRowsResponse chunks=1; CellChunk row_key=1 value=6 reset_row=8 commit_row=9
 *   MutateRowsResponse entries=1; Entry index=1 status=2; google.rpc.Status code=1
 */
import { readVarint, varintEnd, varintLength, writeVarint } from '../../src/base/varint.js';

/** One SetCell mutation. Buffers are only read. */
export interface SetCell {
  qualifier: Buffer;
  value: Buffer;
}

function lenField(n: number): number {
  return 1 + varintLength(n) + n;
}

/** Writes tag, length and (optionally) bytes; returns the new position. */
function putLen(buf: Buffer, pos: number, tag: number, len: number): number {
  buf[pos++] = tag;
  return writeVarint(buf, pos, len);
}

function putBytes(buf: Buffer, pos: number, tag: number, bytes: Uint8Array): number {
  pos = putLen(buf, pos, tag, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Encoder bound to one table name and column family. */
export class BigtableWire {
  private readonly tableName: Buffer;
  private readonly family: Buffer;

  constructor(tableName: string, family: string) {
    this.tableName = Buffer.from(tableName, 'utf8');
    this.family = Buffer.from(family, 'utf8');
  }

  private setCellSize(c: SetCell, ts: number): number {
    return lenField(this.family.length) + lenField(c.qualifier.length) + 1 + varintLength(ts) + lenField(c.value.length);
  }

  private mutationsSize(cells: readonly SetCell[], ts: number): number {
    let n = 0;
    for (const c of cells) n += lenField(lenField(this.setCellSize(c, ts)));
    return n;
  }

  /** Writes `mutations` entries (field `tag`) for the cells. */
  private putMutations(buf: Buffer, pos: number, tag: number, cells: readonly SetCell[], ts: number): number {
    for (const c of cells) {
      const sc = this.setCellSize(c, ts);
      pos = putLen(buf, pos, tag, lenField(sc));
      pos = putLen(buf, pos, 0x0a, sc); // Mutation.set_cell
      pos = putBytes(buf, pos, 0x0a, this.family);
      pos = putBytes(buf, pos, 0x12, c.qualifier);
      buf[pos++] = 0x18;
      pos = writeVarint(buf, pos, ts);
      pos = putBytes(buf, pos, 0x22, c.value);
    }
    return pos;
  }

  /** MutateRowRequest setting `cells` on `rowKey` at timestamp `ts` (micros). */
  mutateRow(rowKey: Buffer, cells: readonly SetCell[], ts: number): Buffer {
    const size = lenField(this.tableName.length) + lenField(rowKey.length) + this.mutationsSize(cells, ts);
    const buf = Buffer.allocUnsafe(size);
    let pos = putBytes(buf, 0, 0x0a, this.tableName);
    pos = putBytes(buf, pos, 0x12, rowKey);
    pos = this.putMutations(buf, pos, 0x1a, cells, ts);
    if (pos !== size) throw new Error(`mutateRow size mismatch ${pos} != ${size}`);
    return buf;
  }

  /** MutateRowsRequest with one entry per row, each setting `cellsOf(i)`. */
  mutateRows(rowKeys: readonly Buffer[], cellsOf: (i: number) => readonly SetCell[], ts: number): Buffer {
    let size = lenField(this.tableName.length);
    const entrySizes: number[] = [];
    for (let i = 0; i < rowKeys.length; i++) {
      const e = lenField(rowKeys[i]!.length) + this.mutationsSize(cellsOf(i), ts);
      entrySizes.push(e);
      size += lenField(e);
    }
    const buf = Buffer.allocUnsafe(size);
    let pos = putBytes(buf, 0, 0x0a, this.tableName);
    for (let i = 0; i < rowKeys.length; i++) {
      pos = putLen(buf, pos, 0x12, entrySizes[i]!);
      pos = putBytes(buf, pos, 0x0a, rowKeys[i]!);
      pos = this.putMutations(buf, pos, 0x12, cellsOf(i), ts);
    }
    if (pos !== size) throw new Error(`mutateRows size mismatch ${pos} != ${size}`);
    return buf;
  }

  /**
   * ReadRowsRequest for one row key (limit 0) or, with `scan`, the range
   * [rowKey, end of table) limited to `rowsLimit` rows. With `latestOnly` the
   * filter cells_per_column_limit_filter=1 is added (newest version of each column).
   */
  readRows(rowKey: Buffer, scan: boolean, rowsLimit: number, latestOnly: boolean): Buffer {
    const inner = scan ? lenField(lenField(rowKey.length)) : lenField(rowKey.length);
    let size = lenField(this.tableName.length) + lenField(inner);
    if (latestOnly) size += lenField(2);
    if (rowsLimit > 0) size += 1 + varintLength(rowsLimit);
    const buf = Buffer.allocUnsafe(size);
    let pos = putBytes(buf, 0, 0x0a, this.tableName);
    pos = putLen(buf, pos, 0x12, inner);
    if (scan) {
      pos = putLen(buf, pos, 0x12, lenField(rowKey.length)); // RowSet.row_ranges
      pos = putBytes(buf, pos, 0x0a, rowKey); // RowRange.start_key_closed
    } else {
      pos = putBytes(buf, pos, 0x0a, rowKey); // RowSet.row_keys
    }
    if (latestOnly) {
      pos = putLen(buf, pos, 0x1a, 2);
      buf[pos++] = 0x60; // RowFilter.cells_per_column_limit_filter (12, varint)
      buf[pos++] = 1;
    }
    if (rowsLimit > 0) {
      buf[pos++] = 0x20;
      pos = writeVarint(buf, pos, rowsLimit);
    }
    if (pos !== size) throw new Error(`readRows size mismatch ${pos} != ${size}`);
    return buf;
  }
}

/** Position after the field whose tag was read at `pos` (tag already consumed; `wire` its type). */
function skipField(buf: Buffer, pos: number, wire: number): number {
  switch (wire) {
    case 0: readVarint(buf, pos); return varintEnd.pos;
    case 1: return pos + 8;
    case 2: { const n = readVarint(buf, pos); return varintEnd.pos + n; }
    case 5: return pos + 4;
    default: throw new Error(`unsupported wire type ${wire}`);
  }
}

/** Running totals over the ReadRowsResponse messages of one call. */
export interface ReadRowsTally {
  rows: number;
  cells: number;
  valueBytes: number;
}

/**
 * Adds one serialized ReadRowsResponse to `t`: committed rows (commit_row),
 * cells (a cell ends on a chunk without value_size) and value bytes. A
 * reset_row discards nothing here (servers do not send them for fresh reads).
 */
export function tallyReadRowsResponse(buf: Buffer, t: ReadRowsTally): void {
  let pos = 0;
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    pos = varintEnd.pos;
    if (tag !== 0x0a) { pos = skipField(buf, pos, tag & 7); continue; }
    const n = readVarint(buf, pos);
    pos = varintEnd.pos;
    const end = pos + n;
    let valueSize = 0;
    while (pos < end) {
      const ctag = readVarint(buf, pos);
      pos = varintEnd.pos;
      if (ctag === 0x32) { // value
        const vl = readVarint(buf, pos);
        pos = varintEnd.pos + vl;
        t.valueBytes += vl;
      } else if (ctag === 0x38) { // value_size: more chunks of this cell follow
        valueSize = readVarint(buf, pos);
        pos = varintEnd.pos;
      } else if (ctag === 0x48) { // commit_row
        if (readVarint(buf, pos) !== 0) t.rows++;
        pos = varintEnd.pos;
      } else {
        pos = skipField(buf, pos, ctag & 7);
      }
    }
    // A cell ends on the chunk without value_size (reset_row chunks carry no cell, rare enough to ignore).
    if (valueSize === 0) t.cells++;
    pos = end;
  }
}

/** Number of entries in a serialized MutateRowsResponse whose status code is not OK. */
export function countMutateRowsFailures(buf: Buffer): number {
  let failures = 0;
  let pos = 0;
  while (pos < buf.length) {
    const tag = readVarint(buf, pos);
    pos = varintEnd.pos;
    if (tag !== 0x0a) { pos = skipField(buf, pos, tag & 7); continue; }
    const n = readVarint(buf, pos);
    pos = varintEnd.pos;
    const end = pos + n;
    while (pos < end) {
      const etag = readVarint(buf, pos);
      pos = varintEnd.pos;
      if (etag !== 0x12) { pos = skipField(buf, pos, etag & 7); continue; }
      const sl = readVarint(buf, pos);
      pos = varintEnd.pos;
      const send = pos + sl;
      while (pos < send) {
        const stag = readVarint(buf, pos);
        pos = varintEnd.pos;
        if (stag === 0x08) {
          if (readVarint(buf, pos) !== 0) failures++;
          pos = varintEnd.pos;
        } else {
          pos = skipField(buf, pos, stag & 7);
        }
      }
    }
    pos = end;
  }
  return failures;
}

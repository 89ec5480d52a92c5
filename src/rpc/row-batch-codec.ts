/**
 * Hand-written codec of tabula.internal.v1.ReadRowsResponse (the ReadRows
 * stream's messages): rows of cells with the family written only when it
 * changes within a row. Exactly the wire format of the .proto, so any
 * protobuf decoder reads it (test/rpc/codec.test.ts checks both ways).
 */
import type { Cell, Row } from '../model/cell.js';
import { varintLength } from '../base/varint.js';
import { WireReader, WireWriter, lenFieldSize, varintSize } from './wire.js';

// Tags: field number << 3 | wire type.
const RESP_ROWS = 0x0a; // rows = 1
const RESP_ROWS_SEEN = 0x10; // rows_seen = 2
const RESP_CELLS_SEEN = 0x18; // cells_seen = 3
const ROW_KEY = 0x0a; // key = 1
const ROW_CELLS = 0x12; // cells = 2
const CELL_FAMILY = 0x0a; // family = 1
const CELL_QUALIFIER = 0x12; // qualifier = 2
const CELL_TIMESTAMP = 0x18; // timestamp_micros = 3
const CELL_VALUE = 0x22; // value = 4
const CELL_LABELS = 0x2a; // labels = 5

/** A decoded ReadRowsResponse. */
export interface RowBatch {
  rows: Row[];
  rowsSeen: number;
  cellsSeen: number;
}

function cellSize(c: Cell, familyBytes: number): number {
  let n = familyBytes > 0 ? lenFieldSize(familyBytes) : 0;
  if (c.qualifier.length) n += lenFieldSize(c.qualifier.length);
  if (c.timestamp !== 0) n += 1 + varintSize(c.timestamp);
  if (c.value.length) n += lenFieldSize(c.value.length);
  if (c.labels) for (const l of c.labels) n += lenFieldSize(Buffer.byteLength(l, 'utf8'));
  return n;
}

function rowSize(row: Row): number {
  let n = lenFieldSize(row.key.length);
  let prev = '';
  for (let i = 0; i < row.cells.length; i++) {
    const c = row.cells[i]!;
    const fb = i === 0 || c.family !== prev ? Buffer.byteLength(c.family, 'utf8') : 0;
    prev = c.family;
    n += lenFieldSize(cellSize(c, fb));
  }
  return n;
}

function writeRow(w: WireWriter, row: Row, size: number): void {
  w.messageHeader(RESP_ROWS, size);
  w.bytesField(ROW_KEY, row.key);
  let prev = '';
  for (let i = 0; i < row.cells.length; i++) {
    const c = row.cells[i]!;
    const fb = i === 0 || c.family !== prev ? Buffer.byteLength(c.family, 'utf8') : 0;
    prev = c.family;
    w.messageHeader(ROW_CELLS, cellSize(c, fb));
    if (fb > 0) w.stringField(CELL_FAMILY, c.family, fb);
    if (c.qualifier.length) w.bytesField(CELL_QUALIFIER, c.qualifier);
    if (c.timestamp !== 0) w.varintField(CELL_TIMESTAMP, c.timestamp);
    if (c.value.length) w.bytesField(CELL_VALUE, c.value);
    if (c.labels) for (const l of c.labels) w.stringField(CELL_LABELS, l, Buffer.byteLength(l, 'utf8'));
  }
}

/**
 * Encodes rows as ReadRowsResponse messages of about `targetBytes` each (a
 * single larger row gets a message of its own). Stats, when given, go on the
 * last message; with no rows and stats, one stats-only message is returned.
 */
export function encodeRowBatches(rows: Row[], targetBytes: number, stats?: { rowsSeen: number; cellsSeen: number }): Buffer[] {
  const out: Buffer[] = [];
  const sizes = new Array<number>(rows.length);
  let from = 0;
  let bytes = 0;
  const flush = (to: number, withStats: boolean): void => {
    const statBytes = withStats && stats
      ? (stats.rowsSeen ? 1 + varintLength(stats.rowsSeen) : 0) + (stats.cellsSeen ? 1 + varintLength(stats.cellsSeen) : 0)
      : 0;
    const w = new WireWriter(bytes + statBytes);
    for (let i = from; i < to; i++) writeRow(w, rows[i]!, sizes[i]!);
    if (withStats && stats) {
      if (stats.rowsSeen) w.varintField(RESP_ROWS_SEEN, stats.rowsSeen);
      if (stats.cellsSeen) w.varintField(RESP_CELLS_SEEN, stats.cellsSeen);
    }
    out.push(w.finish());
    from = to;
    bytes = 0;
  };
  for (let i = 0; i < rows.length; i++) {
    const s = rowSize(rows[i]!);
    sizes[i] = s;
    const field = lenFieldSize(s);
    if (bytes > 0 && bytes + field > targetBytes) flush(i, false);
    bytes += field;
  }
  if (bytes > 0 || (stats && (stats.rowsSeen || stats.cellsSeen))) flush(rows.length, true);
  return out;
}

function readCell(r: WireReader, end: number, prevFamily: string): Cell {
  let family = prevFamily;
  let qualifier: Buffer | undefined;
  let timestamp = 0;
  let value: Buffer | undefined;
  let labels: string[] | undefined;
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case CELL_FAMILY: family = r.string(); break;
      case CELL_QUALIFIER: qualifier = r.bytes(); break;
      case CELL_TIMESTAMP: timestamp = r.varint(); break;
      case CELL_VALUE: value = r.bytes(); break;
      case CELL_LABELS: (labels ??= []).push(r.string()); break;
      default: r.skip(tag);
    }
  }
  const cell: Cell = { family, qualifier: qualifier ?? EMPTY, timestamp, value: value ?? EMPTY };
  if (labels) cell.labels = labels;
  return cell;
}

const EMPTY: Buffer = Buffer.alloc(0);

function readRow(r: WireReader, end: number): Row {
  let key = EMPTY;
  const cells: Cell[] = [];
  let family = '';
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === ROW_KEY) {
      key = r.bytes();
    } else if (tag === ROW_CELLS) {
      const e = r.lengthEnd();
      const saved = r.end;
      r.end = e;
      const c = readCell(r, e, family);
      r.end = saved;
      family = c.family;
      cells.push(c);
    } else {
      r.skip(tag);
    }
  }
  return { key, cells };
}

/** Decodes one ReadRowsResponse. Bytes are views into `buf`. */
export function decodeRowBatch(buf: Buffer): RowBatch {
  const r = new WireReader(buf);
  const rows: Row[] = [];
  let rowsSeen = 0;
  let cellsSeen = 0;
  while (!r.done) {
    const tag = r.varint();
    if (tag === RESP_ROWS) {
      const e = r.lengthEnd();
      const saved = r.end;
      r.end = e;
      rows.push(readRow(r, e));
      r.end = saved;
    } else if (tag === RESP_ROWS_SEEN) {
      rowsSeen = r.varint();
    } else if (tag === RESP_CELLS_SEEN) {
      cellsSeen = r.varint();
    } else {
      r.skip(tag);
    }
  }
  return { rows, rowsSeen, cellsSeen };
}

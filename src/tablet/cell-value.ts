/**
 * Engine values of cell keys (see FORMAT.md): one type byte, then
 *   PUT            the cell value bytes
 *   DELETE_ROW     nothing
 *   DELETE_FAMILY  nothing
 *   DELETE_COLUMN  start u64 BE, end u64 BE (end = MAX_SAFE_INTEGER: unbounded)
 *   AGGREGATE      aggregator code (model/aggregate.ts AGGREGATOR_CODES), then
 *                  an 8-byte big-endian int64 to combine into the cell
 * Persisted in WAL records and SSTables: never change these numbers.
 */
import { readUint64BE, writeUint64BE } from '../base/varint.js';
import { AGGREGATOR_CODES, type Aggregator } from '../model/aggregate.js';

export const PUT = 0;
export const DELETE_ROW = 1;
export const DELETE_FAMILY = 2;
export const DELETE_COLUMN = 3;
export const AGGREGATE = 4;

export function encodePut(value: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(value.length + 1);
  out[0] = PUT;
  out.set(value, 1);
  return out;
}

/** Column tombstone for timestamps in [start, end); end undefined = unbounded. */
export function encodeDeleteColumn(start: number, end: number | undefined): Buffer {
  const out = Buffer.allocUnsafe(17);
  out[0] = DELETE_COLUMN;
  writeUint64BE(out, 1, start);
  writeUint64BE(out, 9, end ?? Number.MAX_SAFE_INTEGER);
  return out;
}

export function deleteColumnStart(v: Uint8Array): number { return readUint64BE(v, 1); }
export function deleteColumnEnd(v: Uint8Array): number { return readUint64BE(v, 9); }

/**
 * The bytes after an AGGREGATE entry's type byte: the aggregator's code and
 * the 8-byte int64. The tablet checked that the family aggregates.
 */
export function aggregateOperand(agg: Aggregator | undefined, value: Uint8Array): Buffer {
  const code = agg === undefined ? -1 : AGGREGATOR_CODES.indexOf(agg);
  if (code < 0 || value.length !== 8) throw new Error(`aggregateOperand: ${String(agg)} with ${value.length} bytes`);
  const out = Buffer.allocUnsafe(9);
  out[0] = code;
  out.set(value, 1);
  return out;
}

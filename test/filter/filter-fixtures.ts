/**
 * Shared fixtures for the filter tests: a fixed multi-family, multi-version
 * row with binary bytes, and a compact text form of cells.
 */
import { printable } from '../../src/base/bytes.js';
import type { Cell, Row } from '../../src/model/cell.js';
import { compareCellOrder } from '../../src/tablet/filter/merge-cells.js';

export const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function cell(family: string, qualifier: Buffer | string, ms: number, value: Buffer | string): Cell {
  return {
    family,
    qualifier: typeof qualifier === 'string' ? b(qualifier) : qualifier,
    timestamp: ms * 1000,
    value: typeof value === 'string' ? b(value) : value,
  };
}

/**
 * Row key "k\n1" (contains a newline, so `.` does not match it). Cells, in
 * canonical order:
 *   a:0x0aff@5  a:q1@3 a:q1@2 a:q1@1  a:q2@2  b:q1@4 b:q1@1  b:r@1 (empty value)  c:q1@6
 */
export const ROW: Row = {
  key: b('k\n1'),
  cells: [
    cell('c', 'q1', 6, 'hello world'),
    cell('a', 'q1', 1, 'v1'),
    cell('a', 'q1', 3, 'v3'),
    cell('a', Buffer.from([0x0a, 0xff]), 5, Buffer.from([0x00, 0x0a, 0xff])),
    cell('a', 'q2', 2, 'x'),
    cell('b', 'q1', 4, 'bv4'),
    cell('a', 'q1', 2, 'v2'),
    cell('b', 'r', 1, ''),
    cell('b', 'q1', 1, 'bv1'),
  ].sort(compareCellOrder),
};

/** `family:qualifier@ms` (qualifier printable or 0x-hex). */
export function cellId(c: Cell): string {
  return `${c.family}:${printable(c.qualifier)}@${c.timestamp / 1000}`;
}

/** Id plus `{labels}` when labelled. */
export function describeCell(c: Cell): string {
  return c.labels !== undefined && c.labels.length > 0 ? `${cellId(c)}{${c.labels.join(',')}}` : cellId(c);
}

/** Full form including the value as hex, for exact comparisons. */
export function fullCell(c: Cell): string {
  return `${describeCell(c)}=${c.value.toString('hex')}`;
}

export const ALL_IDS = ROW.cells.map(cellId);

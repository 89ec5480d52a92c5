/**
 * Mutations of one row (google.bigtable.v2.Mutation messages) built from the
 * client's inputs: cells to put, either as a list or as a nested object
 * `{ family: { qualifier: value } }`, and delete specifications.
 *
 * Timestamps are microseconds. A put without a timestamp uses the client's
 * clock (Date.now() · 1000), which keeps the mutation idempotent so it may be
 * retried; `'server'` asks for the server's time (-1; not idempotent).
 *
 * AddToCell / MergeToCell write into an aggregate family (families.ts): the
 * cell at (family, qualifier, timestamp) combines what is written to it with
 * the family's aggregator. They need a real timestamp ('server' is refused),
 * and a sum is not idempotent: a retried AddToCell counts twice.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { counter, toBytes, toInt64, type Bytes } from './bytes-input.js';

/** A cell value: bytes/string, or a bigint stored as an 8-byte counter. */
export type CellValue = Bytes | bigint;

/** Microseconds; 'server' = the server's clock at write time. */
export type Timestamp = number | 'server';

/** One cell to write. */
export interface CellInput {
  family: string;
  qualifier: Bytes;
  value: CellValue;
  timestamp?: Timestamp;
}

/** Nested form: `{ cf: { q: value | { value, timestamp } } }`. */
export type CellsObject = Record<string, Record<string, CellValue | { value: CellValue; timestamp?: Timestamp }>>;

export type CellsInput = CellInput | CellInput[] | CellsObject;

/** A column: `'family:qualifier'` or `{ family, qualifier }` (no qualifier = the whole family). */
export type ColumnSpec = string | { family: string; qualifier?: Bytes };

/** Half-open time range in microseconds: start ≤ t < end; absent bounds are unbounded. */
export interface TimeRange {
  start?: number;
  end?: number;
}

/** What to delete from a row; no fields = the whole row. */
export interface DeleteOptions {
  /** Columns to delete (all versions, or those within timeRange). */
  columns?: ColumnSpec[];
  /** Whole families to delete (timeRange does not apply to families). */
  families?: string[];
  /** Restricts column deletes to cells with start ≤ timestamp < end. */
  timeRange?: TimeRange;
}

/** A google.bigtable.v2.Mutation message. */
export type MutationProto = Record<string, unknown>;

/** Parses a ColumnSpec: 'cf:q' splits at the first ':'; 'cf' alone is the whole family. */
export function parseColumn(c: ColumnSpec): { family: string; qualifier?: Buffer } {
  if (typeof c === 'string') {
    const i = c.indexOf(':');
    return i < 0 ? { family: c } : { family: c.slice(0, i), qualifier: Buffer.from(c.slice(i + 1), 'utf8') };
  }
  return c.qualifier === undefined ? { family: c.family } : { family: c.family, qualifier: toBytes(c.qualifier, 'qualifier') };
}

function encodeValue(v: CellValue): Buffer {
  return typeof v === 'bigint' ? counter(v) : toBytes(v, 'value');
}

function encodeTimestamp(ts: Timestamp | undefined, now: number): string {
  if (ts === undefined) return String(now);
  if (ts === 'server') return '-1';
  if (!Number.isSafeInteger(ts) || ts < 0) throw new InvalidArgumentError(`timestamp: must be a non-negative integer of microseconds, got ${ts}`);
  return String(ts);
}

function checkFamily(f: string): string {
  if (typeof f !== 'string' || f.length === 0) throw new InvalidArgumentError('family: must be a non-empty string');
  return f;
}

/** Client "now" in microseconds with millisecond granularity (Bigtable's default table granularity). */
export function nowMicros(): number {
  return Date.now() * 1000;
}

function isCellInput(x: unknown): x is CellInput {
  return typeof x === 'object' && x !== null && 'family' in x && 'qualifier' in x && 'value' in x
    && typeof (x as { family: unknown }).family === 'string';
}

/** SetCell mutations for `cells`. */
export function putMutations(cells: CellsInput, now = nowMicros()): MutationProto[] {
  const list: CellInput[] = [];
  if (Array.isArray(cells)) list.push(...cells);
  else if (isCellInput(cells)) list.push(cells);
  else {
    for (const [family, cols] of Object.entries(cells)) {
      for (const [qualifier, v] of Object.entries(cols)) {
        if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && 'value' in v) {
          list.push(v.timestamp === undefined ? { family, qualifier, value: v.value } : { family, qualifier, value: v.value, timestamp: v.timestamp });
        } else {
          list.push({ family, qualifier, value: v as CellValue });
        }
      }
    }
  }
  if (list.length === 0) throw new InvalidArgumentError('cells: nothing to put');
  return list.map((c) => ({
    setCell: {
      familyName: checkFamily(c.family),
      columnQualifier: toBytes(c.qualifier, 'qualifier'),
      timestampMicros: encodeTimestamp(c.timestamp, now),
      value: encodeValue(c.value),
    },
  }));
}

/** An AddToCell mutation: adds the int64 `value` to the aggregate cell (sum, min or max by the family). */
export function addToCellMutation(family: string, qualifier: Bytes, value: bigint | number, timestamp?: number, now = nowMicros()): MutationProto {
  return {
    addToCell: {
      familyName: checkFamily(family),
      columnQualifier: { rawValue: toBytes(qualifier, 'qualifier') },
      timestamp: { rawTimestampMicros: aggregateTimestamp(timestamp, now) },
      input: { intValue: String(toInt64(value, 'value')) },
    },
  };
}

/**
 * A MergeToCell mutation: merges an aggregate state into the cell — raw bytes
 * as read from an aggregate cell, or an int64 encoded as such (8 bytes, big-endian).
 */
export function mergeToCellMutation(family: string, qualifier: Bytes, state: bigint | number | Uint8Array, timestamp?: number, now = nowMicros()): MutationProto {
  return {
    mergeToCell: {
      familyName: checkFamily(family),
      columnQualifier: { rawValue: toBytes(qualifier, 'qualifier') },
      timestamp: { rawTimestampMicros: aggregateTimestamp(timestamp, now) },
      input: { rawValue: state instanceof Uint8Array ? toBytes(state, 'state') : counter(toInt64(state, 'state')) },
    },
  };
}

function aggregateTimestamp(ts: number | undefined, now: number): string {
  // Typed callers cannot pass 'server'; untyped ones get told (the server would refuse -1).
  if (ts !== undefined && typeof ts !== 'number') throw new InvalidArgumentError(`timestamp: an aggregate write needs microseconds, got ${JSON.stringify(ts)}`);
  return encodeTimestamp(ts, now);
}

/** Delete mutations for `opts` (no options = DeleteFromRow). */
export function deleteMutations(opts: DeleteOptions = {}): MutationProto[] {
  const cols = opts.columns ?? [];
  const fams = opts.families ?? [];
  if (cols.length === 0 && fams.length === 0) {
    if (opts.timeRange !== undefined) throw new InvalidArgumentError('timeRange: applies to columns only; name the columns to delete');
    return [{ deleteFromRow: {} }];
  }
  const out: MutationProto[] = [];
  for (const f of fams) out.push({ deleteFromFamily: { familyName: checkFamily(f) } });
  for (const spec of cols) {
    const c = parseColumn(spec);
    if (c.qualifier === undefined) {
      if (opts.timeRange !== undefined) throw new InvalidArgumentError(`columns: "${c.family}" names a family; timeRange needs family:qualifier`);
      out.push({ deleteFromFamily: { familyName: checkFamily(c.family) } });
      continue;
    }
    const m: Record<string, unknown> = { familyName: checkFamily(c.family), columnQualifier: c.qualifier };
    if (opts.timeRange !== undefined) {
      const r: Record<string, string> = {};
      if (opts.timeRange.start !== undefined) r.startTimestampMicros = String(opts.timeRange.start);
      if (opts.timeRange.end !== undefined) r.endTimestampMicros = String(opts.timeRange.end);
      m.timeRange = r;
    }
    out.push({ deleteFromColumn: m });
  }
  return out;
}

/**
 * An ordered list of mutations of one row, applied atomically in order.
 * Build with put/delete/addToCell/mergeToCell; used by Table.mutate, batches,
 * the buffered mutator and check-and-mutate branches.
 */
export class RowMutations {
  readonly mutations: MutationProto[] = [];

  /** Adds SetCell mutations. */
  put(cells: CellsInput): this {
    this.mutations.push(...putMutations(cells));
    return this;
  }

  /** Adds delete mutations (no options = delete the whole row). */
  delete(opts?: DeleteOptions): this {
    this.mutations.push(...deleteMutations(opts));
    return this;
  }

  /** Adds an AddToCell of the int64 `value` into an aggregate family (timestamp: microseconds, default now). */
  addToCell(family: string, qualifier: Bytes, value: bigint | number, timestamp?: number): this {
    this.mutations.push(addToCellMutation(family, qualifier, value, timestamp));
    return this;
  }

  /** Adds a MergeToCell of an aggregate state (bytes as read, or an int64) into an aggregate family. */
  mergeToCell(family: string, qualifier: Bytes, state: bigint | number | Uint8Array, timestamp?: number): this {
    this.mutations.push(mergeToCellMutation(family, qualifier, state, timestamp));
    return this;
  }

  /** Rough encoded size in bytes (for buffering limits). */
  byteSize(): number {
    let n = 0;
    for (const m of this.mutations) n += mutationSize(m);
    return n;
  }
}

/** Approximate encoded size of a mutation (value + qualifier + overhead). */
export function mutationSize(m: MutationProto): number {
  const s = m.setCell as { value: Buffer; columnQualifier: Buffer; familyName: string } | undefined;
  if (s) return s.value.length + s.columnQualifier.length + s.familyName.length + 24;
  const d = m.deleteFromColumn as { columnQualifier: Buffer; familyName: string } | undefined;
  if (d) return d.columnQualifier.length + d.familyName.length + 24;
  const a = (m.addToCell ?? m.mergeToCell) as { columnQualifier: { rawValue: Buffer }; familyName: string; input: { rawValue?: Buffer } } | undefined;
  if (a) return a.columnQualifier.rawValue.length + a.familyName.length + (a.input.rawValue?.length ?? 8) + 32;
  return 16;
}


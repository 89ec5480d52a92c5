/**
 * Differential-test plumbing: one `Target` per server (Google's emulator or
 * Tabula) that runs a Bigtable v2 request over raw grpc-js clients and
 * returns a normalized, comparable outcome — rows assembled by ChunkMerger,
 * per-entry MutateRows codes, CheckAndMutate's predicate_matched, the
 * ReadModifyWrite row, or the gRPC status code of a failed call.
 */
import * as grpc from '@grpc/grpc-js';
import {
  DATA_SERVICE_NAME, INSTANCE_ADMIN_SERVICE_NAME, messages, serviceClientConstructor, TABLE_ADMIN_SERVICE_NAME,
} from '../../src/api/protos.js';
import { ChunkMerger, type CellChunkLike } from '../../src/client/chunk-merger.js';
import type { Row } from '../../src/model/cell.js';
import { callStream, callUnary, type RawClients } from '../api/api-clients.js';

export const INSTANCE = 'projects/p/instances/i';
export const tablePath = (t: string): string => `${INSTANCE}/tables/${t}`;

/** rawClients() for an arbitrary `host:port`. */
export function rawClientsAt(endpoint: string): RawClients {
  const opts = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 };
  const make = (name: string): RawClients['data'] => {
    const Ctor = serviceClientConstructor(name);
    return new Ctor(endpoint, grpc.credentials.createInsecure(), opts) as unknown as RawClients['data'];
  };
  const data = make(DATA_SERVICE_NAME);
  const tableAdmin = make(TABLE_ADMIN_SERVICE_NAME);
  const instanceAdmin = make(INSTANCE_ADMIN_SERVICE_NAME);
  return { data, tableAdmin, instanceAdmin, close: () => { data.close(); tableAdmin.close(); instanceAdmin.close(); } };
}

/**
 * Call metadata announcing the client's FeatureFlags (as the official clients
 * do); Tabula, like Google's service, serves reversed reads only to clients
 * that announce reverse_scans.
 */
function featureMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('bigtable-features', messages.FeatureFlags.serialize({ reverseScans: true }).toString('base64url'));
  return md;
}

function readRowsStream(client: RawClients['data'], req: object): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const out: Record<string, unknown>[] = [];
    const call = client.ReadRows as unknown as (req: object, md: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>;
    const s = call.call(client, req, featureMetadata());
    s.on('data', (d) => out.push(d));
    s.on('error', reject);
    s.on('end', () => resolve(out));
  });
}

/** A failed call, reduced to what is compared: the gRPC status code. */
export interface Failed { error: number; message: string }

export type Outcome<T> = { ok: T } | Failed;

export function isFailed<T>(o: Outcome<T>): o is Failed {
  return 'error' in o;
}

/** Drops the message (servers word errors differently), keeping the code. */
export function codeOnly<T>(o: Outcome<T>): { ok: T } | { error: number } {
  return isFailed(o) ? { error: o.error } : o;
}

async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: await p };
  } catch (e) {
    const err = e as grpc.ServiceError;
    if (typeof err.code !== 'number') throw e;
    return { error: err.code, message: err.details ?? err.message };
  }
}

/** Chunk statistics of one ReadRows stream (for divergences about chunking). */
export interface ReadStats {
  responses: number;
  chunks: number;
  maxChunkValueBytes: number;
  /** Cells whose value came in more than one chunk (value_size set). */
  splitCells: number;
}

export interface ReadResult { rows: Row[]; stats: ReadStats }

/** A server under test plus typed helpers over its raw clients. */
export interface Target {
  readonly name: string;
  readonly clients: RawClients;
  createTable(tableId: string, families: Record<string, object>): Promise<Outcome<Record<string, unknown>>>;
  deleteTable(tableId: string): Promise<Outcome<Record<string, unknown>>>;
  /** ReadRows: `req` without tableName. */
  readRows(tableId: string, req: object): Promise<Outcome<ReadResult>>;
  /** MutateRows: per-entry status codes in entry order. */
  mutateRows(tableId: string, entries: object[]): Promise<Outcome<number[]>>;
  mutateRow(tableId: string, rowKey: Buffer, mutations: object[]): Promise<Outcome<true>>;
  checkAndMutate(tableId: string, req: object): Promise<Outcome<boolean>>;
  /** ReadModifyWriteRow: the returned row (cells in response order). */
  readModifyWrite(tableId: string, rowKey: Buffer, rules: object[]): Promise<Outcome<Row>>;
  close(): void;
}

function assemble(responses: Record<string, unknown>[], reversed: boolean): ReadResult {
  const m = new ChunkMerger({ reversed });
  const rows: Row[] = [];
  const stats: ReadStats = { responses: responses.length, chunks: 0, maxChunkValueBytes: 0, splitCells: 0 };
  let inSplit = false;
  for (const r of responses) {
    for (const c of (r.chunks ?? []) as CellChunkLike[]) {
      stats.chunks++;
      const n = c.value?.length ?? 0;
      if (n > stats.maxChunkValueBytes) stats.maxChunkValueBytes = n;
      const split = (c.valueSize ?? 0) > 0;
      if (split && !inSplit && c.resetRow !== true) stats.splitCells++;
      inSplit = split;
      const row = m.push(c);
      if (row) rows.push(row);
    }
    const scanned = r.lastScannedRowKey as Uint8Array | undefined;
    if (scanned !== undefined && scanned.length > 0) m.markScanned(scanned);
  }
  m.finish();
  return { rows, stats };
}

/** google.bigtable.v2.Row (from ReadModifyWriteRowResponse) to the model Row, in response order. */
function rowFromProto(row: Record<string, unknown> | undefined): Row {
  const out: Row = { key: Buffer.from((row?.key as Uint8Array | undefined) ?? []), cells: [] };
  for (const f of (row?.families ?? []) as Array<{ name: string; columns?: Array<{ qualifier?: Uint8Array; cells?: Array<{ timestampMicros?: string; value?: Uint8Array; labels?: string[] }> }> }>) {
    for (const col of f.columns ?? []) {
      for (const c of col.cells ?? []) {
        out.cells.push({
          family: f.name,
          qualifier: Buffer.from(col.qualifier ?? []),
          timestamp: Number(c.timestampMicros ?? 0),
          value: Buffer.from(c.value ?? []),
          ...(c.labels !== undefined && c.labels.length > 0 ? { labels: c.labels } : {}),
        });
      }
    }
  }
  return out;
}

export function makeTarget(name: string, endpoint: string): Target {
  const clients = rawClientsAt(endpoint);
  const { data, tableAdmin } = clients;
  return {
    name,
    clients,
    createTable: (tableId, families) => outcome(callUnary(tableAdmin, 'CreateTable', {
      parent: INSTANCE, tableId, table: { columnFamilies: families },
    })),
    deleteTable: (tableId) => outcome(callUnary(tableAdmin, 'DeleteTable', { name: tablePath(tableId) })),
    readRows: (tableId, req) => outcome(readRowsStream(data, { tableName: tablePath(tableId), ...req })
      .then((res) => assemble(res, (req as { reversed?: boolean }).reversed === true))),
    mutateRows: (tableId, entries) => outcome(callStream(data, 'MutateRows', { tableName: tablePath(tableId), entries })
      .then((res) => {
        const codes: number[] = new Array<number>(entries.length).fill(-1);
        for (const r of res) {
          for (const e of (r.entries ?? []) as Array<{ index?: string; status?: { code?: number } }>) {
            codes[Number(e.index ?? 0)] = e.status?.code ?? 0;
          }
        }
        return codes;
      })),
    mutateRow: (tableId, rowKey, mutations) => outcome(callUnary(data, 'MutateRow', { tableName: tablePath(tableId), rowKey, mutations })
      .then(() => true as const)),
    checkAndMutate: (tableId, req) => outcome(callUnary(data, 'CheckAndMutateRow', { tableName: tablePath(tableId), ...req })
      .then((res) => res.predicateMatched === true)),
    readModifyWrite: (tableId, rowKey, rules) => outcome(callUnary(data, 'ReadModifyWriteRow', { tableName: tablePath(tableId), rowKey, rules })
      .then((res) => rowFromProto(res.row as Record<string, unknown> | undefined))),
    close: () => clients.close(),
  };
}

/**
 * google.bigtable.v2.Bigtable handlers over a DataBackend. Each handler
 * validates and converts its request (limits, names; errors name the field),
 * calls the backend and converts the answer; all errors go through status.ts.
 * Requests may name an authorized view instead of a table
 * (authorized-view-access.ts). Change streams, SQL queries, materialized
 * views and sessions answer UNIMPLEMENTED.
 */
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, type TabulaError } from '../base/errors.js';
import type { Row } from '../model/cell.js';
import type { RowFilter } from '../model/row-filter.js';
import type { DataBackend, ReadModifyWriteRule, ReadStats } from './backend.js';
import { rowFilterFromProto } from './filter-from-proto.js';
import { serverStream, unary, unimplementedHandlers, waitForDrain } from './handler-helpers.js';
import { MAX_FILTER_BYTES, MAX_MUTATIONS, MAX_RMW_RULES } from './limits.js';
import { mutateRowsEntriesFromProto, mutationsFromProto, rowMutationFromProto } from './mutation-from-proto.js';
import { decodeMutateRowRequest, decodeMutateRowsRequest } from './mutate-request-decoder.js';
import {
  asArray, asBytes, asInt64, asLimit, asObject, asString, validateFamilyName, validateQualifier, validateRowKey,
  type ProtoObject,
} from './proto-fields.js';
import { dataServiceDefinition, DATA_SERVICE_NAME, messages } from './protos.js';
import { ReadRowsEncoder } from './read-rows-encoder.js';
import { rowSetFromProto } from './row-set-from-proto.js';
import { toRpcStatus } from './status.js';
import { parseInstanceName } from './table-name.js';
import { requestTarget, ViewAccess, type ViewDirectory } from './authorized-view-access.js';

/**
 * The data service definition as the server registers it: ReadRows responses
 * are already-serialized Buffers from ReadRowsEncoder, so its serializer
 * passes Buffers through (and still accepts plain objects); MutateRow(s)
 * requests in the common shape are decoded by hand (mutate-request-decoder.ts),
 * anything else by proto-loader.
 */
export const dataServiceServerDefinition: grpc.ServiceDefinition = (() => {
  const rr = dataServiceDefinition.ReadRows!;
  const original = rr.responseSerialize;
  const mrs = dataServiceDefinition.MutateRows!;
  const mr = dataServiceDefinition.MutateRow!;
  return {
    ...dataServiceDefinition,
    ReadRows: { ...rr, responseSerialize: (v: unknown) => (Buffer.isBuffer(v) ? v : original(v)) },
    MutateRows: { ...mrs, requestDeserialize: (b: Buffer) => decodeMutateRowsRequest(b) ?? mrs.requestDeserialize(b) },
    MutateRow: { ...mr, requestDeserialize: (b: Buffer) => decodeMutateRowRequest(b) ?? mr.requestDeserialize(b) },
  };
})();

/** A partial ReadRows response is sent when rows have waited this long (slow, selective scans). */
const MAX_BATCH_DELAY_MS = 20;

/** Converts an optional RowFilter field after checking its serialized size. */
export function filterFromRequest(p: unknown, field: string): RowFilter | undefined {
  if (p === undefined || p === null) return undefined;
  const size = messages.RowFilter.serialize(asObject(p, field)).length;
  if (size > MAX_FILTER_BYTES) {
    throw new InvalidArgumentError(`${field}: serialized filter is ${size} bytes, the limit is ${MAX_FILTER_BYTES}`);
  }
  return rowFilterFromProto(p, field);
}

/** ReadModifyWriteRowRequest.rules → model rules. */
export function rmwRulesFromProto(p: unknown): ReadModifyWriteRule[] {
  const list = asArray(p, 'rules');
  if (list.length === 0) throw new InvalidArgumentError('rules: at least one rule required');
  if (list.length > MAX_RMW_RULES) throw new InvalidArgumentError(`rules: ${list.length} rules, the limit is ${MAX_RMW_RULES}`);
  return list.map((x, i): ReadModifyWriteRule => {
    const f = `rules[${i}]`;
    const r = asObject(x, f);
    const family = validateFamilyName(asString(r.familyName, `${f}.family_name`), `${f}.family_name`);
    const qualifier = validateQualifier(asBytes(r.columnQualifier, `${f}.column_qualifier`), `${f}.column_qualifier`);
    if (r.rule === 'appendValue' || (r.rule === undefined && r.appendValue !== undefined)) {
      return { type: 'append', family, qualifier, value: asBytes(r.appendValue, `${f}.append_value`) };
    }
    if (r.rule === 'incrementAmount' || (r.rule === undefined && r.incrementAmount !== undefined)) {
      return { type: 'increment', family, qualifier, amount: asInt64(r.incrementAmount, `${f}.increment_amount`) };
    }
    throw new InvalidArgumentError(`${f}: one of append_value or increment_amount is required`);
  });
}

/** Model Row → google.bigtable.v2.Row (families → columns → cells). */
export function rowToProto(row: Row): ProtoObject {
  const families: Array<{ name: string; columns: Array<{ qualifier: Buffer; cells: ProtoObject[] }> }> = [];
  for (const c of row.cells) {
    let fam = families[families.length - 1];
    if (fam === undefined || fam.name !== c.family) {
      fam = { name: c.family, columns: [] };
      families.push(fam);
    }
    let col = fam.columns[fam.columns.length - 1];
    if (col === undefined || !col.qualifier.equals(c.qualifier)) {
      col = { qualifier: c.qualifier, cells: [] };
      fam.columns.push(col);
    }
    const cell: ProtoObject = { timestampMicros: String(c.timestamp), value: c.value };
    if (c.labels && c.labels.length > 0) cell.labels = c.labels;
    col.cells.push(cell);
  }
  return { key: row.key, families };
}

function readStatsResponse(stats: ReadStats, enc: ReadRowsEncoder, startNs: bigint): Buffer {
  const ns = process.hrtime.bigint() - startNs;
  return messages.ReadRowsResponse.serialize({
    requestStats: {
      fullReadStatsView: {
        readIterationStats: {
          rowsSeenCount: String(stats.rowsSeen),
          rowsReturnedCount: String(enc.rowsEncoded),
          cellsSeenCount: String(stats.cellsSeen),
          cellsReturnedCount: String(enc.cellsEncoded),
        },
        requestLatencyStats: {
          frontendServerLatency: { seconds: String(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) },
        },
      },
    },
  });
}

/** The FeatureFlags a client announces in the `bigtable-features` metadata (base64url protobuf). */
export function clientFeatures(md: grpc.Metadata): { reverseScans?: boolean } {
  const v = md.get('bigtable-features')[0];
  if (v === undefined) return {};
  try {
    const bytes = Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'base64url');
    return messages.FeatureFlags.deserialize(bytes) as { reverseScans?: boolean };
  } catch {
    return {};
  }
}

/**
 * `views`: where authorized views are looked up (requests naming one answer
 * UNIMPLEMENTED without it).
 */
export function dataServiceHandlers(backend: DataBackend, views?: ViewDirectory): grpc.UntypedServiceImplementation {
  const handlers = unimplementedHandlers(dataServiceDefinition, DATA_SERVICE_NAME);

  /** ReadRows (ReadRowsRequest → stream of ReadRowsResponse). */
  handlers.ReadRows = serverStream(async (req, call, signal) => {
    const startNs = process.hrtime.bigint();
    const { table, view } = await requestTarget(req, views, call.metadata);
    let rowSet = rowSetFromProto(req.rows, 'rows');
    let filter = filterFromRequest(req.filter, 'filter');
    if (view) {
      rowSet = view.rows(rowSet);
      filter = view.filter(filter);
    }
    const limit = asLimit(req.rowsLimit, 'rows_limit');
    const reversed = req.reversed === true;
    // As Google's service does: reversed reads need the client's reverse_scans feature flag.
    if (reversed && !clientFeatures(call.metadata).reverseScans) {
      throw new InvalidArgumentError('reversed: reverse scans need the client to announce reverse_scans in the bigtable-features metadata');
    }
    const stats: ReadStats | undefined = req.requestStatsView === 'REQUEST_STATS_FULL' ? { rowsSeen: 0, cellsSeen: 0 } : undefined;
    const enc = new ReadRowsEncoder();
    const opts = { reversed, signal, ...(limit > 0 ? { limit } : {}), ...(filter ? { filter } : {}), ...(stats ? { stats } : {}) };
    let lastSend = Date.now();
    const send = async (b: Buffer): Promise<void> => {
      lastSend = Date.now();
      if (!call.write(b)) await waitForDrain(call, signal);
    };
    /** Sends the full responses the encoder holds (a row's large values fill several); false once the call is cancelled. */
    const sendFull = async (): Promise<boolean> => {
      for (let b = enc.takeResponse(); b !== undefined; b = enc.takeResponse()) {
        await send(b);
        if (signal.aborted) return false;
      }
      return true;
    };
    // A point read (most reads are) takes no stream from the backend.
    const point = backend.readRow !== undefined && !view && rowSet.rowKeys.length === 1 && rowSet.rowRanges.length === 0;
    try {
      if (point) {
        const row = await backend.readRow!(table, rowSet.rowKeys[0]!, opts);
        if (row) enc.addRow(row);
        if (enc.hasResponse && !(await sendFull())) return;
      } else for await (const row of backend.readRows(table, rowSet, opts)) {
        enc.addRow(row);
        if (enc.hasResponse && !(await sendFull())) return;
        if (enc.pendingBytes > 0 && Date.now() - lastSend > MAX_BATCH_DELAY_MS) {
          await send(enc.flush()!);
          if (signal.aborted) return;
        }
        if (limit > 0 && enc.rowsEncoded >= limit) break;
      }
    } catch (e) {
      throw view ? ViewAccess.unwrapFilterError(e, 'filter') : e;
    }
    const last = enc.flush();
    if (last !== undefined) await send(last);
    if (stats && !signal.aborted) call.write(readStatsResponse(stats, enc, startNs));
  });

  /** SampleRowKeys (SampleRowKeysRequest → stream of SampleRowKeysResponse). */
  handlers.SampleRowKeys = serverStream(async (req, call, signal) => {
    const { table, view } = await requestTarget(req, views, call.metadata);
    const all = await backend.sampleRowKeys(table);
    const samples = view ? view.samples(all) : all;
    for (const s of samples) {
      if (signal.aborted) return;
      if (!call.write({ rowKey: s.rowKey, offsetBytes: String(s.offsetBytes) })) await waitForDrain(call, signal);
    }
  });

  /** MutateRow (MutateRowRequest → MutateRowResponse). */
  handlers.MutateRow = unary(async (req, call) => {
    const { table, view } = await requestTarget(req, views, call.metadata);
    const rm = rowMutationFromProto(req.rowKey, req.mutations);
    await view?.checkMutations(rm.row, rm.mutations, 'mutations', 'row_key');
    await backend.mutateRow(table, rm);
    return {};
  });

  /** MutateRows (MutateRowsRequest → stream of MutateRowsResponse with one status per entry). */
  handlers.MutateRows = serverStream(async (req, call) => {
    const { table, view } = await requestTarget(req, views, call.metadata);
    const converted = mutateRowsEntriesFromProto(req.entries);
    // Through a view, an entry reaching outside it fails alone (PERMISSION_DENIED), as a malformed one does.
    if (view) {
      await Promise.all(converted.map(async (c, i) => {
        if (c instanceof Error) return;
        try {
          await view.checkMutations(c.row, c.mutations, `entries[${i}].mutations`, `entries[${i}].row_key`);
        } catch (e) {
          converted[i] = e as TabulaError;
        }
      }));
    }
    const valid: number[] = [];
    for (let i = 0; i < converted.length; i++) if (!(converted[i] instanceof Error)) valid.push(i);
    const results = valid.length > 0
      ? await backend.mutateRows(table, valid.map((i) => converted[i] as Exclude<(typeof converted)[number], Error>))
      : [];
    const errors: unknown[] = converted.map((c) => (c instanceof Error ? c : undefined));
    valid.forEach((idx, j) => { errors[idx] = results[j]; });
    call.write({ entries: errors.map((e, i) => ({ index: String(i), status: toRpcStatus(e) })) });
  });

  /** CheckAndMutateRow (CheckAndMutateRowRequest → CheckAndMutateRowResponse). */
  handlers.CheckAndMutateRow = unary(async (req, call) => {
    const { table, view } = await requestTarget(req, views, call.metadata);
    const row = validateRowKey(asBytes(req.rowKey, 'row_key'), 'row_key');
    let predicate = filterFromRequest(req.predicateFilter, 'predicate_filter');
    const trueMutations = mutationsFromProto(req.trueMutations, 'true_mutations', 0);
    const falseMutations = mutationsFromProto(req.falseMutations, 'false_mutations', 0);
    if (trueMutations.length === 0 && falseMutations.length === 0) {
      throw new InvalidArgumentError('true_mutations: at least one of true_mutations or false_mutations is required');
    }
    if (trueMutations.length + falseMutations.length > MAX_MUTATIONS) {
      throw new InvalidArgumentError(`true_mutations: more than ${MAX_MUTATIONS} mutations in total`);
    }
    if (view) {
      await view.checkMutations(row, trueMutations, 'true_mutations', 'row_key');
      await view.checkMutations(row, falseMutations, 'false_mutations', 'row_key');
      // The predicate sees the view's cells only (no predicate: "the row has a cell in the view").
      predicate = view.filter(predicate);
    }
    try {
      const matched = await backend.checkAndMutateRow(table, row, predicate, trueMutations, falseMutations);
      return { predicateMatched: matched };
    } catch (e) {
      throw view ? ViewAccess.unwrapFilterError(e, 'predicate_filter') : e;
    }
  });

  /** ReadModifyWriteRow (ReadModifyWriteRowRequest → ReadModifyWriteRowResponse). */
  handlers.ReadModifyWriteRow = unary(async (req, call) => {
    const { table, view } = await requestTarget(req, views, call.metadata);
    const row = validateRowKey(asBytes(req.rowKey, 'row_key'), 'row_key');
    const rules = rmwRulesFromProto(req.rules);
    view?.checkRules(row, rules);
    const result = await backend.readModifyWriteRow(table, row, rules);
    return { row: rowToProto(result) };
  });

  /** PingAndWarm (PingAndWarmRequest → PingAndWarmResponse). */
  handlers.PingAndWarm = unary(async (req) => {
    parseInstanceName(req.name, 'name');
    return {};
  });

  return handlers;
}

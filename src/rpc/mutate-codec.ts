/**
 * Hand-written codec of tabula.internal.v1.MutateRequest / MutateResponse
 * (the write path): one exactly-sized buffer per request, values copied once,
 * decoded values are views into the received message. Wire-compatible with
 * the .proto (test/rpc/codec.test.ts).
 */
import type { Mutation, RowMutation } from '../model/mutation.js';
import { fromWireStatus, toWireStatus, type WireStatus } from './rpc-errors.js';
import { WireReader, WireWriter, lenFieldSize, varintSize } from './wire.js';
import { InvalidArgumentError, type TabulaError } from '../base/errors.js';

const REQ_TABLET = 0x0a; // tablet_id = 1
const REQ_ENTRIES = 0x12; // entries = 2
const RM_ROW = 0x0a; // row = 1
const RM_MUTATIONS = 0x12; // mutations = 2
const M_SET_CELL = 0x0a; // set_cell = 1
const M_DELETE_COLUMN = 0x12; // delete_from_column = 2
const M_DELETE_FAMILY = 0x1a; // delete_from_family = 3
const M_DELETE_ROW = 0x22; // delete_from_row = 4
const M_ADD_TO_CELL = 0x2a; // add_to_cell = 5 (fields as set_cell)
const F_FAMILY = 0x0a; // family = 1 (all of them)
const F_QUALIFIER = 0x12; // qualifier = 2
const F_TS_OR_START = 0x18; // timestamp_micros / start_micros = 3, varint
const F_VALUE = 0x22; // SetCell.value, AddToCell.value = 4
const F_END = 0x20; // DeleteFromColumn.end_micros = 4, varint
const RESP_ERRORS = 0x0a; // errors = 1
const EE_INDEX = 0x08; // index = 1
const EE_STATUS = 0x12; // status = 2
const ST_CODE = 0x08; // code = 1
const ST_MESSAGE = 0x12; // message = 2
const ST_KIND = 0x1a; // kind = 3

const EMPTY: Buffer = Buffer.alloc(0);

/** Size of the inner message of a mutation (the oneof member's payload). */
function innerSize(m: Mutation): number {
  switch (m.type) {
    case 'setCell':
    case 'addToCell':
      return lenFieldSize(Buffer.byteLength(m.family, 'utf8'))
        + (m.qualifier.length ? lenFieldSize(m.qualifier.length) : 0)
        + (m.timestamp !== 0 ? 1 + varintSize(m.timestamp) : 0)
        + (m.value.length ? lenFieldSize(m.value.length) : 0);
    case 'deleteFromColumn':
      return lenFieldSize(Buffer.byteLength(m.family, 'utf8'))
        + (m.qualifier.length ? lenFieldSize(m.qualifier.length) : 0)
        + (m.start !== 0 ? 1 + varintSize(m.start) : 0)
        + (m.end !== undefined ? 1 + varintSize(m.end) : 0);
    case 'deleteFromFamily':
      return lenFieldSize(Buffer.byteLength(m.family, 'utf8'));
    case 'deleteFromRow':
      return 0;
  }
}

function entrySize(rm: RowMutation): number {
  let n = lenFieldSize(rm.row.length);
  for (const m of rm.mutations) n += lenFieldSize(lenFieldSize(innerSize(m)));
  return n;
}

function writeMutation(w: WireWriter, m: Mutation): void {
  const inner = innerSize(m);
  w.messageHeader(RM_MUTATIONS, lenFieldSize(inner));
  switch (m.type) {
    case 'setCell':
    case 'addToCell':
      w.messageHeader(m.type === 'setCell' ? M_SET_CELL : M_ADD_TO_CELL, inner);
      w.stringField(F_FAMILY, m.family, Buffer.byteLength(m.family, 'utf8'));
      if (m.qualifier.length) w.bytesField(F_QUALIFIER, m.qualifier);
      if (m.timestamp !== 0) w.varintField(F_TS_OR_START, m.timestamp);
      if (m.value.length) w.bytesField(F_VALUE, m.value);
      break;
    case 'deleteFromColumn':
      w.messageHeader(M_DELETE_COLUMN, inner);
      w.stringField(F_FAMILY, m.family, Buffer.byteLength(m.family, 'utf8'));
      if (m.qualifier.length) w.bytesField(F_QUALIFIER, m.qualifier);
      if (m.start !== 0) w.varintField(F_TS_OR_START, m.start);
      if (m.end !== undefined) w.varintField(F_END, m.end);
      break;
    case 'deleteFromFamily':
      w.messageHeader(M_DELETE_FAMILY, inner);
      w.stringField(F_FAMILY, m.family, Buffer.byteLength(m.family, 'utf8'));
      break;
    case 'deleteFromRow':
      w.messageHeader(M_DELETE_ROW, 0);
      break;
  }
}

export interface MutateRequest {
  tabletId: string;
  entries: RowMutation[];
}

/**
 * A Mutate request as the server's deserializer hands it over: decoded, or
 * the reason it could not be. grpc-js answers any exception thrown while
 * deserializing with INTERNAL "Error deserializing request", so the error is
 * carried to the handler instead, which answers INVALID_ARGUMENT naming it.
 */
export type ReceivedMutateRequest = MutateRequest | { malformed: InvalidArgumentError };

/** decodeMutateRequest for a server: never throws (see ReceivedMutateRequest). */
export function receiveMutateRequest(buf: Buffer): ReceivedMutateRequest {
  try {
    return decodeMutateRequest(buf);
  } catch (e) {
    return { malformed: e instanceof InvalidArgumentError ? e : new InvalidArgumentError(`malformed internal RPC message: ${e instanceof Error ? e.message : String(e)}`) };
  }
}

export function encodeMutateRequest(req: MutateRequest): Buffer {
  const idBytes = Buffer.byteLength(req.tabletId, 'utf8');
  const sizes = req.entries.map(entrySize);
  let total = lenFieldSize(idBytes);
  for (const s of sizes) total += lenFieldSize(s);
  const w = new WireWriter(total);
  w.stringField(REQ_TABLET, req.tabletId, idBytes);
  req.entries.forEach((rm, i) => {
    w.messageHeader(REQ_ENTRIES, sizes[i]!);
    w.bytesField(RM_ROW, rm.row);
    for (const m of rm.mutations) writeMutation(w, m);
  });
  return w.finish();
}

/** Reads one Mutation message in r[pos, end). */
function readMutation(r: WireReader, end: number): Mutation {
  let m: Mutation | undefined;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag !== M_SET_CELL && tag !== M_DELETE_COLUMN && tag !== M_DELETE_FAMILY && tag !== M_DELETE_ROW && tag !== M_ADD_TO_CELL) {
      r.skip(tag);
      continue;
    }
    const e = r.lengthEnd();
    let family = '';
    let qualifier = EMPTY;
    let value = EMPTY;
    let ts = 0;
    let endTs: number | undefined;
    while (r.pos < e) {
      const t = r.varint();
      if (t === F_FAMILY) family = r.string();
      else if (t === F_QUALIFIER) qualifier = r.bytes();
      else if (t === F_TS_OR_START) ts = r.varint();
      else if (t === F_VALUE && (tag === M_SET_CELL || tag === M_ADD_TO_CELL)) value = r.bytes();
      else if (t === F_END && tag === M_DELETE_COLUMN) endTs = r.varint();
      else r.skip(t);
    }
    if (r.pos !== e) throw new InvalidArgumentError('malformed internal RPC message: mutation overruns');
    switch (tag) {
      case M_SET_CELL: m = { type: 'setCell', family, qualifier, timestamp: ts, value }; break;
      case M_DELETE_COLUMN: m = { type: 'deleteFromColumn', family, qualifier, start: ts, end: endTs }; break;
      case M_DELETE_FAMILY: m = { type: 'deleteFromFamily', family }; break;
      case M_ADD_TO_CELL: m = { type: 'addToCell', family, qualifier, timestamp: ts, value }; break;
      default: m = { type: 'deleteFromRow' };
    }
  }
  if (!m) throw new InvalidArgumentError('malformed internal RPC message: mutation without a type');
  return m;
}

export function decodeMutateRequest(buf: Buffer): MutateRequest {
  const r = new WireReader(buf);
  let tabletId = '';
  const entries: RowMutation[] = [];
  while (!r.done) {
    const tag = r.varint();
    if (tag === REQ_TABLET) {
      tabletId = r.string();
    } else if (tag === REQ_ENTRIES) {
      const e = r.lengthEnd();
      let row = EMPTY;
      const mutations: Mutation[] = [];
      while (r.pos < e) {
        const t = r.varint();
        if (t === RM_ROW) row = r.bytes();
        else if (t === RM_MUTATIONS) mutations.push(readMutation(r, r.lengthEnd()));
        else r.skip(t);
      }
      entries.push({ row, mutations });
    } else {
      r.skip(tag);
    }
  }
  return { tabletId, entries };
}

/** Encodes per-entry results: only failed entries are written. */
export function encodeMutateResponse(results: Array<TabulaError | undefined>): Buffer {
  const errs: Array<{ index: number; status: WireStatus; mb: number; kb: number; statusSize: number; size: number }> = [];
  let total = 0;
  results.forEach((e, index) => {
    if (!e) return;
    const status = toWireStatus(e);
    const mb = Buffer.byteLength(status.message, 'utf8');
    const kb = Buffer.byteLength(status.kind, 'utf8');
    const statusSize = (status.code ? 1 + varintSize(status.code) : 0) + (mb ? lenFieldSize(mb) : 0) + (kb ? lenFieldSize(kb) : 0);
    const size = (index ? 1 + varintSize(index) : 0) + lenFieldSize(statusSize);
    errs.push({ index, status, mb, kb, statusSize, size });
    total += lenFieldSize(size);
  });
  const w = new WireWriter(total);
  for (const e of errs) {
    w.messageHeader(RESP_ERRORS, e.size);
    if (e.index) w.varintField(EE_INDEX, e.index);
    w.messageHeader(EE_STATUS, e.statusSize);
    if (e.status.code) w.varintField(ST_CODE, e.status.code);
    if (e.mb) w.stringField(ST_MESSAGE, e.status.message, e.mb);
    if (e.kb) w.stringField(ST_KIND, e.status.kind, e.kb);
  }
  return w.finish();
}

/** Decodes per-entry results of a request with `count` entries. */
export function decodeMutateResponse(buf: Buffer, count: number): Array<TabulaError | undefined> {
  const out: Array<TabulaError | undefined> = new Array(count).fill(undefined);
  const r = new WireReader(buf);
  while (!r.done) {
    const tag = r.varint();
    if (tag !== RESP_ERRORS) { r.skip(tag); continue; }
    const e = r.lengthEnd();
    let index = 0;
    const status = { code: 0, message: '', kind: '' };
    while (r.pos < e) {
      const t = r.varint();
      if (t === EE_INDEX) {
        index = r.varint();
      } else if (t === EE_STATUS) {
        const se = r.lengthEnd();
        while (r.pos < se) {
          const st = r.varint();
          if (st === ST_CODE) status.code = r.varint();
          else if (st === ST_MESSAGE) status.message = r.string();
          else if (st === ST_KIND) status.kind = r.string();
          else r.skip(st);
        }
      } else {
        r.skip(t);
      }
    }
    if (index >= count) throw new InvalidArgumentError(`malformed internal RPC message: entry index ${index} of ${count}`);
    out[index] = fromWireStatus(status);
  }
  return out;
}

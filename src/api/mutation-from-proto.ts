/**
 * google.bigtable.v2.Mutation (proto-loader objects) → model Mutation, with
 * validation of every documented limit. Errors name the field path given by
 * the caller, e.g. `entries[3].mutations[0].set_cell.family_name`.
 */
import { InvalidArgumentError, TabulaError } from '../base/errors.js';
import type { Mutation, RowMutation } from '../model/mutation.js';
import { FAMILY_NAME_RE, MAX_FAMILY_NAME_CHARS, MAX_MUTATIONS, MAX_QUALIFIER_BYTES, MAX_VALUE_BYTES } from './limits.js';
import { int64Bytes } from '../model/aggregate.js';
import {
  asArray, asBytes, asInt64, asObject, asSafeInt, asString, oneofMember, protoName, validateFamilyName, validateQualifier, validateRowKey, type ProtoObject,
} from './proto-fields.js';

function validateTimestamp(ts: number, field: string, allowServerTime: boolean): number {
  if (allowServerTime && ts === -1) return ts;
  if (ts < 0) throw new InvalidArgumentError(`${field}: timestamp ${ts} must not be negative`);
  if (ts % 1000 !== 0) {
    throw new InvalidArgumentError(`${field}: timestamp ${ts} must be a multiple of 1000 (millisecond granularity)`);
  }
  return ts;
}

const MUTATION_KINDS = ['setCell', 'deleteFromColumn', 'deleteFromFamily', 'deleteFromRow', 'addToCell', 'mergeToCell'];

/** Converts one Mutation message. `field` is its path, e.g. `mutations[2]`. */
export function mutationFromProto(p: unknown, field: string): Mutation {
  const m = asObject(p, field);
  // proto-loader names the set oneof member; objects built by hand may only carry the member.
  const kind = oneofMember(m, 'mutation', MUTATION_KINDS);
  switch (kind) {
    case 'setCell': {
      const f = `${field}.set_cell`;
      const s = asObject(m.setCell, f);
      const family = validateFamilyName(asString(s.familyName, `${f}.family_name`), `${f}.family_name`);
      const qualifier = validateQualifier(asBytes(s.columnQualifier, `${f}.column_qualifier`), `${f}.column_qualifier`);
      const timestamp = validateTimestamp(asSafeInt(s.timestampMicros, `${f}.timestamp_micros`), `${f}.timestamp_micros`, true);
      const value = asBytes(s.value, `${f}.value`);
      if (value.length > MAX_VALUE_BYTES) {
        throw new InvalidArgumentError(`${f}.value: value is ${value.length} bytes, the limit is ${MAX_VALUE_BYTES}`);
      }
      return { type: 'setCell', family, qualifier, timestamp, value };
    }
    case 'deleteFromColumn': {
      const f = `${field}.delete_from_column`;
      const d = asObject(m.deleteFromColumn, f);
      const family = validateFamilyName(asString(d.familyName, `${f}.family_name`), `${f}.family_name`);
      const qualifier = validateQualifier(asBytes(d.columnQualifier, `${f}.column_qualifier`), `${f}.column_qualifier`);
      const tr = asObject(d.timeRange, `${f}.time_range`);
      const start = validateTimestamp(
        asSafeInt(tr.startTimestampMicros, `${f}.time_range.start_timestamp_micros`),
        `${f}.time_range.start_timestamp_micros`, false);
      const endRaw = validateTimestamp(
        asSafeInt(tr.endTimestampMicros, `${f}.time_range.end_timestamp_micros`),
        `${f}.time_range.end_timestamp_micros`, false);
      // An end of 0 (unset) means infinity.
      const end = endRaw === 0 ? undefined : endRaw;
      if (end !== undefined && start > end) {
        throw new InvalidArgumentError(`${f}.time_range: start_timestamp_micros ${start} is after end_timestamp_micros ${end}`);
      }
      return { type: 'deleteFromColumn', family, qualifier, start, end };
    }
    case 'deleteFromFamily': {
      const f = `${field}.delete_from_family`;
      const d = asObject(m.deleteFromFamily, f);
      return { type: 'deleteFromFamily', family: validateFamilyName(asString(d.familyName, `${f}.family_name`), `${f}.family_name`) };
    }
    case 'deleteFromRow':
      return { type: 'deleteFromRow' };
    case 'addToCell':
    case 'mergeToCell': {
      const f = `${field}.${kind === 'addToCell' ? 'add_to_cell' : 'merge_to_cell'}`;
      const a = asObject(m[kind], f);
      const family = validateFamilyName(asString(a.familyName, `${f}.family_name`), `${f}.family_name`);
      const q = asObject(a.columnQualifier, `${f}.column_qualifier`);
      const qualifier = validateQualifier(asBytes(valueMember(q, 'rawValue', `${f}.column_qualifier`), `${f}.column_qualifier.raw_value`), `${f}.column_qualifier.raw_value`);
      const t = asObject(a.timestamp, `${f}.timestamp`);
      const tf = `${f}.timestamp.raw_timestamp_micros`;
      const timestamp = validateTimestamp(asSafeInt(valueMember(t, 'rawTimestampMicros', `${f}.timestamp`), tf), tf, false);
      const input = asObject(a.input, `${f}.input`);
      // "Merging NULL is allowed, but has no effect" (data.proto): an empty value.
      const value = kind === 'mergeToCell' && valueKind(input) === undefined ? EMPTY_INPUT : aggregateInput(input, `${f}.input`);
      return { type: 'addToCell', family, qualifier, timestamp, value };
    }
    default:
      throw new InvalidArgumentError(`${field}: mutation kind not set`);
  }
}

/** The member `want` of a google.bigtable.v2.Value; any other kind set is refused, naming it. */
function valueMember(v: ProtoObject, want: string, field: string): unknown {
  const kind = valueKind(v);
  if (kind !== undefined && kind !== want) {
    throw new InvalidArgumentError(`${field}: must be a ${protoName(want)}, got ${protoName(kind)}`);
  }
  return v[want];
}

const VALUE_KINDS = ['rawValue', 'rawTimestampMicros', 'bytesValue', 'stringValue', 'intValue', 'boolValue', 'floatValue', 'timestampValue', 'dateValue', 'arrayValue', 'structValue', 'mapValue'];

const EMPTY_INPUT = Buffer.alloc(0);

/** Which member of a google.bigtable.v2.Value is set, if any. */
function valueKind(v: ProtoObject): string | undefined {
  return oneofMember(v, 'kind', VALUE_KINDS);
}

/** An int64 aggregate input or state: an int_value, or a raw_value of its 8-byte big-endian encoding. */
function aggregateInput(v: ProtoObject, field: string): Buffer {
  const kind = valueKind(v);
  if (kind === 'intValue') return int64Bytes(asInt64(v.intValue, `${field}.int_value`));
  if (kind === 'rawValue') {
    const raw = asBytes(v.rawValue, `${field}.raw_value`);
    if (raw.length !== 8) throw new InvalidArgumentError(`${field}.raw_value: an int64 aggregate takes 8 bytes (big-endian), got ${raw.length}`);
    return Buffer.from(raw);
  }
  throw new InvalidArgumentError(`${field}: an int64 aggregate takes an int_value${kind === undefined ? '' : `, got ${protoName(kind)}`}`);
}

/**
 * The last family name that passed validateFamilyName (a request names the
 * same family over and over). Undefined, not '', before the first: '' would
 * let an empty family name through unchecked.
 */
let validFamily: string | undefined;

/**
 * The common case of mutationFromProto without building a single field-path
 * string: a set_cell whose fields are all present, of the types the request
 * decoder gives (int64 as a number), and valid. Undefined otherwise — then
 * mutationFromProto decides, and names the field of any error.
 */
function fastSetCell(p: unknown): Mutation | undefined {
  if (p === null || typeof p !== 'object') return undefined;
  const m = p as ProtoObject;
  const s = m.setCell as ProtoObject | undefined;
  if (s === undefined || s === null || typeof s !== 'object' || (m.mutation !== 'setCell' && m.mutation !== undefined)) return undefined;
  const family = s.familyName;
  const qualifier = s.columnQualifier;
  const ts = s.timestampMicros;
  const value = s.value;
  if (typeof family !== 'string' || !(qualifier instanceof Buffer) || !(value instanceof Buffer) || typeof ts !== 'number') return undefined;
  if (family !== validFamily) {
    if (family.length === 0 || family.length > MAX_FAMILY_NAME_CHARS || !FAMILY_NAME_RE.test(family)) return undefined;
    validFamily = family;
  }
  if (qualifier.length > MAX_QUALIFIER_BYTES || value.length > MAX_VALUE_BYTES) return undefined;
  if (!Number.isSafeInteger(ts) || (ts !== -1 && (ts < 0 || ts % 1000 !== 0))) return undefined;
  return { type: 'setCell', family, qualifier, timestamp: ts, value };
}

/**
 * Converts a repeated Mutation field. `field` is its path, e.g.
 * `entries[3].mutations`. Requires minCount..100,000 entries.
 */
export function mutationsFromProto(p: unknown, field: string, minCount = 1): Mutation[] {
  const list = asArray(p, field);
  if (list.length < minCount) throw new InvalidArgumentError(`${field}: at least ${minCount} mutation(s) required`);
  if (list.length > MAX_MUTATIONS) {
    throw new InvalidArgumentError(`${field}: ${list.length} mutations, the limit is ${MAX_MUTATIONS}`);
  }
  const out = new Array<Mutation>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = fastSetCell(list[i]) ?? mutationFromProto(list[i], `${field}[${i}]`);
  return out;
}

/** MutateRowRequest-like `{rowKey, mutations}` → RowMutation; `prefix` is '' or e.g. `entries[3].`. */
export function rowMutationFromProto(rowKey: unknown, mutations: unknown, prefix = ''): RowMutation {
  const row = validateRowKey(asBytes(rowKey, `${prefix}row_key`), `${prefix}row_key`);
  return { row, mutations: mutationsFromProto(mutations, `${prefix}mutations`) };
}

/**
 * MutateRowsRequest.entries → one RowMutation per entry, or the validation
 * error of that entry (reported in its own status, as Bigtable does). Request
 * level problems (no entries, more than 100,000 mutations in total) throw.
 */
export function mutateRowsEntriesFromProto(entries: unknown): Array<RowMutation | TabulaError> {
  const list = asArray(entries, 'entries');
  if (list.length === 0) throw new InvalidArgumentError('entries: at least one entry required');
  let total = 0;
  for (let i = 0; i < list.length; i++) {
    const e = asObject(list[i], `entries[${i}]`);
    total += Array.isArray(e.mutations) ? e.mutations.length : 0;
  }
  if (total > MAX_MUTATIONS) {
    throw new InvalidArgumentError(`entries: ${total} mutations in total, the limit is ${MAX_MUTATIONS}`);
  }
  const out = new Array<RowMutation | TabulaError>(list.length);
  for (let i = 0; i < list.length; i++) {
    try {
      const e = asObject(list[i], `entries[${i}]`);
      out[i] = rowMutationFromProto(e.rowKey, e.mutations, `entries[${i}].`);
    } catch (err) {
      if (!(err instanceof TabulaError)) throw err;
      out[i] = err;
    }
  }
  return out;
}

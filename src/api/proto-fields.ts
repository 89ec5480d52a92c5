/**
 * Small validators for proto-loader message fields (bytes, int64 strings,
 * family names, row keys). Every failure is an InvalidArgumentError whose
 * message starts with the field path, e.g. `mutations[0].set_cell.family_name`.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { EMPTY, toBuffer } from '../base/bytes.js';
import { FAMILY_NAME_RE, MAX_FAMILY_NAME_CHARS, MAX_QUALIFIER_BYTES, MAX_ROW_KEY_BYTES } from './limits.js';

/** A proto message in proto-loader object form (fields may be absent). */
export type ProtoObject = Record<string, unknown>;

/**
 * The member of oneof `oneof` that is set in `o`: proto-loader names it in
 * `o[oneof]`; objects built by hand may only carry the member itself, one of
 * `members` (default: every other key of `o`, for messages that are only the oneof).
 */
export function oneofMember(o: ProtoObject, oneof: string, members?: readonly string[]): string | undefined {
  return (o[oneof] as string | undefined) ?? (members ?? Object.keys(o).filter((k) => k !== oneof)).find((k) => o[k] !== undefined && o[k] !== null);
}

/** A proto-loader (camelCase) field name as the .proto spells it, for messages: intValue → int_value. */
export function protoName(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function asObject(v: unknown, field: string): ProtoObject {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError(`${field}: expected a message`);
  return v as ProtoObject;
}

export function asArray(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidArgumentError(`${field}: expected a repeated field`);
  return v;
}

/** A bytes field; absent = empty. */
export function asBytes(v: unknown, field: string): Buffer {
  if (v === undefined || v === null) return EMPTY;
  if (v instanceof Uint8Array) return toBuffer(v);
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  throw new InvalidArgumentError(`${field}: expected bytes`);
}

/** A string field; absent = ''. */
export function asString(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  throw new InvalidArgumentError(`${field}: expected a string`);
}

export function asBool(v: unknown): boolean {
  return v === true;
}

/**
 * An int64 field (proto-loader gives decimal strings); absent = 0. Values
 * outside ±Number.MAX_SAFE_INTEGER are refused.
 */
export function asSafeInt(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = Number(v);
  else throw new InvalidArgumentError(`${field}: expected an integer`);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${field}: ${String(v)} is out of the supported range`);
  return n;
}

/**
 * A non-negative int64 limit (rows_limit); absent = 0. Limits beyond
 * Number.MAX_SAFE_INTEGER mean the same as MAX_SAFE_INTEGER (nothing holds
 * 2^53 rows), so they are clamped rather than refused: clients pass the
 * int64 maximum for "no limit", and Google's service accepts it.
 */
export function asLimit(v: unknown, field: string): number {
  const n = asInt64(v, field);
  if (n < 0n) throw new InvalidArgumentError(`${field}: must not be negative, got ${n}`);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/** An int64 field as a bigint (full 64-bit range); absent = 0n. */
export function asInt64(v: unknown, field: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const b = BigInt(v);
    if (b >= -(2n ** 63n) && b < 2n ** 63n) return b;
  }
  throw new InvalidArgumentError(`${field}: expected a 64-bit integer`);
}

/** Non-empty row key of at most 4 KiB. */
export function validateRowKey(key: Buffer, field: string): Buffer {
  if (key.length === 0) throw new InvalidArgumentError(`${field}: row key must not be empty`);
  if (key.length > MAX_ROW_KEY_BYTES) {
    throw new InvalidArgumentError(`${field}: row key is ${key.length} bytes, the limit is ${MAX_ROW_KEY_BYTES}`);
  }
  return key;
}

/** Family name `[-_.a-zA-Z0-9]+` of at most 64 characters. */
export function validateFamilyName(name: string, field: string): string {
  if (name.length === 0) throw new InvalidArgumentError(`${field}: family name must not be empty`);
  if (name.length > MAX_FAMILY_NAME_CHARS) {
    throw new InvalidArgumentError(`${field}: family name longer than ${MAX_FAMILY_NAME_CHARS} characters`);
  }
  if (!FAMILY_NAME_RE.test(name)) {
    throw new InvalidArgumentError(`${field}: family name "${name}" must match [-_.a-zA-Z0-9]+`);
  }
  return name;
}

/** Column qualifier (may be empty) of at most 16 KiB. */
export function validateQualifier(q: Buffer, field: string): Buffer {
  if (q.length > MAX_QUALIFIER_BYTES) {
    throw new InvalidArgumentError(`${field}: qualifier is ${q.length} bytes, the limit is ${MAX_QUALIFIER_BYTES}`);
  }
  return q;
}

/**
 * Byte-string inputs of the client. Keys, qualifiers and values are accepted
 * as strings (encoded as UTF-8) or as Uint8Array/Buffer (used as is, never
 * copied when already a Buffer). Counters are 8-byte big-endian signed
 * integers, as ReadModifyWriteRow increments them.
 */
import { InvalidArgumentError } from '../base/errors.js';

/** A byte string: a string (UTF-8) or raw bytes. */
export type Bytes = string | Uint8Array;

/** Encodes `b` as a Buffer; `field` names the argument in error messages. */
export function toBytes(b: Bytes, field = 'value'): Buffer {
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  if (Buffer.isBuffer(b)) return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  throw new InvalidArgumentError(`${field}: expected a string or Uint8Array, got ${typeof b}`);
}

/** A row key: non-empty bytes. */
export function toRowKey(b: Bytes, field = 'row'): Buffer {
  const k = toBytes(b, field);
  if (k.length === 0) throw new InvalidArgumentError(`${field}: row key must not be empty`);
  return k;
}

/** UTF-8 encoding of `s`. */
export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;

/** A 64-bit signed integer as 8 big-endian bytes (the counter format of increments). */
export function counter(n: bigint | number): Buffer {
  const v = toInt64(n, 'counter');
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(v);
  return out;
}

/** Decodes an 8-byte big-endian signed counter; throws for any other length. */
export function decodeCounter(b: Uint8Array, field = 'value'): bigint {
  if (b.length !== 8) throw new InvalidArgumentError(`${field}: a counter is 8 bytes, got ${b.length}`);
  return toBytes(b).readBigInt64BE(0);
}

/** An integral number as bigint; throws for fractions and unsafe integers. */
export function toBigInt(n: bigint | number, field: string): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${field}: ${n} is not a safe integer (pass a bigint)`);
  return BigInt(n);
}

/** An integral number as a bigint within the signed 64-bit range; throws naming `field` otherwise. */
export function toInt64(n: bigint | number, field: string): bigint {
  const v = toBigInt(n, field);
  if (v < MIN_I64 || v > MAX_I64) throw new InvalidArgumentError(`${field}: ${v} does not fit in a signed 64-bit integer`);
  return v;
}

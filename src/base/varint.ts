/**
 * Unsigned LEB128 varints (as in protobuf and LevelDB) for values up to
 * 2^53 - 1, and fixed-width big/little-endian helpers for 64-bit numbers
 * held in JS numbers.
 */

/** Bytes needed to encode v as a varint. */
export function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes v at buf[pos] and returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/**
 * Reads a varint at buf[pos]. Returns the value; the position after it is left
 * in `varintEnd.pos` to avoid allocating a tuple per call.
 * Throws RangeError on a truncated or over-long varint.
 */
export const varintEnd = { pos: 0 };
export function readVarint(buf: Uint8Array, pos: number): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= buf.length) throw new RangeError('truncated varint');
    const b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      varintEnd.pos = pos;
      return result;
    }
    mul *= 128;
  }
  throw new RangeError('varint too long');
}

/** Writes a non-negative integer < 2^53 as 8 bytes big-endian. */
export function writeUint64BE(buf: Uint8Array, pos: number, v: number): void {
  const hi = Math.floor(v / 0x100000000);
  const lo = v >>> 0;
  buf[pos] = hi >>> 24; buf[pos + 1] = hi >>> 16; buf[pos + 2] = hi >>> 8; buf[pos + 3] = hi;
  buf[pos + 4] = lo >>> 24; buf[pos + 5] = lo >>> 16; buf[pos + 6] = lo >>> 8; buf[pos + 7] = lo;
}

/** Reads 8 bytes big-endian as a number (exact below 2^53). */
export function readUint64BE(buf: Uint8Array, pos: number): number {
  const hi = ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;
  const lo = ((buf[pos + 4]! << 24) | (buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!) >>> 0;
  return hi * 0x100000000 + lo;
}

export function writeUint32LE(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = v; buf[pos + 1] = v >>> 8; buf[pos + 2] = v >>> 16; buf[pos + 3] = v >>> 24;
}

export function readUint32LE(buf: Uint8Array, pos: number): number {
  return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
}

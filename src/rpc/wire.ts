/**
 * Minimal protobuf wire-format writer and reader for the hand-coded hot
 * messages of proto/tabula_internal.proto (row batches, mutations). Only
 * what those need: varints (int64/uint64 as JS numbers, negatives as
 * 10-byte two's complement like protobuf's int64), length-delimited fields,
 * and skipping unknown fields. Field numbers stay below 16, so every tag is
 * one byte.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { varintLength, writeVarint } from '../base/varint.js';

/** Encoded size of an int64/uint64 varint (negatives take 10 bytes). */
export function varintSize(v: number): number {
  return v < 0 ? 10 : varintLength(v);
}

/** Size of a length-delimited field with a one-byte tag and `n` payload bytes. */
export function lenFieldSize(n: number): number {
  return 1 + varintLength(n) + n;
}

/**
 * Writes into a buffer allocated for the exact size computed beforehand
 * (callers size their messages first, so there is no growth or copy).
 */
export class WireWriter {
  readonly buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** A varint (negative numbers as 10-byte two's complement). */
  varint(v: number): void {
    if (v >= 0) {
      this.pos = writeVarint(this.buf, this.pos, v);
      return;
    }
    let big = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.buf[this.pos++] = Number(big);
  }

  /** A one-byte tag followed by a varint. */
  varintField(tag: number, v: number): void {
    this.buf[this.pos++] = tag;
    this.varint(v);
  }

  bytesField(tag: number, b: Uint8Array): void {
    this.buf[this.pos++] = tag;
    this.pos = writeVarint(this.buf, this.pos, b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** `byteLength` must be Buffer.byteLength(s, 'utf8'). */
  stringField(tag: number, s: string, byteLength: number): void {
    this.buf[this.pos++] = tag;
    this.pos = writeVarint(this.buf, this.pos, byteLength);
    this.pos += this.buf.write(s, this.pos, byteLength, 'utf8');
  }

  /** Starts a nested message of `size` bytes (its fields follow). */
  messageHeader(tag: number, size: number): void {
    this.buf[this.pos++] = tag;
    this.pos = writeVarint(this.buf, this.pos, size);
  }

  /** The written message; throws if the size computation was wrong (a bug). */
  finish(): Buffer {
    if (this.pos !== this.buf.length) throw new Error(`wire size mismatch: wrote ${this.pos} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

function malformed(what: string): never {
  throw new InvalidArgumentError(`malformed internal RPC message: ${what}`);
}

/**
 * Reads fields of one message in buf[pos, end). Bytes fields are returned as
 * views into `buf` (no copy): they keep the received message alive as long
 * as they are referenced.
 */
export class WireReader {
  constructor(readonly buf: Buffer, public pos = 0, public end = buf.length) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a JS number (int64 negatives decoded from 10 bytes). */
  varint(): number {
    const buf = this.buf;
    const start = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) malformed('truncated varint');
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        // Beyond 8 bytes (2^56) a double is not exact: redo in BigInt, as a signed int64.
        if (i >= 8) return this.bigVarint(start);
        return result;
      }
      mul *= 128;
    }
    return malformed('varint too long');
  }

  private bigVarint(start: number): number {
    let v = 0n;
    let shift = 0n;
    for (let p = start; p < this.pos; p++) {
      v |= BigInt(this.buf[p]! & 0x7f) << shift;
      shift += 7n;
    }
    return Number(BigInt.asIntN(64, v));
  }

  /** Reads a length prefix and returns the end of the delimited payload. */
  lengthEnd(): number {
    const n = this.varint();
    const e = this.pos + n;
    // A negative length (a 10-byte varint) would move the reader backwards, and a loop over fields would never end.
    if (n < 0 || e > this.end) malformed(n < 0 ? 'negative length' : 'length beyond the message');
    return e;
  }

  bytes(): Buffer {
    const e = this.lengthEnd();
    const b = this.buf.subarray(this.pos, e);
    this.pos = e;
    return b;
  }

  string(): string {
    const e = this.lengthEnd();
    const s = this.buf.toString('utf8', this.pos, e);
    this.pos = e;
    return s;
  }

  /** Skips a field of the given wire type (unknown fields). */
  skip(tag: number): void {
    switch (tag & 7) {
      case 0: this.varint(); break;
      case 1: this.pos += 8; break;
      case 2: this.pos = this.lengthEnd(); break;
      case 5: this.pos += 4; break;
      default: malformed(`wire type ${tag & 7}`);
    }
    if (this.pos > this.end) malformed('truncated field');
  }
}

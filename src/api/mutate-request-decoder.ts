/**
 * A hand-written decoder for the two hot write requests, MutateRowsRequest
 * and MutateRowRequest, producing the same plain objects as proto-loader
 * (protos.ts options: camelCase names, the oneof member named in `mutation`,
 * bytes as Buffers viewing the request, absent fields and empty repeated
 * fields left undefined) — except that int64 values are JS numbers where
 * they are safe integers (proto-fields.ts asSafeInt takes either).
 *
 * Why: proto-loader's generic decode plus toObject was about a sixth of the
 * server's CPU during a bulk load (a MutateRows of 100 rows x 10 cells is
 * some 2,100 nested messages).
 *
 * It only takes the common shape. Anything else — an unknown or unexpected
 * field, a wire type that does not match, a field repeated where proto3
 * would merge, two members of the oneof, add_to_cell / merge_to_cell,
 * idempotency, non-ASCII strings (protobufjs and Node decode malformed UTF-8
 * differently), truncation — makes it return undefined, and the caller
 * decodes the same bytes with proto-loader. So it can only ever agree with
 * proto-loader, which test/api/mutate-request-decoder.test.ts checks on
 * random and corrupted requests.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/ ; field
 * numbers from google/bigtable/v2/bigtable.proto and data.proto.
 */

import { WireReader } from '../rpc/wire.js';

type Obj = Record<string, unknown>;

/** Thrown to give up on the fast path (caught below; never escapes). */
const BAIL = Symbol('bail');

/**
 * The protobuf reader of the internal protocol (rpc/wire.ts; it throws on
 * malformed input, which also means "give up" here), with the two reads this
 * decoder restricts: ASCII strings and int64s that are safe integers.
 */
class Cursor extends WireReader {
  /** ASCII only (see the module comment). */
  override string(): string {
    const e = this.lengthEnd();
    const buf = this.buf;
    for (let p = this.pos; p < e; p++) if (buf[p]! >= 0x80) throw BAIL;
    const s = buf.toString('latin1', this.pos, e);
    this.pos = e;
    return s;
  }

  /** The last family name read, and its bytes: requests name the same family over and over. */
  private lastFamily = '';
  private lastFamilyBytes: Buffer = Buffer.alloc(0);

  /** string(), reusing the previous result when the bytes are the same. */
  family(): string {
    const start = this.pos;
    const e = this.lengthEnd();
    const prev = this.lastFamilyBytes;
    const n = e - this.pos;
    if (n === prev.length && n > 0) {
      const buf = this.buf;
      let i = 0;
      while (i < n && buf[this.pos + i] === prev[i]) i++;
      if (i === n) {
        this.pos = e;
        return this.lastFamily;
      }
    }
    this.pos = start; // back to the length prefix, for string()
    const s = this.string();
    this.lastFamily = s;
    this.lastFamilyBytes = Buffer.from(this.buf.subarray(e - n, e));
    return s;
  }

  /** An int64 field; gives up beyond the safe integers (proto-loader's decimal strings are exact there). */
  int64(): number {
    const v = this.varint();
    if (!Number.isSafeInteger(v)) throw BAIL;
    return v;
  }
}

/** Wire types. */
const VARINT = 0;
const LEN = 2;

/** Reads the next tag; bails if its wire type is not `want` for the field. */
function expect(tag: number, want: number): void {
  if ((tag & 7) !== want) throw BAIL;
}

/** Sets o[key] once: a repeated singular field is left to proto-loader. */
function setOnce(o: Obj, key: string, v: unknown): void {
  if (o[key] !== undefined) throw BAIL;
  o[key] = v;
}

function decodeTimestampRange(c: Cursor, end: number): Obj {
  const o: Obj = {};
  while (c.pos < end) {
    const tag = c.varint();
    switch (tag >>> 3) {
      case 1: expect(tag, VARINT); setOnce(o, 'startTimestampMicros', c.int64()); break;
      case 2: expect(tag, VARINT); setOnce(o, 'endTimestampMicros', c.int64()); break;
      default: throw BAIL;
    }
  }
  if (c.pos !== end) throw BAIL;
  return o;
}

/**
 * One Mutation. Each message is built as an object literal once its fields
 * are read (absent fields undefined), so every object of a kind has the same
 * shape: setting keys one by one by name was a sixth of a bulk load's decode.
 */
function decodeMutation(c: Cursor, end: number): Obj {
  let m: Obj | undefined;
  while (c.pos < end) {
    const tag = c.varint();
    expect(tag, LEN);
    const e = c.lengthEnd();
    if (m !== undefined) throw BAIL; // two members of the oneof, or one repeated
    switch (tag >>> 3) {
      case 1: { // set_cell
        let familyName: string | undefined;
        let columnQualifier: Buffer | undefined;
        let timestampMicros: number | undefined;
        let value: Buffer | undefined;
        while (c.pos < e) {
          const t = c.varint();
          switch (t >>> 3) {
            case 1: expect(t, LEN); if (familyName !== undefined) throw BAIL; familyName = c.family(); break;
            case 2: expect(t, LEN); if (columnQualifier !== undefined) throw BAIL; columnQualifier = c.bytes(); break;
            case 3: expect(t, VARINT); if (timestampMicros !== undefined) throw BAIL; timestampMicros = c.int64(); break;
            case 4: expect(t, LEN); if (value !== undefined) throw BAIL; value = c.bytes(); break;
            default: throw BAIL;
          }
        }
        m = { mutation: 'setCell', setCell: { familyName, columnQualifier, timestampMicros, value } };
        break;
      }
      case 2: { // delete_from_column
        let familyName: string | undefined;
        let columnQualifier: Buffer | undefined;
        let timeRange: Obj | undefined;
        while (c.pos < e) {
          const t = c.varint();
          switch (t >>> 3) {
            case 1: expect(t, LEN); if (familyName !== undefined) throw BAIL; familyName = c.family(); break;
            case 2: expect(t, LEN); if (columnQualifier !== undefined) throw BAIL; columnQualifier = c.bytes(); break;
            case 3: expect(t, LEN); if (timeRange !== undefined) throw BAIL; timeRange = decodeTimestampRange(c, c.lengthEnd()); break;
            default: throw BAIL;
          }
        }
        m = { mutation: 'deleteFromColumn', deleteFromColumn: { familyName, columnQualifier, timeRange } };
        break;
      }
      case 3: { // delete_from_family
        let familyName: string | undefined;
        while (c.pos < e) {
          const t = c.varint();
          if (t >>> 3 !== 1) throw BAIL;
          expect(t, LEN);
          if (familyName !== undefined) throw BAIL;
          familyName = c.family();
        }
        m = { mutation: 'deleteFromFamily', deleteFromFamily: { familyName } };
        break;
      }
      case 4: // delete_from_row: no fields
        if (c.pos !== e) throw BAIL;
        m = { mutation: 'deleteFromRow', deleteFromRow: {} };
        break;
      default: // add_to_cell, merge_to_cell, unknown
        throw BAIL;
    }
    if (c.pos !== e) throw BAIL;
  }
  if (c.pos !== end) throw BAIL;
  return m ?? {};
}

/** Appends one Mutation message to `list` (created on the first). */
function pushMutation(o: Obj, key: string, c: Cursor): void {
  const e = c.lengthEnd();
  const list = (o[key] ??= []) as Obj[];
  list.push(decodeMutation(c, e));
}

function decodeEntry(c: Cursor, end: number): Obj {
  let rowKey: Buffer | undefined;
  let mutations: Obj[] | undefined;
  while (c.pos < end) {
    const tag = c.varint();
    expect(tag, LEN);
    switch (tag >>> 3) {
      case 1: if (rowKey !== undefined) throw BAIL; rowKey = c.bytes(); break;
      case 2: (mutations ??= []).push(decodeMutation(c, c.lengthEnd())); break;
      default: throw BAIL; // idempotency (3) and unknown fields
    }
  }
  if (c.pos !== end) throw BAIL;
  return { rowKey, mutations };
}

/**
 * Decodes a top-level request whose fields are all length-delimited, each
 * handed to `field` with its number; undefined when anything gives up
 * (BAIL, or the reader's error on malformed input): proto-loader decides then.
 */
function decodeRequest(buf: Buffer, field: (c: Cursor, o: Obj, n: number) => void): Obj | undefined {
  try {
    const c = new Cursor(buf);
    const o: Obj = {};
    while (!c.done) {
      const tag = c.varint();
      expect(tag, LEN);
      field(c, o, tag >>> 3);
    }
    return o;
  } catch {
    return undefined;
  }
}

/** google.bigtable.v2.MutateRowsRequest, or undefined to let proto-loader decode it. */
export function decodeMutateRowsRequest(buf: Buffer): Obj | undefined {
  return decodeRequest(buf, (c, o, n) => {
    switch (n) {
      case 1: setOnce(o, 'tableName', c.string()); break;
      case 2: {
        const e = c.lengthEnd();
        ((o.entries ??= []) as Obj[]).push(decodeEntry(c, e));
        break;
      }
      case 3: setOnce(o, 'appProfileId', c.string()); break;
      case 5: setOnce(o, 'authorizedViewName', c.string()); break;
      default: throw BAIL;
    }
  });
}

/** google.bigtable.v2.MutateRowRequest, or undefined to let proto-loader decode it. */
export function decodeMutateRowRequest(buf: Buffer): Obj | undefined {
  return decodeRequest(buf, (c, o, n) => {
    switch (n) {
      case 1: setOnce(o, 'tableName', c.string()); break;
      case 2: setOnce(o, 'rowKey', c.bytes()); break;
      case 3: pushMutation(o, 'mutations', c); break;
      case 4: setOnce(o, 'appProfileId', c.string()); break;
      case 6: setOnce(o, 'authorizedViewName', c.string()); break;
      default: throw BAIL; // idempotency (8) and unknown fields
    }
  });
}

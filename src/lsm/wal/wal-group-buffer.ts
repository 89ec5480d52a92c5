/**
 * The group commit buffer: records are encoded straight into one growing
 * Buffer (no per-record concat), and the whole group goes to storage with a
 * single append. Layout of what it writes is in FORMAT.md.
 */
import { checksum32 } from '../../base/checksum.js';
import { InvalidArgumentError } from '../../base/errors.js';
import { varintLength, writeUint32LE, writeVarint } from '../../base/varint.js';
import {
  RECORD_HEADER_BYTES, RECORD_TYPE_DATA, RECORD_TYPE_SEAL, SEGMENT_HEADER_BYTES, WAL_FORMAT_VERSION, WAL_MAGIC,
} from './wal-format.js';
import type { SealEntry } from './wal-record.js';

const INITIAL_BYTES = 64 * 1024;
/** A buffer grown beyond this by one huge group is dropped on reset instead of kept. */
const KEEP_BYTES = 4 * 1024 * 1024;
const MAX_BODY_BYTES = 0xffffffff;

/** The 8-byte header every segment starts with. */
export function segmentHeader(): Buffer {
  const h = Buffer.alloc(SEGMENT_HEADER_BYTES);
  writeUint32LE(h, 0, WAL_MAGIC);
  writeUint32LE(h, 4, WAL_FORMAT_VERSION);
  return h;
}

export class WalGroupBuffer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  /** Bytes used. */
  length = 0;
  /** Data records added since the last reset. */
  records = 0;

  /** Appends one encoded data record. Copies `payload`; the caller may reuse it afterwards. */
  addData(tabletId: string, firstSeq: number, lastSeq: number, payload: Uint8Array): void {
    const idLen = Buffer.byteLength(tabletId, 'utf8');
    const bodyLen = 1 + varintLength(idLen) + idLen + varintLength(firstSeq) + varintLength(lastSeq) + payload.length;
    if (bodyLen > MAX_BODY_BYTES) throw new InvalidArgumentError(`payload: ${payload.length} bytes is too large for one WAL record`);
    const start = this.reserve(RECORD_HEADER_BYTES + bodyLen);
    const buf = this.buf;
    const bodyStart = start + RECORD_HEADER_BYTES;
    let p = bodyStart;
    buf[p++] = RECORD_TYPE_DATA;
    p = writeVarint(buf, p, idLen);
    p += buf.write(tabletId, p, idLen, 'utf8');
    p = writeVarint(buf, p, firstSeq);
    p = writeVarint(buf, p, lastSeq);
    buf.set(payload, p);
    this.finish(start, bodyLen);
    this.records++;
  }

  /** Appends a seal record (see wal-format.ts, RECORD_TYPE_SEAL). */
  addSeal(entries: readonly SealEntry[]): void {
    let bodyLen = 1 + varintLength(entries.length);
    for (const e of entries) bodyLen += varintLength(e.segment) + varintLength(e.validBytes);
    const start = this.reserve(RECORD_HEADER_BYTES + bodyLen);
    const buf = this.buf;
    let p = start + RECORD_HEADER_BYTES;
    buf[p++] = RECORD_TYPE_SEAL;
    p = writeVarint(buf, p, entries.length);
    for (const e of entries) {
      p = writeVarint(buf, p, e.segment);
      p = writeVarint(buf, p, e.validBytes);
    }
    this.finish(start, bodyLen);
  }

  /** Appends raw bytes (the segment header). */
  addRaw(bytes: Uint8Array): void {
    const start = this.reserve(bytes.length);
    this.buf.set(bytes, start);
    this.length = start + bytes.length;
  }

  /** The encoded bytes: a view valid until the next add or reset. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
    this.records = 0;
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
  }

  /** Makes room for n more bytes (growing by doubling); returns where they start. */
  private reserve(n: number): number {
    const start = this.length;
    const need = start + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const next = Buffer.allocUnsafe(cap);
      this.buf.copy(next, 0, 0, start);
      this.buf = next;
    }
    return start;
  }

  /** Writes the record header for a body of bodyLen bytes already written after `start`. */
  private finish(start: number, bodyLen: number): void {
    const bodyStart = start + RECORD_HEADER_BYTES;
    const end = bodyStart + bodyLen;
    writeUint32LE(this.buf, start, bodyLen);
    writeUint32LE(this.buf, start + 4, checksum32(this.buf.subarray(bodyStart, end)));
    this.length = end;
  }
}

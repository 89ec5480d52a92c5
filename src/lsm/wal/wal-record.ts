/**
 * WAL record bodies: the WalRecord type handed to replay callbacks, and the
 * decoder of a checksum-verified record body (layout in FORMAT.md). Encoding
 * lives in wal-group-buffer.ts, which writes records straight into the group
 * commit buffer.
 */
import { CorruptionError } from '../../base/errors.js';
import { readVarint, varintEnd } from '../../base/varint.js';
import { RECORD_TYPE_DATA, RECORD_TYPE_SEAL } from './wal-format.js';

/**
 * One logged write of one tablet: the mutations with sequence numbers
 * firstSeq..lastSeq (inclusive), encoded by the tablet layer as `payload`.
 * During replay `payload` is a view into the segment's bytes; it stays valid
 * (the WAL never reuses those bytes), so callers may keep it without copying.
 */
export interface WalRecord {
  tabletId: string;
  firstSeq: number;
  lastSeq: number;
  payload: Uint8Array;
}

/** One entry of a seal record: segment `segment` keeps only its first `validBytes` bytes. */
export interface SealEntry {
  segment: number;
  validBytes: number;
}

export type DecodedBody =
  | { type: typeof RECORD_TYPE_DATA; record: WalRecord }
  | { type: typeof RECORD_TYPE_SEAL; seals: SealEntry[] };

/**
 * Decodes a record body whose checksum already matched. Because the checksum
 * matched, a malformed body is not a torn write but a format violation:
 * throws CorruptionError naming `file` and the record's `offset`.
 */
export function decodeRecordBody(file: string, offset: number, body: Buffer): DecodedBody {
  try {
    const type = body[0];
    if (type === RECORD_TYPE_DATA) {
      const idLen = readVarint(body, 1);
      let p = varintEnd.pos;
      if (idLen === 0 || p + idLen > body.length) throw new RangeError('bad tablet id length');
      const tabletId = body.toString('utf8', p, p + idLen);
      const firstSeq = readVarint(body, p + idLen);
      const lastSeq = readVarint(body, varintEnd.pos);
      p = varintEnd.pos;
      if (firstSeq > lastSeq) throw new RangeError(`firstSeq ${firstSeq} > lastSeq ${lastSeq}`);
      return { type: RECORD_TYPE_DATA, record: { tabletId, firstSeq, lastSeq, payload: body.subarray(p) } };
    }
    if (type === RECORD_TYPE_SEAL) {
      const n = readVarint(body, 1);
      const seals: SealEntry[] = [];
      let p = varintEnd.pos;
      for (let i = 0; i < n; i++) {
        const segment = readVarint(body, p);
        const validBytes = readVarint(body, varintEnd.pos);
        p = varintEnd.pos;
        seals.push({ segment, validBytes });
      }
      if (p !== body.length) throw new RangeError('trailing bytes in seal record');
      return { type: RECORD_TYPE_SEAL, seals };
    }
    throw new RangeError(`unknown record type ${String(type)}`);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new CorruptionError(file, `malformed WAL record at offset ${offset}: ${e.message}`);
    }
    throw e;
  }
}

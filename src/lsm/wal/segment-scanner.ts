/**
 * Parses one WAL segment held in memory: checks the header, then walks the
 * records until the end or the first damaged record (layout in FORMAT.md).
 */
import { checksum32 } from '../../base/checksum.js';
import { CorruptionError } from '../../base/errors.js';
import { readUint32LE } from '../../base/varint.js';
import { RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES, WAL_FORMAT_VERSION, WAL_MAGIC } from './wal-format.js';
import { decodeRecordBody, type DecodedBody } from './wal-record.js';

export interface SegmentScan {
  /** Bytes from the start of the segment that hold a valid header and intact records. */
  validEnd: number;
  /**
   * Set when bytes after validEnd could not be read: a torn write, or
   * corruption. The scanner cannot tell which; the caller decides by
   * position (see wal-replay.ts).
   */
  damage?: { offset: number; reason: string };
}

/**
 * Scans `bytes`, the whole content of segment `file`, calling `visit` for each
 * intact record with its offset; `visit` may return false to stop early.
 *
 * A segment of 0 bytes is valid and empty (a crash right after creating it).
 * Throws CorruptionError naming the file for what a torn write cannot
 * produce: a complete header with the wrong magic or an unknown version, or a
 * checksum-valid record with a malformed body.
 */
export function scanSegment(
  file: string,
  bytes: Buffer,
  visit: (body: DecodedBody, offset: number) => boolean | void,
): SegmentScan {
  const len = bytes.length;
  if (len === 0) return { validEnd: 0 };
  if (len < SEGMENT_HEADER_BYTES) {
    return { validEnd: 0, damage: { offset: 0, reason: `torn segment header (${len} of ${SEGMENT_HEADER_BYTES} bytes)` } };
  }
  const magic = readUint32LE(bytes, 0);
  if (magic !== WAL_MAGIC) {
    throw new CorruptionError(file, `not a WAL segment (magic 0x${magic.toString(16).padStart(8, '0')})`);
  }
  const version = readUint32LE(bytes, 4);
  if (version !== WAL_FORMAT_VERSION) {
    throw new CorruptionError(file, `unsupported WAL format version ${version} (this build reads ${WAL_FORMAT_VERSION})`);
  }
  let pos = SEGMENT_HEADER_BYTES;
  while (pos < len) {
    const left = len - pos;
    if (left < RECORD_HEADER_BYTES) {
      return { validEnd: pos, damage: { offset: pos, reason: `torn record header (${left} of ${RECORD_HEADER_BYTES} bytes)` } };
    }
    const bodyLen = readUint32LE(bytes, pos);
    if (bodyLen === 0) return { validEnd: pos, damage: { offset: pos, reason: 'zero record length' } };
    const end = pos + RECORD_HEADER_BYTES + bodyLen;
    if (end > len) {
      return {
        validEnd: pos,
        damage: { offset: pos, reason: `truncated record (length ${bodyLen}, only ${left - RECORD_HEADER_BYTES} bytes follow)` },
      };
    }
    const body = bytes.subarray(pos + RECORD_HEADER_BYTES, end);
    if (checksum32(body) !== readUint32LE(bytes, pos + 4)) {
      return { validEnd: pos, damage: { offset: pos, reason: 'checksum mismatch' } };
    }
    const decoded = decodeRecordBody(file, pos, body);
    const at = pos;
    pos = end;
    if (visit(decoded, at) === false) return { validEnd: pos };
  }
  return { validEnd: pos };
}

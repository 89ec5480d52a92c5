/**
 * Persisted constants of the WAL segment format (see FORMAT.md beside this
 * file).
 *
 * NEVER CHANGE ANY VALUE IN THIS MODULE. Segments written by every earlier
 * release must stay readable. A new layout gets a new WAL_FORMAT_VERSION and
 * new constants next to these; readers refuse versions they do not know.
 */

/** First 4 bytes of every segment: ASCII "TWAL" (read as uint32 little-endian). */
export const WAL_MAGIC = 0x4c415754;
/** The only format version this code writes and reads. */
export const WAL_FORMAT_VERSION = 1;
/** Segment header: magic u32 LE + version u32 LE. */
export const SEGMENT_HEADER_BYTES = 8;

/** Record header: body length u32 LE + xxh32(body) u32 LE. */
export const RECORD_HEADER_BYTES = 8;

/** Body type byte: a tablet's mutations (tablet id, firstSeq, lastSeq, payload). */
export const RECORD_TYPE_DATA = 1;
/**
 * Body type byte: a seal. Written by openWal as the first record of a new
 * segment; it lists earlier segments whose damaged tail was already reported
 * and dropped, with the number of valid bytes each keeps.
 */
export const RECORD_TYPE_SEAL = 2;

/** Segment file names: `${dir}/${number zero-padded to 16 digits}.log`. */
export const SEGMENT_NAME_DIGITS = 16;
export const SEGMENT_SUFFIX = '.log';

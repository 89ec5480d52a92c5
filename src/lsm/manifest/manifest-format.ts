/**
 * Persisted constants of the manifest file format (FORMAT.md beside this file).
 *
 * NEVER CHANGE THESE VALUES: files written with them must stay readable.
 * A new layout gets a new MANIFEST_FORMAT_VERSION and readers learn it too.
 */

/** First 4 bytes of every manifest file: ASCII "TMNF". */
export const MANIFEST_MAGIC = 0x464e4d54; // read as u32 little-endian from bytes 54 4d 4e 46

/** The format version of a manifest without a tail. */
export const MANIFEST_FORMAT_VERSION = 1;

/**
 * The format version of a manifest with a tail (body field `tail`): written
 * only when there is one, so a reader that knows only version 1 refuses such
 * a file instead of silently dropping its entries.
 */
export const MANIFEST_FORMAT_VERSION_TAIL = 2;

/** magic u32 + format version u32 + body length u32. */
export const MANIFEST_HEADER_SIZE = 12;

/** checksum32 of the body, u32. */
export const MANIFEST_TRAILER_SIZE = 4;

/** File names are `${dir}/manifest-${version zero-padded to 16 digits}`. */
export const MANIFEST_FILE_PREFIX = 'manifest-';
export const MANIFEST_VERSION_DIGITS = 16;

/**
 * Persisted constants of the manifest file format (FORMAT.md beside this file).
 *
 * NEVER CHANGE THESE VALUES: files written with them must stay readable.
 * A new layout gets a new MANIFEST_FORMAT_VERSION and readers learn it too.
 */

/** First 4 bytes of every manifest file: ASCII "TMNF". */
export const MANIFEST_MAGIC = 0x464e4d54; // read as u32 little-endian from bytes 54 4d 4e 46

/** The only format version this code writes and reads. */
export const MANIFEST_FORMAT_VERSION = 1;

/** magic u32 + format version u32 + body length u32. */
export const MANIFEST_HEADER_SIZE = 12;

/** checksum32 of the body, u32. */
export const MANIFEST_TRAILER_SIZE = 4;

/** File names are `${dir}/manifest-${version zero-padded to 16 digits}`. */
export const MANIFEST_FILE_PREFIX = 'manifest-';
export const MANIFEST_VERSION_DIGITS = 16;

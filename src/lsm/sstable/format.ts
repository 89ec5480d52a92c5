/**
 * Persisted constants of the SSTable format (see FORMAT.md beside this file).
 *
 * NEVER CHANGE ANY VALUE IN THIS MODULE: files already written depend on them.
 * A format change adds a new FORMAT_VERSION (and keeps reading the old ones);
 * it never reinterprets an existing one.
 */

/** Last 8 bytes of every SSTable: ASCII "TABULAST". */
export const SSTABLE_MAGIC: Uint8Array = Uint8Array.of(0x54, 0x41, 0x42, 0x55, 0x4c, 0x41, 0x53, 0x54);

/**
 * The format version this code writes. Version 2 differs from 1 only in the
 * bloom block: a blocked filter (one 64-byte line per key) instead of one
 * bit array probed anywhere (FORMAT.md "Bloom block").
 */
export const FORMAT_VERSION = 2;
/** Every format version this code can read. */
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1, 2];

/** Fixed size of the footer at the end of the file. */
export const FOOTER_SIZE = 64;
/** Footer field offsets (relative to the footer start). All integers little-endian. */
export const FooterField = {
  INDEX_OFFSET: 0, // u64
  INDEX_SIZE: 8, // u64
  BLOOM_OFFSET: 16, // u64 (0 with BLOOM_SIZE 0 = no bloom filter)
  BLOOM_SIZE: 24, // u64
  PROPS_OFFSET: 32, // u64
  PROPS_SIZE: 40, // u64
  VERSION: 48, // u32
  CHECKSUM: 52, // u32: checksum32 of footer bytes [0, 52)
  MAGIC: 56, // 8 bytes
} as const;

/** Every block is followed by a 5-byte trailer: type (u8) + checksum32 (u32 LE) of contents+type. */
export const BLOCK_TRAILER_SIZE = 5;

/** Block type byte stored in each block trailer. */
export const BlockType = {
  DATA: 1,
  INDEX: 2,
  BLOOM: 3,
  PROPERTIES: 4,
} as const;
export type BlockType = (typeof BlockType)[keyof typeof BlockType];

/** Seeds of the two hash32 (xxh32) hashes used by bloom double hashing. */
export const BLOOM_SEED_1 = 0x2545f491;
export const BLOOM_SEED_2 = 0x9e3779b9;
/** Upper bound on the probe count k stored in a bloom block. */
export const BLOOM_MAX_PROBES = 30;
/** Version 2 (blocked) bloom: bytes per line; all k probes of a key fall in one line. */
export const BLOOM_LINE_BYTES = 64;
/** Version 2 bloom: each probe multiplies the 32-bit probe hash by this (mod 2^32). */
export const BLOOM_PROBE_MULTIPLIER = 0x9e3779b9;

/** Property names in the properties block (byte-sorted; values are varints unless noted). */
export const Prop = {
  BLOCK_COUNT: 'tabula.block-count',
  BLOOM_BITS_PER_KEY: 'tabula.bloom-bits-per-key',
  BLOOM_KEY_COUNT: 'tabula.bloom-key-count',
  DATA_BYTES: 'tabula.data-bytes',
  ENTRY_COUNT: 'tabula.entry-count',
  LARGEST_KEY: 'tabula.largest-key', // raw bytes
  MAX_SEQ: 'tabula.max-seq',
  MIN_SEQ: 'tabula.min-seq',
  SMALLEST_KEY: 'tabula.smallest-key', // raw bytes
} as const;

/**
 * Checksums and hashes, all xxHash (xxhash-wasm). The WASM module is
 * instantiated once by top-level await, so importers use the functions
 * synchronously.
 */
import xxhash from 'xxhash-wasm';

const hasher = await xxhash();

/** 32-bit checksum of bytes (xxh32, seed 0), used for every on-disk block and record. */
export function checksum32(data: Uint8Array): number {
  return hasher.h32Raw(data, 0) >>> 0;
}

/** 32-bit hash with a seed, used by bloom filters. */
export function hash32(data: Uint8Array, seed: number): number {
  return hasher.h32Raw(data, seed >>> 0) >>> 0;
}

/** 64-bit hash as a bigint (xxh64, seed 0). */
export function hash64(data: Uint8Array): bigint {
  return hasher.h64Raw(data, 0n);
}

/**
 * Checksums and hashes, all xxHash (xxhash-wasm). The WASM module is
 * instantiated once by top-level await, so importers use the functions
 * synchronously. Inputs shorter than JS_MAX_BYTES are hashed by the plain
 * JavaScript xxh32 (xxh32.ts): the same function, cheaper than a WASM call
 * at that size (bloom keys are hashed twice per point read and per row flushed).
 */
import xxhash from 'xxhash-wasm';
import { xxh32 } from './xxh32.js';

const hasher = await xxhash();
/** Below this many bytes xxh32 runs in JavaScript (measured crossover ~128 bytes). */
const JS_MAX_BYTES = 128;

/** 32-bit checksum of bytes (xxh32, seed 0), used for every on-disk block and record. */
export function checksum32(data: Uint8Array): number {
  if (data.length < JS_MAX_BYTES) return xxh32(data, 0, data.length, 0);
  return hasher.h32Raw(data, 0) >>> 0;
}

/** 32-bit hash with a seed, used by bloom filters. */
export function hash32(data: Uint8Array, seed: number): number {
  return hash32Range(data, 0, data.length, seed);
}

/** hash32 of data[off, off + len), without a view when the range is short. */
export function hash32Range(data: Uint8Array, off: number, len: number, seed: number): number {
  if (len < JS_MAX_BYTES) return xxh32(data, off, len, seed >>> 0);
  return hasher.h32Raw(off === 0 && len === data.length ? data : data.subarray(off, off + len), seed >>> 0) >>> 0;
}

/** 64-bit hash as a bigint (xxh64, seed 0). */
export function hash64(data: Uint8Array): bigint {
  return hasher.h64Raw(data, 0n);
}

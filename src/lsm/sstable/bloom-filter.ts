/**
 * Bloom filter over "bloom keys" (the tablet uses row keys). Double hashing
 * (Kirsch–Mitzenmacher): probe i sets bit (h1 + i*h2) mod m, where h1 and h2
 * are hash32 (xxh32) of the key with two fixed seeds. m = max(64, n*bitsPerKey)
 * rounded up to whole bytes; k = round(bitsPerKey * ln 2) clamped to [1, 30].
 *
 * Block layout (FORMAT.md "Bloom block"): bit array (bit j = byte j>>3, bit j&7)
 * followed by one byte k.
 */
import { hash32, hash32Range } from '../../base/checksum.js';
import { BLOOM_MAX_PROBES, BLOOM_SEED_1, BLOOM_SEED_2 } from './format.js';

/** Collects key hashes while a table is built, then produces the filter bytes. */
export interface BloomFilterBuilder {
  addKey(key: Uint8Array): void;
  /** addKey(k[off, off + len)) without a view. */
  addKeyRange(k: Uint8Array, off: number, len: number): void;
  readonly keyCount: number;
  /** Approximate size of the finished filter in bytes. */
  readonly sizeEstimate: number;
  /** The filter block contents (bit array + k). */
  finish(): Uint8Array;
}

export function newBloomFilterBuilder(bitsPerKey: number): BloomFilterBuilder {
  return new BloomBuilderImpl(bitsPerKey);
}

/** Number of probes for a given bits/key. */
export function bloomProbes(bitsPerKey: number): number {
  return Math.min(BLOOM_MAX_PROBES, Math.max(1, Math.round(bitsPerKey * Math.LN2)));
}

/** The two hashes of a bloom key; compute once per lookup and probe many filters with it. */
export interface BloomHash {
  readonly h1: number;
  readonly h2: number;
}

export function bloomHash(key: Uint8Array): BloomHash {
  return { h1: hash32(key, BLOOM_SEED_1), h2: hash32(key, BLOOM_SEED_2) };
}

/**
 * Tests a key against filter contents. False means definitely absent.
 * A malformed filter (k out of range, empty bit array) answers true, so it
 * can only cost a read, never hide data.
 */
export function bloomMayContain(filter: Uint8Array, key: Uint8Array): boolean {
  return bloomMayContainHash(filter, bloomHash(key));
}

/** bloomMayContain with the key's hashes already computed. */
export function bloomMayContainHash(filter: Uint8Array, h: BloomHash): boolean {
  const len = filter.length;
  if (len < 2) return true;
  const k = filter[len - 1]!;
  if (k < 1 || k > BLOOM_MAX_PROBES) return true;
  const m = (len - 1) * 8;
  // (h1 + i*h2) mod m, computed incrementally without a division per probe.
  let bit = h.h1 % m;
  const step = h.h2 % m;
  for (let i = 0; i < k; i++) {
    if ((filter[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    bit += step;
    if (bit >= m) bit -= m;
  }
  return true;
}

class BloomBuilderImpl implements BloomFilterBuilder {
  private hashes = new Uint32Array(2048);
  private n = 0;

  constructor(private readonly bitsPerKey: number) {}

  get keyCount(): number {
    return this.n;
  }

  get sizeEstimate(): number {
    return Math.ceil(Math.max(64, this.n * this.bitsPerKey) / 8) + 1;
  }

  addKey(key: Uint8Array): void {
    this.addKeyRange(key, 0, key.length);
  }

  addKeyRange(k: Uint8Array, off: number, len: number): void {
    if (2 * this.n + 2 > this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[2 * this.n] = hash32Range(k, off, len, BLOOM_SEED_1);
    this.hashes[2 * this.n + 1] = hash32Range(k, off, len, BLOOM_SEED_2);
    this.n++;
  }

  finish(): Uint8Array {
    const bytes = Math.ceil(Math.max(64, this.n * this.bitsPerKey) / 8);
    const m = bytes * 8;
    const k = bloomProbes(this.bitsPerKey);
    const out = Buffer.alloc(bytes + 1);
    const hs = this.hashes;
    for (let j = 0; j < this.n; j++) {
      const h1 = hs[2 * j]!;
      const h2 = hs[2 * j + 1]!;
      // (h1 + i*h2) mod m incrementally, as bloomMayContainHash probes: no division per probe.
      let bit = h1 % m;
      const step = h2 % m;
      for (let i = 0; i < k; i++) {
        out[bit >>> 3]! |= 1 << (bit & 7);
        bit += step;
        if (bit >= m) bit -= m;
      }
    }
    out[bytes] = k;
    return out;
  }
}

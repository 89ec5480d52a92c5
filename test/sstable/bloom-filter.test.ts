import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { blockedBloomMayContainHash, bloomHash, bloomMayContain, bloomMayContainHash, bloomProbes, newBloomFilterBuilder, type BloomLayout } from '../../src/lsm/sstable/bloom-filter.js';
import { hash32 } from '../../src/base/checksum.js';
import { BLOOM_SEED_1, BLOOM_SEED_2 } from '../../src/lsm/sstable/format.js';
import { openSstable } from '../../src/lsm/sstable/sstable-reader.js';
import { newSstableBuilder } from '../../src/lsm/sstable/sstable-builder.js';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { buildTable, k, type Entry } from './helpers.js';

describe('bloom filter', () => {
  it.each([
    ['classic', 20_000 * 10 / 8 + 1, 0.003, 0.012],
    ['blocked', Math.ceil(20_000 * 10 / 512) * 64 + 1, 0.004, 0.016],
  ] as const)('%s layout: ~1%% false positives at 10 bits/key and no false negatives', (layout, size, low, high) => {
    const n = 20_000;
    const b = newBloomFilterBuilder(10, layout);
    for (let i = 0; i < n; i++) b.addKey(Buffer.from(`row#${i}`));
    const f = b.finish();
    expect(f.length).toBe(size);
    expect(b.sizeEstimate).toBe(size);
    expect(f[f.length - 1]).toBe(bloomProbes(10));
    for (let i = 0; i < n; i++) expect(bloomMayContain(f, Buffer.from(`row#${i}`), layout)).toBe(true);
    let fp = 0;
    const probes = 100_000;
    for (let i = 0; i < probes; i++) if (bloomMayContain(f, Buffer.from(`absent-${i}`), layout)) fp++;
    const rate = fp / probes;
    expect(rate).toBeGreaterThan(low);
    expect(rate).toBeLessThan(high);
  });

  it('blocked layout: the probes equal the documented line and bit formula on any filter bytes (property)', () => {
    // FORMAT.md: line = floor(h1 * lines / 2^32); probe i tests bit (p_i >>> 23) of the line, p_0 = h2, p_(i+1) = p_i * 0x9e3779b9 mod 2^32.
    const naive = (f: Uint8Array, key: Uint8Array): boolean => {
      const kk = f[f.length - 1]!;
      const lines = (f.length - 1) / 64;
      if (!Number.isInteger(lines) || lines < 1 || kk < 1 || kk > 30) return true;
      const h1 = hash32(key, BLOOM_SEED_1), h2 = hash32(key, BLOOM_SEED_2);
      const line = Number((BigInt(h1) * BigInt(lines)) >> 32n);
      let p = BigInt(h2);
      for (let i = 0; i < kk; i++) {
        const bit = line * 512 + Number(p >> 23n);
        if ((f[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
        p = (p * 0x9e3779b9n) % (1n << 32n);
      }
      return true;
    };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1 << 20 }), fc.integer({ min: 1, max: 30 }), fc.uint8Array({ maxLength: 24 }), (lines, seed, kk, key) => {
        // Dense pseudo-random bits, so that some keys pass all probes.
        const f = new Uint8Array(lines * 64 + 1);
        for (let i = 0; i < lines * 64; i++) f[i] = ((Math.imul(i + seed, 0x2545f491) >>> 24) | 0x77) & 0xff;
        f[lines * 64] = kk;
        expect(blockedBloomMayContainHash(f, bloomHash(key))).toBe(naive(f, key));
        expect(bloomMayContain(f, key, 'blocked')).toBe(naive(f, key));
      }),
      { numRuns: 2000 },
    );
  });

  it('the incremental probe sequence equals the documented (h1 + i*h2) mod m on any filter bytes (property)', () => {
    // FORMAT.md defines probe i as bit (h1 + i*h2) mod m; the reader computes it without a division per probe.
    const naive = (f: Uint8Array, key: Uint8Array): boolean => {
      const kk = f[f.length - 1]!;
      if (f.length < 2 || kk < 1 || kk > 30) return true;
      const m = (f.length - 1) * 8;
      const h1 = hash32(key, BLOOM_SEED_1), h2 = hash32(key, BLOOM_SEED_2);
      for (let i = 0; i < kk; i++) {
        const bit = (h1 + i * h2) % m;
        if ((f[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
      }
      return true;
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 64 }), fc.integer({ min: 1, max: 30 }), fc.uint8Array({ maxLength: 24 }), (bits, kk, key) => {
        const f = Uint8Array.from([...bits.map((b) => b | 0x11), kk]); // dense enough that some keys pass
        expect(bloomMayContainHash(f, bloomHash(key))).toBe(naive(f, key));
        expect(bloomMayContain(f, key, 'classic')).toBe(naive(f, key));
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['classic', 'blocked'] as BloomLayout[])('%s layout: never a false negative (property)', (layout) => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (keys, bits) => {
        const b = newBloomFilterBuilder(bits, layout);
        for (const key of keys) b.addKey(key);
        const f = b.finish();
        expect(f.length).toBe(b.sizeEstimate);
        for (const key of keys) expect(bloomMayContain(f, key, layout)).toBe(true);
      }),
    );
  });

  it.each([1, 2])('an SSTable of format version %i probes the layout it was written with', async (formatVersion) => {
    const b = newSstableBuilder({ formatVersion, bloomBitsPerKey: 10 });
    for (let r = 0; r < 3000; r++) b.add(Buffer.from(k(r)), Buffer.from('v'));
    const bytes = b.finish({ minSeq: 1, maxSeq: 1 });
    const storage = new MemoryStorage();
    await storage.writeFile('sst/v.sst', bytes);
    const reader = await openSstable(storage, 'sst/v.sst', newBlockCache(1 << 20));
    expect(reader.properties.formatVersion).toBe(formatVersion);
    // A version-1 filter read as blocked (or the reverse) would miss most present keys.
    for (let r = 0; r < 3000; r++) expect(reader.mayContain(Buffer.from(k(r)))).toBe(true);
    let fp = 0;
    for (let r = 3000; r < 13_000; r++) if (reader.mayContain(Buffer.from(k(r)))) fp++;
    expect(fp / 10_000).toBeLessThan(0.02);
  });

  it('the builder refuses a format version it cannot write', () => {
    expect(() => newSstableBuilder({ formatVersion: 3 })).toThrow(/formatVersion: must be one of 1, 2, got 3/);
  });

  it('sstable bloom over derived keys (row keys) with bloomKey; 0 bits = no filter', async () => {
    // Entry key "row|col": the bloom holds the row part only.
    const entries: Entry[] = [];
    for (let r = 0; r < 2000; r++) for (let c = 0; c < 3; c++) entries.push([Buffer.from(`${k(r)}|c${c}`), Buffer.from('v')]);
    const rowOf = (key: Uint8Array): Uint8Array => key.subarray(0, key.indexOf(0x7c));
    const { reader } = await buildTable(entries, { bloomKey: rowOf });
    for (let r = 0; r < 2000; r++) expect(reader.mayContain(k(r))).toBe(true);
    let fp = 0;
    for (let r = 2000; r < 12000; r++) if (reader.mayContain(k(r))) fp++;
    expect(fp / 10000).toBeLessThan(0.02);

    const { reader: noBloom } = await buildTable(entries, { bloomBitsPerKey: 0 });
    expect(noBloom.mayContain(Buffer.from('anything'))).toBe(true);
  });

  it('a malformed filter answers "maybe", never hides data', () => {
    for (const layout of ['classic', 'blocked'] as BloomLayout[]) {
      expect(bloomMayContain(new Uint8Array(0), Buffer.from('x'), layout)).toBe(true);
      expect(bloomMayContain(Uint8Array.of(0, 0, 0, 0, 0), Buffer.from('x'), layout)).toBe(true); // k = 0 (and not whole lines)
      expect(bloomMayContain(new Uint8Array(65), Buffer.from('x'), layout)).toBe(true); // k = 0
    }
    const zeros = new Uint8Array(66);
    zeros[65] = 7; // blocked needs whole 64-byte lines
    expect(bloomMayContain(zeros, Buffer.from('x'), 'blocked')).toBe(true);
  });
});

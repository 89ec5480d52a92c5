import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { bloomHash, bloomMayContain, bloomMayContainHash, bloomProbes, newBloomFilterBuilder } from '../../src/lsm/sstable/bloom-filter.js';
import { hash32 } from '../../src/base/checksum.js';
import { BLOOM_SEED_1, BLOOM_SEED_2 } from '../../src/lsm/sstable/format.js';
import { buildTable, k, type Entry } from './helpers.js';

describe('bloom filter', () => {
  it('~1% false positives at 10 bits/key and no false negatives', () => {
    const n = 20_000;
    const b = newBloomFilterBuilder(10);
    for (let i = 0; i < n; i++) b.addKey(Buffer.from(`row#${i}`));
    const f = b.finish();
    expect(f.length).toBe(n * 10 / 8 + 1);
    expect(f[f.length - 1]).toBe(bloomProbes(10));
    for (let i = 0; i < n; i++) expect(bloomMayContain(f, Buffer.from(`row#${i}`))).toBe(true);
    let fp = 0;
    const probes = 100_000;
    for (let i = 0; i < probes; i++) if (bloomMayContain(f, Buffer.from(`absent-${i}`))) fp++;
    const rate = fp / probes;
    expect(rate).toBeGreaterThan(0.003);
    expect(rate).toBeLessThan(0.02);
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
        expect(bloomMayContain(f, key)).toBe(naive(f, key));
      }),
      { numRuns: 2000 },
    );
  });

  it('never a false negative (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (keys, bits) => {
        const b = newBloomFilterBuilder(bits);
        for (const key of keys) b.addKey(key);
        const f = b.finish();
        for (const key of keys) expect(bloomMayContain(f, key)).toBe(true);
      }),
    );
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
    expect(bloomMayContain(new Uint8Array(0), Buffer.from('x'))).toBe(true);
    expect(bloomMayContain(Uint8Array.of(0, 0, 0, 0, 0), Buffer.from('x'))).toBe(true); // k = 0
  });
});

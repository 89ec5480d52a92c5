import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fnvHash64 } from '../../bench/ycsb/fnv-hash64.js';
import { ZipfianGenerator, zeta } from '../../bench/ycsb/zipfian-generator.js';
import { ScrambledZipfianGenerator } from '../../bench/ycsb/scrambled-zipfian-generator.js';
import { KeyChooser, WORKLOADS, buildKeyName, chooseOp } from '../../bench/ycsb/core-workload.js';

/** A small seeded PRNG (mulberry32) so distribution checks are repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reference: Java's fnvhash64 semantics computed over unbounded BigInt, masking explicitly. */
function referenceFnv(v: bigint): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < 8; i++) {
    h = ((h ^ (v & 0xffn)) * 1099511628211n) % (1n << 64n);
    v >>= 8n;
  }
  const s = h >= 1n << 63n ? h - (1n << 64n) : h;
  return s < 0n ? -s : s;
}

describe('fnvHash64 (YCSB Utils.fnvhash64)', () => {
  it('matches known YCSB key names', () => {
    // "user6284781860667377211" is the first key every hashed YCSB load writes.
    expect(buildKeyName(0)).toBe('user6284781860667377211');
    expect(fnvHash64(1)).toBe(8517097267634966620n);
    expect(fnvHash64(1000)).toBe(5952875239596136740n);
    expect(fnvHash64(99999)).toBe(7592201923306675823n);
  });

  it('agrees with a reference implementation', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), (v) => {
      expect(fnvHash64(v)).toBe(referenceFnv(v));
    }));
  });
});

describe('ZipfianGenerator', () => {
  it('gives item i a share of 1/((i+1)^theta * zeta(n))', () => {
    const n = 1000;
    const g = new ZipfianGenerator(0, n - 1, 0.99, undefined, seeded(7));
    const counts = new Array<number>(n).fill(0);
    const draws = 200_000;
    let outside = 0;
    for (let i = 0; i < draws; i++) {
      const v = g.next();
      if (v < 0 || v > n - 1) outside++;
      counts[Math.min(v, n - 1)]!++;
    }
    // YCSB's formula may return `max + 1` with vanishing probability; never below min.
    expect(outside).toBeLessThanOrEqual(1);
    const z = zeta(n, 0.99);
    // Items 0 and 1 are exact in Gray's method; later ranks are approximate.
    expect(counts[0]! / draws).toBeCloseTo(1 / z, 2);
    expect(counts[1]! / draws).toBeCloseTo(1 / (Math.pow(2, 0.99) * z), 2);
    // Monotone-ish decay: the first 10 items get far more than the last 10.
    const head = counts.slice(0, 10).reduce((a, b) => a + b, 0);
    const tail = counts.slice(n - 10).reduce((a, b) => a + b, 0);
    expect(head).toBeGreaterThan(20 * tail);
  });

  it('zeta sums 1/i^theta', () => {
    expect(zeta(1, 0.99)).toBe(1);
    expect(zeta(2, 0.99)).toBeCloseTo(1 + Math.pow(0.5, 0.99), 12);
  });
});

describe('ScrambledZipfianGenerator', () => {
  it('stays in [min, max] and is skewed but scattered', () => {
    const g = new ScrambledZipfianGenerator(0, 9999, seeded(3));
    const counts = new Map<number, number>();
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = g.next();
      if (v < 0 || v > 9999 || !Number.isInteger(v)) outside++;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect(outside).toBe(0);
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    // The hottest item is draw 0's image: fnvhash64(0) % 10000.
    expect(sorted[0]![0]).toBe(Number(fnvHash64(0) % 10000n));
    // Zipf(0.99) over 1e10 items: the top item takes 1/zeta = ~3.8% of draws.
    expect(sorted[0]![1] / 100_000).toBeCloseTo(1 / 26.469, 2);
    // Hot keys are not clustered at the start of the range.
    const top = sorted.slice(0, 20).map(([k]) => k);
    expect(Math.max(...top)).toBeGreaterThan(5000);
  });
});

describe('KeyChooser / chooseOp', () => {
  it('never picks a key beyond the last inserted one', () => {
    const c = new KeyChooser(100, 1000, 0.05, seeded(11));
    let max = 0;
    for (let i = 0; i < 20_000; i++) max = Math.max(max, c.nextKeynum());
    expect(max).toBe(99);
    c.lastKey = 150;
    let above = 0;
    max = 0;
    for (let i = 0; i < 20_000; i++) {
      const k = c.nextKeynum();
      max = Math.max(max, k);
      if (k > 99) above++;
    }
    expect(max).toBeLessThanOrEqual(150);
    expect(above).toBeGreaterThan(0);
    expect(c.rowKey(0).toString()).toBe('user6284781860667377211');
  });

  it('splits operations by the workload proportions', () => {
    const count = (w: string, u: number[]): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const x of u) { const k = chooseOp(WORKLOADS[w]!, x); out[k] = (out[k] ?? 0) + 1; }
      return out;
    };
    const us = Array.from({ length: 1000 }, (_, i) => (i + 0.5) / 1000);
    expect(count('a', us)).toEqual({ read: 500, update: 500 });
    expect(count('b', us)).toEqual({ read: 950, update: 50 });
    expect(count('c', us)).toEqual({ read: 1000 });
    expect(count('e', us)).toEqual({ insert: 50, scan: 950 });
    expect(count('f', us)).toEqual({ read: 500, rmw: 500 });
  });
});

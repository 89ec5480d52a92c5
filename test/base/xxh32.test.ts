import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import xxhash from 'xxhash-wasm';
import { xxh32 } from '../../src/base/xxh32.js';
import { checksum32, hash32, hash32Range } from '../../src/base/checksum.js';

const wasm = await xxhash();

describe('xxh32 (JavaScript)', () => {
  it('equals xxhash-wasm for every length 0..300 around the 4- and 16-byte strides, and several seeds', () => {
    for (let n = 0; n <= 300; n++) {
      const b = new Uint8Array(n + 7);
      for (let i = 0; i < b.length; i++) b[i] = (i * 131 + n * 7) & 255;
      for (const seed of [0, 1, 0x9747b28c, 0xffffffff]) {
        expect(xxh32(b, 3, n, seed)).toBe(wasm.h32Raw(b.subarray(3, 3 + n), seed) >>> 0);
      }
    }
  });

  it('equals xxhash-wasm on random bytes, offsets and seeds (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), (b, a, z, seed) => {
      const off = b.length ? a % b.length : 0;
      const len = b.length - off ? z % (b.length - off + 1) : 0;
      expect(xxh32(b, off, len, seed)).toBe(wasm.h32Raw(b.subarray(off, off + len), seed) >>> 0);
    }), { numRuns: 500 });
  });

  it('checksum32, hash32 and hash32Range agree with xxhash-wasm below and above the JavaScript cut-over', () => {
    for (const n of [0, 17, 127, 128, 129, 1000, 20000]) {
      const b = new Uint8Array(n + 2).map((_, i) => (i * 17) & 255);
      const v = b.subarray(1, 1 + n);
      expect(checksum32(v)).toBe(wasm.h32Raw(v, 0) >>> 0);
      expect(hash32(v, 0x5bd1e995)).toBe(wasm.h32Raw(v, 0x5bd1e995) >>> 0);
      expect(hash32Range(b, 1, n, 7)).toBe(wasm.h32Raw(v, 7) >>> 0);
    }
  });
});

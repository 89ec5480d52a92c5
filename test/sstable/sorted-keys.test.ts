import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareBytes } from '../../src/base/bytes.js';
import { SortedKeys } from '../../src/lsm/sstable/sorted-keys.js';

/** The naive answer: first i with keys[i] >= target. */
function naiveLowerBound(keys: Uint8Array[], target: Uint8Array): number {
  const i = keys.findIndex((k) => compareBytes(k, target) >= 0);
  return i < 0 ? keys.length : i;
}

// Bytes drawn from a small alphabet with zeros and 0xff, and lengths around
// the 6- and 12-byte abbreviation boundaries, so ties, padding and prefixes all occur.
const byte = fc.constantFrom(0, 1, 0x7f, 0x80, 0xfe, 0xff);
const key = fc.uint8Array({ minLength: 0, maxLength: 16 }).chain((seed) =>
  fc.array(byte, { minLength: 0, maxLength: 15 }).map((tail) => Uint8Array.from([...seed.subarray(0, 3), ...tail])));

describe('SortedKeys.lowerBound', () => {
  it('equals a linear search over the full keys', () => {
    fc.assert(fc.property(fc.array(key, { maxLength: 40 }), fc.array(key, { minLength: 1, maxLength: 20 }), (raw, targets) => {
      const keys = raw.slice().sort(compareBytes);
      const sk = new SortedKeys(keys);
      for (const t of [...targets, ...keys]) expect(sk.lowerBound(t)).toBe(naiveLowerBound(keys, t));
    }), { numRuns: 500 });
  });

  it('orders a key before its zero-extended and longer forms', () => {
    const keys = [Uint8Array.from([1, 2]), Uint8Array.from([1, 2, 0]), Uint8Array.from([1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Uint8Array.from([1, 2, 1])];
    const sk = new SortedKeys(keys);
    keys.forEach((k, i) => expect(sk.lowerBound(k)).toBe(i));
    expect(sk.lowerBound(Uint8Array.from([1, 2, 0, 0]))).toBe(2);
    expect(sk.lowerBound(Uint8Array.from([9]))).toBe(4);
    expect(sk.lowerBound(new Uint8Array(0))).toBe(0);
  });
});

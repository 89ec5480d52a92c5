import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyBytes } from '../../src/base/copy-bytes.js';

/** Shared memory filled with a byte pattern that differs at every offset mod 251. */
function sharedSource(size: number): Uint8Array {
  const s = new Uint8Array(new SharedArrayBuffer(size));
  for (let i = 0; i < size; i++) s[i] = (i * 7 + 3) % 251;
  return s;
}

describe('copyBytes', () => {
  it('copies any range to any position, plain or shared memory on either side, every alignment, pieces larger than its scratch included (property)', () => {
    const shared = sharedSource(700_000);
    const plain = new Uint8Array(shared); // a plain copy: the same bytes
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }), // the source view's byteOffset
        fc.integer({ min: 0, max: 600_000 }), // off
        fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 600_000 })), // len: short, or up to 2+ scratch pieces
        fc.integer({ min: 0, max: 15 }), // the target view's byteOffset
        fc.integer({ min: 0, max: 15 }), // pos
        fc.boolean(), // shared source
        fc.boolean(), // shared target
        (srcShift, off, len, outShift, pos, fromShared, toShared) => {
          const src = (fromShared ? shared : plain).subarray(srcShift);
          len = Math.min(len, src.length - off);
          if (len < 0) return;
          const size = outShift + pos + len + 8;
          const outBuf = new Uint8Array(toShared ? new SharedArrayBuffer(size) : new ArrayBuffer(size)).fill(0xee);
          const out = outBuf.subarray(outShift);
          expect(copyBytes(out, pos, src, off, len)).toBe(pos + len);
          const want = Buffer.from(plain.subarray(srcShift + off, srcShift + off + len));
          expect(Buffer.from(out.subarray(pos, pos + len)).equals(want)).toBe(true);
          // Nothing outside the target range is touched.
          expect(outBuf.subarray(0, outShift + pos).every((x) => x === 0xee)).toBe(true);
          expect(outBuf.subarray(outShift + pos + len).every((x) => x === 0xee)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

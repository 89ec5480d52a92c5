import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { InvalidArgumentError } from '../../src/base/errors.js';

const block = (n: number, fill = 0): Uint8Array => new Uint8Array(n).fill(fill);

describe('block cache', () => {
  it('evicts least recently used blocks by bytes; get refreshes recency', () => {
    const c = newBlockCache(1000);
    c.put('f1', 0, block(400, 1));
    c.put('f1', 400, block(400, 2));
    expect(c.get('f1', 0)?.[0]).toBe(1); // f1@0 is now newer than f1@400
    c.put('f2', 0, block(400, 3)); // 1200 > 1000: evict the LRU, f1@400
    expect(c.get('f1', 400)).toBeUndefined();
    expect(c.get('f1', 0)?.[0]).toBe(1);
    expect(c.get('f2', 0)?.[0]).toBe(3);
    expect(c.stats()).toEqual({ hits: 3, misses: 1, bytes: 800, capacity: 1000, entries: 2 });
  });

  it('replacing a block adjusts bytes; oversized blocks are not cached; evictFile', () => {
    const c = newBlockCache(1000);
    c.put('a', 0, block(100));
    c.put('a', 0, block(300));
    expect(c.stats().bytes).toBe(300);
    expect(c.stats().entries).toBe(1);
    c.put('a', 300, block(200));
    c.put('b', 0, block(200));
    c.put('big', 0, block(1001));
    expect(c.get('big', 0)).toBeUndefined();
    expect(c.stats().bytes).toBe(700);
    c.evictFile('a');
    expect(c.stats()).toMatchObject({ bytes: 200, entries: 1 });
    expect(c.get('a', 0)).toBeUndefined();
    expect(c.get('b', 0)).toBeDefined();
    c.evictFile('nope');
    // A block exactly as large as the capacity evicts everything else.
    c.put('c', 0, block(1000));
    expect(c.stats()).toMatchObject({ bytes: 1000, entries: 1 });
  });

  it('capacity 0 caches nothing; bad capacity is refused', () => {
    const c = newBlockCache(0);
    c.put('a', 0, block(1));
    expect(c.get('a', 0)).toBeUndefined();
    c.put('a', 0, block(0));
    expect(c.get('a', 0)).toBeDefined(); // an empty block costs nothing
    expect(() => newBlockCache(-1)).toThrow(InvalidArgumentError);
    expect(() => newBlockCache(1.5)).toThrow(/capacityBytes/);
  });

  it('matches a naive LRU model (property)', () => {
    type Op = { t: 'get' | 'put' | 'evict'; f: number; o: number; n: number };
    const opArb: fc.Arbitrary<Op> = fc.record({
      t: fc.constantFrom('get' as const, 'put' as const, 'put' as const, 'evict' as const),
      f: fc.integer({ min: 0, max: 3 }),
      o: fc.integer({ min: 0, max: 5 }),
      n: fc.integer({ min: 0, max: 120 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.array(opArb, { maxLength: 200 }), (cap, ops) => {
        const c = newBlockCache(cap);
        // Model: array ordered oldest → newest.
        let model: { f: number; o: number; b: Uint8Array }[] = [];
        let hits = 0;
        let misses = 0;
        for (const op of ops) {
          const idx = model.findIndex((e) => e.f === op.f && e.o === op.o);
          if (op.t === 'get') {
            const got = c.get(`f${op.f}`, op.o);
            if (idx < 0) {
              misses++;
              expect(got).toBeUndefined();
            } else {
              hits++;
              const [e] = model.splice(idx, 1);
              model.push(e!);
              expect(got).toBe(e!.b);
            }
          } else if (op.t === 'put') {
            const b = block(op.n, op.n);
            c.put(`f${op.f}`, op.o, b);
            if (idx >= 0) model.splice(idx, 1);
            if (b.length <= cap) {
              model.push({ f: op.f, o: op.o, b });
              let bytes = model.reduce((s, e) => s + e.b.length, 0);
              while (bytes > cap) bytes -= model.shift()!.b.length;
            }
          } else {
            c.evictFile(`f${op.f}`);
            model = model.filter((e) => e.f !== op.f);
          }
          const bytes = model.reduce((s, e) => s + e.b.length, 0);
          expect(c.stats()).toEqual({ hits, misses, bytes, capacity: cap, entries: model.length });
        }
      }),
      { numRuns: 300 },
    );
  });
});

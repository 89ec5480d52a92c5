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
    expect(c.stats()).toEqual({ hits: 3, misses: 1, bytes: 800, capacity: 1000, entries: 2, recycled: 0, fresh: 0 });
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
          expect(c.stats()).toEqual({ hits, misses, bytes, capacity: cap, entries: model.length, recycled: 0, fresh: 0 });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('recycles an evicted block no reader holds; never one held, nor memory it did not hand out', () => {
    const c = newBlockCache(3000, { poisonRecycled: true });
    const a = c.takeBuffer(1000);
    expect(a.length).toBe(1000);
    a.fill(1);
    c.put('f', 0, a, { recyclable: true, pins: 1 }); // handed to a reader as it is cached
    c.put('f', 1000, block(1000, 2)); // not recyclable
    c.put('f', 2000, c.takeBuffer(1000).fill(3), { recyclable: true });
    c.put('g', 0, block(1000)); // evicts f@0 (held) ...
    c.put('g', 1000, block(1000)); // ... f@1000 (not recyclable) ...
    c.put('g', 2000, block(1000)); // ... and f@2000 (held by nobody): recycled
    const b = c.takeBuffer(900); // the same size class: f@2000's memory, poisoned
    expect(c.stats()).toMatchObject({ recycled: 1, fresh: 2 });
    expect(b.every((x) => x === 0xee)).toBe(true);
    expect(a.every((x) => x === 1)).toBe(true); // the held block is intact ...
    c.release('f', 0, a); // ... and stays out of the pool once released: the GC takes it
    expect(c.takeBuffer(1000).buffer).not.toBe(a.buffer);
    c.giveBack(b); // never became a block
    expect(c.takeBuffer(1000).buffer).toBe(b.buffer);
    expect(c.takeBuffer(5000).buffer).not.toBe(b.buffer); // another size class: fresh
  });

  it('a block acquired and released is recycled when evicted; releases of another block at that key do nothing', () => {
    const c = newBlockCache(2000);
    const a = c.takeBuffer(1000);
    c.put('f', 0, a, { recyclable: true, pins: 1 });
    c.release('f', 0, a);
    expect(c.acquire('f', 0)).toBe(a);
    c.release('f', 0, block(1000)); // not the cached block: ignored (a still held)
    c.put('g', 0, block(1000));
    c.put('g', 1000, block(1000)); // evicts f@0, held by the acquire: not recycled
    expect(c.takeBuffer(1000).buffer).not.toBe(a.buffer);
    const d = c.takeBuffer(1000);
    c.put('h', 0, d, { recyclable: true });
    expect(c.acquire('h', 0)).toBe(d);
    c.release('h', 0, d);
    c.evictFile('h'); // released: recycled
    expect(c.takeBuffer(1000).buffer).toBe(d.buffer);
  });

  it('never hands out memory a reader holds or the cache serves (property)', () => {
    type Op = { t: 'miss' | 'acquire' | 'release' | 'evict'; f: number; o: number; n: number; k: number };
    const opArb: fc.Arbitrary<Op> = fc.record({
      t: fc.constantFrom('miss' as const, 'miss' as const, 'acquire' as const, 'release' as const, 'release' as const, 'evict' as const),
      f: fc.integer({ min: 0, max: 2 }),
      o: fc.integer({ min: 0, max: 4 }),
      n: fc.integer({ min: 1, max: 3000 }),
      k: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8000 }), fc.array(opArb, { maxLength: 150 }), (cap, ops) => {
        const c = newBlockCache(cap, { poisonRecycled: true });
        const held: Array<{ f: string; o: number; b: Uint8Array }> = []; // one entry per pin a reader holds
        const contents = new Map<Uint8Array, number>(); // what each block handed out holds
        for (const op of ops) {
          const f = `f${op.f}`;
          if (op.t === 'miss') {
            const b = c.takeBuffer(op.n);
            // Not memory a reader holds, nor memory the cache serves.
            for (const h of held) expect(b.buffer).not.toBe(h.b.buffer);
            for (let g = 0; g < 3; g++) for (let o = 0; o < 5; o++) expect(c.get(`f${g}`, o)?.buffer).not.toBe(b.buffer);
            const fill = (op.n + op.k) % 200;
            b.fill(fill);
            contents.set(b, fill);
            c.put(f, op.o, b, { recyclable: true, pins: op.k });
            for (let i = 0; i < op.k; i++) held.push({ f, o: op.o, b });
          } else if (op.t === 'acquire') {
            const b = c.acquire(f, op.o);
            if (b) held.push({ f, o: op.o, b });
          } else if (op.t === 'release') {
            if (held.length) {
              const h = held.splice(op.n % held.length, 1)[0]!;
              c.release(h.f, h.o, h.b);
            }
          } else {
            c.evictFile(f);
          }
          // Every block a reader holds still holds what was put in it.
          for (const h of held) expect(h.b.every((x) => x === contents.get(h.b))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compareBytes } from '../../src/base/bytes.js';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import type { KvIterator } from '../../src/lsm/iterator/kv-iterator.js';
import { buildTable, hex, sortedUnique, type Entry } from './helpers.js';

/** Small alphabet so keys share prefixes and targets often hit exact keys. */
const keyArb = fc.array(fc.constantFrom(0, 1, 2, 0x61, 0x62, 0xff), { maxLength: 10 }).map((a) => Uint8Array.from(a));
const entryArb: fc.Arbitrary<Entry> = fc.tuple(keyArb, fc.uint8Array({ maxLength: 60 }));

type Op =
  | { op: 'seek' | 'seekLT'; target: Uint8Array }
  | { op: 'first' | 'last' | 'next' | 'nextMany' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('seek' as const, 'seekLT' as const), target: keyArb }),
  fc.record({ op: fc.constantFrom('first' as const, 'last' as const, 'next' as const, 'nextMany' as const) }),
);

const optsArb = fc.record({
  blockSize: fc.integer({ min: 1, max: 1024 }),
  restartInterval: fc.integer({ min: 1, max: 20 }),
  bloomBitsPerKey: fc.integer({ min: 0, max: 12 }),
});

/** First index with key >= t. */
function lowerBound(model: Entry[], t: Uint8Array): number {
  let i = 0;
  while (i < model.length && compareBytes(model[i]![0], t) < 0) i++;
  return i;
}

function check(it: KvIterator, model: Entry[], pos: number): void {
  const want = pos >= 0 && pos < model.length;
  expect(it.valid()).toBe(want);
  if (want) {
    expect(hex(it.key())).toBe(hex(model[pos]![0]));
    expect(hex(it.value())).toBe(hex(model[pos]![1]));
  }
}

describe('sstable iterator vs sorted-array model', () => {
  it('random tables: seek, seekLT, seekToFirst, seekToLast, next all match the model', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: 200 }),
        optsArb,
        fc.array(opArb, { maxLength: 60 }),
        fc.constantFrom(0, 300, 64 << 20),
        async (raw, opts, ops, cacheBytes) => {
          const model = sortedUnique(raw);
          const { reader } = await buildTable(model, opts, newBlockCache(cacheBytes));
          expect(reader.properties.entryCount).toBe(model.length);
          const it = reader.iterator();

          // Full forward scan.
          const seen: string[] = [];
          for (await it.seekToFirst(); it.valid(); await it.next()) seen.push(hex(it.key()) + ':' + hex(it.value()));
          expect(seen).toEqual(model.map(([k, v]) => hex(k) + ':' + hex(v)));

          let pos = -1;
          for (const o of ops) {
            switch (o.op) {
              case 'seek':
                await it.seek(o.target);
                pos = lowerBound(model, o.target);
                break;
              case 'seekLT':
                await it.seekLT(o.target);
                pos = lowerBound(model, o.target) - 1;
                break;
              case 'first':
                await it.seekToFirst();
                pos = 0;
                break;
              case 'last':
                await it.seekToLast();
                pos = model.length - 1;
                break;
              case 'next':
              case 'nextMany': {
                // next() is defined only on a valid iterator.
                const steps = o.op === 'next' ? 1 : 7;
                for (let s = 0; s < steps && it.valid(); s++) {
                  await it.next();
                  pos++;
                }
                break;
              }
            }
            if (pos < 0 || pos >= model.length) pos = -1;
            check(it, model, pos);
          }
          it.close();
        },
      ),
      { numRuns: 250 },
    );
  });

  it('reverse scan with seekLT from past the end visits every key in descending order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { maxLength: 150 }), optsArb, async (raw, opts) => {
        const model = sortedUnique(raw);
        const { reader } = await buildTable(model, opts, newBlockCache(1000));
        const it = reader.iterator();
        const got: string[] = [];
        await it.seekToLast();
        while (it.valid()) {
          const key = Buffer.from(it.key());
          got.push(hex(key));
          await it.seekLT(key);
        }
        expect(got).toEqual(model.map(([k]) => hex(k)).reverse());
      }),
      { numRuns: 100 },
    );
  });

  it('an empty table has no entries', async () => {
    const { reader } = await buildTable([]);
    expect(reader.properties.entryCount).toBe(0);
    expect(reader.properties.blockCount).toBe(0);
    expect(reader.blockFirstKeys()).toEqual([]);
    expect(reader.mayContain(Buffer.from('x'))).toBe(false);
    const it = reader.iterator();
    expect(it.seekToFirst()).toBeUndefined();
    expect(it.valid()).toBe(false);
    it.seekToLast();
    expect(it.valid()).toBe(false);
    it.seek(Buffer.from('a'));
    expect(it.valid()).toBe(false);
    it.seekLT(Buffer.from('a'));
    expect(it.valid()).toBe(false);
  });
});

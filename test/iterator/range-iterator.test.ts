import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { newRangeIterator } from '../../src/lsm/iterator/range-iterator.js';
import { newArrayIterator } from '../../src/lsm/iterator/array-iterator.js';
import { newMergingIterator } from '../../src/lsm/iterator/merging-iterator.js';
import { compareBytes } from '../../src/base/bytes.js';
import { isPromise } from '../../src/lsm/iterator/maybe-promise.js';
import { type Entry, Model, drain, entryPos, keyArb, modelMerge, pos, settle, sortedEntriesArb } from './model.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const e = (k: string, v: string): Entry => [b(k), b(v)];

function inRange(k: Uint8Array, lower?: Uint8Array, upper?: Uint8Array): boolean {
  return (lower === undefined || compareBytes(k, lower) >= 0) && (upper === undefined || upper.length === 0 || compareBytes(k, upper) < 0);
}

describe('range iterator', () => {
  it('restricts to [lower, upper)', () => {
    const inner = newArrayIterator([e('a', ''), e('b', ''), e('c', ''), e('d', '')]);
    const it = newRangeIterator(inner, b('b'), b('d'));
    const keys: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) keys.push(Buffer.from(it.key()).toString());
    expect(keys).toEqual(['b', 'c']);
    it.seekToLast();
    expect(Buffer.from(it.key()).toString()).toBe('c');
    it.seekLT(b('b'));
    expect(it.valid()).toBe(false);
    it.seek(b('d'));
    expect(it.valid()).toBe(false);
    it.seek(b('a'));
    expect(Buffer.from(it.key()).toString()).toBe('b');
  });

  it('treats an empty upper bound as unbounded and an inverted range as empty', () => {
    const entries = [e('a', ''), e('b', '')];
    const open = newRangeIterator(newArrayIterator(entries), b('b'), b(''));
    open.seekToFirst();
    expect(Buffer.from(open.key()).toString()).toBe('b');
    const inverted = newRangeIterator(newArrayIterator(entries), b('b'), b('a'));
    inverted.seekToFirst();
    expect(inverted.valid()).toBe(false);
    inverted.seekToLast();
    expect(inverted.valid()).toBe(false);
  });

  it('is async exactly when the inner iterator is', async () => {
    const sync = newRangeIterator(newArrayIterator([e('a', '')]), b('a'));
    expect(sync.seekToFirst()).toBeUndefined();
    const asyncIt = newRangeIterator(newArrayIterator([e('a', '')], { async: true }), b('a'));
    const r = asyncIt.seekToFirst();
    expect(isPromise(r)).toBe(true);
    await r;
    expect(asyncIt.valid()).toBe(true);
  });

  it('equals the filtered model in both directions (property)', async () => {
    const boundArb = fc.option(keyArb(), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(sortedEntriesArb(), fc.boolean()), { minLength: 1, maxLength: 3 }),
        boundArb, boundArb,
        fc.array(fc.tuple(fc.constantFrom('seek', 'seekLT', 'first', 'last'), keyArb(), fc.nat(4)), { minLength: 1, maxLength: 15 }),
        async (specs, lower, upper, ops) => {
          const merged = modelMerge(specs.map(([es]) => es));
          const model = new Model();
          model.entries = merged.entries.filter(([k]) => inRange(k, lower, upper));
          const children = specs.map(([es, async]) => newArrayIterator(es, { async }));
          const inner = children.length === 1 ? children[0]! : newMergingIterator(children);
          const it = newRangeIterator(inner, lower, upper);
          for (const [t, k, steps] of ops) {
            switch (t) {
              case 'seek': await settle(it.seek(k)); expect(pos(it)).toEqual(entryPos(model.seek(k))); break;
              case 'seekLT': await settle(it.seekLT(k)); expect(pos(it)).toEqual(entryPos(model.seekLT(k))); break;
              case 'first': await settle(it.seekToFirst()); expect(pos(it)).toEqual(entryPos(model.first())); break;
              case 'last': await settle(it.seekToLast()); expect(pos(it)).toEqual(entryPos(model.last())); break;
            }
            if (t === 'seek' || t === 'first') {
              const start = it.valid() ? model.lowerBound(it.key()) : model.entries.length;
              expect(await drain(it, steps)).toEqual(model.entries.slice(start, start + steps).map((x) => entryPos(x)));
            }
          }
          await settle(it.seekToFirst());
          expect(await drain(it)).toEqual(model.entries.map((x) => entryPos(x)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

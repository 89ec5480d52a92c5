import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { newMergingIterator } from '../../src/lsm/iterator/merging-iterator.js';
import { newArrayIterator } from '../../src/lsm/iterator/array-iterator.js';
import { newFlatIterator } from '../../src/lsm/iterator/flat-iterator.js';
import { newMemtable } from '../../src/lsm/memtable/memtable.js';
import { isPromise } from '../../src/lsm/iterator/maybe-promise.js';
import type { KvIterator, MaybePromise } from '../../src/lsm/iterator/kv-iterator.js';
import { type Entry, drain, entryPos, keyArb, modelMerge, pos, settle, sortedEntriesArb } from './model.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const e = (k: string, v: string): Entry => [b(k), b(v)];

type Kind = 'sync' | 'async' | 'memtable' | 'flat';

function child(entries: Entry[], kind: Kind): KvIterator {
  switch (kind) {
    case 'sync': return newArrayIterator(entries);
    case 'async': return newArrayIterator(entries, { async: true });
    case 'memtable': {
      const mt = newMemtable({ chunkSize: 128 });
      for (const [k, v] of entries) mt.put(k, v);
      return mt.iterator();
    }
    case 'flat': {
      const mt = newMemtable();
      for (const [k, v] of entries) mt.put(k, v);
      return newFlatIterator(mt.exportSorted());
    }
  }
}

type Op =
  | { t: 'seek' | 'seekLT'; k: Uint8Array }
  | { t: 'first' | 'last' }
  | { t: 'next'; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constantFrom('seek' as const, 'seekLT' as const), k: keyArb() }),
  fc.record({ t: fc.constantFrom('first' as const, 'last' as const) }),
  fc.record({ t: fc.constant('next' as const), n: fc.integer({ min: 1, max: 5 }) }),
);

const kindArb = fc.constantFrom<Kind>('sync', 'async', 'memtable', 'flat');

describe('merging iterator', () => {
  it('merges with lower index winning on equal keys', async () => {
    const it = newMergingIterator([
      newArrayIterator([e('b', 'new'), e('d', 'new')]),
      newArrayIterator([e('a', 'old'), e('b', 'old'), e('c', 'old'), e('d', 'old')], { async: true }),
      newArrayIterator([e('b', 'oldest'), e('e', 'oldest')]),
    ]);
    await settle(it.seekToFirst());
    expect((await drain(it)).map(([k, v]) => Buffer.from(k, 'hex') + '=' + Buffer.from(v, 'hex'))).toEqual([
      'a=old', 'b=new', 'c=old', 'd=new', 'e=oldest',
    ]);
    await settle(it.seekLT(b('d')));
    expect(Buffer.from(it.key()).toString()).toBe('c');
    await settle(it.seekToLast());
    expect(Buffer.from(it.value()).toString()).toBe('oldest');
    await settle(it.seekLT(b('e')));
    expect(Buffer.from(it.value()).toString()).toBe('new'); // 'd' in children 0 and 1: child 0 wins
  });

  it('is synchronous when every child is', () => {
    const it = newMergingIterator([
      newArrayIterator([e('a', '1'), e('c', '1')]),
      newArrayIterator([e('a', '2'), e('b', '2')]),
    ]);
    expect(it.seekToFirst()).toBeUndefined();
    const seen: string[] = [];
    while (it.valid()) {
      seen.push(Buffer.from(it.key()).toString() + Buffer.from(it.value()).toString());
      expect(it.next()).toBeUndefined();
    }
    expect(seen).toEqual(['a1', 'b2', 'c1']);
    expect(it.seekLT(b('c'))).toBeUndefined();
    expect(it.seekToLast()).toBeUndefined();
  });

  it('returns a Promise when a child did, and is invalid while pending', async () => {
    const it = newMergingIterator([newArrayIterator([e('a', '1')]), newArrayIterator([e('b', '2')], { async: true })]);
    const r = it.seekToFirst();
    expect(isPromise(r)).toBe(true);
    expect(it.valid()).toBe(false);
    await r;
    expect(Buffer.from(it.key()).toString()).toBe('a');
    expect(it.next()).toBeUndefined(); // the advanced child (index 0) is sync
    expect(Buffer.from(it.key()).toString()).toBe('b');
    const r2 = it.next();
    expect(isPromise(r2)).toBe(true);
    await r2;
    expect(it.valid()).toBe(false);
  });

  it('handles no children and empty children', async () => {
    const none = newMergingIterator([]);
    expect(none.seekToFirst()).toBeUndefined();
    expect(none.valid()).toBe(false);
    none.seekLT(b('z'));
    expect(none.valid()).toBe(false);
    const empties = newMergingIterator([newArrayIterator([]), newArrayIterator([], { async: true })]);
    await settle(empties.seek(b('')));
    expect(empties.valid()).toBe(false);
  });

  it('supports next() after seekLT by continuing forward', async () => {
    const it = newMergingIterator([newArrayIterator([e('a', '0'), e('c', '0')]), newArrayIterator([e('b', '1'), e('c', '1')], { async: true })]);
    await settle(it.seekLT(b('c')));
    expect(Buffer.from(it.key()).toString()).toBe('b');
    await settle(it.next());
    expect(pos(it)).toEqual([b('c').toString('hex'), b('0').toString('hex')]);
  });

  it('propagates a failing child and waits for the others to settle', async () => {
    const boom = new Error('block read failed');
    let failNext = false;
    const failing: KvIterator = {
      seek: (): MaybePromise<void> => Promise.reject(boom),
      seekToFirst: (): MaybePromise<void> => { failNext = true; },
      seekLT: (): MaybePromise<void> => { throw boom; },
      seekToLast: (): MaybePromise<void> => undefined,
      next: (): MaybePromise<void> => (failNext ? Promise.reject(boom) : undefined),
      valid: () => true,
      key: () => b('a'),
      value: () => b('x'),
      close: () => undefined,
    };
    const other = newArrayIterator([e('a', 'y'), e('b', 'y')], { async: true });
    const it = newMergingIterator([failing, other]);
    await expect(it.seek(b('a'))).rejects.toBe(boom);
    expect(it.valid()).toBe(false);
    // The async sibling was awaited: it accepts a new call (it throws if still pending).
    expect(other.valid()).toBe(true);
    // A synchronous throw while a sibling is in flight becomes a rejection once it settles.
    await expect(it.seekLT(b('b'))).rejects.toBe(boom);
    expect(it.valid()).toBe(false);
    expect(other.valid()).toBe(true);
    // With only synchronous children, the throw is synchronous.
    const syncOnly = newMergingIterator([newArrayIterator([e('a', '')]), failing]);
    expect(() => syncOnly.seekLT(b('b'))).toThrow(boom);
    expect(syncOnly.valid()).toBe(false);
    await settle(it.seekToFirst()); // failing child at 'a' wins over other's 'a' → dedupe advances `other`
    expect(Buffer.from(it.value()).toString()).toBe('x');
    await expect(it.next()).rejects.toBe(boom);
    expect(it.valid()).toBe(false);
  });

  it('equals the lower-index-wins model merge (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(sortedEntriesArb(), kindArb), { minLength: 0, maxLength: 6 }),
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        async (specs, ops) => {
          const model = modelMerge(specs.map(([es]) => es));
          const it = newMergingIterator(specs.map(([es, kind]) => child(es, kind)));
          const allSync = specs.every(([, kind]) => kind !== 'async');
          const run = async (r: MaybePromise<void>): Promise<void> => {
            if (allSync) expect(isPromise(r)).toBe(false);
            await settle(r);
          };
          for (const op of ops) {
            switch (op.t) {
              case 'seek': await run(it.seek(op.k)); expect(pos(it)).toEqual(entryPos(model.seek(op.k))); break;
              case 'seekLT': await run(it.seekLT(op.k)); expect(pos(it)).toEqual(entryPos(model.seekLT(op.k))); break;
              case 'first': await run(it.seekToFirst()); expect(pos(it)).toEqual(entryPos(model.first())); break;
              case 'last': await run(it.seekToLast()); expect(pos(it)).toEqual(entryPos(model.last())); break;
              case 'next':
                for (let i = 0; i < op.n && it.valid(); i++) {
                  const cur = Uint8Array.from(it.key());
                  await run(it.next());
                  expect(pos(it)).toEqual(entryPos(model.after(cur)));
                }
                break;
            }
          }
          await run(it.seekToFirst());
          expect(await drain(it)).toEqual(model.entries.map((x) => entryPos(x)));
          it.close();
        },
      ),
      { numRuns: 300 },
    );
  });
});

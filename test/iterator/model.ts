/**
 * Test helpers: a deliberately naive sorted-array model of a key/value
 * stream, and fast-check arbitraries for keys that stress byte ordering
 * (short keys, shared prefixes, 0x00/0x7f/0x80/0xff bytes).
 */
import fc from 'fast-check';
import { compareBytes } from '../../src/base/bytes.js';
import type { KvIterator, MaybePromise } from '../../src/lsm/iterator/kv-iterator.js';
import { isPromise } from '../../src/lsm/iterator/maybe-promise.js';

export type Entry = [Uint8Array, Uint8Array];

export function hex(b: Uint8Array | undefined): string | undefined {
  return b === undefined ? undefined : Buffer.from(b).toString('hex');
}

/** A sorted list of unique keys; put replaces. O(n) per operation on purpose. */
export class Model {
  entries: Entry[] = [];

  put(k: Uint8Array, v: Uint8Array): void {
    const i = this.lowerBound(k);
    const e: Entry = [Uint8Array.from(k), Uint8Array.from(v)];
    if (i < this.entries.length && compareBytes(this.entries[i]![0], k) === 0) this.entries[i] = e;
    else this.entries.splice(i, 0, e);
  }

  lowerBound(k: Uint8Array): number {
    let i = 0;
    while (i < this.entries.length && compareBytes(this.entries[i]![0], k) < 0) i++;
    return i;
  }

  /** First entry with key >= k. */
  seek(k: Uint8Array): Entry | undefined { return this.entries[this.lowerBound(k)]; }
  /** Greatest entry with key < k. */
  seekLT(k: Uint8Array): Entry | undefined {
    const i = this.lowerBound(k);
    return i > 0 ? this.entries[i - 1] : undefined;
  }
  /** First entry with key > k. */
  after(k: Uint8Array): Entry | undefined {
    return this.entries.find((e) => compareBytes(e[0], k) > 0);
  }
  first(): Entry | undefined { return this.entries[0]; }
  last(): Entry | undefined { return this.entries[this.entries.length - 1]; }
}

/** Merge of sorted entry lists where the lower list index wins on equal keys. */
export function modelMerge(lists: Entry[][]): Model {
  const m = new Model();
  for (let i = lists.length - 1; i >= 0; i--) for (const [k, v] of lists[i]!) m.put(k, v);
  return m;
}

export const byteArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0x00, 0x01, 0x61, 0x7f, 0x80, 0xff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

const PREFIXES = [[], [0x61], [0x61, 0x62, 0x63], [0x61, 0x62, 0x63, 0x64], [0x61, 0x62, 0x63, 0x64, 0x80], [0xff, 0xff, 0xff, 0xff]];

/**
 * Keys up to maxLen (+5) bytes from a small alphabet, often behind a shared
 * prefix, so duplicates, prefixes and equal 4-byte heads are common.
 */
export function keyArb(maxLen = 6): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.array(byteArb, { minLength: 0, maxLength: maxLen }).map((a) => Uint8Array.from(a)),
    fc.tuple(fc.constantFrom(...PREFIXES), fc.array(byteArb, { maxLength: 3 })).map(([p, a]) => Uint8Array.from([...p, ...a])),
  );
}

export const valueArb = fc.uint8Array({ minLength: 0, maxLength: 40 });

/** Sorted, unique entries. */
export function sortedEntriesArb(maxLen = 30): fc.Arbitrary<Entry[]> {
  return fc.array(fc.tuple(keyArb(), valueArb), { maxLength: maxLen }).map((pairs) => {
    const m = new Model();
    for (const [k, v] of pairs) m.put(k, v);
    return m.entries;
  });
}

export async function settle(r: MaybePromise<void>): Promise<void> {
  if (isPromise(r)) await r;
}

/** Position of an iterator as comparable data. */
export function pos(it: KvIterator): [string, string] | undefined {
  return it.valid() ? [hex(it.key())!, hex(it.value())!] : undefined;
}

export function entryPos(e: Entry | undefined): [string, string] | undefined {
  return e === undefined ? undefined : [hex(e[0])!, hex(e[1])!];
}

/** Reads forward from the current position to the end. */
export async function drain(it: KvIterator, limit = Infinity): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  while (it.valid() && out.length < limit) {
    out.push(pos(it)!);
    await settle(it.next());
  }
  return out;
}

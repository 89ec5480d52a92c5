/**
 * A tablet version: the immutable set of sources a read sees — memtables
 * (active first, then frozen ones, newest first) and SSTables, each maybe
 * restricted to a key range (split children share their parent's files).
 * Reads take the current version at their start and keep it to the end, so
 * flushes and compactions never change what a running scan sees.
 */
import { compareBytes } from '../base/bytes.js';
import type { Memtable } from '../lsm/memtable/memtable.js';
import type { SstableReader } from '../lsm/sstable/sstable-reader.js';
import type { KvIterator } from '../lsm/iterator/kv-iterator.js';
import type { SstableRef } from '../lsm/manifest/manifest.js';
import { newRangeIterator } from '../lsm/iterator/range-iterator.js';
import { newMergingIterator } from '../lsm/iterator/merging-iterator.js';
import { bloomHash } from '../lsm/sstable/bloom-filter.js';

export interface TableSource {
  ref: SstableRef;
  reader: SstableReader;
}

export interface TabletVersion {
  memtables: Memtable[];
  tables: TableSource[];
}

/**
 * A merging iterator over the sources that may hold keys in [lower, upper).
 * With `bloomKey`, tables whose bloom filter rules the key out are skipped
 * (point reads).
 */
export function versionIterator(
  v: TabletVersion, lower: Uint8Array | undefined, upper: Uint8Array | undefined, bloomKey?: Uint8Array,
): KvIterator {
  const children: KvIterator[] = [];
  for (const m of v.memtables) if (m.count > 0) children.push(m.iterator());
  // The tables whose key range meets [lower, upper) first, then their bloom filters in a loop of
  // their own: each probe is a cache miss, and with nothing else between them the CPU has several
  // in flight at once.
  const inRange = candidates;
  let n = 0;
  for (const t of v.tables) {
    const p = t.reader.properties;
    if (p.entryCount === 0) continue;
    const lo = maxKey(lower, t.ref.start);
    const hi = minKey(upper, t.ref.end);
    if (hi && compareBytes(p.smallestKey, hi) >= 0) continue;
    if (lo && compareBytes(p.largestKey, lo) < 0) continue;
    if (lo && hi && compareBytes(lo, hi) >= 0) continue;
    inRange[n++] = t;
  }
  const found = n;
  if (bloomKey && n > 0) {
    const hash = bloomHash(bloomKey);
    let kept = 0;
    for (let i = 0; i < n; i++) if (inRange[i]!.reader.mayContainHash(hash)) inRange[kept++] = inRange[i]!;
    n = kept;
  }
  for (let i = 0; i < n; i++) {
    const t = inRange[i]!;
    const it = t.reader.iterator();
    children.push(t.ref.start || t.ref.end ? newRangeIterator(it, t.ref.start, t.ref.end) : it);
  }
  inRange.fill(undefined, 0, found);
  return children.length === 1 ? children[0]! : newMergingIterator(children);
}

/** versionIterator's scratch list (it is synchronous); cleared after each use so it holds no table. */
const candidates: (TableSource | undefined)[] = [];

function maxKey(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (!a) return b;
  if (!b) return a;
  return compareBytes(a, b) >= 0 ? a : b;
}

function minKey(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (!a) return b;
  if (!b) return a;
  return compareBytes(a, b) <= 0 ? a : b;
}

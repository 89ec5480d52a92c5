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
import { bloomHash, type BloomHash } from '../lsm/sstable/bloom-filter.js';

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
  let hash: BloomHash | undefined; // computed once, only if some table needs it
  for (const m of v.memtables) if (m.count > 0) children.push(m.iterator());
  for (const t of v.tables) {
    const p = t.reader.properties;
    if (p.entryCount === 0) continue;
    const lo = maxKey(lower, t.ref.start);
    const hi = minKey(upper, t.ref.end);
    if (hi && compareBytes(p.smallestKey, hi) >= 0) continue;
    if (lo && compareBytes(p.largestKey, lo) < 0) continue;
    if (lo && hi && compareBytes(lo, hi) >= 0) continue;
    if (bloomKey && !t.reader.mayContainHash((hash ??= bloomHash(bloomKey)))) continue;
    const it = t.reader.iterator();
    children.push(t.ref.start || t.ref.end ? newRangeIterator(it, t.ref.start, t.ref.end) : it);
  }
  return children.length === 1 ? children[0]! : newMergingIterator(children);
}

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

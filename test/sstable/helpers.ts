/** Shared helpers for SSTable tests. */
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { newBlockCache, type BlockCache } from '../../src/lsm/cache/block-cache.js';
import { newSstableBuilder, type SstableBuilderOptions } from '../../src/lsm/sstable/sstable-builder.js';
import { openSstable, type SstableReader } from '../../src/lsm/sstable/sstable-reader.js';
import { compareBytes } from '../../src/base/bytes.js';

export type Entry = [Uint8Array, Uint8Array];

/** Sorts by key and drops duplicate keys (keeps the first). */
export function sortedUnique(entries: Entry[]): Entry[] {
  const s = [...entries].sort((a, b) => compareBytes(a[0], b[0]));
  return s.filter((e, i) => i === 0 || compareBytes(s[i - 1]![0], e[0]) !== 0);
}

export function buildBytes(entries: Entry[], opts?: SstableBuilderOptions, seq = { minSeq: 1, maxSeq: 10 }): Uint8Array {
  const b = newSstableBuilder(opts);
  for (const [k, v] of entries) b.add(k, v);
  return b.finish(seq);
}

export async function buildTable(
  entries: Entry[],
  opts?: SstableBuilderOptions,
  cache: BlockCache = newBlockCache(64 << 20),
  name = 'sst/000001.sst',
): Promise<{ storage: MemoryStorage; reader: SstableReader; cache: BlockCache; bytes: Uint8Array }> {
  const storage = new MemoryStorage();
  const bytes = buildBytes(entries, opts);
  await storage.writeFile(name, bytes);
  const reader = await openSstable(storage, name, cache);
  return { storage, reader, cache, bytes };
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Key with a zero-padded decimal number, e.g. k(7) = "key000007". */
export function k(i: number): Buffer {
  return Buffer.from(`key${String(i).padStart(6, '0')}`);
}

import { describe, it, expect } from 'vitest';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { openSstable } from '../../src/lsm/sstable/sstable-reader.js';
import { isPromise } from '../../src/lsm/iterator/maybe-promise.js';
import { UnavailableError } from '../../src/base/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { ReadableFile, Storage } from '../../src/storage/storage.js';
import { buildBytes, buildTable, k, type Entry } from './helpers.js';

const N = 2000;
const entries: Entry[] = Array.from({ length: N }, (_, i) => [k(i), Buffer.from(`value-${i}-`.repeat(3))]);
const opts = { blockSize: 512, restartInterval: 8 };

/** Storage that counts block reads. */
function countingStorage(inner: MemoryStorage): { storage: Storage; reads: () => number } {
  let reads = 0;
  const storage: Storage = Object.create(inner) as Storage;
  storage.open = async (name: string): Promise<ReadableFile> => {
    const f = await inner.open(name);
    return { ...f, name: f.name, size: f.size, read: (o: number, l: number) => { reads++; return f.read(o, l); }, close: () => f.close() };
  };
  return { storage, reads: () => reads };
}

describe('sstable iterator and the block cache', () => {
  it('works with cache misses (tiny and zero-capacity caches): positioning returns promises', async () => {
    for (const capacity of [0, 600]) {
      const { reader, cache } = await buildTable(entries, opts, newBlockCache(capacity));
      expect(reader.properties.blockCount).toBeGreaterThan(20);
      const it = reader.iterator();
      let promises = 0;
      let n = 0;
      let r = it.seekToFirst();
      for (;;) {
        if (isPromise(r)) { promises++; await r; }
        if (!it.valid()) break;
        expect(Buffer.from(it.key()).equals(entries[n]![0])).toBe(true);
        n++;
        r = it.next();
      }
      expect(n).toBe(N);
      // One fetch per block: every block transition missed the cache.
      expect(promises).toBe(reader.properties.blockCount);
      expect(cache.stats().bytes).toBeLessThanOrEqual(capacity);
      const s = await it.seek(k(1234));
      expect(s).toBeUndefined();
      expect(Buffer.from(it.key()).toString()).toBe('key001234');
    }
  });

  it('with a pre-warmed cache every positioning call is synchronous', async () => {
    const { reader, cache } = await buildTable(entries, opts, newBlockCache(1 << 20));
    const warm = reader.iterator();
    for (await warm.seekToFirst(); warm.valid(); await warm.next());
    const before = cache.stats();

    const it = reader.iterator();
    expect(it.seekToFirst()).toBeUndefined();
    let n = 0;
    while (it.valid()) {
      n++;
      expect(it.next()).toBeUndefined();
    }
    expect(n).toBe(N);
    for (let i = 0; i < 300; i++) {
      const j = (i * 7919) % N;
      expect(it.seek(k(j))).toBeUndefined();
      expect(Buffer.from(it.key()).equals(k(j))).toBe(true);
      expect(it.seekLT(k(j))).toBeUndefined();
      expect(it.valid()).toBe(j > 0);
      if (j > 0) expect(Buffer.from(it.key()).equals(k(j - 1))).toBe(true);
    }
    expect(it.seekToLast()).toBeUndefined();
    expect(Buffer.from(it.key()).equals(k(N - 1))).toBe(true);
    const after = cache.stats();
    expect(after.misses).toBe(before.misses);
    expect(after.hits).toBeGreaterThan(before.hits);
  });

  it('blocks are verified once and shared: concurrent misses on one block issue one read', async () => {
    const mem = new MemoryStorage();
    await mem.writeFile('a.sst', buildBytes(entries, opts));
    const { storage, reads } = countingStorage(mem);
    const reader = await openSstable(storage, 'a.sst', newBlockCache(1 << 20));
    const afterOpen = reads();
    const its = [reader.iterator(), reader.iterator(), reader.iterator()];
    const rs = its.map((it) => it.seek(k(500)));
    expect(rs.every(isPromise)).toBe(true);
    await Promise.all(rs);
    for (const it of its) expect(Buffer.from(it.key()).equals(k(500))).toBe(true);
    expect(reads() - afterOpen).toBe(1);
    // Opening reads the footer and the metadata region: two reads.
    expect(afterOpen).toBe(2);
  });

  it('after close, fetching a new block fails with UnavailableError', async () => {
    const { reader } = await buildTable(entries, opts, newBlockCache(0));
    const it = reader.iterator();
    await it.seekToFirst();
    await reader.close();
    await expect(Promise.resolve(it.seek(k(1500)))).rejects.toBeInstanceOf(UnavailableError);
    expect(it.valid()).toBe(false);
  });
});

/** A full scan of `reader` returns every entry without waiting on a read (every block cached). */
function expectScanFromCache(reader: { iterator(): ReturnType<Awaited<ReturnType<typeof openSstable>>['iterator']> }): void {
  const it = reader.iterator();
  let n = 0;
  for (let r = it.seekToFirst(); it.valid(); r = it.next()) {
    expect(isPromise(r)).toBe(false);
    expect(Buffer.from(it.value()).equals(entries[n]![1])).toBe(true);
    n++;
  }
  expect(n).toBe(N);
}

describe('adoptImage (a flush\'s own bytes serve its blocks)', () => {
  it('blocks missing from the cache are copied from the image, never read from storage; the copies outlive the image', async () => {
    const bytes = Buffer.from(buildBytes(entries, opts));
    const mem = new MemoryStorage();
    await mem.writeFile('sst/w.sst', bytes);
    const { storage, reads } = countingStorage(mem);
    const cache = newBlockCache(64 << 20);
    const reader = await openSstable(storage, 'sst/w.sst', cache);
    let released = 0;
    reader.adoptImage(bytes, () => released++);
    expect(reader.imageBytes).toBe(bytes.length);
    // Nothing is copied until read.
    expect(cache.stats().entries).toBe(0);
    const before = reads();
    expectScanFromCache(reader);
    expect(reads() - before).toBe(0);
    expect(cache.stats().entries).toBe(reader.properties.blockCount);
    reader.dropImage();
    reader.dropImage();
    expect(released).toBe(1);
    expect(reader.imageBytes).toBe(0);
    // The cached blocks are copies: the released buffer may be reused at once.
    bytes.fill(0);
    expectScanFromCache(reader);
    expect(reads() - before).toBe(0);
  });

  it('after dropImage, misses read and verify from storage; an image of the wrong size is released at once', async () => {
    const bytes = buildBytes(entries, opts);
    const mem = new MemoryStorage();
    await mem.writeFile('sst/w2.sst', bytes);
    const { storage, reads } = countingStorage(mem);
    const reader = await openSstable(storage, 'sst/w2.sst', newBlockCache(64 << 20));
    let released = 0;
    reader.adoptImage(bytes.subarray(0, bytes.length - 1), () => released++);
    expect(released).toBe(1);
    expect(reader.imageBytes).toBe(0);
    const before = reads();
    const it = reader.iterator();
    const r = it.seekToFirst();
    expect(isPromise(r)).toBe(true);
    await r;
    expect(reads() - before).toBe(1);
    it.close();
  });

  it('closing the reader releases its image once', async () => {
    const bytes = buildBytes(entries, opts);
    const mem = new MemoryStorage();
    await mem.writeFile('sst/w3.sst', bytes);
    const reader = await openSstable(mem, 'sst/w3.sst', newBlockCache(64 << 20));
    let released = 0;
    reader.adoptImage(bytes, () => released++);
    await reader.close();
    reader.dropImage();
    expect(released).toBe(1);
    // A closed reader takes no image.
    reader.adoptImage(bytes, () => released++);
    expect(released).toBe(2);
    expect(reader.imageBytes).toBe(0);
  });
});

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

describe('warmCache (prepopulating the cache after a flush)', () => {
  it('caches every data block with one read; a full scan then reads nothing and never waits', async () => {
    const mem = new MemoryStorage();
    await mem.writeFile('sst/w.sst', buildBytes(entries, opts));
    const { storage, reads } = countingStorage(mem);
    const cache = newBlockCache(64 << 20);
    const reader = await openSstable(storage, 'sst/w.sst', cache);
    const before = reads();
    expect(await reader.warmCache()).toBe(reader.properties.blockCount);
    expect(reads() - before).toBe(1);
    expect(cache.stats().entries).toBe(reader.properties.blockCount);
    expectScanFromCache(reader);
    expect(reads() - before).toBe(1);
    expect(cache.stats().misses).toBe(0);
  });

  it('given the writer\'s copy of the file, warms without reading it back; a copy of the wrong size is ignored', async () => {
    const bytes = buildBytes(entries, opts);
    const mem = new MemoryStorage();
    await mem.writeFile('sst/w2.sst', bytes);
    const { storage, reads } = countingStorage(mem);
    const cache = newBlockCache(64 << 20);
    const reader = await openSstable(storage, 'sst/w2.sst', cache);
    const before = reads();
    expect(await reader.warmCache(bytes)).toBe(reader.properties.blockCount);
    expect(reads() - before).toBe(0);
    expectScanFromCache(reader);
    expect(reads() - before).toBe(0);
    const other = newBlockCache(64 << 20);
    const r2 = await openSstable(storage, 'sst/w2.sst', other);
    const opened = reads();
    expect(await r2.warmCache(bytes.subarray(0, bytes.length - 1))).toBe(r2.properties.blockCount);
    expect(reads() - opened).toBe(1);
    // The cached blocks are copies: the writer may reuse its buffer at once.
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).fill(0);
    expectScanFromCache(reader);
  });

  it('a corrupt data block fails the warm-up naming the file, and is not cached', async () => {
    const storage = new MemoryStorage();
    const cache = newBlockCache(64 << 20);
    const flipped = Buffer.from(buildBytes(entries, opts));
    flipped[700] ^= 0xff; // inside the second 512-byte data block
    await storage.writeFile('sst/c2.sst', flipped);
    const bad = await openSstable(storage, 'sst/c2.sst', cache);
    await expect(bad.warmCache()).rejects.toThrow(/sst\/c2\.sst/);
    const it = bad.iterator();
    // The first block was verified and cached; reading on into the flipped one fails, never returns wrong data.
    let r = it.seekToFirst();
    if (isPromise(r)) await r;
    let failed = false;
    try {
      while (it.valid()) { r = it.next(); if (isPromise(r)) await r; }
    } catch (e) {
      failed = true;
      expect(String(e)).toMatch(/sst\/c2\.sst/);
    }
    expect(failed).toBe(true);
  });
});

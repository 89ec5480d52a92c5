import { describe, it, expect } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { newManifestStore } from '../../src/lsm/manifest/manifest-store.js';
import { encodeManifest } from '../../src/lsm/manifest/manifest-codec.js';
import { manifestFileName } from '../../src/lsm/manifest/manifest-name.js';
import { CorruptionError, FencedError, InvalidArgumentError } from '../../src/base/errors.js';

const DIR = 'tablets/t1';
const content = (i: number) => ({
  epoch: 1,
  flushedSeq: i,
  sstables: [{ file: `sst/${i}.sst` }],
  meta: { table: 'users', n: i },
});

describe('ManifestStore', () => {
  it('load of an empty dir is undefined', async () => {
    expect(await newManifestStore(new MemoryStorage(), DIR).load()).toBeUndefined();
  });

  it('round-trips all fields, including byte keys', async () => {
    const st = newManifestStore(new MemoryStorage(), DIR);
    const start = Buffer.from([0x00, 0xff, 0x80, 0x7f]);
    const end = Buffer.from([0xff, 0xff, 0x00]);
    const w = await st.write({
      epoch: 5, flushedSeq: 123456,
      sstables: [{ file: 'sst/b.sst', start, end }, { file: 'sst/a.sst', start: new Uint8Array(0) }, { file: 'sst/c.sst', end }],
      meta: { table: 'users', schema: { families: ['cf', 'x'] }, nested: [1, 'two', null] },
    });
    expect(w.version).toBe(1);
    const m = (await st.load())!;
    expect(m.version).toBe(1);
    expect(m.epoch).toBe(5);
    expect(m.flushedSeq).toBe(123456);
    expect(m.meta).toEqual({ table: 'users', schema: { families: ['cf', 'x'] }, nested: [1, 'two', null] });
    expect(m.sstables.map((r) => r.file)).toEqual(['sst/b.sst', 'sst/a.sst', 'sst/c.sst']);
    expect(Buffer.from(m.sstables[0]!.start!).equals(start)).toBe(true);
    expect(Buffer.from(m.sstables[0]!.end!).equals(end)).toBe(true);
    expect(m.sstables[1]!.start!.length).toBe(0);
    expect(m.sstables[1]!.end).toBeUndefined();
    expect(m.sstables[2]!.start).toBeUndefined();
    expect(Buffer.from(m.sstables[2]!.end!).equals(end)).toBe(true);
  });

  it('versions increase by one and the newest wins; a fresh store instance sees the same', async () => {
    const mem = new MemoryStorage();
    const st = newManifestStore(mem, DIR);
    for (let i = 1; i <= 10; i++) {
      const w = await st.write(content(i));
      expect(w.version).toBe(i);
      expect((await st.load())!.flushedSeq).toBe(i);
    }
    const again = (await newManifestStore(mem, DIR).load())!;
    expect(again.version).toBe(10);
    expect(again.meta).toEqual({ table: 'users', n: 10 });
  });

  it('directories do not see each other (t1 vs t10)', async () => {
    const mem = new MemoryStorage();
    await newManifestStore(mem, 'tablets/t1').write(content(1));
    await newManifestStore(mem, 'tablets/t10').write({ ...content(2), epoch: 9 });
    expect((await newManifestStore(mem, 'tablets/t1').load())!.epoch).toBe(1);
    await newManifestStore(mem, 'tablets/t1').write(content(3)); // not fenced by t10's epoch 9
  });

  it('prunes versions older than the last `keep`', async () => {
    const mem = new MemoryStorage();
    const st = newManifestStore(mem, DIR);
    for (let i = 1; i <= 6; i++) await st.write(content(i));
    expect(await mem.list(`${DIR}/`)).toEqual([4, 5, 6].map((v) => manifestFileName(DIR, v)));
    const st1 = newManifestStore(mem, DIR, { keep: 1 });
    await st1.write(content(7));
    expect(await mem.list(`${DIR}/`)).toEqual([manifestFileName(DIR, 7)]);
    expect(() => newManifestStore(mem, DIR, { keep: 0 })).toThrow(InvalidArgumentError);
  });

  it('skips a torn newest version (garbage written with writeIfAbsent) and writes past it', async () => {
    const mem = new MemoryStorage();
    const st = newManifestStore(mem, DIR);
    await st.write(content(1));
    await st.write(content(2));
    await mem.writeIfAbsent(manifestFileName(DIR, 3), Buffer.from('garbage, not a manifest'));
    expect((await st.load())!.version).toBe(2);
    const w = await st.write(content(4));
    expect(w.version).toBe(4);
    expect((await st.load())!.flushedSeq).toBe(4);
  });

  it('skips a newest version truncated mid-write', async () => {
    const mem = new MemoryStorage();
    const st = newManifestStore(mem, DIR);
    await st.write(content(1));
    const full = encodeManifest({ ...content(2), version: 2 });
    for (const len of [0, 5, 12, full.length - 1]) {
      await mem.delete(manifestFileName(DIR, 2));
      await mem.writeIfAbsent(manifestFileName(DIR, 2), full.subarray(0, len));
      expect((await st.load())!.version).toBe(1);
    }
  });

  it('skips a newest version with a flipped byte (via MemoryStorage.raw)', async () => {
    const mem = new MemoryStorage();
    const st = newManifestStore(mem, DIR);
    await st.write(content(1));
    await st.write(content(2));
    const raw = mem.raw(manifestFileName(DIR, 2));
    raw[raw.length - 6] = raw[raw.length - 6]! ^ 0xff;
    expect((await st.load())!.version).toBe(1);
  });

  it('a damaged older version (under a torn newest) is CorruptionError', async () => {
    const mem = new MemoryStorage();
    const st = newManifestStore(mem, DIR);
    await st.write(content(1));
    await st.write(content(2));
    await mem.writeIfAbsent(manifestFileName(DIR, 3), Buffer.from('torn'));
    const raw = mem.raw(manifestFileName(DIR, 2));
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    await expect(st.load()).rejects.toThrow(CorruptionError);
    await expect(st.write(content(4))).rejects.toThrow(CorruptionError);
  });

  it('refuses an unknown format version even in the newest file', async () => {
    const mem = new MemoryStorage();
    const st = newManifestStore(mem, DIR);
    await st.write(content(1));
    await st.write(content(2));
    mem.raw(manifestFileName(DIR, 2)).writeUInt32LE(99, 4);
    await expect(st.load()).rejects.toThrow(CorruptionError);
    await expect(st.load()).rejects.toThrow(manifestFileName(DIR, 2));
  });

  it('fences a stale epoch after a claim', async () => {
    const mem = new MemoryStorage();
    const old = newManifestStore(mem, DIR);
    const fresh = newManifestStore(mem, DIR);
    await old.write({ ...content(1), epoch: 1 });
    await old.write({ ...content(2), epoch: 1 });
    const c = await fresh.claim(2);
    expect(c).toMatchObject({ version: 3, epoch: 2, flushedSeq: 2, meta: { table: 'users', n: 2 } });
    expect(c.sstables).toEqual([{ file: 'sst/2.sst' }]);
    await expect(old.write({ ...content(3), epoch: 1 })).rejects.toThrow(FencedError);
    await expect(old.claim(1)).rejects.toThrow(FencedError);
    expect((await fresh.load())!.version).toBe(3);
    const w = await fresh.write({ ...content(4), epoch: 2 });
    expect(w.version).toBe(4);
    // a still newer owner fences epoch 2
    await newManifestStore(mem, DIR).claim(3);
    await expect(fresh.write({ ...content(5), epoch: 2 })).rejects.toThrow(FencedError);
  });

  it('a claim carries the tail over; a write without one drops it', async () => {
    const st = newManifestStore(new MemoryStorage(), DIR);
    const tail = { maxSeq: 12, entries: Buffer.from([1, 0x6b, 1, 0x76]) };
    await st.write({ ...content(3), tail });
    const claimed = await st.claim(2);
    expect(claimed.epoch).toBe(2);
    expect(claimed.tail!.maxSeq).toBe(12);
    expect(Buffer.from((await st.load())!.tail!.entries).equals(tail.entries)).toBe(true);
    await st.write({ ...content(12), epoch: 2 });
    expect((await st.load())!.tail).toBeUndefined();
  });

  it('claim of an empty dir writes an empty manifest', async () => {
    const st = newManifestStore(new MemoryStorage(), DIR);
    expect(await st.claim(7)).toEqual({ version: 1, epoch: 7, flushedSeq: 0, sstables: [], meta: {} });
  });

  it('write validates its input before touching storage', async () => {
    const mem = new MemoryStorage();
    const st = newManifestStore(mem, DIR);
    await expect(st.write({ ...content(1), epoch: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(st.write({ ...content(1), sstables: [{ file: '' }] })).rejects.toThrow(/sstables\[0\]\.file/);
    expect(await mem.list('')).toEqual([]);
    expect(() => newManifestStore(mem, 'tablets/t1/')).toThrow(InvalidArgumentError);
  });

  it('concurrent writes of one epoch all succeed with distinct versions', async () => {
    const mem = new MemoryStorage();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => newManifestStore(mem, DIR, { keep: 100 }).write(content(i))));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

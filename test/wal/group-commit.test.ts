import { describe, it, expect } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { LocalStorage } from '../../src/storage/local-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { openWal, replayWal, type Wal } from '../../src/lsm/wal/wal.js';
import { CountingStorage } from './counting-storage.js';

const DIR = 'wal/srv-1';

/** `writers` concurrent loops, each appending `perWriter` records one after another. Returns records/s. */
async function drive(wal: Wal, writers: number, perWriter: number, payload: Buffer, prefix = `w${writers}-`): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 1; i <= perWriter; i++) await wal.append(`${prefix}${w}`, i, i, payload);
    }),
  );
  return (writers * perWriter) / ((performance.now() - start) / 1000);
}

describe('WAL group commit', () => {
  it('appends issued together share one append and one sync', async () => {
    const storage = new CountingStorage(new MemoryStorage());
    const { wal } = await openWal({ storage, dir: DIR }, () => {});
    const before = { appends: storage.appends, syncs: storage.syncs };
    await Promise.all(Array.from({ length: 100 }, (_, i) => wal.append('t', i, i, Buffer.from(`r${i}`))));
    expect(storage.appends - before.appends).toBe(1);
    expect(storage.syncs - before.syncs).toBe(1);
    expect(wal.stats()).toMatchObject({ records: 100, lastGroupSize: 100, syncs: 2 });
    await wal.close();
  });

  it('a big group starts writing at once; small appends wait a microtask so those issued together share a group', async () => {
    const storage = new CountingStorage(new MemoryStorage());
    const { wal } = await openWal({ storage, dir: DIR, startBytes: 1024 }, () => {});
    const a0 = storage.appends;
    const small = wal.append('t', 1, 1, Buffer.alloc(100));
    expect(storage.appends).toBe(a0); // not yet: more may join this group
    await small;
    expect(storage.appends).toBe(a0 + 1);
    const big = wal.append('t', 2, 2, Buffer.alloc(2000));
    expect(storage.appends).toBe(a0 + 2); // written before append returned
    const next = [wal.append('t', 3, 3, Buffer.alloc(10)), wal.append('t', 4, 4, Buffer.alloc(5000))];
    expect(storage.appends).toBe(a0 + 2); // a group is in flight: these wait for it, together
    await Promise.all([big, ...next]);
    expect(storage.appends).toBe(a0 + 3);
    expect(wal.stats().lastGroupSize).toBe(2);
    await wal.close();
    const seqs: number[] = [];
    await replayWal(storage, DIR, (r) => seqs.push(r.firstSeq));
    expect(seqs).toEqual([1, 2, 3, 4]);
    await expect(openWal({ storage, dir: 'wal/x', startBytes: -1 }, () => {})).rejects.toThrow(/startBytes/);
  });

  it('appends resolve only after the sync that covers them', async () => {
    const storage = new CountingStorage(new MemoryStorage());
    storage.syncDelayMs = 10;
    const { wal } = await openWal({ storage, dir: DIR }, () => {});
    const syncsBefore = storage.syncs;
    let resolvedAtSyncs = -1;
    const p = wal.append('t', 1, 1, Buffer.from('x')).then(() => { resolvedAtSyncs = storage.syncs; });
    await new Promise((r) => setTimeout(r, 2));
    expect(storage.syncs).toBe(syncsBefore + 1); // sync started ...
    expect(resolvedAtSyncs).toBe(-1); // ... but not finished: not acknowledged yet
    await p;
    expect(resolvedAtSyncs).toBe(syncsBefore + 1);
    await wal.close();
  });

  it('64 concurrent writers need far fewer syncs than records, and reach far more records/s', async () => {
    const storage = new CountingStorage(new MemoryStorage());
    // Model fdatasync latency (≥ 1 ms here, ~0.14 ms on real disks).
    storage.syncDelayMs = 1;
    const { wal } = await openWal({ storage, dir: DIR }, () => {});
    const payload = Buffer.alloc(100, 1);
    const one = await drive(wal, 1, 100, payload);
    const s0 = storage.syncs;
    const many = await drive(wal, 64, 100, payload);
    const syncs = storage.syncs - s0;
    // In steady state each group holds about every writer's next record.
    expect(syncs).toBeLessThan(6400 / 16);
    expect(many).toBeGreaterThan(one * 10);
    await wal.close();
    let n = 0;
    await replayWal(storage, DIR, () => n++);
    expect(n).toBe(6500);
  });

  it('groups land in append order with a real directory (LocalStorage)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tabula-wal-'));
    try {
      const storage: Storage = new LocalStorage(root);
      const counting = new CountingStorage(storage);
      const { wal } = await openWal({ storage: counting, dir: DIR, segmentBytes: 64 * 1024 }, () => {});
      const payload = Buffer.alloc(64, 2);
      const one = await drive(wal, 1, 200, payload);
      const s0 = counting.syncs;
      const many = await drive(wal, 64, 100, payload);
      const syncs = counting.syncs - s0;
      expect(syncs).toBeLessThan(6400 / 8);
      expect(many).toBeGreaterThan(one * 3);
      expect(wal.stats().segments).toBeGreaterThan(1); // rotated
      await wal.close();
      // Per writer, records replay in append order.
      const last = new Map<string, number>();
      let n = 0;
      await openWal({ storage, dir: DIR }, (r) => {
        n++;
        expect(r.firstSeq).toBe((last.get(r.tabletId) ?? 0) + 1);
        last.set(r.tabletId, r.lastSeq);
      }).then(({ wal: w }) => w.close());
      expect(n).toBe(6600);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

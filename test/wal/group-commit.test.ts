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
    const { wal } = await openWal({ storage, dir: DIR, startBytes: 1024, groupsInFlight: 1 }, () => {});
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

  it('with two groups in flight, a big group is written beside the first; acknowledgements keep log order', async () => {
    const storage = new CountingStorage(new MemoryStorage());
    const { wal } = await openWal({ storage, dir: DIR, startBytes: 1024 }, () => {});
    const gates: Array<() => void> = [];
    storage.appendGate = () => new Promise((resolve) => gates.push(resolve));
    const a0 = storage.appends;
    const acked: number[] = [];
    const append = (seq: number, bytes: number) => wal.append('t', seq, seq, Buffer.alloc(bytes, seq)).then(() => { acked.push(seq); });
    const p1 = append(1, 2000);
    const p2 = append(2, 2000);
    expect(storage.appends).toBe(a0 + 2); // both written at once
    const small = append(3, 10);
    expect(storage.appends).toBe(a0 + 2); // two in flight: waits
    const p4 = append(4, 2000);
    expect(storage.appends).toBe(a0 + 2); // still two in flight
    await new Promise((r) => setTimeout(r, 5));
    expect(gates.length).toBe(2);
    gates[1]!(); // the second group finishes first ...
    await new Promise((r) => setTimeout(r, 5));
    expect(acked).toEqual([]); // ... but is not acknowledged before the first
    gates[0]!();
    await p2;
    expect(acked).toEqual([1, 2]);
    await new Promise((r) => setTimeout(r, 5));
    expect(storage.appends).toBe(a0 + 3); // records 3 and 4 went as one group
    expect(gates.length).toBe(3);
    gates[2]!();
    await Promise.all([p1, small, p4]);
    expect(acked).toEqual([1, 2, 3, 4]);
    storage.appendGate = undefined;
    await wal.close();
    const seqs: number[] = [];
    await replayWal(storage, DIR, (r) => seqs.push(r.firstSeq));
    expect(seqs).toEqual([1, 2, 3, 4]);
    await expect(openWal({ storage, dir: 'wal/y', groupsInFlight: 0 }, () => {})).rejects.toThrow(/groupsInFlight/);
  });

  it('a failed group fails the groups in flight beside it and every later append', async () => {
    const storage = new CountingStorage(new MemoryStorage());
    const { wal } = await openWal({ storage, dir: DIR, startBytes: 1024 }, () => {});
    const gates: Array<() => void> = [];
    storage.appendGate = () => new Promise((resolve) => gates.push(resolve));
    const ops = storage.appends + storage.syncs;
    storage.failLogOp = ops + 1; // the first group's append
    const p1 = wal.append('t', 1, 1, Buffer.alloc(2000));
    const p2 = wal.append('t', 2, 2, Buffer.alloc(2000));
    const r1 = expect(p1).rejects.toThrow(/injected failure/);
    const r2 = expect(p2).rejects.toThrow(/must be replayed/); // not acknowledged, though its write may land
    await r1;
    await r2;
    gates.forEach((g) => g());
    await expect(wal.append('t', 3, 3, Buffer.alloc(10))).rejects.toThrow(/must be replayed/);
    await wal.close();
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

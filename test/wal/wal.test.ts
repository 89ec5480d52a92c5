import { describe, it, expect } from 'vitest';
import { InvalidArgumentError, StorageError, UnavailableError } from '../../src/base/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { openWal, replayWal, type WalRecord } from '../../src/lsm/wal/wal.js';
import { CountingStorage } from './counting-storage.js';

const DIR = 'wal/srv-1';
const seg = (n: number) => `${DIR}/${String(n).padStart(16, '0')}.log`;

function collect(): { records: WalRecord[]; onRecord: (r: WalRecord) => void } {
  const records: WalRecord[] = [];
  return { records, onRecord: (r) => records.push({ ...r, payload: Buffer.from(r.payload) }) };
}

const simple = (r: WalRecord) => `${r.tabletId}:${r.firstSeq}-${r.lastSeq}:${Buffer.from(r.payload).toString()}`;

describe('WAL', () => {
  it('round-trips records across reopen, in order, and never appends to an old segment', async () => {
    const storage = new MemoryStorage();
    const first = await openWal({ storage, dir: DIR }, () => {});
    expect(first.report).toEqual({ segments: 0, records: 0, droppedBytes: 0 });
    const { wal } = first;
    const payload = Buffer.from('hello');
    const p1 = wal.append('t1', 1, 3, payload);
    payload.write('HELLO'); // the WAL copied it
    await Promise.all([p1, wal.append('t2', 1, 1, Buffer.alloc(0)), wal.append('tablet-ü', 4, 4, Buffer.from('x'))]);
    await wal.append('t1', 4, 9, Buffer.alloc(100_000, 7));
    expect(wal.stats().records).toBe(4);
    await wal.close();

    const c = collect();
    const second = await openWal({ storage, dir: DIR }, c.onRecord);
    expect(second.report).toEqual({ segments: 1, records: 4, droppedBytes: 0 });
    expect(c.records.slice(0, 3).map(simple)).toEqual(['t1:1-3:hello', 't2:1-1:', 'tablet-ü:4-4:x']);
    expect(c.records[3]!.payload).toEqual(Buffer.alloc(100_000, 7));
    expect(await storage.list(DIR + '/')).toEqual([seg(1), seg(2)]);
    await second.wal.append('t1', 10, 10, Buffer.from('y'));
    await second.wal.close();

    const c2 = collect();
    const report = await replayWal(storage, DIR, c2.onRecord, (t) => t === 't1');
    expect(report).toEqual({ segments: 2, records: 3, droppedBytes: 0 });
    expect(c2.records.map((r) => r.lastSeq)).toEqual([3, 9, 10]);
  });

  it('ignores files that are not segments', async () => {
    const storage = new MemoryStorage();
    await storage.writeFile(`${DIR}/notes.txt`, Buffer.from('hi'));
    await storage.writeFile(`${DIR}x/0000000000000001.log`, Buffer.from('other dir'));
    const { wal, report } = await openWal({ storage, dir: DIR }, () => {});
    expect(report.segments).toBe(0);
    await wal.close();
  });

  it('rejects bad arguments with InvalidArgumentError naming the field', async () => {
    const { wal } = await openWal({ storage: new MemoryStorage(), dir: DIR }, () => {});
    await expect(wal.append('', 1, 1, Buffer.alloc(0))).rejects.toThrow(/tabletId/);
    await expect(wal.append('t', 5, 4, Buffer.alloc(0))).rejects.toThrow(InvalidArgumentError);
    await expect(wal.append('t', -1, 4, Buffer.alloc(0))).rejects.toThrow(/firstSeq/);
    await expect(wal.append('t', 1.5, 4, Buffer.alloc(0))).rejects.toThrow(/firstSeq/);
    await wal.append('t', 0, 0, Buffer.alloc(0));
    await wal.close();
    await expect(openWal({ storage: new MemoryStorage(), dir: 'w/' }, () => {})).rejects.toThrow(/dir/);
    await expect(openWal({ storage: new MemoryStorage(), dir: 'w', segmentBytes: 4 }, () => {})).rejects.toThrow(/segmentBytes/);
  });

  it('a closed WAL rejects appends, but finishes the ones accepted before close', async () => {
    const storage = new CountingStorage(new MemoryStorage());
    storage.syncDelayMs = 5;
    const { wal } = await openWal({ storage, dir: DIR }, () => {});
    const accepted = [wal.append('t', 1, 1, Buffer.from('a')), wal.append('t', 2, 2, Buffer.from('b'))];
    const closed = wal.close();
    await expect(wal.append('t', 3, 3, Buffer.from('c'))).rejects.toThrow(UnavailableError);
    await Promise.all(accepted);
    await closed;
    await wal.close(); // idempotent
    await expect(wal.append('t', 3, 3, Buffer.from('c'))).rejects.toThrow(/closed/);
    await expect(wal.markFlushed('t', 3)).rejects.toThrow(UnavailableError);
    const c = collect();
    await replayWal(storage, DIR, c.onRecord);
    expect(c.records.map(simple)).toEqual(['t:1-1:a', 't:2-2:b']);
  });

  it('breaks after a storage failure: the group and every later append reject', async () => {
    const storage = new CountingStorage(new MemoryStorage());
    storage.syncDelayMs = 2;
    const { wal } = await openWal({ storage, dir: DIR }, () => {});
    await wal.append('t', 1, 1, Buffer.from('ok'));
    // log ops so far: header append, header sync, append, sync → fail the next sync.
    storage.failLogOp = 6;
    const a = wal.append('t', 2, 2, Buffer.from('lost?'));
    const b = wal.append('t', 3, 3, Buffer.from('lost?'));
    await expect(a).rejects.toThrow(StorageError);
    await expect(b).rejects.toThrow(StorageError);
    await expect(wal.append('t', 4, 4, Buffer.from('x'))).rejects.toThrow(/must be replayed/);
    await wal.close();
    // The acknowledged record survives; the failed group may or may not (it was never acknowledged).
    const c = collect();
    await replayWal(storage, DIR, c.onRecord);
    expect(c.records[0] && simple(c.records[0])).toBe('t:1-1:ok');
  });

  it('rotates between groups and deletes covered segments after markFlushed', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: DIR, segmentBytes: 1000 }, () => {});
    const big = Buffer.alloc(300, 1);
    // Sequential appends: one record per group. Each record is 8 + 1 + 1 + 1 + ~2 + 300 bytes.
    for (let s = 1; s <= 10; s++) await wal.append(s % 2 ? 'a' : 'b', s, s, big);
    // 3 records per segment (8 + 3 * 313 = 947 <= 1000): segments 1..4.
    expect(await storage.list(DIR + '/')).toEqual([seg(1), seg(2), seg(3), seg(4)]);
    for (const name of await storage.list(DIR + '/')) expect(storage.raw(name).length).toBeLessThanOrEqual(1000);
    expect(wal.stats().segments).toBe(4);
    // A group larger than segmentBytes goes whole into a fresh segment, never split.
    await wal.append('a', 11, 11, Buffer.alloc(2000));
    expect((await storage.list(DIR + '/')).length).toBe(5);

    // Segment 1 holds a:1,3 and b:2. Covering only a is not enough.
    await wal.markFlushed('a', 3);
    expect((await storage.list(DIR + '/'))[0]).toBe(seg(1));
    await wal.markFlushed('b', 2);
    expect(await storage.list(DIR + '/')).toEqual([seg(2), seg(3), seg(4), seg(5)]);
    // Everything covered: all but the active segment go.
    await wal.markFlushed('a', 100);
    await wal.markFlushed('b', 100);
    expect(await storage.list(DIR + '/')).toEqual([seg(5)]);
    expect(wal.stats()).toMatchObject({ segments: 1, records: 11, lastGroupSize: 1 });
    await wal.close();

    const c = collect();
    await replayWal(storage, DIR, c.onRecord);
    expect(c.records.map((r) => r.lastSeq)).toEqual([11]);
  });

  it('forgetTablet releases segments held only by that tablet; the active segment stays', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: DIR, segmentBytes: 200 }, () => {});
    for (let s = 1; s <= 6; s++) await wal.append('moved', s, s, Buffer.alloc(150));
    await wal.append('stays', 1, 1, Buffer.alloc(150));
    const before = (await storage.list(DIR + '/')).length;
    expect(before).toBe(7);
    await wal.forgetTablet('moved');
    expect(await storage.list(DIR + '/')).toEqual([seg(7)]);
    // A tablet that comes back is tracked again from its new records on.
    await wal.append('moved', 20, 20, Buffer.alloc(150));
    await wal.append('stays', 2, 2, Buffer.alloc(150));
    await wal.markFlushed('stays', 2);
    expect(await storage.list(DIR + '/')).toEqual([seg(8), seg(9)]);
    await wal.markFlushed('moved', 20);
    expect(await storage.list(DIR + '/')).toEqual([seg(9)]);
    await wal.close();
  });

  it('replayed segments are deleted once markFlushed covers them; empty old segments at open', async () => {
    const storage = new MemoryStorage();
    let { wal } = await openWal({ storage, dir: DIR }, () => {});
    await wal.append('a', 1, 5, Buffer.from('x'));
    await wal.append('b', 1, 2, Buffer.from('y'));
    await wal.close();
    ({ wal } = await openWal({ storage, dir: DIR }, () => {}));
    await wal.close();
    // Segment 2 had no records: deleted by the next open.
    ({ wal } = await openWal({ storage, dir: DIR }, () => {}));
    expect(await storage.list(DIR + '/')).toEqual([seg(1), seg(3)]);
    await wal.markFlushed('a', 5);
    expect(await storage.list(DIR + '/')).toEqual([seg(1), seg(3)]);
    await wal.markFlushed('b', 1);
    expect(await storage.list(DIR + '/')).toEqual([seg(1), seg(3)]);
    await wal.markFlushed('b', 2);
    expect(await storage.list(DIR + '/')).toEqual([seg(3)]);
    await wal.close();
  });
});

/**
 * Fault sweeps: for flush, compaction (partial and full) and manifest writes
 * (claiming a tablet on reopen, handing a memtable over on a move, a backup's
 * snapshot and a restored tablet's seeded open), fail the n-th storage operation for
 * n = 0, 1, 2, ... until the scenario completes without hitting the fault.
 * Every run must end in a clean error or in a state equal to the model —
 * both on the live tablet and after a crash and reopen. Never silent corruption.
 */
import { describe, it, expect } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { FaultyStorage } from '../../src/storage/faulty-storage.js';
import { ManualClock } from '../../src/base/clock.js';
import { NotServingError, TabulaError } from '../../src/base/errors.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import type { Tablet } from '../../src/tablet/tablet.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { Row } from '../../src/model/cell.js';
import type { RowMutation } from '../../src/model/mutation.js';
import { NaiveModel, plain } from './naive-model.js';

const families = new Map<string, GcRule>([
  ['f', { kind: 'maxVersions', maxVersions: 2 }],
  ['g', { kind: 'never' }],
]);

function batch(i: number): RowMutation[] {
  return [
    { row: Buffer.from(`row-${i % 5}`), mutations: [
      { type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000 * (i + 1), value: Buffer.from(`v${i}`) },
      { type: 'setCell', family: 'g', qualifier: Buffer.from(`c${i}`), timestamp: 1000, value: Buffer.from(`w${i}`) },
    ] },
    ...(i % 4 === 3 ? [{ row: Buffer.from(`row-${(i + 1) % 5}`), mutations: [{ type: 'deleteFromFamily' as const, family: 'g' }] }] : []),
  ];
}

async function rowsOf(t: Tablet): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of t.scan()) out.push(...b);
  return out;
}

type Scenario = (t: Tablet, host: () => Promise<Tablet>, env: { storage: FaultyStorage; clock: ManualClock }) => Promise<unknown>;

/** Prepares a tablet with several SSTables and a non-empty memtable. */
async function prepare(storage: FaultyStorage, clock: ManualClock, model: NaiveModel): Promise<{ host: TabletHost; tablet: Tablet }> {
  const host = await TabletHost.open({ storage, serverId: 's', clock, jobs: 'inline' });
  const tablet = await host.openTablet({ id: 't', epoch: 1, families, maxSstables: 100, background: false });
  for (let i = 0; i < 13; i++) {
    const rows = batch(i);
    await tablet.mutate(rows);
    for (const rm of rows) model.apply(rm, clock.nowMicros());
    if (i % 3 === 2) await tablet.flush();
  }
  return { host, tablet };
}

async function sweep(name: string, scenario: Scenario, gcApplies: boolean): Promise<number> {
  for (let n = 0; n < 1000; n++) {
    const mem = new MemoryStorage();
    const storage = new FaultyStorage(mem);
    const clock = new ManualClock();
    const model = new NaiveModel(families);
    const { host, tablet } = await prepare(storage, clock, model);
    let epoch = 1;
    let current = tablet;
    const reopen = async () => {
      // A new server takes over: it replays the WAL of every earlier owner.
      const dead = ['wal/s', ...Array.from({ length: epoch - 1 }, (_, i) => `wal/s${i + 2}`)];
      const h = await TabletHost.open({ storage, serverId: `s${++epoch}`, clock, jobs: 'inline' });
      current = await h.openTablet({ id: 't', epoch, families, maxSstables: 100, background: false }, dead);
      return current;
    };
    storage.failNth('any', n);
    let error: unknown;
    try {
      await scenario(tablet, reopen, { storage, clock });
    } catch (e) {
      error = e;
    }
    const fired = storage.faultFired();
    storage.heal();
    if (error !== undefined) {
      expect(error, `${name} n=${n}: not a clean error: ${String(error)}`).toBeInstanceOf(TabulaError);
      expect(fired, `${name} n=${n}: failed without an injected fault: ${String(error)}`).toBe(true);
    }
    // Full compaction may have applied GC (only where it completed; GC'd cells are garbage to readers anyway).
    if (gcApplies) model.collectGarbage(clock.nowMicros());
    const expected = plain(model.scan(clock.nowMicros()));
    let live: Row[];
    try {
      live = await rowsOf(current);
    } catch (e) {
      // The scenario closed the tablet and then failed to open it again (a move's second half): a new owner takes over.
      if (!(e instanceof NotServingError) || error === undefined) throw e;
      live = await rowsOf(await reopen());
    }
    expect(plain(live), `${name} n=${n}: live state differs`).toEqual(expected);
    // Crash and recover as a new owner: the durable state must equal the model too.
    await storage.crash();
    const recovered = await reopen();
    expect(plain(await rowsOf(recovered)), `${name} n=${n}: recovered state differs`).toEqual(expected);
    // And the interrupted work can be redone.
    await recovered.compact({ full: true });
    expect(plain(await rowsOf(recovered)), `${name} n=${n}: state after retry differs`).toEqual(expected);
    void host;
    if (!fired) return n;
  }
  throw new Error(`${name}: scenario never completed`);
}

describe('fault sweeps over storage operations', () => {
  it('flush', async () => {
    const n = await sweep('flush', (t) => t.flush(), false);
    expect(n).toBeGreaterThan(2);
  });

  it('partial compaction', async () => {
    const n = await sweep('partial compaction', (t) => t.compact({ maxTables: 2 }), false);
    expect(n).toBeGreaterThan(2);
  });

  it('full compaction', async () => {
    const n = await sweep('full compaction', (t) => t.compact({ full: true }), true);
    expect(n).toBeGreaterThan(2);
  });

  it('WAL appends: a write whose append fails is never visible, not even after a flush, and recovery has every acknowledged write', async () => {
    // Writes enter the memtable while their WAL group syncs (invisible until durable); a failed
    // append must leave no trace: not in reads, not in the SSTable the next flush writes.
    let completed = false;
    for (let n = 0; n < 200 && !completed; n++) {
      const storage = new FaultyStorage(new MemoryStorage());
      const clock = new ManualClock();
      const model = new NaiveModel(families);
      const { tablet } = await prepare(storage, clock, model);
      storage.failNth('any', n);
      // Concurrent writers, so failures hit whole groups and batches queued behind them.
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, j) => tablet.mutate(batch(13 + j))));
      const fired = storage.faultFired();
      storage.heal();
      results.forEach((r, j) => {
        if (r.status === 'fulfilled') for (const rm of batch(13 + j)) model.apply(rm, clock.nowMicros());
        else expect(r.reason, `n=${n}: not a clean error: ${String(r.reason)}`).toBeInstanceOf(TabulaError);
      });
      const expected = plain(model.scan(clock.nowMicros()));
      expect(plain(await rowsOf(tablet)), `n=${n}: live state differs`).toEqual(expected);
      await tablet.flush().catch(() => {}); // the WAL may be broken; the flush itself must not leak failed writes
      expect(plain(await rowsOf(tablet)), `n=${n}: state after flush differs`).toEqual(expected);
      await storage.crash();
      const h = await TabletHost.open({ storage, serverId: 's2', clock, jobs: 'inline' });
      const recovered = await h.openTablet({ id: 't', epoch: 2, families, maxSstables: 100, background: false }, ['wal/s']);
      expect(plain(await rowsOf(recovered)), `n=${n}: recovered state differs`).toEqual(expected);
      completed = !fired;
    }
    expect(completed).toBe(true);
  });

  it('hand-off close (a move) and the next owner\'s open', async () => {
    const n = await sweep('hand-off', async (t, reopen) => {
      await t.close({ flush: true, handOff: true, handOffEpoch: 2 }); // the epoch reopen() opens next
      return reopen();
    }, false);
    expect(n).toBeGreaterThan(2);
  });

  it('backup snapshot, and a tablet restored from it', async () => {
    const n = await sweep('snapshot', async (t, _reopen, { storage, clock }) => {
      const want = plain(await rowsOf(t));
      await t.snapshot('snap', { label: 'bk' });
      // The restore runs elsewhere: a seeded open copies the snapshot's manifest and shares its files.
      const h = await TabletHost.open({ storage, serverId: 'restorer', clock, jobs: 'inline' });
      const restored = await h.openTablet({ id: 'restored', epoch: 1, families, seedFrom: 'snap', background: false });
      expect(plain(await rowsOf(restored))).toEqual(want);
      // Independent from the source from now on.
      await restored.mutate(batch(20));
      await restored.compact({ full: true });
      expect(plain(await rowsOf(t))).toEqual(want);
    }, false);
    expect(n).toBeGreaterThan(2);
  });

  it('manifest claim on reopen (takeover by a new epoch)', async () => {
    const n = await sweep('claim', (_t, reopen) => reopen(), false);
    expect(n).toBeGreaterThan(2);
  });
});

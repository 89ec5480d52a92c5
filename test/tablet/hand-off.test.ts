/**
 * A moving tablet hands a small memtable over inside its manifest (the
 * manifest's tail) instead of flushing it to an SSTable: the next owner must
 * read every write without any WAL replay, and the tail must survive in every
 * manifest until a flush covers it.
 */
import { describe, it, expect } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { ManualClock } from '../../src/base/clock.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import { newManifestStore } from '../../src/lsm/manifest/manifest-store.js';
import type { Tablet } from '../../src/tablet/tablet.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { Row } from '../../src/model/cell.js';
import type { RowMutation } from '../../src/model/mutation.js';
import { NaiveModel, plain } from './naive-model.js';

const families = new Map<string, GcRule>([['f', { kind: 'maxVersions', maxVersions: 1 }], ['g', { kind: 'never' }]]);

function put(i: number, bytes = 8): RowMutation {
  return { row: Buffer.from(`row-${String(i % 40).padStart(3, '0')}`), mutations: [
    { type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000 * (i + 1), value: Buffer.alloc(bytes, i % 251) },
  ] };
}

async function rowsOf(t: Tablet): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of t.scan()) out.push(...b);
  return out;
}

async function setup() {
  const storage = new MemoryStorage();
  const clock = new ManualClock();
  const model = new NaiveModel(families);
  const open = async (server: string, epoch: number, recoverFrom: string[] = []) => {
    const host = await TabletHost.open({ storage, serverId: server, clock, jobs: 'inline' });
    const tablet = await host.openTablet({ id: 't', epoch, families, background: false }, recoverFrom);
    return { host, tablet };
  };
  const write = async (t: Tablet, from: number, to: number, bytes?: number) => {
    for (let i = from; i < to; i++) {
      const rm = put(i, bytes);
      await t.mutate([rm]);
      model.apply(rm, clock.nowMicros());
    }
  };
  const expected = () => plain(model.scan(clock.nowMicros()));
  const manifest = async () => (await newManifestStore(storage, 'tablets/t').load())!;
  const ssts = async () => (await storage.list('sst/')).sort();
  return { storage, clock, model, open, write, expected, manifest, ssts };
}

describe('tablet hand-off through the manifest tail', () => {
  it('a small memtable travels in the manifest: no SSTable is written and the next owner reads every write without the WAL', async () => {
    const s = await setup();
    const a = await s.open('s1', 1);
    await s.write(a.tablet, 0, 15);
    await a.tablet.flush();
    await s.write(a.tablet, 5, 30); // overlaps the first SSTable's rows: two sorted runs, which a compaction merges
    await a.tablet.flush();
    await s.write(a.tablet, 30, 70);
    const before = await s.ssts();
    await a.host.closeTablet('t', { flush: true, handOff: true });
    expect(await s.ssts()).toEqual(before); // neither a flush before the close nor one under it
    const m = await s.manifest();
    expect(m.tail?.maxSeq).toBeGreaterThan(m.flushedSeq);
    await a.host.close();

    // The next owner opens it as a move does: no WAL of the old owner to replay.
    const b = await s.open('s2', 2);
    expect(plain(await rowsOf(b.tablet))).toEqual(s.expected());
    expect(plain([await b.tablet.readRow(Buffer.from('row-035'))])).toEqual(plain([s.model.read('row-035', s.clock.nowMicros())]));
    expect((await s.manifest()).tail).toBeDefined(); // the claim carried it

    // New writes continue above the tail's sequence numbers; a compaction's manifest keeps the tail.
    await s.write(b.tablet, 70, 90);
    await b.tablet.compact({ maxTables: 1 }); // merges the two SSTables, memtable untouched
    expect((await s.manifest()).sstables.length).toBe(1);
    expect((await s.manifest()).tail).toBeDefined();
    // The new owner dies before flushing: its WAL has the new writes, the manifest the handed-over ones.
    const c = await s.open('s3', 3, ['wal/s2']);
    expect(plain(await rowsOf(c.tablet))).toEqual(s.expected());
    await c.tablet.flush();
    expect((await s.manifest()).tail).toBeUndefined();
    await c.host.close();
    const d = await s.open('s4', 4);
    expect(plain(await rowsOf(d.tablet))).toEqual(s.expected());
    await d.host.close();
  });

  it('sequence numbers continue above the tail: a newer write of the same cell wins after another move', async () => {
    const s = await setup();
    const a = await s.open('s1', 1);
    await s.write(a.tablet, 0, 5);
    await a.host.closeTablet('t', { flush: true, handOff: true });
    await a.host.close();
    const b = await s.open('s2', 2);
    await s.write(b.tablet, 40, 45); // same rows as 0..4 (i % 40), later timestamps, maxVersions 1
    await b.host.closeTablet('t', { flush: true, handOff: true });
    await b.host.close();
    const c = await s.open('s3', 3);
    expect(plain(await rowsOf(c.tablet))).toEqual(s.expected());
    await c.tablet.compact({ full: true });
    expect(plain(await rowsOf(c.tablet))).toEqual(s.expected());
    await c.host.close();
  });

  it('a big memtable is flushed before the close and the writes that arrive meanwhile are handed over', async () => {
    const s = await setup();
    const a = await s.open('s1', 1);
    await s.write(a.tablet, 0, 80, 4096); // ~320 KiB: over the hand-off limit
    const closing = a.host.closeTablet('t', { flush: true, handOff: true });
    await s.write(a.tablet, 80, 81); // issued during the pre-close flush, before the close refuses writes
    await closing;
    expect((await s.ssts()).length).toBe(1);
    expect((await s.manifest()).tail).toBeDefined();
    await a.host.close();
    const b = await s.open('s2', 2);
    expect(plain(await rowsOf(b.tablet))).toEqual(s.expected());
    await b.host.close();
  });

  it('under the next epoch, the next owner opens the hand-off manifest without writing one, and the old tablet can install nothing more', async () => {
    const s = await setup();
    const a = await s.open('s1', 1);
    await s.write(a.tablet, 0, 10);
    await a.tablet.flush();
    await s.write(a.tablet, 5, 20); // overlapping rows: two sorted runs
    await a.tablet.flush();
    await s.write(a.tablet, 20, 30);
    const compaction = a.tablet.compact({ maxTables: 1 }); // still running when the close installs
    await a.tablet.close({ flush: true, handOff: true, handOffEpoch: 2 });
    await expect(compaction).rejects.toThrow(/fenced/);
    const handed = await s.manifest();
    expect(handed.epoch).toBe(2);
    expect(handed.sstables.length).toBe(2);
    await a.host.close();
    const b = await s.open('s2', 2);
    expect((await s.manifest()).version).toBe(handed.version); // no claim written
    expect(plain(await rowsOf(b.tablet))).toEqual(s.expected());
    await s.write(b.tablet, 30, 35);
    await b.tablet.flush();
    expect((await s.manifest()).epoch).toBe(2);
    await b.host.close();
    const c = await s.open('s3', 3);
    expect(plain(await rowsOf(c.tablet))).toEqual(s.expected());
    await c.host.close();
  });

  it('a memtable over the hand-off limit is flushed to an SSTable as usual', async () => {
    const s = await setup();
    const a = await s.open('s1', 1);
    await s.write(a.tablet, 0, 80, 4096); // ~320 KiB, over the limit
    await a.tablet.close({ flush: true, handOff: true });
    expect((await s.ssts()).length).toBe(1);
    expect((await s.manifest()).tail).toBeUndefined();
    await a.host.close();
    const b = await s.open('s2', 2);
    expect(plain(await rowsOf(b.tablet))).toEqual(s.expected());
    await b.host.close();
  });
});

/**
 * Reconciling a server's heartbeat with the catalog, in-process with an
 * injected clock (the real-process version is restart-same-id.test.ts):
 * a server that crashed and came back with the same id before its lease
 * ran out hosts nothing, so the tablets the catalog still gives it are
 * recovered from its WAL; tablets being opened, moved or split are left
 * alone; and a server that gets its own tablet back after a lapsed lease
 * replays its own WAL for it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import type { RowMutation } from '../../src/model/mutation.js';
import { scanAll, TABLE } from './in-process-cluster.js';
import { LEASE, leasedCluster } from './leased-cluster.js';

const put = (k: string): RowMutation => ({ row: Buffer.from(k), mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.from(k) }] });
const ROWS = ['a', 'c', 'n', 'x'];

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const setup = (storage?: Storage) => leasedCluster((close) => cleanup.push(close), storage);

describe('reclaiming tablets a server does not serve', () => {
  it('a server restarted with the same id before its lease ran out gets its tablets back with its WAL replayed', async () => {
    const c = await setup();
    const s0 = await c.start('s0');
    const s1 = await c.start('s1');
    for (const m of [s0.member, s1.member]) await m.beat();
    await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), [Buffer.from('m')]);
    expect(await c.router.mutateRows(TABLE, ROWS.map(put))).toEqual(ROWS.map(() => undefined));
    const lost = (await c.cm.clusterStatus()).tablets.find((t) => t.server === 's0')!;

    // "kill -9": the old s0 is abandoned unflushed; a new process with the same id and address opens the same WAL.
    const s0b = await c.start('s0');
    c.advance(1000);
    await s0b.member.beat(); // registers again while the old lease is live; the first report sets the baseline
    expect(s0b.ts.host.hosted()).toEqual([]);
    let status = await c.cm.clusterStatus();
    expect(status.tablets.find((t) => t.id === lost.id)!.server).toBe('s0'); // not yet: the report may predate an open
    c.advance(1000);
    await s0b.member.beat(); // the second report still lacks the tablet: it is recovered from wal/s0
    await c.cm.tick();
    status = await c.cm.clusterStatus();
    const back = status.tablets.find((t) => t.id === lost.id)!;
    expect(back.state).toBe('serving');
    expect(back.epoch).toBeGreaterThan(lost.epoch);
    const owner = back.server === 's0' ? s0b.ts : s1.ts;
    expect(owner.host.hosted().map((t) => t.id)).toContain(lost.id);
    expect((await scanAll(c.router)).map((r) => r.key.toString())).toEqual(ROWS);
  });

  it('leaves alone a tablet whose move is in flight or ended after the report was gathered', async () => {
    const c = await setup();
    const s0 = await c.start('s0');
    const s1 = await c.start('s1');
    for (const m of [s0.member, s1.member]) await m.beat();
    await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), [Buffer.from('m')]);
    const t = (await c.cm.clusterStatus()).tablets.find((x) => x.server === 's0')!;
    const own = new Set(s1.ts.host.hosted().map((x) => x.id)); // s1's report, gathered before the move
    const before = c.master.changeSequence;
    const moving = c.master.moveTablet(t.id, 's1');
    await Promise.resolve(); // the move has started (closing the tablet on s0)
    // The report does not list the tablet: its move is in flight.
    expect(await c.master.reclaimUnserved('s1', own, c.master.changeSequence)).toEqual([]);
    await moving;
    // A report gathered before the move ended (baseline `before`) does not count either.
    expect(await c.master.reclaimUnserved('s1', own, before)).toEqual([]);
    expect((await c.cm.clusterStatus()).tablets.find((x) => x.id === t.id)!.server).toBe('s1');
    // A report that lists it leaves it alone whatever the baseline.
    expect(await c.master.reclaimUnserved('s1', new Set([...own, t.id]), c.master.changeSequence)).toEqual([]);
  });

  it('a server that gets its own tablet back after a lapsed lease replays its own WAL for it', async () => {
    const c = await setup();
    const s0 = await c.start('s0');
    await s0.member.beat();
    await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), []);
    expect(await c.router.mutateRows(TABLE, ROWS.map(put))).toEqual(ROWS.map(() => undefined));
    c.advance(LEASE * 2); // the lease lapses: the tablet is unassigned and remembers wal/s0
    await c.cm.tick();
    expect((await c.cm.clusterStatus()).tablets[0]!.state).toBe('unassigned');
    await s0.member.beat(); // re-registers; told to drop the tablet it still hosts (unflushed)
    expect(s0.ts.host.hosted()).toEqual([]);
    await c.cm.tick(); // assigned back to s0, which must read its own WAL for the records it dropped
    expect((await c.cm.clusterStatus()).tablets[0]!.state).toBe('serving');
    expect((await scanAll(c.router)).map((r) => r.key.toString())).toEqual(ROWS);
  });

  it('a tablet the server is still opening (asked before a master restart) is reported as held and not reclaimed', async () => {
    // Storage whose listing of one tablet's manifests waits while `held` is set: an open that takes long.
    let held: Promise<void> | undefined;
    let slowTablet = '';
    const inner = new MemoryStorage();
    const storage = new Proxy(inner, {
      get: (target, prop) => {
        if (prop === 'list') return async (prefix: string) => { if (held && prefix.startsWith(`tablets/${slowTablet}/`)) await held; return target.list(prefix); };
        const v: unknown = Reflect.get(target, prop);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Storage;
    const c = await setup(storage);
    const s0 = await c.start('s0');
    await s0.member.beat();
    await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), []);
    const rec = c.master.tabletRecords()[0]!;
    // The server does not hold the tablet and is opening it again, slowly.
    await s0.ts.closeTablet(rec.id, { flush: true });
    slowTablet = rec.id;
    let release!: () => void;
    held = new Promise((r) => (release = r));
    const opening = s0.ts.openTablet({
      id: rec.id, table: rec.table, epoch: rec.epoch, startRow: Buffer.alloc(0), endRow: Buffer.alloc(0), families: [['f', { kind: 'never' }]],
    });
    for (let i = 0; i < 3; i++) {
      c.advance(1000);
      await s0.member.beat();
    }
    expect(s0.ts.host.hosted()).toEqual([]);
    const t = c.master.tabletRecords()[0]!;
    expect({ server: t.server, epoch: t.epoch }).toEqual({ server: 's0', epoch: rec.epoch }); // left alone
    release();
    await opening;
    expect(s0.ts.host.hosted().map((x) => x.id)).toEqual([rec.id]);
  });
});

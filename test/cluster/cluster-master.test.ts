/**
 * The cluster master's leases and recovery with an injected clock: real
 * in-process tablet servers over shared memory storage, no sleeping for
 * leases. A server whose lease lapses loses its tablets to a live server
 * (new epoch) which replays the dead server's WAL; the lapsed server fences
 * itself and is told to drop the tablets when it comes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { TabletServer } from '../../src/tabletserver/tablet-server.js';
import { ClusterMember } from '../../src/tabletserver/cluster-member.js';
import { Master } from '../../src/master/master.js';
import { ClusterMaster } from '../../src/master/cluster-master.js';
import { Router } from '../../src/api/router.js';
import { RouteCache } from '../../src/rpc/route-cache.js';
import { Code, TabulaError } from '../../src/base/errors.js';
import type { TabletControlService } from '../../src/rpc/tablet-service.js';
import type { RowMutation } from '../../src/model/mutation.js';
import { scanAll, TABLE } from './in-process-cluster.js';

const LEASE = 10_000;
const put = (k: string): RowMutation => ({ row: Buffer.from(k), mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.from(k) }] });

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  let now = 1_000_000;
  const clock = () => now;
  const storage = new MemoryStorage();
  const ts = [await TabletServer.open({ storage, serverId: 's0', jobs: 'inline' }), await TabletServer.open({ storage, serverId: 's1', jobs: 'inline' })];
  const byAddress = new Map(ts.map((s) => [`addr-${s.serverId}`, s]));
  const servers = new Map<string, TabletControlService>();
  const dir = mkdtempSync(join(tmpdir(), 'tabula-cm-'));
  const master = await Master.open({ dir, servers, assignOnOpen: false });
  const cm = new ClusterMaster({ master, servers, leaseMs: LEASE, now: clock, connect: (a) => byAddress.get(a)! });
  const members = ts.map((s) => new ClusterMember({ server: s, master: cm, address: `addr-${s.serverId}`, heartbeatMs: 1000, now: clock }));
  const router = new Router(new RouteCache(cm), { server: (a) => byAddress.get(a)! });
  cleanup.push(async () => {
    for (const s of ts) await s.close().catch(() => {});
    await master.close();
  });
  return { ts, cm, master, members, router, advance: (ms: number) => { now += ms; } };
}

describe('cluster master', () => {
  it('registers servers, spreads new tablets, and reassigns a lapsed server\'s tablets with its WAL replayed', async () => {
    const c = await setup();
    for (const m of c.members) await m.beat();
    await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), [Buffer.from('m')]);
    let status = await c.cm.clusterStatus();
    expect(status.servers.map((s) => [s.serverId, s.live, s.tabletCount])).toEqual([['s0', true, 1], ['s1', true, 1]]);
    const rows = ['a', 'c', 'n', 'x'];
    const res = await c.router.mutateRows(TABLE, rows.map(put));
    expect(res).toEqual([undefined, undefined, undefined, undefined]);
    const s0Tablet = status.tablets.find((t) => t.server === 's0')!;

    // Only s1 keeps heartbeating; s0's lease lapses.
    for (let i = 0; i < 6; i++) {
      c.advance(LEASE / 4);
      await c.members[1]!.beat();
    }
    expect(c.members[0]!.leaseValid).toBe(false);
    // s0 fences itself: the write fails UNAVAILABLE although it still hosts the tablet.
    const [err] = await c.ts[0]!.mutate(s0Tablet.id, [put(s0Tablet.startRow.length ? s0Tablet.startRow.toString() : 'a')]).catch((e: TabulaError) => [e]);
    expect(err).toBeInstanceOf(TabulaError);
    expect(err!.code).toBe(Code.UNAVAILABLE);

    await c.cm.tick();
    status = await c.cm.clusterStatus();
    expect(status.servers.map((s) => s.serverId)).toEqual(['s1']);
    const moved = status.tablets.find((t) => t.id === s0Tablet.id)!;
    expect({ server: moved.server, state: moved.state }).toEqual({ server: 's1', state: 'serving' });
    expect(moved.epoch).toBeGreaterThan(s0Tablet.epoch);
    expect(c.master.counters.recoveries).toBe(1);
    // The rows s0 acknowledged came back from its WAL.
    expect((await scanAll(c.router)).map((r) => r.key.toString())).toEqual(rows);

    // s0 comes back: its heartbeat is refused, it re-registers and is told to drop the tablet.
    await c.members[0]!.beat();
    expect(c.ts[0]!.host.hosted().map((t) => t.id)).toEqual([]);
    expect(c.members[0]!.leaseValid).toBe(true);
    expect((await c.cm.clusterStatus()).servers.map((s) => [s.serverId, s.live])).toEqual([['s1', true], ['s0', true]]);
  });

  it('a master opened over an existing catalog keeps assignments of servers that re-register within the grace period', async () => {
    const c = await setup();
    for (const m of c.members) await m.beat();
    await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), [Buffer.from('m')]);
    const before = (await c.cm.clusterStatus()).tablets.map((t) => [t.id, t.server, t.epoch]);
    // A second ClusterMaster over the same catalog (what a restarted master process builds).
    const servers = new Map<string, TabletControlService>();
    let now = 5_000_000;
    const cm2 = new ClusterMaster({ master: c.master, servers, leaseMs: LEASE, now: () => now, connect: (a) => (a === 'addr-s0' ? c.ts[0]! : c.ts[1]!) });
    expect((await cm2.heartbeat('s0', [])).ok).toBe(false);
    await cm2.registerServer('s0', 'addr-s0');
    now += LEASE * 0.9; // inside the grace period, s1 has not re-registered yet
    expect((await cm2.heartbeat('s0', [])).ok).toBe(true);
    await cm2.tick();
    expect((await cm2.clusterStatus()).tablets.map((t) => [t.id, t.server, t.epoch])).toEqual(before);
    // Grace over (3 leases): s1 is presumed dead, its tablet goes to s0, which kept heartbeating.
    for (let i = 0; i < 4; i++) {
      now += LEASE * 0.9;
      expect((await cm2.heartbeat('s0', [])).ok).toBe(true);
      await cm2.tick();
    }
    const after = await cm2.clusterStatus();
    expect(after.tablets.every((t) => t.server === 's0')).toBe(true);
  });

  it('refuses registration without a server id or address', async () => {
    const c = await setup();
    await expect(c.cm.registerServer('', 'a:1')).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT, message: expect.stringContaining('server_id') });
    await expect(c.cm.registerServer('s9', '')).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT, message: expect.stringContaining('address') });
  });
});

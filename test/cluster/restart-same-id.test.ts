/**
 * A tablet server restarted with the same --id after kill -9, as real
 * processes: the new incarnation opens the same WAL directory but hosts no
 * tablet, while the catalog still names it as their owner. The master must
 * notice (its heartbeat does not list them), recover them from that WAL and
 * serve them again: every acknowledged write stays readable. And the new
 * incarnation must not bring back its predecessor's stale records when a
 * tablet later comes back to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/client/index.js';
import { RemoteMaster } from '../../src/rpc/master-grpc.js';
import type { ClusterStatus } from '../../src/rpc/master-service.js';
import { ProcessCluster, waitFor, type ClusterProcess } from './cluster-processes.js';

const TABULA_MAIN = fileURLToPath(new URL('../../src/bin/tabula.ts', import.meta.url));
const ID = 'ts-same-id';
/** Keys spread over the five tablets (split at k2, k4, k6, k8). */
const key = (tag: string, i: number) => `k${i % 10}-${tag}-${String(i).padStart(6, '0')}`;
const valueOf = (k: string) => `v-${k}`;

/** `tabula tablet-server --id ID` as a child on `port` (0 = any); resolves once it listens. */
function startFixedServer(master: string, data: string, port: number): Promise<{ child: ChildProcess; port: number; out: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', TABULA_MAIN,
    'tablet-server', '--id', ID, '--master', master, '--data', data, '--host', '127.0.0.1', '--port', String(port), '--heartbeat-ms', '250',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tablet server did not start in 60 s\n${out}`)), 60_000);
    const check = () => {
      const m = /tabula tablet-server \S+ listening on [\d.]+:(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve({ child, port: Number(m[1]), out: () => out });
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tablet server exited with ${code}\n${out}`)); });
  });
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

let cluster: ProcessCluster;
let master: RemoteMaster;
let other: ClusterProcess;
let fixed: { child: ChildProcess; port: number; out: () => string } | undefined;
const conns: Connection[] = [];

function client(endpoint: string): Connection {
  const c = connect(endpoint, { project: 'p', instance: 'i' });
  conns.push(c);
  return c;
}

const status = (): Promise<ClusterStatus> => master.clusterStatus();

/** Writes unique keys through the master's API until stopped; records what was acknowledged. */
function writeLoad(c: Connection, tag: string) {
  const t = c.table('t');
  const acked: string[] = [];
  const errors: string[] = [];
  let stop = false;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const k = key(tag, i);
      try {
        await t.put(k, { cf: { q: valueOf(k) } });
        acked.push(k);
      } catch (e) {
        errors.push(String(e));
      }
    }
  })();
  return { acked, errors, stop: async () => { stop = true; await done; } };
}

async function readAll(c: Connection): Promise<Map<string, string>> {
  const rows = await c.table('t').scan({ prefix: 'k' }).toArray();
  return new Map(rows.map((r) => [r.keyString, r.value('cf', 'q')?.toString() ?? '']));
}

beforeAll(async () => {
  // A long lease: the restarted server registers again while the master still holds its old lease.
  cluster = new ProcessCluster({ leaseMs: 10_000, heartbeatMs: 250, tickMs: 150 });
  await cluster.startMaster();
  master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 10_000 });
  fixed = await startFixedServer(cluster.master.endpoint, cluster.dataDir, 0);
  other = await cluster.startTabletServer();
  await waitFor('two live servers', async () => (await status()).servers.filter((s) => s.live).length === 2);
  await client(cluster.master.endpoint).admin.createTable('t', { families: { cf: undefined }, splits: ['k2', 'k4', 'k6', 'k8'] });
  await waitFor('tablets on both servers', async () => new Set((await status()).tablets.map((t) => t.server)).size === 2);
}, 120_000);

afterAll(async () => {
  for (const c of conns) c.close();
  master?.close();
  if (fixed) await kill9(fixed.child);
  await cluster?.stopAll();
}, 60_000);

describe('tablet server restarted with the same id', () => {
  it('kill -9 under writes and a restart with the same id before the lease ends: every acknowledged write is readable', async () => {
    const c = client(cluster.master.endpoint);
    const mine = (await status()).tablets.filter((t) => t.server === ID);
    expect(mine.length).toBeGreaterThan(0);
    const load = writeLoad(c, 'a');
    let restartedMs = 0;
    let lease: ClusterStatus['servers'][number] | undefined;
    try {
      await waitFor('writes acknowledged', () => load.acked.length >= 300, 60_000);
      const killedAt = Date.now();
      await kill9(fixed!.child);
      // Same id and same address: to the master this looks like the same server registering again.
      fixed = await startFixedServer(cluster.master.endpoint, cluster.dataDir, fixed!.port);
      restartedMs = Date.now() - killedAt;
      lease = (await status()).servers.find((s) => s.serverId === ID)!;
      const before = load.acked.length;
      await waitFor('writes continuing after the restart', () => load.acked.length >= before + 300, 60_000);
    } finally {
      await load.stop();
    }
    const got = await readAll(c);
    const missing = load.acked.filter((k) => !got.has(k));
    process.stdout.write(`restart with the same id after ${restartedMs} ms (lease live: ${lease?.live}); ${load.acked.length} acknowledged, ${load.errors.length} errors\n`);
    expect(missing).toEqual([]);
    expect(load.errors).toEqual([]);
    // The tablets are served again (by this server or the other one), under new epochs.
    const s = await status();
    for (const t of mine) {
      const now = s.tablets.find((x) => x.id === t.id)!;
      expect(now.state).toBe('serving');
      expect(now.epoch).toBeGreaterThan(t.epoch);
    }
  }, 240_000);

  it('restart with the same id after the lease ran out; tablets moved back to it do not revive its stale WAL records', async () => {
    const c = client(cluster.master.endpoint);
    const t = c.table('t');
    // Fresh records in this server's WAL, then a crash that leaves them unflushed.
    await waitFor('some tablets on the server', async () => (await status()).tablets.some((x) => x.server === ID), 30_000);
    const load = writeLoad(c, 'b');
    try {
      await waitFor('writes acknowledged', () => load.acked.length >= 300, 60_000);
    } finally {
      await load.stop();
    }
    expect(load.errors).toEqual([]);
    await kill9(fixed!.child);
    await waitFor('its tablets recovered elsewhere', async () => {
      const s = await status();
      return s.tablets.every((x) => x.server === other.id && x.state === 'serving');
    }, 60_000);
    // Overwrite and delete rows of the recovered tablets while the crashed server is down.
    const changed = load.acked.filter((_, i) => i % 3 === 0);
    const deleted = load.acked.filter((_, i) => i % 3 === 1);
    for (const k of changed) await t.put(k, { cf: { q: 'new' } });
    for (const k of deleted) await t.delete(k);

    fixed = await startFixedServer(cluster.master.endpoint, cluster.dataDir, 0);
    await waitFor('restarted server live', async () => (await status()).servers.some((s) => s.serverId === ID && s.live), 30_000);
    // Every tablet goes to the restarted server, whose WAL still holds the old records of all of them.
    for (const x of (await status()).tablets) await master.moveTablet(x.id, ID);
    const s = await status();
    expect(s.tablets.every((x) => x.server === ID && x.state === 'serving')).toBe(true);
    const got = await readAll(c);
    for (const k of changed) expect(got.get(k)).toBe('new');
    for (const k of deleted) expect(got.has(k)).toBe(false);
    for (const k of load.acked.filter((_, i) => i % 3 === 2)) expect(got.get(k)).toBe(valueOf(k));
    // And it serves writes.
    await t.put('k9-last', { cf: { q: 'last' } });
    expect((await t.get('k9-last'))?.value('cf', 'q')?.toString()).toBe('last');
  }, 240_000);
});

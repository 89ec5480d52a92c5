/**
 * Moving tablets between real tablet-server processes: `tabula cluster
 * move` under a read/write load (every request succeeds; the moved tablet's
 * SSTables are untouched: same names, sizes and mtimes; the move writes at
 * most the flush of its memtable plus manifests), `tabula cluster split`,
 * `compact`, `balance` and `status`, and SampleRowKeys from the real
 * boundaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Connection } from '../../src/client/index.js';
import { RemoteMaster } from '../../src/rpc/master-grpc.js';
import { ProcessCluster, runTabula, waitFor, type ClusterProcess } from './cluster-processes.js';

const TABLE = 'projects/p/instances/i/tables/mv';
const key = (i: number) => `r${String(i).padStart(5, '0')}`;

let cluster: ProcessCluster;
let master: RemoteMaster;
let servers: ClusterProcess[];
let conn: Connection;

/** name → "size:mtimeMs" of every SSTable file. */
function sstFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else { const s = statSync(p); out.set(p, `${s.size}:${s.mtimeMs}`); }
    }
  };
  walk(join(dir, 'sst'));
  return out;
}

beforeAll(async () => {
  cluster = new ProcessCluster({ leaseMs: 3000, heartbeatMs: 300, tickMs: 200 });
  await cluster.startMaster();
  master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 10_000 });
  servers = await Promise.all([cluster.startTabletServer(), cluster.startTabletServer()]);
  await waitFor('two live servers', async () => (await master.clusterStatus()).servers.filter((s) => s.live).length === 2);
  conn = connect(cluster.master.endpoint, { project: 'p', instance: 'i' });
  await conn.admin.createTable('mv', { families: { cf: undefined }, splits: [key(250), key(500), key(750)] });
  const b = conn.table('mv').batch();
  for (let i = 0; i < 1000; i++) b.put(key(i), { cf: { q: `v${i}` } });
  expect((await b.execute()).every((r) => r.ok)).toBe(true);
}, 120_000);

afterAll(async () => {
  conn?.close();
  master?.close();
  await cluster?.stopAll();
}, 60_000);

describe('tabula cluster commands on real processes', () => {
  it('compact writes SSTables; move under load copies none of them and every request succeeds', async () => {
    const compact = await runTabula(['cluster', 'compact', 'mv', '--project', 'p', '--instance', 'i', '--master', cluster.master.endpoint]);
    expect(compact.stderr).toBe('');
    expect(compact.code).toBe(0);
    const status = await master.clusterStatus();
    const tablet = status.tablets.find((t) => t.table === TABLE && t.startRow.toString() === key(250))!;
    expect(tablet.server).not.toBe('');
    const target = status.servers.find((s) => s.serverId !== tablet.server)!.serverId;
    const before = sstFiles(cluster.dataDir);
    expect(before.size).toBeGreaterThan(0);

    // Load: reads of whole ranges and writes into the moving tablet, from another process's API.
    const t = connect(servers[0]!.endpoint, { project: 'p', instance: 'i' }).table('mv');
    let stop = false;
    let ops = 0;
    const failures: string[] = [];
    const load = (async () => {
      for (let i = 0; i < 100_000 && !stop; i++) {
        try {
          await t.put(key(250 + (i % 250)), { cf: { w: `w${i}` } });
          const rows = await t.scan({ start: key(240), stop: key(260) }).toArray();
          if (rows.length !== 20) failures.push(`scan returned ${rows.length} rows`);
          ops += 2;
        } catch (e) {
          failures.push(String(e));
        }
      }
    })();
    await waitFor('load running', () => ops >= 20, 30_000);
    const move = await runTabula(['cluster', 'move', tablet.id, target, '--master', cluster.master.endpoint]);
    expect(move.stderr).toBe('');
    expect(move.stdout).toContain(`moved ${tablet.id} to ${target}`);
    const opsAtMove = ops;
    await waitFor('load continuing after the move', () => ops >= opsAtMove + 20, 30_000);
    stop = true;
    await load;
    expect(failures).toEqual([]);

    const after = (await master.clusterStatus()).tablets.find((x) => x.id === tablet.id)!;
    expect(after.server).toBe(target);
    expect(after.epoch).toBeGreaterThan(tablet.epoch);
    const now = sstFiles(cluster.dataDir);
    for (const [name, sig] of before) expect(now.get(name), name).toBe(sig);
    // New SSTables: only the flush of the moved tablet's memtable (the load's writes), done in two
    // steps (while serving, then the remainder after writes stop), so at most two files.
    expect(now.size - before.size).toBeLessThanOrEqual(2);
    expect((await t.scan({}).toArray()).length).toBe(1000);
  }, 180_000);

  it('split, balance and status through the CLI; SampleRowKeys reports the tablet boundaries', async () => {
    const split = await runTabula(['cluster', 'split', TABLE, key(100), '--master', cluster.master.endpoint]);
    expect(split.stderr).toBe('');
    expect(split.stdout).toMatch(/^split into tb-\S+ tb-\S+\n$/);
    const samples = await conn.table('mv').sampleRowKeys();
    const keys = samples.map((s) => s.key.toString());
    for (const b of [key(100), key(250), key(500), key(750)]) expect(keys).toContain(b);
    expect(keys[keys.length - 1]).toBe('');

    servers.push(await cluster.startTabletServer());
    await waitFor('three live servers', async () => (await master.clusterStatus()).servers.filter((s) => s.live).length === 3);
    const bal = await runTabula(['cluster', 'balance', '--master', cluster.master.endpoint]);
    expect(bal.stderr).toBe('');
    expect(bal.stdout).toMatch(/^moved [1-9]\d* tablets\n$/);
    const counts = (await master.clusterStatus()).servers.map((s) => s.tabletCount);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);

    const status = await runTabula(['cluster', 'status', '--master', cluster.master.endpoint]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('servers (3):');
    expect(status.stdout).toContain('tablets (5):');
    expect(status.stdout.match(/ live /g)?.length).toBe(3);
    expect((await conn.table('mv').scan({}).toArray()).length).toBe(1000);
  }, 180_000);

  it('bad operator input gets one-line errors naming the problem', async () => {
    const noServer = await runTabula(['cluster', 'move', 'tb-x', 'nope', '--master', cluster.master.endpoint]);
    expect(noServer.code).toBe(1);
    expect(noServer.stderr).toMatch(/^tabula cluster move: .*server_id: no live tablet server "nope"\n$/);
    const noProject = await runTabula(['cluster', 'compact', 'mv', '--master', cluster.master.endpoint]);
    expect(noProject.code).toBe(1);
    expect(noProject.stderr).toBe('tabula cluster compact: --project is required when TABLE is a bare table id\n');
    const badMaster = await runTabula(['cluster', 'status', '--master', 'nowhere']);
    expect(badMaster.code).not.toBe(0);
    expect(badMaster.stderr).toContain('--master');
  }, 120_000);
});

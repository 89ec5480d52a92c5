/**
 * Automatic splits in a cluster of real processes: with a tiny --split-size
 * the master splits a growing tablet by pointer while a writer keeps
 * writing; afterwards every acknowledged row is there once, in order,
 * forward and reversed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../../src/client/index.js';
import { RemoteMaster } from '../../src/rpc/master-grpc.js';
import { ProcessCluster, waitFor } from './cluster-processes.js';

let cluster: ProcessCluster;
let master: RemoteMaster;
let conn: Connection;

beforeAll(async () => {
  cluster = new ProcessCluster({ leaseMs: 3000, heartbeatMs: 300, tickMs: 200, splitSize: '64k' });
  await cluster.startMaster();
  master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 10_000 });
  await cluster.startTabletServer();
  await waitFor('a live server', async () => (await master.clusterStatus()).servers.some((s) => s.live));
  conn = connect(cluster.master.endpoint, { project: 'p', instance: 'i' });
}, 120_000);

afterAll(async () => {
  conn?.close();
  master?.close();
  await cluster?.stopAll();
}, 60_000);

describe('automatic split', () => {
  it('splits a tablet past --split-size under writes without losing or duplicating rows', async () => {
    await conn.admin.createTable('as', { families: { cf: undefined } });
    const t = conn.table('as');
    const acked: string[] = [];
    const value = Buffer.alloc(1000, 'x');
    for (let b = 0; b < 40; b++) {
      const batch = t.batch();
      const keys = Array.from({ length: 20 }, (_, j) => `r${String(b * 20 + j).padStart(5, '0')}`);
      for (const k of keys) batch.put(k, { cf: { q: value } });
      const res = await batch.execute();
      expect(res.filter((r) => !r.ok)).toEqual([]);
      acked.push(...keys);
    }
    await waitFor('the tablet split', async () => (await master.clusterStatus()).tablets.length >= 2, 60_000);
    for (let i = 0; i < 100; i++) await t.put(`r${String(800 + i).padStart(5, '0')}`, { cf: { q: 'late' } }).then(() => acked.push(`r${String(800 + i).padStart(5, '0')}`));
    const forward = (await t.scan({}).toArray()).map((r) => r.keyString);
    const got = new Set(forward);
    const missing = acked.filter((k) => !got.has(k));
    if (missing.length) {
      const st = await master.clusterStatus();
      const point = await Promise.all(missing.map(async (k) => [k, (await t.get(k)) ? 'get finds it' : 'get misses it']));
      console.log(JSON.stringify({ missing, point, tablets: st.tablets.map((x) => [x.id, x.startRow.toString(), x.endRow.toString(), x.epoch]) }));
    }
    expect(forward).toEqual([...acked].sort());
    const reversed = (await t.scan({ reversed: true }).toArray()).map((r) => r.keyString);
    expect(reversed).toEqual([...acked].sort().reverse());
  }, 180_000);
});

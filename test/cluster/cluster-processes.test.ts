/**
 * Tabula as a cluster of real processes on loopback: one `tabula master`,
 * several `tabula tablet-server`s over one shared data directory, short
 * leases. Clients use the public Bigtable API of any process (src/client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { newManifestStore } from '../../src/lsm/manifest/manifest-store.js';
import { connect, type Connection } from '../../src/client/index.js';
import { RemoteMaster } from '../../src/rpc/master-grpc.js';
import { RemoteTabletServer } from '../../src/rpc/tablet-server-grpc.js';
import type { ClusterStatus } from '../../src/rpc/master-service.js';
import { ProcessCluster, waitFor, type ClusterProcess } from './cluster-processes.js';
import { callStream, callUnary, failure, rawClients, readRowsRaw } from '../api/api-clients.js';

const TABLE = 'projects/p/instances/i/tables/t';
const key = (i: number) => `row${String(i).padStart(5, '0')}`;

let cluster: ProcessCluster;
let master: RemoteMaster;
let servers: ClusterProcess[] = [];
const conns: Connection[] = [];

function client(endpoint: string): Connection {
  const c = connect(endpoint, { project: 'p', instance: 'i' });
  conns.push(c);
  return c;
}

async function status(): Promise<ClusterStatus> {
  return master.clusterStatus();
}

/** Every tablet is owned by a live server (and, optionally, none by `not`). */
async function allServed(not?: string): Promise<boolean> {
  const s = await status().catch(() => undefined);
  if (!s) return false;
  const live = new Set(s.servers.filter((v) => v.live).map((v) => v.serverId));
  return s.tablets.length > 0 && s.tablets.every((t) => t.state === 'serving' && live.has(t.server) && t.server !== not);
}

async function keysOf(endpoint: string, reversed = false): Promise<string[]> {
  const rows = await client(endpoint).table('t').scan({ reversed }).toArray();
  return rows.map((r) => r.keyString);
}

beforeAll(async () => {
  cluster = new ProcessCluster({ leaseMs: 1500, heartbeatMs: 250, tickMs: 150 });
  await cluster.startMaster();
  master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 5000 });
  servers = await Promise.all([cluster.startTabletServer(), cluster.startTabletServer()]);
  await waitFor('two live servers', async () => (await status()).servers.filter((s) => s.live).length === 2);
}, 120_000);

afterAll(async () => {
  for (const c of conns) c.close();
  master?.close();
  await cluster?.stopAll();
}, 60_000);

describe('cluster of real processes', () => {
  it('assigns the tablets of a new table across both servers and routes reads and writes from any process', async () => {
    await client(cluster.master.endpoint).admin.createTable('t', { families: { cf: undefined }, splits: [key(100), key(200), key(300)] });
    await waitFor('tablets served', () => allServed());
    const s = await status();
    expect(s.tablets.filter((t) => t.table === TABLE)).toHaveLength(4);
    expect(new Set(s.tablets.map((t) => t.server)).size).toBe(2);

    // Writes through one tablet server's API (batch, crossing all tablets), single puts through the other's.
    const b = client(servers[0]!.endpoint).table('t').batch();
    for (let i = 0; i < 400; i += 2) b.put(key(i), { cf: { q: `v${i}` } });
    const results = await b.execute();
    expect(results).toHaveLength(200);
    const t1 = client(servers[1]!.endpoint).table('t');
    for (let i = 1; i < 400; i += 2) await t1.put(key(i), { cf: { q: `v${i}` } });

    const expected = Array.from({ length: 400 }, (_, i) => key(i));
    for (const p of [cluster.master, ...servers]) {
      expect(await keysOf(p.endpoint)).toEqual(expected);
      expect(await keysOf(p.endpoint, true)).toEqual([...expected].reverse());
    }
    const row = await client(servers[1]!.endpoint).table('t').get(key(123));
    expect(row?.value('cf', 'q')?.toString()).toBe('v123');
    // Table admin through a tablet server is forwarded to the master.
    expect(await client(servers[1]!.endpoint).admin.listTables()).toEqual(['t']);
  }, 120_000);

  it('aggregate families cross the internal protocol: inputs sent to either server combine on the owner, schema changes reach every tablet', async () => {
    const [a, b] = servers.map((p) => rawClients(Number(p.endpoint.split(':').pop())));
    try {
      const int64 = { int64Type: { encoding: { bigEndianBytes: {} } } };
      const sum = { valueType: { aggregateType: { inputType: int64, sum: {} } } };
      await callUnary(a!.tableAdmin, 'CreateTable', { parent: 'projects/p/instances/i', tableId: 'agg', table: { columnFamilies: { s: sum } }, initialSplits: [{ key: Buffer.from('m') }] });
      await waitFor('the table is served', allServed);
      const tableName = 'projects/p/instances/i/tables/agg';
      const add = (family: string, v: number): object => ({ addToCell: { familyName: family, columnQualifier: { rawValue: Buffer.from('c') }, timestamp: { rawTimestampMicros: '1000' }, input: { intValue: String(v) } } });
      for (const [client, v] of [[a!, 1], [b!, 10], [a!, 100]] as const) {
        await callStream(client.data, 'MutateRows', { tableName, entries: ['a', 'z'].map((k) => ({ rowKey: Buffer.from(k), mutations: [add('s', v)] })) });
      }
      // A family added later: the schema change must reach both servers' tablets.
      await callUnary(b!.tableAdmin, 'ModifyColumnFamilies', { name: tableName, modifications: [{ id: 'n', create: sum }] });
      for (const client of [a!, b!]) await callUnary(client.data, 'MutateRow', { tableName, rowKey: Buffer.from('z'), mutations: [add('n', 2)] });
      for (const client of [a!, b!]) {
        const responses = await callStream(client.data, 'ReadRows', { tableName });
        const chunks = responses.flatMap((r) => (r.chunks ?? []) as Array<{ value: Buffer }>);
        expect(chunks.map((c) => Buffer.from(c.value).readBigInt64BE(0))).toEqual([111n, 4n, 111n]);
      }
    } finally {
      a!.close();
      b!.close();
    }
  }, 60_000);

  it('backups cross the internal protocol: snapshots on both servers, a restore served by both, through either server\'s API', async () => {
    const [a, b] = servers.map((p) => rawClients(Number(p.endpoint.split(':').pop())));
    try {
      const instance = 'projects/p/instances/i';
      await callUnary(a!.tableAdmin, 'CreateTable', { parent: instance, tableId: 'bsrc', table: { columnFamilies: { f: {} } }, initialSplits: [{ key: Buffer.from('m') }] });
      await waitFor('the table is served', allServed);
      const keys = ['a', 'h', 'm', 'q', 'z'];
      const set = (k: string, v: string): object => ({ rowKey: Buffer.from(k), mutations: [{ setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.from(v) } }] });
      await callStream(a!.data, 'MutateRows', { tableName: `${instance}/tables/bsrc`, entries: keys.map((k) => set(k, `v-${k}`)) });
      const tablets = (await status()).tablets.filter((t) => t.table === `${instance}/tables/bsrc`);
      expect(new Set(tablets.map((t) => t.server)).size).toBe(2);
      // Instance admin goes to the master too: the instance and its one cluster, whose nodes are the two tablet servers.
      const listed = await callUnary(b!.instanceAdmin, 'ListInstances', { parent: 'projects/p' });
      expect((listed.instances as Array<{ name: string }>).map((i) => i.name)).toContain(instance);
      expect(await callUnary(a!.instanceAdmin, 'GetCluster', { name: `${instance}/clusters/i-c1` })).toMatchObject({ state: 'READY', serveNodes: 2 });
      const expire = { seconds: String(Math.floor(Date.now() / 1000) + 7 * 3600) };
      const op = await callUnary(b!.tableAdmin, 'CreateBackup', { parent: `${instance}/clusters/i-c1`, backupId: 'pbk', backup: { sourceTable: `${instance}/tables/bsrc`, expireTime: expire } });
      expect(op.done).toBe(true);
      // After the backup: not in it.
      await callStream(b!.data, 'MutateRows', { tableName: `${instance}/tables/bsrc`, entries: [set('a', 'changed'), set('b', 'new')] });
      await callUnary(a!.tableAdmin, 'RestoreTable', { parent: instance, tableId: 'brestored', backup: `${instance}/clusters/i-c1/backups/pbk` });
      await waitFor('the restored table is served', allServed);
      await callUnary(a!.tableAdmin, 'DeleteBackup', { name: `${instance}/clusters/i-c1/backups/pbk` });
      for (const client of [a!, b!]) {
        const responses = await callStream(client.data, 'ReadRows', { tableName: `${instance}/tables/brestored` });
        const chunks = responses.flatMap((r) => (r.chunks ?? []) as Array<{ rowKey?: Buffer; value: Buffer }>);
        expect(chunks.map((c) => Buffer.from(c.value).toString())).toEqual(keys.map((k) => `v-${k}`));
      }
    } finally {
      a!.close();
      b!.close();
    }
  }, 60_000);

  it('authorized views: a tablet server looks the view up at the master; reads, writes and refusals through either server', async () => {
    const [a, b] = servers.map((p) => rawClients(Number(p.endpoint.split(':').pop())));
    try {
      const instance = 'projects/p/instances/i';
      const tableName = `${instance}/tables/vsrc`;
      await callUnary(a!.tableAdmin, 'CreateTable', { parent: instance, tableId: 'vsrc', table: { columnFamilies: { f: {}, g: {} } }, initialSplits: [{ key: Buffer.from('m') }] });
      await waitFor('the table is served', allServed);
      const set = (k: string, fam: string, v: string): object => ({ rowKey: Buffer.from(k), mutations: [{ setCell: { familyName: fam, columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.from(v) } }] });
      await callStream(a!.data, 'MutateRows', { tableName, entries: [set('ua', 'f', 'in'), set('ua', 'g', 'out'), set('uz', 'f', 'in'), set('xa', 'f', 'out')] });
      await callUnary(b!.tableAdmin, 'CreateAuthorizedView', { parent: tableName, authorizedViewId: 'u', authorizedView: { subsetView: { rowPrefixes: [Buffer.from('u')], familySubsets: { f: { qualifierPrefixes: [Buffer.alloc(0)] } } } } });
      const viewName = `${tableName}/authorizedViews/u`;
      // Rows ua and uz sit in tablets on different servers.
      expect(new Set((await status()).tablets.filter((t) => t.table === tableName).map((t) => t.server)).size).toBe(2);
      for (const client of [a!, b!]) {
        const rows = await readRowsRaw(client.data, { authorizedViewName: viewName });
        expect(rows.map((r) => `${r.key.toString()}:${r.cells.map((c) => `${c.family}=${c.value.toString()}`).join(',')}`)).toEqual(['ua:f=in', 'uz:f=in']);
        const denied = await failure(callUnary(client.data, 'MutateRow', { authorizedViewName: viewName, ...set('xb', 'f', 'no') }));
        expect(denied.code).toBe(7);
        // A row delete needs the families the view leaves out: the server asks the master for the table's schema.
        const row = await failure(callUnary(client.data, 'MutateRow', { authorizedViewName: viewName, rowKey: Buffer.from('ua'), mutations: [{ deleteFromRow: {} }] }));
        expect([row.code, row.details]).toEqual([7, expect.stringContaining('column families g')]);
      }
      await callUnary(b!.data, 'MutateRow', { authorizedViewName: viewName, ...set('um', 'f', 'new') });
      expect((await readRowsRaw(a!.data, { tableName, rows: { rowKeys: [Buffer.from('um')] } })).length).toBe(1);
      expect((await failure(readRowsRaw(a!.data, { authorizedViewName: `${tableName}/authorizedViews/none` }))).code).toBe(5);
    } finally {
      a!.close();
      b!.close();
    }
  }, 60_000);

  it('kill -9 of a tablet server under write load: every acknowledged write is readable after reassignment', async () => {
    const victim = servers[0]!;
    const t = client(cluster.master.endpoint).table('t');
    const acked: string[] = [];
    let stop = false;
    let killedAt = 0;
    const errors: string[] = [];
    const writer = (async () => {
      for (let i = 0; i < 20_000 && !stop; i++) {
        const k = `k${String(i).padStart(6, '0')}`;
        try {
          await t.put(k, { cf: { q: k } });
          acked.push(k);
        } catch (e) {
          errors.push(String(e));
        }
      }
    })();
    await waitFor('some writes acknowledged', () => acked.length >= 200, 30_000);
    killedAt = Date.now();
    await victim.kill();
    servers = [servers[1]!];
    await waitFor('tablets served again without the killed server', () => allServed(victim.id), 30_000);
    const recoveredMs = Date.now() - killedAt;
    const before = acked.length;
    await waitFor('writes continuing after recovery', () => acked.length >= before + 100, 30_000);
    stop = true;
    await writer;
    process.stdout.write(`kill -9 → all tablets served again: ${recoveredMs} ms (${acked.length} acknowledged writes, ${errors.length} errors)\n`);
    expect(errors).toEqual([]);
    const rows = await t.scan({ prefix: 'k' }).toArray();
    const got = new Set(rows.map((r) => r.keyString));
    const missing = acked.filter((k) => !got.has(k));
    expect(missing).toEqual([]);
    // The earlier rows survived too.
    expect((await t.scan({ prefix: 'row' }).toArray()).length).toBe(400);
  }, 180_000);

  it('fencing: a server paused past its lease cannot write its old tablets or their manifests after resuming', async () => {
    servers.push(await cluster.startTabletServer());
    await waitFor('new server live', async () => (await status()).servers.filter((s) => s.live).length === 2);
    const paused = servers[0]!;
    const mine = (await status()).tablets.filter((x) => x.server === paused.id);
    expect(mine.length).toBeGreaterThan(0);
    paused.process.kill('SIGSTOP');
    try {
      await waitFor('tablets moved off the paused server', () => allServed(paused.id), 30_000);
    } finally {
      paused.process.kill('SIGCONT');
    }
    const after = await status();
    const direct = new RemoteTabletServer(paused.endpoint, paused.id, { deadlineMs: 10_000 });
    try {
      for (const old of mine) {
        const now = after.tablets.find((x) => x.id === old.id)!;
        expect(now.server).not.toBe(paused.id);
        expect(now.epoch).toBeGreaterThan(old.epoch);
        // Right after SIGCONT and later, after it re-registered: the stale server refuses the write.
        for (let round = 0; round < 2; round++) {
          const [err] = await direct.mutate(old.id, [{ row: old.startRow.length ? old.startRow : Buffer.from('a'), mutations: [
            { type: 'setCell', family: 'cf', qualifier: Buffer.from('q'), timestamp: -1, value: Buffer.from('stale') },
          ] }]).catch((e: unknown) => [e]);
          expect(err).toBeDefined();
          await new Promise((r) => setTimeout(r, 800));
        }
      }
    } finally {
      direct.close();
    }
    // No manifest of a moved tablet was written by the stale server: the newest carries the new owner's epoch.
    const storage = new LocalStorage(cluster.dataDir);
    for (const old of mine) {
      const final = (await status()).tablets.find((x) => x.id === old.id)!;
      expect(final.server).not.toBe(paused.id);
      const manifest = await newManifestStore(storage, `tablets/${old.id}`).load();
      expect(manifest?.epoch).toBe(final.epoch);
    }
    // Every row is still there and no "stale" value is visible.
    const rows = await client(servers[1]!.endpoint).table('t').scan({ prefix: 'row' }).toArray();
    expect(rows.length).toBe(400);
    expect(rows.every((r) => r.value('cf', 'q')?.toString() !== 'stale')).toBe(true);
  }, 180_000);

  it('kill -9 of the master in the middle of a backup: the restarted master removes the half-made backup and its snapshots', async () => {
    const instance = 'projects/p/instances/i';
    const tableName = `${instance}/tables/bkill`;
    const api = rawClients(Number(cluster.master.endpoint.split(':').pop()));
    const splits = Array.from({ length: 59 }, (_, i) => ({ key: Buffer.from(`k${String(i + 1).padStart(2, '0')}`) }));
    await callUnary(api.tableAdmin, 'CreateTable', { parent: instance, tableId: 'bkill', table: { columnFamilies: { f: {} } }, initialSplits: splits });
    await waitFor('the table is served', allServed, 30_000);
    // A row in every tablet, so every snapshot flushes first (a backup of 60 tablets takes a while).
    const entries = ['k00', ...splits.map((s) => s.key.toString())].map((k) => ({ rowKey: Buffer.from(`${k}-row`), mutations: [{ setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.from(k) } }] }));
    await callStream(api.data, 'MutateRows', { tableName, entries });
    const tabletIds = new Set((await status()).tablets.map((t) => t.id));
    const storage = new LocalStorage(cluster.dataDir);
    const snapshotDirs = async () => [...new Set((await storage.list('tablets/')).map((f) => f.split('/')[1]!))].filter((d) => !tabletIds.has(d));
    const expire = { seconds: String(Math.floor(Date.now() / 1000) + 7 * 3600) };
    const backup = callUnary(api.tableAdmin, 'CreateBackup', { parent: `${instance}/clusters/i-c1`, backupId: 'killed', backup: { sourceTable: tableName, expireTime: expire } }).then(() => 'done', () => 'failed');
    await waitFor('a first snapshot', async () => (await snapshotDirs()).length > 0, 30_000);
    await cluster.master.kill();
    expect(await backup).toBe('failed');
    const left = (await snapshotDirs()).length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(60);
    api.close();
    await cluster.startMaster();
    master.close();
    master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 5000 });
    await waitFor('servers re-registered', async () => (await status()).servers.filter((s) => s.live).length >= 2, 30_000);
    // The sweep retries until a tablet server can delete the snapshots.
    await waitFor('the snapshots are gone', async () => (await snapshotDirs()).length === 0, 30_000);
    const api2 = rawClients(Number(cluster.master.endpoint.split(':').pop()));
    try {
      const listed = await callUnary(api2.tableAdmin, 'ListBackups', { parent: `${instance}/clusters/-` });
      expect((listed.backups ?? []) as unknown[]).toEqual([]);
      // The name is free, and a backup made now is whole.
      await waitFor('all served', () => allServed(), 30_000);
      await callUnary(api2.tableAdmin, 'CreateBackup', { parent: `${instance}/clusters/i-c1`, backupId: 'killed', backup: { sourceTable: tableName, expireTime: expire } });
      await callUnary(api2.tableAdmin, 'RestoreTable', { parent: instance, tableId: 'bkill-restored', backup: `${instance}/clusters/i-c1/backups/killed` });
      await waitFor('all served', () => allServed(), 30_000);
      const responses = await callStream(api2.data, 'ReadRows', { tableName: `${instance}/tables/bkill-restored` });
      expect(responses.flatMap((r) => (r.chunks ?? []) as unknown[]).length).toBe(60);
      await callUnary(api2.tableAdmin, 'DeleteBackup', { name: `${instance}/clusters/i-c1/backups/killed` });
    } finally {
      api2.close();
    }
  }, 180_000);

  it('master restart while servers run: nothing lost, assignment resumes undisturbed', async () => {
    await waitFor('all served', () => allServed(), 30_000);
    const before = await status();
    await cluster.master.kill();
    // Data requests through a tablet server keep working while the master is down (cached routes).
    const t = client(servers[1]!.endpoint).table('t');
    await t.put('during-restart', { cf: { q: 'x' } });
    await cluster.startMaster();
    master.close();
    master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 5000 });
    await waitFor('servers re-registered', async () => (await status()).servers.filter((s) => s.live).length >= 2, 30_000);
    await waitFor('all served', () => allServed(), 30_000);
    const after = await status();
    for (const tb of before.tablets) {
      const a = after.tablets.find((x) => x.id === tb.id)!;
      // Servers that kept running kept their tablets under the same epoch.
      if (after.servers.find((s) => s.serverId === tb.server)?.live) expect({ server: a.server, epoch: a.epoch }).toEqual({ server: tb.server, epoch: tb.epoch });
    }
    expect((await client(cluster.master.endpoint).table('t').get('during-restart'))?.value('cf', 'q')?.toString()).toBe('x');
    expect((await t.scan({ prefix: 'row' }).toArray()).length).toBe(400);
  }, 180_000);
});

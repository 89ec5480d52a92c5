/**
 * File GC in a cluster of processes: the master deletes the SSTables no
 * manifest references any more (here a deleted table's, kept while a backup
 * named them), never a live table's. Short interval and minimum age
 * (--file-gc-interval, --file-gc-min-age) so the test need not wait minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { newManifestStore } from '../../src/lsm/manifest/manifest-store.js';
import { RemoteMaster } from '../../src/rpc/master-grpc.js';
import { ProcessCluster, waitFor } from './cluster-processes.js';
import { callStream, callUnary, rawClients, type RawClients } from '../api/api-clients.js';

const INSTANCE = 'projects/p/instances/i';
let cluster: ProcessCluster;
let master: RemoteMaster;
let api: RawClients;

beforeAll(async () => {
  cluster = new ProcessCluster({ leaseMs: 1500, heartbeatMs: 250, tickMs: 150, masterArgs: ['--file-gc-interval', '300ms', '--file-gc-min-age', '2s'] });
  await cluster.startMaster();
  master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 10_000 });
  await cluster.startTabletServer();
  await waitFor('a live server', async () => (await master.clusterStatus()).servers.some((s) => s.live));
  api = rawClients(Number(cluster.master.endpoint.split(':').pop()));
}, 120_000);

afterAll(async () => {
  api?.close();
  master?.close();
  await cluster?.stopAll();
}, 60_000);

async function load(table: string): Promise<void> {
  await callUnary(api.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: table, table: { columnFamilies: { f: {} } }, initialSplits: [{ key: Buffer.from('k100') }] });
  await waitFor('served', async () => (await master.clusterStatus()).tablets.filter((t) => t.table === `${INSTANCE}/tables/${table}`).every((t) => t.state === 'serving'));
  const entries = Array.from({ length: 200 }, (_, i) => ({ rowKey: Buffer.from(`k${String(i).padStart(3, '0')}`), mutations: [{ setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.alloc(100, i) } }] }));
  await callStream(api.data, 'MutateRows', { tableName: `${INSTANCE}/tables/${table}`, entries });
  await master.compactTable(`${INSTANCE}/tables/${table}`); // flushed and compacted: its data is in SSTables
}

describe('file GC run by the master', () => {
  it('deletes a deleted table\'s SSTables once no backup names them, and keeps a live table\'s', async () => {
    const storage = new LocalStorage(cluster.dataDir);
    const dirs = async () => new Set((await storage.list('tablets/')).map((f) => f.split('/')[1]!));
    await load('gone');
    const before = await dirs();
    const expire = { seconds: String(Math.floor(Date.now() / 1000) + 7 * 3600) };
    await callUnary(api.tableAdmin, 'CreateBackup', { parent: `${INSTANCE}/clusters/i-c1`, backupId: 'b', backup: { sourceTable: `${INSTANCE}/tables/gone`, expireTime: expire } });
    // The files the backup names: those of its snapshot manifests (older manifest versions of the table named more, now garbage).
    const goneFiles = new Set<string>();
    for (const d of await dirs()) {
      if (before.has(d)) continue;
      for (const r of (await newManifestStore(storage, `tablets/${d}`).load())!.sstables) goneFiles.add(r.file);
    }
    expect(goneFiles.size).toBeGreaterThan(0);
    await callUnary(api.tableAdmin, 'DeleteTable', { name: `${INSTANCE}/tables/gone` });
    await load('live');
    // Past the minimum age, through several GC passes.
    await new Promise((r) => setTimeout(r, 3000));
    const liveFiles: string[] = [];
    for (const t of (await master.clusterStatus()).tablets.filter((x) => x.table === `${INSTANCE}/tables/live`)) {
      for (const r of (await newManifestStore(storage, `tablets/${t.id}`).load())!.sstables) liveFiles.push(r.file);
    }
    expect(liveFiles.length).toBeGreaterThan(0);
    // Several GC passes later (all files past the minimum age): the backup still holds the deleted table's files.
    for (const f of goneFiles) expect(await storage.stat(f), f).toBeDefined();
    await callUnary(api.tableAdmin, 'DeleteBackup', { name: `${INSTANCE}/clusters/i-c1/backups/b` });
    await waitFor('the deleted table\'s files are gone', async () => {
      for (const f of goneFiles) if (await storage.stat(f)) return false;
      return true;
    }, 20_000);
    for (const f of liveFiles) expect(await storage.stat(f), f).toBeDefined();
    const rows = await callStream(api.data, 'ReadRows', { tableName: `${INSTANCE}/tables/live` });
    expect(rows.flatMap((r) => (r.chunks ?? []) as unknown[]).length).toBe(200);
  }, 120_000);
});

/** An in-process cluster for tests: master, N tablet servers and a router over shared storage. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../../src/storage/storage.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { TabletServer } from '../../src/tabletserver/tablet-server.js';
import { Master } from '../../src/master/master.js';
import { Router } from '../../src/api/router.js';
import type { Row } from '../../src/model/cell.js';
import type { TableName } from '../../src/api/table-name.js';

export interface TestCluster {
  storage: Storage;
  servers: TabletServer[];
  master: Master;
  router: Router;
  close(): Promise<void>;
}

export async function startCluster(opts: { servers?: number; storage?: Storage; memtableBytes?: number } = {}): Promise<TestCluster> {
  const storage = opts.storage ?? new MemoryStorage();
  const servers: TabletServer[] = [];
  for (let i = 0; i < (opts.servers ?? 1); i++) servers.push(await TabletServer.open({ storage, serverId: `s${i}`, jobs: 'inline' }));
  const byId = new Map(servers.map((s) => [s.serverId, s]));
  const master = await Master.open({ dir: mkdtempSync(join(tmpdir(), 'tabula-master-')), servers: byId });
  const router = new Router(master, { server: (id) => byId.get(id)! });
  return {
    storage, servers, master, router,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      await master.close();
    },
  };
}

export const TABLE: TableName = { project: 'p', instance: 'i', table: 't' };

export async function scanAll(router: Router, reversed = false): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const r of router.readRows(TABLE, { rowKeys: [], rowRanges: [{}] }, { reversed, signal: new AbortController().signal })) rows.push(r);
  return rows;
}

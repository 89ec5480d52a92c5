/** An in-process cluster for tests: master, N tablet servers and a router over shared storage (as `tabula serve --tablet-servers N`). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../../src/storage/storage.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { TabletServer } from '../../src/tabletserver/tablet-server.js';
import type { Master } from '../../src/master/master.js';
import type { Router } from '../../src/api/router.js';
import { openEmbeddedCluster } from '../../src/bin/embedded-cluster.js';
import type { Row } from '../../src/model/cell.js';
import type { TableName } from '../../src/api/table-name.js';

export interface TestCluster {
  storage: Storage;
  servers: TabletServer[];
  master: Master;
  router: Router;
  close(): Promise<void>;
}

export async function startCluster(opts: { servers?: number; storage?: Storage; masterDir?: string; now?: () => number } = {}): Promise<TestCluster> {
  const storage = opts.storage ?? new MemoryStorage();
  const c = await openEmbeddedCluster({
    storage, masterDir: opts.masterDir ?? mkdtempSync(join(tmpdir(), 'tabula-master-')), tabletServers: opts.servers ?? 1,
    serverId: (i) => `s${i}`, server: { jobs: 'inline' }, ...(opts.now ? { now: opts.now } : {}),
  });
  return { storage, servers: c.servers, master: c.master, router: c.router, close: () => c.close() };
}

export const TABLE: TableName = { project: 'p', instance: 'i', table: 't' };

export async function scanAll(router: Router, reversed = false): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const r of router.readRows(TABLE, { rowKeys: [], rowRanges: [{}] }, { reversed, signal: new AbortController().signal })) rows.push(r);
  return rows;
}

/**
 * Backup benchmark: loads a table (ROWS rows of 100-byte values, 8 tablets
 * on 2 tablet servers over one local data directory, as `tabula serve
 * --tablet-servers 2`), flushes it, then times CreateBackup and RestoreTable
 * (3 of each, by pointer: master.ts "backups") against the alternative a
 * Bigtable user without backups has, reading every row and writing it into
 * a new table. Also prints the SSTable files and bytes before and after, to
 * show that backups and restores write no data.
 *
 * Usage: npm run bench:backup [-- --rows N] (default 1,000,000). With
 * --compiled (what the npm script passes after building) the dist/ build runs.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { RowMutation } from '../src/model/mutation.js';
import type { TableName } from '../src/api/table-name.js';

const COMPILED = process.argv.includes('--compiled');
const lib = COMPILED ? '../dist' : '../src';
const { LocalStorage } = (await import(`${lib}/storage/local-storage.js`)) as typeof import('../src/storage/local-storage.js');
const { openEmbeddedCluster } = (await import(`${lib}/bin/embedded-cluster.js`)) as typeof import('../src/bin/embedded-cluster.js');

const args = process.argv.slice(2);
const ROWS = Number(args[args.indexOf('--rows') + 1] || 0) || 1_000_000;
const REPEAT = 3;
const base = process.env.BENCH_DIR ?? join(process.cwd(), '.bench-data');
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(join(base, 'backup-'));
const storage = new LocalStorage(dir);
const c = await openEmbeddedCluster({ storage, masterDir: join(dir, 'master'), tabletServers: 2, server: { jobs: { localRoot: dir } } });
const T = (table: string): TableName => ({ project: 'p', instance: 'i', table });
const families = new Map([['f', { kind: 'never' as const }]]);
const key = (i: number): Buffer => Buffer.from(`k${String(i).padStart(8, '0')}`);
const splits = Array.from({ length: 7 }, (_, i) => key(Math.floor(((i + 1) * ROWS) / 8)));
const VALUE = randomBytes(100);
const QUAL = Buffer.from('q');
const all = () => ({ rowKeys: [], rowRanges: [{}] });
const signal = () => new AbortController().signal;
const flushAll = async () => { for (const s of c.servers) for (const t of s.host.hosted()) await t.flush(); };
const sstables = async () => {
  let files = 0;
  let bytes = 0;
  for (const f of await storage.list('sst/')) { files++; bytes += (await storage.stat(f))!.size; }
  return `${files} files, ${(bytes / 1e6).toFixed(1)} MB`;
};
const timed = async (fn: () => Promise<unknown>): Promise<number> => { const t = performance.now(); await fn(); return performance.now() - t; };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

console.log(`backup bench (${COMPILED ? 'compiled dist/' : 'TypeScript source via tsx'}): ${ROWS} rows, 100-byte values, 8 tablets on 2 servers; ${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString()}`);
try {
  await c.master.createTable(T('src'), families, splits);
  const loadMs = await timed(async () => {
    for (let b = 0; b < ROWS; b += 1000) {
      const rms: RowMutation[] = [];
      for (let i = b; i < Math.min(ROWS, b + 1000); i++) rms.push({ row: key(i), mutations: [{ type: 'setCell', family: 'f', qualifier: QUAL, timestamp: 1000, value: VALUE }] });
      await c.router.mutateRows(T('src'), rms);
    }
    await flushAll();
  });
  console.log(`loaded and flushed in ${loadMs.toFixed(0)} ms; SSTables: ${await sstables()}`);
  const backupMs: number[] = [];
  const restoreMs: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    const bk = { project: 'p', instance: 'i', cluster: 'i-c1', backup: `b${r}` };
    backupMs.push(await timed(() => c.master.createBackup(bk, T('src'), Date.now() + 7 * 3600_000)));
    restoreMs.push(await timed(() => c.master.restoreTable(T(`restored${r}`), bk)));
  }
  console.log(`after ${REPEAT} backups and restores, SSTables: ${await sstables()}`);
  let restored = 0;
  for await (const _ of c.router.readRows(T(`restored${REPEAT - 1}`), all(), { reversed: false, signal: signal() })) restored++;
  if (restored !== ROWS) throw new Error(`restored table has ${restored} rows, want ${ROWS}`);
  await c.master.createTable(T('copy'), families, splits);
  const copyMs = await timed(async () => {
    let batch: RowMutation[] = [];
    for await (const row of c.router.readRows(T('src'), all(), { reversed: false, signal: signal() })) {
      batch.push({ row: row.key, mutations: row.cells.map((x) => ({ type: 'setCell' as const, family: x.family, qualifier: x.qualifier, timestamp: x.timestamp, value: x.value })) });
      if (batch.length === 1000) { await c.router.mutateRows(T('copy'), batch); batch = []; }
    }
    if (batch.length) await c.router.mutateRows(T('copy'), batch);
    await flushAll();
  });
  console.log(`backup ms: ${backupMs.map((x) => x.toFixed(0)).join(' ')}; restore ms: ${restoreMs.map((x) => x.toFixed(0)).join(' ')}; copy by scan and write: ${copyMs.toFixed(0)} ms`);
  console.log(`bench-backup: backup_ms=${median(backupMs).toFixed(0)} restore_ms=${median(restoreMs).toFixed(0)} copy_ms=${copyMs.toFixed(0)} restore_speedup=${(copyMs / median(restoreMs)).toFixed(0)}`);
} finally {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
}

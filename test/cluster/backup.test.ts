/**
 * Backups by pointer (master.ts "backups"): a backup names the table's
 * SSTables in snapshot manifests and copies no data; it holds every write
 * acknowledged before it started, keeps its files alive through compaction,
 * splits and the deletion of its table, and gives them up when deleted or
 * expired. Failed and crash-interrupted creations and deletions leave
 * nothing behind.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { startCluster, type TestCluster } from './in-process-cluster.js';
import { Catalog } from '../../src/master/catalog.js';
import { collectUnreferencedFiles } from '../../src/lsm/manifest/file-gc.js';
import { newManifestStore } from '../../src/lsm/manifest/manifest-store.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { FailedPreconditionError, NotFoundError, UnavailableError } from '../../src/base/errors.js';
import type { Row } from '../../src/model/cell.js';
import type { RowMutation } from '../../src/model/mutation.js';
import type { TableName } from '../../src/api/table-name.js';
import type { BackupName } from '../../src/api/backup-name.js';

const SRC: TableName = { project: 'p', instance: 'i', table: 'src' };
const DST: TableName = { project: 'p', instance: 'i', table: 'dst' };
const BK: BackupName = { project: 'p', instance: 'i', cluster: 'i-c1', backup: 'bk' };
const HOUR = 3600_000;
const key = (i: number): Buffer => Buffer.from(`k${String(i).padStart(5, '0')}`);
const row = (i: number, v = `v${i}`): RowMutation => ({ row: key(i), mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.from(v) }] });
const families = new Map([['f', { kind: 'never' as const }]]);

async function scan(c: TestCluster, table: TableName): Promise<Array<[string, string]>> {
  const rows: Row[] = [];
  for await (const r of c.router.readRows(table, { rowKeys: [], rowRanges: [{}] }, { reversed: false, signal: new AbortController().signal })) rows.push(r);
  return rows.map((r) => [r.key.toString(), r.cells[0]!.value.toString()]);
}

async function write(c: TestCluster, table: TableName, rms: RowMutation[]): Promise<void> {
  const res = await c.router.mutateRows(table, rms);
  for (const e of res) expect(e).toBeUndefined();
}

const gc = (c: TestCluster) => collectUnreferencedFiles(c.storage, { sstPrefix: 'sst/', manifestDirsPrefix: 'tablets/', minAgeMs: 0 });
const flushAll = async (c: TestCluster) => { for (const s of c.servers) for (const t of s.host.hosted()) await t.flush(); };
const expected = (n: number, v = (i: number) => `v${i}`) => Array.from({ length: n }, (_, i): [string, string] => [key(i).toString(), v(i)]);

describe('backups', () => {
  it('a hot backup reports HOT until its hot_to_standard_time, STANDARD after; the time can move (24 hours after the start at the earliest); a copy is standard', async () => {
    let now = 1_800_000_000_000;
    const c = await startCluster({ now: () => now });
    try {
      await c.master.createTable(SRC, families, []);
      await write(c, SRC, [row(1)]);
      const start = now;
      await expect(c.master.createBackup(BK, SRC, start + 7 * HOUR, { hotToStandardMs: start + 23 * HOUR })).rejects.toThrow(/^backup\.hot_to_standard_time: must be at least 24 hours after/);
      const info = await c.master.createBackup(BK, SRC, start + 70 * HOUR, { hotToStandardMs: start + 30 * HOUR });
      expect(info).toMatchObject({ backupType: 'HOT', hotToStandardMs: start + 30 * HOUR });
      const stays: BackupName = { ...BK, backup: 'stays-hot' };
      expect(await c.master.createBackup(stays, SRC, start + 70 * HOUR, {})).toMatchObject({ backupType: 'HOT' });
      expect((await c.master.getBackup(stays)).hotToStandardMs).toBeUndefined();
      const copy: BackupName = { ...BK, backup: 'copy' };
      expect(await c.master.copyBackup(copy, BK, start + 10 * HOUR)).toMatchObject({ backupType: 'STANDARD' });
      await expect(c.master.updateBackup(copy, { hotToStandardMs: start + 40 * HOUR })).rejects.toThrow(/^backup\.hot_to_standard_time: .* is a standard backup/);
      await expect(c.master.updateBackup(BK, { hotToStandardMs: start + 20 * HOUR })).rejects.toThrow(/^backup\.hot_to_standard_time: must be at least 24 hours/);
      expect(await c.master.updateBackup(BK, { hotToStandardMs: start + 48 * HOUR })).toMatchObject({ backupType: 'HOT', hotToStandardMs: start + 48 * HOUR, expireMs: start + 70 * HOUR });
      now = start + 47 * HOUR;
      expect((await c.master.getBackup(BK)).backupType).toBe('HOT');
      now = start + 48 * HOUR;
      const standard = await c.master.getBackup(BK);
      expect(standard.backupType).toBe('STANDARD');
      expect(standard.hotToStandardMs).toBeUndefined();
      await expect(c.master.updateBackup(BK, { hotToStandardMs: start + 60 * HOUR })).rejects.toThrow(/is a standard backup/);
      expect((await c.master.getBackup(stays)).backupType).toBe('HOT'); // no time set: hot until changed
      // It restores as any backup does.
      await c.master.restoreTable(DST, BK);
      expect(await scan(c, DST)).toEqual([[key(1).toString(), 'v1']]);
    } finally {
      await c.close();
    }
  });

  it('copies no SSTable, survives compaction, splits and the deletion of its table, and frees its files when deleted', async () => {
    const c = await startCluster({ servers: 2 });
    try {
      await c.master.createTable(SRC, families, [key(1000)]);
      await write(c, SRC, Array.from({ length: 2000 }, (_, i) => row(i)));
      await flushAll(c);
      const before = (await c.storage.list('sst/')).sort();
      const info = await c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR);
      expect(info).toMatchObject({ state: 'READY', sourceTable: SRC });
      expect(info.sizeBytes).toBeGreaterThan(0);
      // Nothing was in memory, so the backup wrote manifests only.
      expect((await c.storage.list('sst/')).sort()).toEqual(before);

      // The source changes in every way that rewrites or re-points files, then goes away.
      await write(c, SRC, Array.from({ length: 2000 }, (_, i) => row(i, 'new')));
      const [first] = c.master.locate(formatSrc());
      await c.master.splitTablet(first!.id, key(500));
      await c.master.compactTable(formatSrc());
      await c.master.deleteTable(SRC);
      await gc(c);

      await c.master.restoreTable(DST, BK);
      expect(await scan(c, DST)).toEqual(expected(2000));
      expect(c.master.counters).toMatchObject({ backups: 1, restores: 1 });
      expect(c.master.locate('projects/p/instances/i/tables/dst').map((t) => t.startRow.toString())).toEqual(['', key(1000).toString()]);
      // The restored table is a table like any other, and no longer needs the backup once open.
      await write(c, DST, [row(5000)]);
      await c.master.deleteBackup(BK);
      await expect(c.master.getBackup(BK)).rejects.toBeInstanceOf(NotFoundError);
      await gc(c);
      await c.master.compactTable('projects/p/instances/i/tables/dst');
      await gc(c);
      expect(await scan(c, DST)).toEqual([...expected(2000), [key(5000).toString(), 'v5000']]);
      await c.master.deleteTable(DST);
      await gc(c);
      expect(await c.storage.list('sst/')).toEqual([]);
      expect(await c.storage.list('tablets/')).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('copies by pointer: the copy shares the files, outlives its source and the table, and frees them when deleted', async () => {
    const c = await startCluster({ servers: 2 });
    try {
      await c.master.createTable(SRC, families, [key(100)]);
      await write(c, SRC, Array.from({ length: 200 }, (_, i) => row(i)));
      await c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR);
      const files = (await c.storage.list('sst/')).sort();
      const COPY: BackupName = { project: 'p', instance: 'j', cluster: 'j-c1', backup: 'copy' };
      const info = await c.master.copyBackup(COPY, BK, Date.now() + 8 * HOUR);
      expect(info).toMatchObject({ state: 'READY', sourceBackup: BK, sourceTable: SRC });
      expect((await c.storage.list('sst/')).sort()).toEqual(files);
      await expect(c.master.copyBackup({ ...COPY, backup: 'copy2' }, COPY, Date.now() + 8 * HOUR)).rejects.toBeInstanceOf(FailedPreconditionError);
      await expect(c.master.copyBackup({ ...COPY, backup: 'copy3' }, BK, Date.now() + 31 * 24 * HOUR)).rejects.toThrow('expire_time');
      await c.master.deleteBackup(BK);
      await c.master.deleteTable(SRC);
      await gc(c);
      const J: TableName = { project: 'p', instance: 'j', table: 'fromcopy' };
      await c.master.restoreTable(J, COPY);
      expect(await scan(c, J)).toEqual(expected(200));
      await c.master.deleteTable(J);
      await c.master.deleteBackup(COPY);
      await gc(c);
      expect(await c.storage.list('sst/')).toEqual([]);
      expect(await c.storage.list('tablets/')).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('holds writes that were still in memtables (the backup flushes them first)', async () => {
    const c = await startCluster({ servers: 2 });
    try {
      await c.master.createTable(SRC, families, [key(50)]);
      await write(c, SRC, Array.from({ length: 100 }, (_, i) => row(i)));
      await c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR);
      await c.master.restoreTable(DST, BK);
      expect(await scan(c, DST)).toEqual(expected(100));
    } finally {
      await c.close();
    }
  });

  it('carries what the table\'s manifests record beside the files: dropped row ranges and families, aggregate families', async () => {
    const c = await startCluster({ servers: 2 });
    try {
      await c.master.createTable(SRC, new Map([['f', { kind: 'never' }], ['g', { kind: 'never' }], ['n', { kind: 'never' }]]), [key(50)], new Map([['n', 'sum' as const]]));
      const add = (i: number, v: bigint): RowMutation => {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(v);
        return { row: key(i), mutations: [{ type: 'addToCell', family: 'n', qualifier: Buffer.from('c'), timestamp: 0, value: b }] };
      };
      await write(c, SRC, Array.from({ length: 100 }, (_, i) => row(i)));
      await write(c, SRC, Array.from({ length: 100 }, (_, i) => ({ row: key(i), mutations: [{ type: 'setCell', family: 'g', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.from('gone') }] })));
      await write(c, SRC, [add(7, 5n), add(60, 1n)]);
      await flushAll(c);
      await write(c, SRC, [add(7, 10n), add(60, 2n)]);
      // Recorded in the manifests (applied at read time and by full compactions), not yet in the files.
      await c.master.dropRowRange(SRC, { prefix: Buffer.from('k0001') });
      await c.master.modifyColumnFamilies(SRC, [{ type: 'drop', family: 'g' }]);
      await c.master.modifyColumnFamilies(SRC, [{ type: 'create', family: 'g', gcRule: { kind: 'never' } }]);
      await c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR);
      await c.master.restoreTable(DST, BK);
      const rows: Row[] = [];
      for await (const r of c.router.readRows(DST, { rowKeys: [], rowRanges: [{}] }, { reversed: false, signal: new AbortController().signal })) rows.push(r);
      expect(rows.map((r) => r.key.toString())).toEqual(expected(100).map(([k]) => k).filter((k) => !k.startsWith('k0001')));
      expect(rows.flatMap((r) => r.cells).filter((cell) => cell.family === 'g')).toEqual([]);
      const sums = rows.flatMap((r) => r.cells.filter((cell) => cell.family === 'n').map((cell) => [r.key.toString(), cell.value.readBigInt64BE(0)]));
      expect(sums).toEqual([[key(7).toString(), 15n], [key(60).toString(), 3n]]);
      expect((await c.master.getTable(DST)).aggregates).toEqual(new Map([['n', 'sum']]));
      // A write to the restored aggregate family combines with the backed-up state.
      await write(c, DST, [add(7, 100n)]);
      await c.master.compactTable('projects/p/instances/i/tables/dst');
      const after: Row[] = [];
      for await (const r of c.router.readRows(DST, { rowKeys: [key(7)], rowRanges: [] }, { reversed: false, signal: new AbortController().signal })) after.push(r);
      expect(after[0]!.cells.find((cell) => cell.family === 'n')!.value.readBigInt64BE(0)).toBe(115n);
    } finally {
      await c.close();
    }
  });

  it('holds every write acknowledged before it started, while writes and a split go on', async () => {
    const c = await startCluster({ servers: 2 });
    try {
      await c.master.createTable(SRC, families, []);
      const acked = new Set<number>();
      let stop = false;
      const writer = (async () => {
        for (let b = 0; !stop && b < 400; b++) {
          const batch = Array.from({ length: 20 }, (_, j) => b * 20 + j);
          await write(c, SRC, batch.map((i) => row(i)));
          for (const i of batch) acked.add(i);
          await new Promise((r) => setTimeout(r, 1));
        }
      })();
      while (acked.size < 2000) await new Promise((r) => setTimeout(r, 5));
      const [t] = c.master.locate(formatSrc());
      const ackedBefore = new Set(acked);
      // The split may run before, during or after the snapshots; the backup covers the key space either way.
      await Promise.all([c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR), c.master.splitTablet(t!.id, key(1000))]);
      const ackedAfter = new Set(acked);
      stop = true;
      await writer;
      await c.master.restoreTable(DST, BK);
      const got = (await scan(c, DST)).map(([k]) => Number(k.slice(1)));
      for (const i of ackedBefore) expect(got, `row ${i}`).toContain(i);
      for (const i of got) expect(ackedAfter.has(i), `row ${i} was not written before the backup ended`).toBe(true);
      // Each row was one atomic write: every restored row carries its value.
      expect((await scan(c, DST)).every(([k, v]) => v === `v${Number(k.slice(1))}`)).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('removes a creation that failed part-way, leaving no snapshot behind', async () => {
    const c = await startCluster({ servers: 2 });
    try {
      await c.master.createTable(SRC, families, [key(1000)]);
      await write(c, SRC, [row(1), row(1500)]);
      // The second tablet's server fails its snapshot.
      const owner = c.master.locate(formatSrc())[1]!.server;
      const s = c.servers.find((x) => x.serverId === owner)!;
      const orig = s.snapshotTablet.bind(s);
      let calls = 0;
      s.snapshotTablet = async (...a) => { if (++calls === 1 && c.master.locate(formatSrc())[1]!.id === a[0]) throw new UnavailableError('disk on fire'); return orig(...a); };
      await expect(c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR)).rejects.toThrow('disk on fire');
      await expect(c.master.getBackup(BK)).rejects.toBeInstanceOf(NotFoundError);
      const tabletDirs = new Set((await c.storage.list('tablets/')).map((f) => f.split('/')[1]));
      expect([...tabletDirs].sort()).toEqual(c.master.locate(formatSrc()).map((t) => t.id).sort());
      // And the name is free again.
      await c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR);
    } finally {
      await c.close();
    }
  });

  it('finishes after a crash: a creation or deletion the last master left unfinished is removed by the sweep', async () => {
    const storage = new MemoryStorage();
    const masterDir = mkdtempSync(join(tmpdir(), 'tabula-master-'));
    let c = await startCluster({ storage, masterDir });
    await c.master.createTable(SRC, families, []);
    await write(c, SRC, [row(1)]);
    await c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR);
    await c.close();
    // What a crash would leave: one creation with a snapshot written, one deletion half done.
    const catalog = await Catalog.open(masterDir);
    const done = catalog.backup('projects/p/instances/i/clusters/i-c1/backups/bk')!;
    await newManifestStore(storage, 'tablets/crashed-snap').write({ epoch: 1, flushedSeq: 0, sstables: [], meta: {} });
    await catalog.write({
      backups: [
        { ...done, name: 'projects/p/instances/i/clusters/i-c1/backups/half', state: 'creating', tablets: [{ id: 'crashed-snap', startRow: '', endRow: '' }] },
        { ...done, state: 'deleting' },
      ],
    });
    await catalog.close();
    c = await startCluster({ storage, masterDir });
    try {
      expect((await c.master.listBackups({ project: 'p', instance: 'i' })).map((b) => [b.name.backup, b.state])).toEqual([['half', 'CREATING']]);
      expect((await c.master.sweepBackups()).sort()).toEqual(['projects/p/instances/i/clusters/i-c1/backups/bk', 'projects/p/instances/i/clusters/i-c1/backups/half']);
      expect(await c.master.listBackups({ project: 'p', instance: 'i' })).toEqual([]);
      expect(await storage.list('tablets/crashed-snap/')).toEqual([]);
      expect(await storage.list(`tablets/${done.tablets[0]!.id}/`)).toEqual([]);
      expect(await scan(c, SRC)).toEqual([[key(1).toString(), 'v1']]);
    } finally {
      await c.close();
    }
  });

  it('expires: the sweep deletes a backup once its expire time has passed, and not before', async () => {
    let now = Date.parse('2026-12-06T12:00:00Z');
    const c = await startCluster({ now: () => now });
    try {
      await c.master.createTable(SRC, families, []);
      await write(c, SRC, [row(1)]);
      const info = await c.master.createBackup(BK, SRC, now + 6 * HOUR);
      expect(info.startMs).toBe(now);
      now += 6 * HOUR - 1;
      expect(await c.master.sweepBackups()).toEqual([]);
      // Extending is measured from the backup's creation, as Bigtable does: up to 90 days.
      await expect(c.master.updateBackup(BK, { expireMs: info.startMs + 91 * 24 * HOUR })).rejects.toThrow('backup.expire_time');
      await c.master.updateBackup(BK, { expireMs: now + 2 });
      now += 2;
      expect(await c.master.sweepBackups()).toEqual(['projects/p/instances/i/clusters/i-c1/backups/bk']);
      await expect(c.master.restoreTable(DST, BK)).rejects.toBeInstanceOf(NotFoundError);
      await c.master.deleteTable(SRC);
      await gc(c);
      expect(await c.storage.list('sst/')).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('cannot be deleted while a restored tablet has not been opened from it yet', async () => {
    const c = await startCluster();
    try {
      await c.master.createTable(SRC, families, []);
      await write(c, SRC, Array.from({ length: 10 }, (_, i) => row(i)));
      await c.master.createBackup(BK, SRC, Date.now() + 7 * HOUR);
      const s = c.servers[0]!;
      const open = s.openTablet.bind(s);
      s.openTablet = async () => { throw new UnavailableError('server busy'); };
      await expect(c.master.restoreTable(DST, BK)).rejects.toThrow('server busy');
      s.openTablet = open;
      await expect(c.master.deleteBackup(BK)).rejects.toBeInstanceOf(FailedPreconditionError);
      expect(await c.master.sweepBackups()).toEqual([]);
      // The next assignment opens it from the backup; then the backup may go.
      for (const t of c.master.locate('projects/p/instances/i/tables/dst')) await c.master.assignTablet(t.id);
      await c.master.deleteBackup(BK);
      await gc(c);
      expect(await scan(c, DST)).toEqual(expected(10));
    } finally {
      await c.close();
    }
  });
});

function formatSrc(): string {
  return 'projects/p/instances/i/tables/src';
}

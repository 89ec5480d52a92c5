/**
 * End-to-end suite: the official Node client (@google-cloud/bigtable 6.5) and
 * raw grpc-js clients against a server. Run against the in-memory reference
 * backend (api-server.test.ts) and against the real `tabula serve`
 * (test/e2e/official-client.test.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Bigtable, type Table } from '@google-cloud/bigtable';
import { messages } from '../../src/api/protos.js';
import type { Row } from '../../src/model/cell.js';
import { callStream, callUnary, failure, rawClients, readRowsRaw, type RawClients } from './api-clients.js';

// The client must never probe the GCE metadata server (no network but loopback here).
process.env.METADATA_SERVER_DETECTION = 'none';

const INSTANCE = 'projects/p/instances/i';
const T = (t: string): string => `${INSTANCE}/tables/${t}`;

let server: { port: number; close(): Promise<void> };
let bt: Bigtable;
let raw: RawClients;

/** Defines the whole suite against the server `start` brings up. */
export function defineApiSuite(label: string, start: () => Promise<{ port: number; close(): Promise<void> }>): void {
describe(label, () => {
beforeAll(async () => {
  server = await start();
  bt = new Bigtable({
    projectId: 'p', apiEndpoint: `127.0.0.1:${server.port}`, metricsEnabled: false, universeDomain: 'googleapis.com',
  } as ConstructorParameters<typeof Bigtable>[0]);
  raw = rawClients(server.port);
});

afterAll(async () => {
  raw?.close();
  await bt?.close().catch(() => undefined);
  await server?.close();
});

function ids(rows: Array<{ id: string }>): string[] {
  return rows.map((r) => r.id);
}

function readRaw(req: object, reversed = false): Promise<Row[]> {
  return readRowsRaw(raw.data, req, reversed);
}

describe('official Node client', () => {
  let table: Table;

  it('creates a table with families and GC rules', async () => {
    const instance = bt.instance('i');
    [table] = await instance.createTable('users', {
      families: ['cf1', { name: 'cf2', rule: { versions: 2, age: { seconds: 3600, nanos: 0 }, union: true } }, { name: 'n', rule: { versions: 1 } }],
      splits: [Buffer.from('user5')] as unknown as string[],
    });
    expect(table.name).toBe(T('users'));
    const [families] = await table.getFamilies();
    const meta = Object.fromEntries(families.map((f) => [f.id, f.metadata]));
    expect(Object.keys(meta).sort()).toEqual(['cf1', 'cf2', 'n']);
    expect(meta.n?.gcRule).toMatchObject({ maxNumVersions: 1 });
    const union = (meta.cf2?.gcRule as { union: { rules: Array<Record<string, unknown>> } }).union.rules;
    expect(union).toEqual(expect.arrayContaining([
      expect.objectContaining({ maxNumVersions: 2 }),
      expect.objectContaining({ maxAge: expect.objectContaining({ seconds: '3600' }) }),
    ]));
    const [exists] = await table.exists();
    expect(exists).toBe(true);
    const [missing] = await instance.table('nope').exists();
    expect(missing).toBe(false);
    const [tables] = await instance.getTables();
    expect(tables.map((t) => t.id)).toEqual(['users']);
  });

  it('inserts rows and reads them back, whole and with filters', async () => {
    const rows = [];
    for (let i = 1; i <= 9; i++) {
      rows.push({ key: `user${i}`, data: { cf1: { name: `name-${i}`, email: `u${i}@x` }, cf2: { score: `s${i}` } } });
    }
    await table.insert(rows);
    await table.insert([{ key: 'user1', data: { cf2: { score: 's1-new' } } }]);

    const [all] = await table.getRows();
    expect(ids(all)).toEqual(['user1', 'user2', 'user3', 'user4', 'user5', 'user6', 'user7', 'user8', 'user9']);
    expect(all[0]!.data.cf1.name[0].value).toBe('name-1');
    // Two versions of user1's score, newest first (cf2 keeps 2).
    expect(all[0]!.data.cf2.score.map((c: { value: string }) => c.value)).toEqual(['s1-new', 's1']);

    const [onlyEmail] = await table.getRows({ filter: [{ column: 'email' }] });
    expect(onlyEmail.length).toBe(9);
    expect(Object.keys(onlyEmail[0]!.data)).toEqual(['cf1']);
    expect(Object.keys(onlyEmail[0]!.data.cf1)).toEqual(['email']);

    const [latest] = await table.getRows({ keys: ['user1'], filter: [{ family: 'cf2' }, { column: { cellLimit: 1 } }] });
    expect(latest[0]!.data.cf2.score.map((c: { value: string }) => c.value)).toEqual(['s1-new']);

    const [byKey] = await table.getRows({ filter: [{ row: /user[37]/ }] });
    expect(ids(byKey)).toEqual(['user3', 'user7']);

    const [byValue] = await table.getRows({ filter: [{ value: 'name-4' }] });
    expect(ids(byValue)).toEqual(['user4']);
  });

  it('streams ranges, prefixes, keys and limits', async () => {
    const read = (opts: object): Promise<string[]> => new Promise((resolve, reject) => {
      const out: string[] = [];
      table.createReadStream(opts).on('data', (r: { id: string }) => out.push(r.id)).on('error', reject).on('end', () => resolve(out));
    });
    expect(await read({ start: 'user3', end: 'user5' })).toEqual(['user3', 'user4', 'user5']);
    expect(await read({ ranges: [{ start: { value: 'user3', inclusive: false }, end: { value: 'user6', inclusive: false } }] }))
      .toEqual(['user4', 'user5']);
    expect(await read({ prefix: 'user' , limit: 4 })).toEqual(['user1', 'user2', 'user3', 'user4']);
    expect(await read({ keys: ['user8', 'user2', 'nobody'] })).toEqual(['user2', 'user8']);
    expect(await read({ prefixes: ['user1', 'user9'] })).toEqual(['user1', 'user9']);
  });

  it('round-trips a value larger than 1 MiB', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a);
    big[1_500_000] = 1;
    await table.insert([{ key: 'big', data: { cf1: { blob: big } } }]);
    const [rows] = await table.getRows({ keys: ['big'], decode: false });
    const v = rows[0]!.data.cf1.blob[0].value as Buffer;
    expect(Buffer.isBuffer(v)).toBe(true);
    expect(v.equals(big)).toBe(true);
    await table.row('big').delete();
    const [gone] = await table.getRows({ keys: ['big'] });
    expect(gone.length).toBe(0);
  });

  it('check-and-mutates', async () => {
    const [matched] = await table.row('user2').filter([{ column: 'name' }, { value: 'name-2' }], {
      onMatch: [{ method: 'insert', data: { cf1: { state: 'matched' } } }],
      onNoMatch: [{ method: 'insert', data: { cf1: { state: 'unmatched' } } }],
    });
    expect(matched).toBe(true);
    const [notMatched] = await table.row('user3').filter([{ value: 'no-such-value' }], {
      onMatch: [{ method: 'insert', data: { cf1: { state: 'matched' } } }],
      onNoMatch: [{ method: 'insert', data: { cf1: { state: 'unmatched' } } }],
    });
    expect(notMatched).toBe(false);
    const [rows] = await table.getRows({ keys: ['user2', 'user3'], filter: [{ column: 'state' }] });
    expect(rows.map((r) => r.data.cf1.state[0].value)).toEqual(['matched', 'unmatched']);
  });

  it('read-modify-writes: increment and append', async () => {
    const [v1] = await table.row('counter').increment('n:hits', 5);
    expect(v1).toBe(5);
    const [v2] = await table.row('counter').increment('n:hits', -2);
    expect(v2).toBe(3);
    const [res] = await table.row('counter').createRules([{ column: 'cf1:log', append: 'a' }, { column: 'cf1:log', append: 'bc' }]);
    const cells = (res as { row: { families: Array<{ name: string; columns: Array<{ cells: Array<{ value: Buffer }> }> }> } }).row.families;
    expect(Buffer.from(cells[0]!.columns[0]!.cells[0]!.value).toString()).toBe('abc');
    // 'n' keeps one version: the counter reads back as one 8-byte cell.
    const [rows] = await table.getRows({ keys: ['counter'], decode: false });
    expect((rows[0]!.data.n.hits as unknown[]).length).toBe(1);
    // Incrementing a non 8-byte value is INVALID_ARGUMENT.
    const err = await failure(table.row('counter').increment('cf1:log', 1));
    expect(err.code).toBe(3);
    expect(err.message).toContain('increment_amount');
  });

  it('samples row keys', async () => {
    const [samples] = await table.sampleRowKeys();
    expect(samples.length).toBe(2);
    expect(Buffer.from(samples[0]!.key).toString()).toBe('user5');
    expect(Buffer.from(samples[1]!.key).length).toBe(0);
    expect(Number(samples[1]!.offset)).toBeGreaterThan(Number(samples[0]!.offset));
  });

  it('deletes rows by prefix, truncates, and reports per-entry errors', async () => {
    await table.deleteRows('user1');
    const [left] = await table.getRows({ prefix: 'user' });
    expect(ids(left)).toEqual(['user2', 'user3', 'user4', 'user5', 'user6', 'user7', 'user8', 'user9']);
    await table.truncate();
    const [none] = await table.getRows();
    expect(none.length).toBe(0);

    const err = await failure(table.insert([{ key: 'ok', data: { cf1: { q: 'v' } } }, { key: 'bad', data: { nofamily: { q: 'v' } } }]));
    const perEntry = (err as unknown as { errors?: Array<{ code: number }> }).errors ?? [];
    expect(perEntry.map((e) => e.code)).toEqual([5]);
    const [rows] = await table.getRows();
    expect(ids(rows)).toEqual(['ok']);
  });

  it('deletes a table, except under deletion protection', async () => {
    const instance = bt.instance('i');
    const [t2] = await instance.createTable('protected', { families: ['f'] });
    // Through the client's generated admin surface: a long-running operation that is already done.
    const gax = bt as unknown as { request(cfg: object, cb: (err: Error | null, op: GaxOperation) => void): void };
    interface GaxOperation { done: boolean; promise(): Promise<[{ deletionProtection: boolean }]> }
    const gaxOp = await new Promise<GaxOperation>((resolve, reject) => gax.request({
      client: 'BigtableTableAdminClient', method: 'updateTable',
      reqOpts: { table: { name: T('protected'), deletionProtection: true }, updateMask: { paths: ['deletion_protection'] } },
    }, (err, op) => (err ? reject(err) : resolve(op))));
    expect(gaxOp.done).toBe(true);
    const [updated] = await gaxOp.promise();
    expect(updated.deletionProtection).toBe(true);
    const op = await callUnary(raw.tableAdmin, 'UpdateTable', {
      table: { name: T('protected'), deletionProtection: true }, updateMask: { paths: ['deletion_protection'] },
    });
    expect(op.done).toBe(true);
    const any = op.response as { type_url: string; value: Buffer };
    expect(any.type_url).toBe('type.googleapis.com/google.bigtable.admin.v2.Table');
    expect(messages.Table.deserialize(any.value)).toMatchObject({ name: T('protected'), deletionProtection: true });
    const err = await failure(t2.delete());
    expect(err.code).toBe(9);
    await callUnary(raw.tableAdmin, 'UpdateTable', {
      table: { name: T('protected'), deletionProtection: false }, updateMask: { paths: ['deletion_protection'] },
    });
    await t2.delete();
    await table.delete();
    const [exists] = await table.exists();
    expect(exists).toBe(false);
  });

  it('describes instances (those holding a table or a backup) and each one\'s single cluster; changes are UNIMPLEMENTED', async () => {
    await bt.instance('other').createTable('x', { families: ['f'] });
    await bt.instance('i').createTable('instances-check', { families: ['f'] });
    const [instances] = await bt.getInstances();
    expect(instances.map((i) => i.id)).toEqual(expect.arrayContaining(['i', 'other']));
    expect(instances.find((i) => i.id === 'other')!.metadata).toMatchObject({ name: 'projects/p/instances/other', displayName: 'other', state: 'READY' });
    const [clusters] = await bt.instance('i').getClusters();
    expect(clusters.map((c) => [c.id, c.metadata?.state])).toEqual([['i-c1', 'READY']]);
    const [all] = await callUnary(raw.instanceAdmin, 'ListClusters', { parent: 'projects/p/instances/-' }).then((r) => [(r.clusters as Array<{ name: string }>).map((c) => c.name)]);
    expect(all).toEqual(expect.arrayContaining(['projects/p/instances/i/clusters/i-c1', 'projects/p/instances/other/clusters/other-c1']));
    expect(await callUnary(raw.instanceAdmin, 'GetCluster', { name: 'projects/p/instances/i/clusters/i-c1' })).toMatchObject({ name: 'projects/p/instances/i/clusters/i-c1', location: 'projects/p/locations/tabula', state: 'READY' });
    expect((await failure(callUnary(raw.instanceAdmin, 'GetCluster', { name: 'projects/p/instances/i/clusters/east' }))).code).toBe(5);
    expect((await failure(callUnary(raw.instanceAdmin, 'ListInstances', { parent: 'p' }))).code).toBe(3);
    expect((await failure(bt.createInstance('new', { clusters: [{ id: 'c', location: 'us-east1-b', nodes: 1 }] }))).code).toBe(12);
    await bt.instance('other').table('x').delete();
    await bt.instance('i').table('instances-check').delete();
    expect((await bt.getInstances())[0].map((i) => i.id)).not.toContain('other');
  });
});

describe('backups', () => {
  const CLUSTER = `${INSTANCE}/clusters/i-c1`;
  const B = (b: string): string => `${CLUSTER}/backups/${b}`;
  const hours = (h: number): { seconds: string } => ({ seconds: String(Math.floor((Date.now() + h * 3600_000) / 1000)) });
  const backupRaw = (table: string, id: string, expire = hours(7)) => callUnary(raw.tableAdmin, 'CreateBackup', {
    parent: CLUSTER, backupId: id, backup: { sourceTable: T(table), expireTime: expire },
  });

  beforeAll(async () => {
    await callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'bk-raw', table: { columnFamilies: { f: {} } } });
  });

  it('backs up a table, restores it into a new table and deletes it, through the official client', async () => {
    const instance = bt.instance('i');
    const [src] = await instance.createTable('bk-src', { families: ['cf'] });
    await src.insert([{ key: 'r1', data: { cf: { q: 'one' } } }, { key: 'r2', data: { cf: { q: 'two' } } }]);
    const expireTime = new Date(Date.now() + 7 * 3600_000);
    // The client picks a READY cluster from the table's replication view, then runs the long-running operation.
    const [backup, op] = await src.createBackup('b1', { expireTime });
    await op.promise();
    const [meta] = await backup.getMetadata();
    expect(meta).toMatchObject({ name: B('b1'), sourceTable: T('bk-src'), state: 'READY', backupType: 'STANDARD' });
    expect(Number(meta.expireTime!.seconds)).toBe(Math.floor(expireTime.getTime() / 1000));
    expect(Number(meta.startTime!.seconds)).toBeLessThanOrEqual(Number(meta.endTime!.seconds));

    // Written after the backup: not in it.
    await src.insert([{ key: 'r3', data: { cf: { q: 'three' } } }]);
    await src.row('r1').delete();

    const [listed] = await instance.getBackups();
    expect(listed.map((b) => b.id)).toContain('b1');
    const later = new Date(Date.now() + 30 * 3600_000);
    await backup.setMetadata({ expireTime: later });
    expect(Number((await backup.getMetadata())[0].expireTime!.seconds)).toBe(Math.floor(later.getTime() / 1000));

    const [restored, rop] = await backup.restore('bk-restored');
    await rop.promise();
    const [rows] = await restored.getRows();
    expect(rows.map((r) => [r.id, r.data.cf.q[0].value])).toEqual([['r1', 'one'], ['r2', 'two']]);
    const [tmeta] = await restored.getMetadata();
    expect(tmeta.restoreInfo).toMatchObject({ sourceType: 'BACKUP', backupInfo: { backup: B('b1'), sourceTable: T('bk-src') } });
    expect(Object.keys(tmeta.columnFamilies ?? {})).toEqual(['cf']);

    // The two tables are independent from now on, and the restored one outlives its source and the backup.
    await restored.insert([{ key: 'r9', data: { cf: { q: 'nine' } } }]);
    expect((await src.getRows())[0].map((r) => r.id)).toEqual(['r2', 'r3']);
    // A copy outlives the backup it was copied from.
    const [copy, cop] = await backup.copy({ cluster: instance.cluster('i-c1'), id: 'b1-copy', expireTime: new Date(Date.now() + 10 * 3600_000) });
    await cop.promise();
    expect((await copy.getMetadata())[0]).toMatchObject({ name: B('b1-copy'), sourceBackup: B('b1'), sourceTable: T('bk-src'), state: 'READY' });
    await src.delete();
    await backup.delete();
    expect((await failure(backup.getMetadata())).code).toBe(5);
    expect((await restored.getRows())[0].map((r) => r.id)).toEqual(['r1', 'r2', 'r9']);
    await restored.delete();
    const [fromCopy, fop] = await copy.restore('bk-from-copy');
    await fop.promise();
    expect((await fromCopy.getRows())[0].map((r) => [r.id, r.data.cf.q[0].value])).toEqual([['r1', 'one'], ['r2', 'two']]);
    await fromCopy.delete();
    await copy.delete();
  });

  it('makes a hot backup: HOT with its hot_to_standard_time in Get and List, which UpdateBackup moves; it restores; a copy of it is standard', async () => {
    const created = await callUnary(raw.tableAdmin, 'CreateBackup', {
      parent: CLUSTER, backupId: 'hot1', backup: { sourceTable: T('bk-raw'), expireTime: hours(70), backupType: 'HOT', hotToStandardTime: hours(30) },
    });
    expect(created.done).toBe(true);
    const got = await callUnary(raw.tableAdmin, 'GetBackup', { name: B('hot1') });
    expect(got).toMatchObject({ backupType: 'HOT', state: 'READY' });
    expect(Number((got.hotToStandardTime as { seconds: string }).seconds)).toBe(Number(hours(30).seconds));
    const listed = await callUnary(raw.tableAdmin, 'ListBackups', { parent: CLUSTER, filter: 'name:hot1' });
    expect((listed.backups as Array<{ backupType: string }>).map((b) => b.backupType)).toEqual(['HOT']);
    const moved = await callUnary(raw.tableAdmin, 'UpdateBackup', { backup: { name: B('hot1'), hotToStandardTime: hours(48) }, updateMask: { paths: ['hot_to_standard_time'] } });
    expect(moved.backupType).toBe('HOT');
    expect(Number((moved.hotToStandardTime as { seconds: string }).seconds)).toBe(Number(hours(48).seconds));
    expect(Number((moved.expireTime as { seconds: string }).seconds)).toBe(Number(hours(70).seconds)); // untouched
    // Without a time it stays hot; a copy is standard.
    await callUnary(raw.tableAdmin, 'CreateBackup', { parent: CLUSTER, backupId: 'hot2', backup: { sourceTable: T('bk-raw'), expireTime: hours(7), backupType: 'HOT' } });
    const hot2 = await callUnary(raw.tableAdmin, 'GetBackup', { name: B('hot2') });
    expect(hot2.backupType).toBe('HOT');
    expect(hot2.hotToStandardTime ?? null).toBeNull();
    await callUnary(raw.tableAdmin, 'CopyBackup', { parent: CLUSTER, backupId: 'hot1-copy', sourceBackup: B('hot1'), expireTime: hours(7) });
    expect((await callUnary(raw.tableAdmin, 'GetBackup', { name: B('hot1-copy') })).backupType).toBe('STANDARD');
    await callUnary(raw.tableAdmin, 'RestoreTable', { parent: INSTANCE, tableId: 'from-hot', backup: B('hot1') });
    await callUnary(raw.tableAdmin, 'DeleteTable', { name: T('from-hot') });
    for (const id of ['hot1-copy', 'hot1', 'hot2']) await callUnary(raw.tableAdmin, 'DeleteBackup', { name: B(id) });
  });

  it('copies a backup into another instance, where a table is restored from it; a copy cannot be copied', async () => {
    await backupRaw('bk-raw', 'tocopy');
    const other = 'projects/p/instances/j';
    const op = await callUnary(raw.tableAdmin, 'CopyBackup', { parent: `${other}/clusters/j-c1`, backupId: 'copied', sourceBackup: B('tocopy'), expireTime: hours(8) });
    expect(op.done).toBe(true);
    const meta = op.metadata as { type_url: string; value: Buffer };
    expect(meta.type_url).toBe('type.googleapis.com/google.bigtable.admin.v2.CopyBackupMetadata');
    expect(messages.CopyBackupMetadata.deserialize(meta.value)).toMatchObject({ name: `${other}/clusters/j-c1/backups/copied`, sourceBackupInfo: { backup: B('tocopy'), sourceTable: T('bk-raw') } });
    const response = op.response as { value: Buffer };
    expect(messages.Backup.deserialize(response.value)).toMatchObject({ name: `${other}/clusters/j-c1/backups/copied`, sourceBackup: B('tocopy'), state: 'READY' });
    const again = await failure(callUnary(raw.tableAdmin, 'CopyBackup', { parent: CLUSTER, backupId: 'copy2', sourceBackup: `${other}/clusters/j-c1/backups/copied`, expireTime: hours(8) }));
    expect(again.code).toBe(9);
    expect(again.details).toContain('copy');
    await callUnary(raw.tableAdmin, 'DeleteBackup', { name: B('tocopy') });
    await callUnary(raw.tableAdmin, 'RestoreTable', { parent: other, tableId: 'from-copy', backup: `${other}/clusters/j-c1/backups/copied` });
    expect((await callUnary(raw.tableAdmin, 'GetTable', { name: `${other}/tables/from-copy` })).name).toBe(`${other}/tables/from-copy`);
    await callUnary(raw.tableAdmin, 'DeleteTable', { name: `${other}/tables/from-copy` });
    await callUnary(raw.tableAdmin, 'DeleteBackup', { name: `${other}/clusters/j-c1/backups/copied` });
  });

  it('answers done operations with Bigtable\'s metadata and response types', async () => {
    const op = await backupRaw('bk-raw', 'ops');
    expect(op.done).toBe(true);
    expect(op.name).toMatch(new RegExp(`^${B('ops')}/operations/`));
    const response = op.response as { type_url: string; value: Buffer };
    expect(response.type_url).toBe('type.googleapis.com/google.bigtable.admin.v2.Backup');
    expect(messages.Backup.deserialize(response.value)).toMatchObject({ name: B('ops'), sourceTable: T('bk-raw'), state: 'READY' });
    const metadata = op.metadata as { type_url: string; value: Buffer };
    expect(metadata.type_url).toBe('type.googleapis.com/google.bigtable.admin.v2.CreateBackupMetadata');
    expect(messages.CreateBackupMetadata.deserialize(metadata.value)).toMatchObject({ name: B('ops'), sourceTable: T('bk-raw') });
    const rop = await callUnary(raw.tableAdmin, 'RestoreTable', { parent: INSTANCE, tableId: 'bk-ops-restored', backup: B('ops') });
    expect(rop.done).toBe(true);
    const rmeta = rop.metadata as { type_url: string; value: Buffer };
    expect(rmeta.type_url).toBe('type.googleapis.com/google.bigtable.admin.v2.RestoreTableMetadata');
    expect(messages.RestoreTableMetadata.deserialize(rmeta.value)).toMatchObject({
      name: T('bk-ops-restored'), sourceType: 'BACKUP', backupInfo: { backup: B('ops'), sourceTable: T('bk-raw') }, progress: { progressPercent: 100 },
    });
    expect((rop.response as { type_url: string }).type_url).toBe('type.googleapis.com/google.bigtable.admin.v2.Table');
    await callUnary(raw.tableAdmin, 'DeleteTable', { name: T('bk-ops-restored') });
    await callUnary(raw.tableAdmin, 'DeleteBackup', { name: B('ops') });
  });

  it('lists backups with filters, order and pages', async () => {
    for (const [id, h] of [['lb-a', 9], ['lb-b', 7], ['lb-c', 8]] as const) await backupRaw('bk-raw', id, hours(h));
    const list = async (req: object): Promise<{ ids: string[]; next: string }> => {
      const res = await callUnary(raw.tableAdmin, 'ListBackups', { parent: CLUSTER, ...req });
      return { ids: ((res.backups ?? []) as Array<{ name: string }>).map((b) => b.name.split('/').pop()!), next: (res.nextPageToken as string | undefined) ?? '' };
    };
    expect((await list({ filter: 'name:lb-', orderBy: 'expire_time' })).ids).toEqual(['lb-b', 'lb-c', 'lb-a']);
    expect((await list({ filter: 'name:lb-', orderBy: 'expire_time desc' })).ids).toEqual(['lb-a', 'lb-c', 'lb-b']);
    expect((await list({ filter: 'name:lb-', orderBy: 'name' })).ids).toEqual(['lb-a', 'lb-b', 'lb-c']);
    const cut = new Date(Date.now() + 7.5 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect((await list({ filter: `(name:lb-) AND (expire_time > "${cut}")`, orderBy: 'name' })).ids).toEqual(['lb-a', 'lb-c']);
    expect((await list({ filter: `name:lb- AND expire_time < ${cut}`, orderBy: 'name' })).ids).toEqual(['lb-b']);
    expect((await list({ filter: 'name:lb-a OR name:lb-c', orderBy: 'name desc' })).ids).toEqual(['lb-c', 'lb-a']);
    expect((await list({ filter: 'name:lb- AND NOT name:lb-b AND state:READY', orderBy: 'name' })).ids).toEqual(['lb-a', 'lb-c']);
    expect((await list({ filter: `source_table:"${T('bk-raw')}" AND size_bytes >= 0 AND name:lb-`, orderBy: 'name' })).ids).toEqual(['lb-a', 'lb-b', 'lb-c']);
    const first = await list({ filter: 'name:lb-', orderBy: 'name', pageSize: 2 });
    expect(first.ids).toEqual(['lb-a', 'lb-b']);
    const second = await list({ filter: 'name:lb-', orderBy: 'name', pageSize: 2, pageToken: first.next });
    expect(second).toEqual({ ids: ['lb-c'], next: '' });
    // Every cluster of the instance: the wildcard.
    const all = await callUnary(raw.tableAdmin, 'ListBackups', { parent: `${INSTANCE}/clusters/-`, filter: 'name:lb-' });
    expect((all.backups as unknown[]).length).toBe(3);
    for (const id of ['lb-a', 'lb-b', 'lb-c']) await callUnary(raw.tableAdmin, 'DeleteBackup', { name: B(id) });
    expect((await list({ filter: 'name:lb-' })).ids).toEqual([]);
  });

  const cases: Array<[string, () => Promise<unknown>, number, string]> = [
    ['a backup in a cluster the instance does not have', () => callUnary(raw.tableAdmin, 'CreateBackup', { parent: `${INSTANCE}/clusters/other`, backupId: 'x', backup: { sourceTable: T('bk-raw'), expireTime: hours(7) } }), 5, 'cluster "other"'],
    ['a malformed cluster name', () => callUnary(raw.tableAdmin, 'CreateBackup', { parent: INSTANCE, backupId: 'x', backup: { sourceTable: T('bk-raw'), expireTime: hours(7) } }), 3, 'parent'],
    ['a bad backup id', () => backupRaw('bk-raw', 'bad$id'), 3, 'backup_id'],
    ['a backup without expire_time', () => callUnary(raw.tableAdmin, 'CreateBackup', { parent: CLUSTER, backupId: 'x', backup: { sourceTable: T('bk-raw') } }), 3, 'backup.expire_time'],
    ['an expire time under 6 hours away', () => backupRaw('bk-raw', 'x', hours(5)), 3, 'backup.expire_time'],
    ['an expire time over 90 days away', () => backupRaw('bk-raw', 'x', hours(91 * 24)), 3, 'backup.expire_time'],
    ['an expire time outside Timestamp\'s range', () => backupRaw('bk-raw', 'x', { seconds: '999999999999999' }), 3, 'backup.expire_time.seconds'],
    ['a backup of an unknown table', () => backupRaw('nosuch', 'x'), 5, 'nosuch'],
    ['a backup of another instance\'s table', () => callUnary(raw.tableAdmin, 'CreateBackup', { parent: CLUSTER, backupId: 'x', backup: { sourceTable: 'projects/p/instances/j/tables/bk-raw', expireTime: hours(7) } }), 3, 'backup.source_table'],
    ['a hot backup turning standard under 24 hours after its start', () => callUnary(raw.tableAdmin, 'CreateBackup', { parent: CLUSTER, backupId: 'x', backup: { sourceTable: T('bk-raw'), expireTime: hours(70), backupType: 'HOT', hotToStandardTime: hours(23) } }), 3, 'backup.hot_to_standard_time'],
    ['an unknown backup type', () => callUnary(raw.tableAdmin, 'CreateBackup', { parent: CLUSTER, backupId: 'x', backup: { sourceTable: T('bk-raw'), expireTime: hours(7), backupType: 7 } }), 3, 'backup.backup_type'],
    ['a standard backup given a hot_to_standard_time by UpdateBackup', async () => { await backupRaw('bk-raw', 'std'); try { return await callUnary(raw.tableAdmin, 'UpdateBackup', { backup: { name: B('std'), hotToStandardTime: hours(30) }, updateMask: { paths: ['hot_to_standard_time'] } }); } finally { await callUnary(raw.tableAdmin, 'DeleteBackup', { name: B('std') }); } }, 3, 'backup.hot_to_standard_time'],
    ['an existing backup id', async () => { await backupRaw('bk-raw', 'dup'); try { return await backupRaw('bk-raw', 'dup'); } finally { await callUnary(raw.tableAdmin, 'DeleteBackup', { name: B('dup') }); } }, 6, 'dup'],
    ['getting an unknown backup', () => callUnary(raw.tableAdmin, 'GetBackup', { name: B('nosuch') }), 5, 'nosuch'],
    ['deleting an unknown backup', () => callUnary(raw.tableAdmin, 'DeleteBackup', { name: B('nosuch') }), 5, 'nosuch'],
    ['a malformed backup name', () => callUnary(raw.tableAdmin, 'GetBackup', { name: `${CLUSTER}/nosuch` }), 3, 'name'],
    ['updating a field other than expire_time', () => callUnary(raw.tableAdmin, 'UpdateBackup', { backup: { name: B('nosuch') }, updateMask: { paths: ['source_table'] } }), 3, 'update_mask'],
    ['updating with an empty mask', () => callUnary(raw.tableAdmin, 'UpdateBackup', { backup: { name: B('nosuch'), expireTime: hours(7) }, updateMask: { paths: [] } }), 3, 'update_mask'],
    ['a list filter on an unknown field', () => callUnary(raw.tableAdmin, 'ListBackups', { parent: CLUSTER, filter: 'colour = red' }), 3, 'filter'],
    ['a list filter that does not parse', () => callUnary(raw.tableAdmin, 'ListBackups', { parent: CLUSTER, filter: '(name:x' }), 3, 'filter'],
    ['a list order on an unknown field', () => callUnary(raw.tableAdmin, 'ListBackups', { parent: CLUSTER, orderBy: 'colour desc' }), 3, 'order_by'],
    ['a page token ListBackups never returned', () => callUnary(raw.tableAdmin, 'ListBackups', { parent: CLUSTER, pageToken: 'abc' }), 3, 'page_token'],
    ['restoring from an unknown backup', () => callUnary(raw.tableAdmin, 'RestoreTable', { parent: INSTANCE, tableId: 'r', backup: B('nosuch') }), 5, 'nosuch'],
    ['restoring without a backup', () => callUnary(raw.tableAdmin, 'RestoreTable', { parent: INSTANCE, tableId: 'r' }), 3, 'backup'],
    ['restoring onto an existing table', async () => { await backupRaw('bk-raw', 'onto'); try { return await callUnary(raw.tableAdmin, 'RestoreTable', { parent: INSTANCE, tableId: 'bk-raw', backup: B('onto') }); } finally { await callUnary(raw.tableAdmin, 'DeleteBackup', { name: B('onto') }); } }, 6, 'bk-raw'],
    ['restoring into a bad table id', () => callUnary(raw.tableAdmin, 'RestoreTable', { parent: INSTANCE, tableId: '-r', backup: B('x') }), 3, 'table_id'],
    ['copying an unknown backup', () => callUnary(raw.tableAdmin, 'CopyBackup', { parent: CLUSTER, backupId: 'c', sourceBackup: B('nosuch'), expireTime: hours(7) }), 5, 'nosuch'],
    ['copying without a source', () => callUnary(raw.tableAdmin, 'CopyBackup', { parent: CLUSTER, backupId: 'c', expireTime: hours(7) }), 3, 'source_backup'],
    ['a copy kept over 30 days', async () => { await backupRaw('bk-raw', 'cp30'); try { return await callUnary(raw.tableAdmin, 'CopyBackup', { parent: CLUSTER, backupId: 'c', sourceBackup: B('cp30'), expireTime: hours(31 * 24) }); } finally { await callUnary(raw.tableAdmin, 'DeleteBackup', { name: B('cp30') }); } }, 3, 'expire_time'],
    ['a copy into a cluster the instance does not have', () => callUnary(raw.tableAdmin, 'CopyBackup', { parent: `${INSTANCE}/clusters/x`, backupId: 'c', sourceBackup: B('x'), expireTime: hours(7) }), 5, 'cluster "x"'],
    ['a hot backup\'s standard time', () => callUnary(raw.tableAdmin, 'CreateBackup', { parent: CLUSTER, backupId: 'x', backup: { sourceTable: T('bk-raw'), expireTime: hours(7), hotToStandardTime: hours(30) } }), 3, 'hot_to_standard_time'],
  ];
  for (const [name, call, code, field] of cases) {
    it(`rejects ${name} with code ${code} naming ${field}`, async () => {
      const err = await failure(call());
      expect(err.code).toBe(code);
      expect(err.details).toContain(field);
    });
  }
});

describe('raw gRPC', () => {
  beforeAll(async () => {
    await callUnary(raw.tableAdmin, 'CreateTable', {
      parent: INSTANCE, tableId: 'raw',
      table: { columnFamilies: { f: { gcRule: { maxNumVersions: 3 } }, g: {} } },
    });
    const entries = [];
    for (let i = 0; i < 20; i++) {
      entries.push({
        rowKey: Buffer.from(`k${String(i).padStart(2, '0')}`),
        mutations: [
          { setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.from(`v${i}`) } },
          { setCell: { familyName: 'g', columnQualifier: Buffer.alloc(0), timestampMicros: '-1', value: Buffer.from('x') } },
        ],
      });
    }
    const res = await callStream(raw.data, 'MutateRows', { tableName: T('raw'), entries });
    const statuses = res.flatMap((r) => r.entries as Array<{ status: { code?: number } }>);
    expect(statuses.length).toBe(20);
    expect(statuses.every((s) => (s.status.code ?? 0) === 0)).toBe(true);
  });

  it('refuses a reversed read from a client that did not announce reverse_scans', async () => {
    const err = await failure(callStream(raw.data, 'ReadRows', { tableName: T('raw'), reversed: true }));
    expect(err.code).toBe(3);
    expect(err.details).toMatch(/reversed.*bigtable-features/);
  });

  it('reads reversed, with a limit, and an empty qualifier', async () => {
    const rows = await readRaw({ tableName: T('raw'), reversed: true, rowsLimit: '3' }, true);
    expect(rows.map((r) => r.key.toString())).toEqual(['k19', 'k18', 'k17']);
    expect(rows[0]!.cells.map((c) => [c.family, c.qualifier.toString(), c.value.toString()])).toEqual([['f', 'q', 'v19'], ['g', '', 'x']]);
    expect(rows[0]!.cells[1]!.timestamp % 1000).toBe(0);
    expect(rows[0]!.cells[1]!.timestamp).toBeGreaterThan(1e15);
  });

  it('takes rows_limit up to the int64 maximum (clients pass it for "no limit", as Google\'s service accepts)', async () => {
    const all = await readRaw({ tableName: T('raw') });
    for (const rowsLimit of ['9223372036854775807', '9007199254740993']) {
      const rows = await readRaw({ tableName: T('raw'), rowsLimit });
      expect(rows.map((r) => r.key.toString())).toEqual(all.map((r) => r.key.toString()));
    }
    expect(all.length).toBeGreaterThan(3);
  });

  it('returns request stats when asked', async () => {
    const responses = await callStream(raw.data, 'ReadRows', {
      tableName: T('raw'), requestStatsView: 'REQUEST_STATS_FULL',
      filter: { familyNameRegexFilter: 'f' },
    });
    const stats = responses.at(-1)!.requestStats as { fullReadStatsView: { readIterationStats: Record<string, string> } };
    expect(stats.fullReadStatsView.readIterationStats).toMatchObject({
      rowsSeenCount: '20', rowsReturnedCount: '20', cellsSeenCount: '40', cellsReturnedCount: '20',
    });
  });

  it('reads one row key as any read: request stats, filter, a missing row, a bad filter, a large value in several responses', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    await callUnary(raw.data, 'MutateRow', {
      tableName: T('raw'), rowKey: Buffer.from('point'),
      mutations: [
        { setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.from('a') } },
        { setCell: { familyName: 'g', columnQualifier: Buffer.from('big'), timestampMicros: '1000', value: big } },
      ],
    });
    const point = { rowKeys: [Buffer.from('point')] };
    const responses = await callStream(raw.data, 'ReadRows', {
      tableName: T('raw'), rows: point, requestStatsView: 'REQUEST_STATS_FULL', filter: { familyNameRegexFilter: 'f' },
    });
    const stats = responses.at(-1)!.requestStats as { fullReadStatsView: { readIterationStats: Record<string, string> } };
    expect(stats.fullReadStatsView.readIterationStats).toMatchObject({
      rowsSeenCount: '1', rowsReturnedCount: '1', cellsSeenCount: '2', cellsReturnedCount: '1',
    });
    const whole = await callStream(raw.data, 'ReadRows', { tableName: T('raw'), rows: point });
    expect(whole.length).toBeGreaterThan(2); // the 3 MiB value comes in chunks over several responses
    const [row] = await readRaw({ tableName: T('raw'), rows: point });
    expect(row!.cells.map((c) => c.value.length)).toEqual([1, big.length]);
    expect(Buffer.compare(row!.cells[1]!.value, big)).toBe(0);
    expect(await readRaw({ tableName: T('raw'), rows: { rowKeys: [Buffer.from('absent')] } })).toEqual([]);
    // A bad filter fails even where no row can match.
    const err = await failure(callStream(raw.data, 'ReadRows', {
      tableName: T('raw'), rows: { rowKeys: [Buffer.from('absent')] }, filter: { rowKeyRegexFilter: Buffer.from('(') },
    }));
    expect(err.code).toBe(3);
    expect(err.details).toMatch(/filter/);
  });

  it('reads hundreds of row keys and a range in one request, in key order, up to rows_limit', async () => {
    await callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'many', table: { columnFamilies: { f: {} } } });
    const name = (i: number) => `r${String(i).padStart(3, '0')}`;
    const entries = Array.from({ length: 600 }, (_, i) => ({
      rowKey: Buffer.from(name(i)),
      mutations: [{ setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.from(String(i)) } }],
    }));
    await callStream(raw.data, 'MutateRows', { tableName: T('many'), entries });
    // Every even row by key (listed backwards, one twice), the odd ones of [r550, r560) by range, and keys that do not exist.
    const keys = [...Array.from({ length: 300 }, (_, i) => Buffer.from(name(598 - 2 * i))), Buffer.from(name(10)), Buffer.from('r9999'), Buffer.from('a')];
    const rows = { rowKeys: keys, rowRanges: [{ startKeyClosed: Buffer.from(name(550)), endKeyOpen: Buffer.from(name(560)) }] };
    const want = Array.from({ length: 600 }, (_, i) => i).filter((i) => i % 2 === 0 || (i >= 550 && i < 560)).map(name);
    const all = await readRaw({ tableName: T('many'), rows });
    expect(all.map((r) => r.key.toString())).toEqual(want);
    expect(all.every((r) => r.cells[0]!.value.toString() === String(Number(r.key.toString().slice(1))))).toBe(true);
    const limited = await readRaw({ tableName: T('many'), rows, rowsLimit: '280' });
    expect(limited.map((r) => r.key.toString())).toEqual(want.slice(0, 280));
  });

  it('checks consistency and pings', async () => {
    const { consistencyToken } = await callUnary(raw.tableAdmin, 'GenerateConsistencyToken', { name: T('raw') });
    const { consistent } = await callUnary(raw.tableAdmin, 'CheckConsistency', { name: T('raw'), consistencyToken });
    expect(consistent).toBe(true);
    await callUnary(raw.data, 'PingAndWarm', { name: INSTANCE });
  });

  it('modifies column families', async () => {
    const t = await callUnary(raw.tableAdmin, 'ModifyColumnFamilies', {
      name: T('raw'),
      modifications: [
        { id: 'h', create: { gcRule: { maxAge: { seconds: '60', nanos: 500_000_000 } } } },
        { id: 'g', drop: true },
        { id: 'f', update: { gcRule: { intersection: { rules: [{ maxNumVersions: 1 }, { maxAge: { seconds: '10' } }] } } } },
      ],
    });
    const fams = t.columnFamilies as Record<string, { gcRule: Record<string, unknown> }>;
    expect(Object.keys(fams).sort()).toEqual(['f', 'h']);
    expect(fams.h!.gcRule).toMatchObject({ maxAge: { seconds: '60', nanos: 500_000_000 } });
    expect(fams.f!.gcRule).toMatchObject({ intersection: { rules: [{ maxNumVersions: 1 }, { maxAge: { seconds: '10' } }] } });
    const rows = await readRaw({ tableName: T('raw'), rows: { rowKeys: [Buffer.from('k00')] } });
    expect(rows[0]!.cells.map((c) => c.family)).toEqual(['f']);
  });

  const setCell = (o: Record<string, unknown> = {}): object => ({
    setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.from('v'), ...o },
  });
  const mutateRow = (o: Record<string, unknown>): Promise<unknown> =>
    callUnary(raw.data, 'MutateRow', { tableName: T('raw'), rowKey: Buffer.from('r'), mutations: [setCell()], ...o });

  const cases: Array<[string, () => Promise<unknown>, number, string]> = [
    ['empty row key', () => mutateRow({ rowKey: Buffer.alloc(0) }), 3, 'row_key'],
    ['row key over 4 KiB', () => mutateRow({ rowKey: Buffer.alloc(4097, 1) }), 3, 'row_key'],
    ['qualifier over 16 KiB', () => mutateRow({ mutations: [setCell({ columnQualifier: Buffer.alloc(16 * 1024 + 1) })] }), 3, 'mutations[0].set_cell.column_qualifier'],
    ['bad family name', () => mutateRow({ mutations: [setCell(), setCell({ familyName: 'bad name!' })] }), 3, 'mutations[1].set_cell.family_name'],
    ['family name over 64 chars', () => mutateRow({ mutations: [setCell({ familyName: 'a'.repeat(65) })] }), 3, 'set_cell.family_name'],
    ['value over 100 MiB', () => mutateRow({ mutations: [setCell({ value: Buffer.alloc(104_857_601) })] }), 3, 'mutations[0].set_cell.value'],
    ['timestamp not a multiple of 1000', () => mutateRow({ mutations: [setCell({ timestampMicros: '1500' })] }), 3, 'set_cell.timestamp_micros'],
    ['negative timestamp', () => mutateRow({ mutations: [setCell({ timestampMicros: '-2000' })] }), 3, 'set_cell.timestamp_micros'],
    ['timestamp beyond 2^53', () => mutateRow({ mutations: [setCell({ timestampMicros: '9007199254740993000' })] }), 3, 'set_cell.timestamp_micros'],
    ['inverted time range', () => mutateRow({ mutations: [{ deleteFromColumn: { familyName: 'f', columnQualifier: Buffer.from('q'), timeRange: { startTimestampMicros: '5000', endTimestampMicros: '2000' } } }] }), 3, 'delete_from_column.time_range'],
    ['no mutations', () => mutateRow({ mutations: [] }), 3, 'mutations'],
    ['too many mutations', () => mutateRow({ mutations: new Array(100_001).fill({ deleteFromRow: {} }) }), 3, 'mutations'],
    ['too many mutations in MutateRows', () => callStream(raw.data, 'MutateRows', {
      tableName: T('raw'),
      entries: [1, 2].map((i) => ({ rowKey: Buffer.from(`r${i}`), mutations: new Array(50_001).fill({ deleteFromRow: {} }) })),
    }), 3, 'entries'],
    ['add_to_cell without an input', () => mutateRow({ mutations: [{ addToCell: { familyName: 'f' } }] }), 3, 'mutations[0].add_to_cell.input'],
    ['add_to_cell into a family that does not aggregate', () => mutateRow({ mutations: [{ addToCell: { familyName: 'f', columnQualifier: { rawValue: Buffer.from('q') }, timestamp: { rawTimestampMicros: '1000' }, input: { intValue: '1' } } }] }), 3, 'not an aggregate family'],
    ['add_to_cell with a string input', () => mutateRow({ mutations: [{ addToCell: { familyName: 'f', columnQualifier: { rawValue: Buffer.from('q') }, timestamp: { rawTimestampMicros: '1000' }, input: { stringValue: 'x' } } }] }), 3, 'add_to_cell.input'],
    ['add_to_cell with a string qualifier', () => mutateRow({ mutations: [{ addToCell: { familyName: 'f', columnQualifier: { stringValue: 'q' }, timestamp: { rawTimestampMicros: '1000' }, input: { intValue: '1' } } }] }), 3, 'add_to_cell.column_qualifier'],
    ['a HyperLogLog aggregate family', () => callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'x', table: { columnFamilies: { h: { valueType: { aggregateType: { inputType: { int64Type: { encoding: { bigEndianBytes: {} } } }, hllppUniqueCount: {} } } } } } }), 12, 'hllpp_unique_count'],
    ['a string aggregate input type', () => callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'x', table: { columnFamilies: { h: { valueType: { aggregateType: { inputType: { stringType: {} }, sum: {} } } } } } }), 3, 'input_type'],
    ['unknown family', () => mutateRow({ mutations: [setCell({ familyName: 'zz' })] }), 5, 'zz'],
    ['malformed table name', () => mutateRow({ tableName: 'tables/raw' }), 3, 'table_name'],
    ['invalid table id in name', () => mutateRow({ tableName: `${INSTANCE}/tables/-x` }), 3, 'table_name'],
    ['unknown table', () => mutateRow({ tableName: T('nosuch') }), 5, 'nosuch'],
    ['bad table id', () => callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'bad$id', table: {} }), 3, 'table_id'],
    ['table id over 50 chars', () => callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'a'.repeat(51), table: {} }), 3, 'table_id'],
    ['malformed parent', () => callUnary(raw.tableAdmin, 'CreateTable', { parent: 'projects/p', tableId: 'x', table: {} }), 3, 'parent'],
    ['bad GC rule', () => callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'x', table: { columnFamilies: { f: { gcRule: { maxNumVersions: 0 } } } } }), 3, 'gc_rule.max_num_versions'],
    ['bad family in CreateTable', () => callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'x', table: { columnFamilies: { 'a b': {} } } }), 3, 'column_families'],
    ['existing table', () => callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'raw', table: {} }), 6, 'raw'],
    ['filter over 20 KiB', () => readRaw({ tableName: T('raw'), filter: { valueRegexFilter: Buffer.alloc(21 * 1024, 0x61) } }), 3, 'filter'],
    ['negative rows_limit', () => readRaw({ tableName: T('raw'), rowsLimit: '-1' }), 3, 'rows_limit'],
    ['row set key over 4 KiB', () => readRaw({ tableName: T('raw'), rows: { rowKeys: [Buffer.alloc(4097)] } }), 3, 'rows.row_keys[0]'],
    ['check-and-mutate without mutations', () => callUnary(raw.data, 'CheckAndMutateRow', { tableName: T('raw'), rowKey: Buffer.from('r') }), 3, 'true_mutations'],
    ['read-modify-write without rules', () => callUnary(raw.data, 'ReadModifyWriteRow', { tableName: T('raw'), rowKey: Buffer.from('r'), rules: [] }), 3, 'rules'],
    ['drop row range without target', () => callUnary(raw.tableAdmin, 'DropRowRange', { name: T('raw') }), 3, 'row_key_prefix'],
    ['unsupported update mask', () => callUnary(raw.tableAdmin, 'UpdateTable', { table: { name: T('raw') }, updateMask: { paths: ['change_stream_config'] } }), 12, 'change_stream_config'],
    ['unimplemented data RPC', () => callStream(raw.data, 'ExecuteQuery', { instanceName: INSTANCE }), 12, 'ExecuteQuery'],
    ['unimplemented admin RPC', () => callUnary(raw.tableAdmin, 'SnapshotTable', { name: T('raw') }), 12, 'SnapshotTable'],
    ['unimplemented instance RPC', () => callUnary(raw.instanceAdmin, 'CreateInstance', { parent: 'projects/p' }), 12, 'CreateInstance'],
  ];

  for (const [name, call, code, field] of cases) {
    it(`rejects ${name} with code ${code} naming ${field}`, async () => {
      const err = await failure(call());
      expect(err.code).toBe(code);
      expect(err.details).toContain(field);
    });
  }

  it('aggregate families: add_to_cell and merge_to_cell combine int64s (sum, min, max); the schema reports the value type', async () => {
    const int64 = { int64Type: { encoding: { bigEndianBytes: {} } } };
    const agg = (a: string): object => ({ valueType: { aggregateType: { inputType: int64, [a]: {} } } });
    await callUnary(raw.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: 'agg', table: { columnFamilies: { s: agg('sum'), mn: agg('min'), mx: agg('max'), plain: {} } } });
    const i64 = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return b; };
    const add = (family: string, v: bigint, ts = '1000'): object => ({ addToCell: { familyName: family, columnQualifier: { rawValue: Buffer.from('c') }, timestamp: { rawTimestampMicros: ts }, input: { intValue: String(v) } } });
    const merge = (family: string, v: bigint): object => ({ mergeToCell: { familyName: family, columnQualifier: { rawValue: Buffer.from('c') }, timestamp: { rawTimestampMicros: '1000' }, input: { rawValue: i64(v) } } });
    for (const f of ['s', 'mn', 'mx']) {
      await callUnary(raw.data, 'MutateRow', { tableName: T('agg'), rowKey: Buffer.from('r'), mutations: [add(f, 5n), add(f, 7n)] });
      await callUnary(raw.data, 'MutateRow', { tableName: T('agg'), rowKey: Buffer.from('r'), mutations: [add(f, -3n), add(f, 1n, '2000')] });
      await callUnary(raw.data, 'MutateRow', { tableName: T('agg'), rowKey: Buffer.from('r'), mutations: [merge(f, 100n)] });
    }
    // MutateRows too (the request decoder's fallback path), and a sum that wraps at 64 bits.
    await callStream(raw.data, 'MutateRows', { tableName: T('agg'), entries: [{ rowKey: Buffer.from('w'), mutations: [add('s', 2n ** 63n - 1n), add('s', 2n)] }] });
    const rows = await readRaw({ tableName: T('agg') });
    const cells = (key: string) => rows.find((r) => r.key.toString() === key)!.cells.map((c) => `${c.family}@${c.timestamp}=${c.value.readBigInt64BE(0)}`);
    expect(cells('r')).toEqual(['mn@2000=1', 'mn@1000=-3', 'mx@2000=1', 'mx@1000=100', 's@2000=1', 's@1000=109']);
    expect(cells('w')).toEqual(['s@1000=-9223372036854775807']);
    // A set_cell of 8 bytes into an aggregate family is combined like an input (as Google's emulator does).
    await callUnary(raw.data, 'MutateRow', { tableName: T('agg'), rowKey: Buffer.from('r'), mutations: [{ setCell: { familyName: 's', columnQualifier: Buffer.from('c'), timestampMicros: '1000', value: i64(10n) } }, add('s', 1n)] });
    const after = await readRaw({ tableName: T('agg'), rows: { rowKeys: [Buffer.from('r')] }, filter: { familyNameRegexFilter: 's' } });
    expect(after[0]!.cells.map((c) => c.value.readBigInt64BE(0))).toEqual([1n, 120n]);
    // A merge of NULL is allowed and has no effect; into a plain family it is still refused.
    await callUnary(raw.data, 'MutateRow', { tableName: T('agg'), rowKey: Buffer.from('r'), mutations: [{ mergeToCell: { familyName: 's', columnQualifier: { rawValue: Buffer.from('c') }, timestamp: { rawTimestampMicros: '1000' }, input: {} } }] });
    const unchanged = await readRaw({ tableName: T('agg'), rows: { rowKeys: [Buffer.from('r')] }, filter: { familyNameRegexFilter: 's' } });
    expect(unchanged[0]!.cells.map((c) => c.value.readBigInt64BE(0))).toEqual([1n, 120n]);
    const nullIntoPlain = await failure(callUnary(raw.data, 'MutateRow', { tableName: T('agg'), rowKey: Buffer.from('r'), mutations: [{ mergeToCell: { familyName: 'plain', columnQualifier: { rawValue: Buffer.from('c') }, timestamp: { rawTimestampMicros: '1000' }, input: {} } }] }));
    expect(nullIntoPlain.code).toBe(3);
    const rmw = await failure(callUnary(raw.data, 'ReadModifyWriteRow', { tableName: T('agg'), rowKey: Buffer.from('r'), rules: [{ familyName: 's', columnQualifier: Buffer.from('c'), incrementAmount: '1' }] }));
    expect(rmw.code).toBe(3);
    expect(rmw.details).toContain('rules[0].family_name');
    const bad = await failure(callUnary(raw.data, 'MutateRow', { tableName: T('agg'), rowKey: Buffer.from('r'), mutations: [{ setCell: { familyName: 's', columnQualifier: Buffer.from('c'), timestampMicros: '1000', value: Buffer.from('abc') } }] }));
    expect(bad.code).toBe(3);
    expect(bad.details).toContain('"s"');
    // The schema: value types in GetTable; one cannot change, a new aggregate family can be added.
    const t = await callUnary(raw.tableAdmin, 'GetTable', { name: T('agg'), view: 'SCHEMA_VIEW' });
    const fams = t.columnFamilies as Record<string, { valueType?: { aggregateType?: Record<string, unknown> } }>;
    expect(fams.s!.valueType!.aggregateType!.sum).toBeDefined();
    expect(fams.mx!.valueType!.aggregateType!.max).toBeDefined();
    expect(fams.plain!.valueType ?? undefined).toBeUndefined();
    const change = await failure(callUnary(raw.tableAdmin, 'ModifyColumnFamilies', { name: T('agg'), modifications: [{ id: 's', update: agg('max') }] }));
    expect(change.code).toBe(9);
    await callUnary(raw.tableAdmin, 'ModifyColumnFamilies', { name: T('agg'), modifications: [{ id: 'n', create: agg('sum') }, { id: 's', update: { gcRule: { maxNumVersions: 5 } } }] });
    await callUnary(raw.data, 'MutateRow', { tableName: T('agg'), rowKey: Buffer.from('n'), mutations: [add('n', 4n), add('n', 4n), add('s', 1n)] });
    const n = await readRaw({ tableName: T('agg'), rows: { rowKeys: [Buffer.from('n')] } });
    expect(n[0]!.cells.map((c) => `${c.family}=${c.value.readBigInt64BE(0)}`)).toEqual(['n=8', 's=1']);
    const t2 = await callUnary(raw.tableAdmin, 'GetTable', { name: T('agg'), view: 'SCHEMA_VIEW' });
    expect((t2.columnFamilies as Record<string, { valueType?: { aggregateType?: Record<string, unknown> } }>).s!.valueType!.aggregateType!.sum).toBeDefined();
  });

  it('answers UNIMPLEMENTED on a bidirectional-streaming RPC', async () => {
    const stream = raw.data.OpenTable!({}) as unknown as NodeJS.EventEmitter & { end(): void };
    const err = await new Promise<{ code: number; details: string }>((resolve) => {
      stream.on('error', resolve);
      stream.on('data', () => undefined);
    });
    stream.end();
    expect(err.code).toBe(12);
    expect(err.details).toContain('OpenTable');
  });

  it('reports an invalid MutateRows entry in its own status', async () => {
    const res = await callStream(raw.data, 'MutateRows', {
      tableName: T('raw'),
      entries: [
        { rowKey: Buffer.from('ok'), mutations: [setCell()] },
        { rowKey: Buffer.from('bad'), mutations: [setCell({ familyName: 'no good' })] },
      ],
    });
    const entries = res.flatMap((r) => r.entries as Array<{ index: string; status: { code?: number; message?: string } }>);
    expect(entries.map((e) => [e.index, e.status.code ?? 0])).toEqual([['0', 0], ['1', 3]]);
    expect(entries[1]!.status.message).toContain('entries[1].mutations[0].set_cell.family_name');
  });

  it('still answers after all the bad input', async () => {
    await callUnary(raw.data, 'PingAndWarm', { name: INSTANCE });
    await callUnary(raw.data, 'MutateRow', { tableName: T('raw'), rowKey: Buffer.from('after'), mutations: [setCell()] });
    const rows = await readRaw({ tableName: T('raw'), rows: { rowKeys: [Buffer.from('after')] } });
    expect(rows.length).toBe(1);
  });
});

});
}

/**
 * The client's backup administration (src/client/backups.ts) against a real
 * `tabula serve`: create (ttl and absolute expiry), get, list (filter, order,
 * every page), update, delete, restore, the HBase names (snapshot,
 * listSnapshots, deleteSnapshot, cloneSnapshot), the typed errors the server's
 * codes become and the client's own argument checks. Then, against a stub
 * admin server, the long-running Operation answers Tabula never gives: still
 * running, failed, or of an unexpected type.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages, tableAdminServiceDefinition } from '../../src/api/protos.js';
import {
  AlreadyExistsError, Code, connect, DEFAULT_SNAPSHOT_TTL_MS, FailedPreconditionError, InvalidArgumentError, NotFoundError,
  type BackupInfo, type Connection,
} from '../../src/client/index.js';
import { startTabula, type RunningServer } from '../support/servers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let seq = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++seq}`;

describe('client backups against tabula serve', () => {
  let server: RunningServer;
  let conn: Connection;
  let source: string;

  beforeAll(async () => {
    server = await startTabula();
    conn = connect(server.endpoint, { project: 'p', instance: 'i' });
    source = unique('src');
    await conn.admin.createTable(source, { families: { cf: undefined, n: { aggregate: 'sum' } } });
    await conn.table(source).put('r1', { cf: { a: '1' } });
    await conn.table(source).put('r2', { cf: { b: '2' } });
    await conn.table(source).addToCell('r1', 'n', 'hits', 5);
  }, 60_000);

  afterAll(async () => {
    conn?.close();
    await server?.stop();
  });

  it('connects to the instance\'s one cluster, {instance}-c1, unless told otherwise', () => {
    expect(conn.cluster).toBe('i-c1');
    const other = connect(server.endpoint, { project: 'p', instance: 'i', cluster: 'east' });
    expect(other.cluster).toBe('east');
    other.close();
    expect(() => connect(server.endpoint, { project: 'p', instance: 'i', cluster: 'a/b' })).toThrow(InvalidArgumentError);
  });

  it('createBackup with ttlMs or expireTime; getBackup describes it', async () => {
    const before = Date.now();
    const id = unique('bk');
    const b = await conn.admin.createBackup(source, id, { ttlMs: 2 * DAY });
    expect(b).toMatchObject({ id, table: source, state: 'READY' });
    expect(b.sizeBytes).toBeGreaterThan(0);
    expect(b.startTime.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(b.endTime!.getTime()).toBeGreaterThanOrEqual(b.startTime.getTime());
    expect(Math.abs(b.expireTime.getTime() - (before + 2 * DAY))).toBeLessThan(10_000);
    expect(await conn.admin.getBackup(id)).toEqual(b);

    const at = new Date(Math.floor((Date.now() + 10 * DAY) / 1000) * 1000 + 250);
    const b2 = await conn.admin.createBackup(source, unique('bk'), { expireTime: at });
    expect(b2.expireTime).toEqual(at);
  });

  it('listBackups: newest first by default, orderBy, filter, and every page', async () => {
    const ids = [unique('lst'), unique('lst'), unique('lst')];
    for (const id of ids) await conn.admin.createBackup(source, id, { ttlMs: DAY });
    const all = await conn.admin.listBackups();
    const mine = all.filter((b) => ids.includes(b.id)).map((b) => b.id);
    expect(mine).toEqual([...ids].reverse());
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.startTime.getTime()).toBeGreaterThanOrEqual(all[i]!.startTime.getTime());

    const byName = await conn.admin.listBackups({ orderBy: 'name asc' });
    expect(byName.map((b) => b.id)).toEqual(all.map((b) => b.id).sort());

    const filtered = await conn.admin.listBackups({ filter: `name:${ids[1]} AND state:READY` });
    expect(filtered.map((b) => b.id)).toEqual([ids[1]]);

    // One backup per page: the client follows next_page_token to the end.
    const paged = await conn.admin.listBackups({ pageSize: 1 });
    expect(paged).toEqual(all);

    await expect(conn.admin.listBackups({ filter: 'colour = red' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(conn.admin.listBackups({ pageSize: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('updateBackup moves the expire time; too soon or too late is InvalidArgumentError', async () => {
    const id = unique('upd');
    const b = await conn.admin.createBackup(source, id, { ttlMs: DAY });
    const later = new Date(b.startTime.getTime() + 30 * DAY);
    const u = await conn.admin.updateBackup(id, { expireTime: later });
    expect(u.expireTime).toEqual(later);
    expect((await conn.admin.getBackup(id)).expireTime).toEqual(later);
    const viaTtl = await conn.admin.updateBackup(id, { ttlMs: 3 * DAY });
    expect(Math.abs(viaTtl.expireTime.getTime() - (Date.now() + 3 * DAY))).toBeLessThan(10_000);

    const soon = conn.admin.updateBackup(id, { ttlMs: HOUR });
    await expect(soon).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(soon).rejects.toThrow(/expire_time/);
    await expect(conn.admin.updateBackup(id, { expireTime: new Date(b.startTime.getTime() + 91 * DAY) })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(conn.admin.updateBackup(unique('none'), { ttlMs: DAY })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('maps the server\'s refusals to typed errors', async () => {
    const id = unique('err');
    await conn.admin.createBackup(source, id, { ttlMs: DAY });
    await expect(conn.admin.createBackup(source, id, { ttlMs: DAY })).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(conn.admin.getBackup(unique('none'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(conn.admin.deleteBackup(unique('none'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(conn.admin.restoreTable(unique('none'), unique('t'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(conn.admin.createBackup(unique('notable'), unique('bk'), { ttlMs: DAY })).rejects.toBeInstanceOf(NotFoundError);
    const tooSoon = conn.admin.createBackup(source, unique('bk'), { ttlMs: HOUR });
    await expect(tooSoon).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(tooSoon).rejects.toThrow(/backup\.expire_time/);
    await expect(conn.admin.createBackup(source, unique('bk'), { ttlMs: 91 * DAY })).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    // A cluster the instance does not have.
    const elsewhere = connect(server.endpoint, { project: 'p', instance: 'i', cluster: 'i-c2' });
    try {
      await expect(elsewhere.admin.createBackup(source, unique('bk'), { ttlMs: DAY })).rejects.toBeInstanceOf(NotFoundError);
      await expect(elsewhere.admin.listBackups()).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      elsewhere.close();
    }
  });

  it('checks ids and expiry options before calling', async () => {
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => conn.admin.createBackup(source, 'bad/id', { ttlMs: DAY }), /^backupId: backup id "bad\/id" must match/],
      [() => conn.admin.createBackup(source, '', { ttlMs: DAY }), /^backupId: backup id must not be empty/],
      [() => conn.admin.createBackup(source, 'x'.repeat(51), { ttlMs: DAY }), /^backupId: backup id longer than 50/],
      [() => conn.admin.createBackup('-bad', 'b', { ttlMs: DAY }), /^table: table id "-bad"/],
      [() => conn.admin.createBackup(source, 'b', {}), /^opts: give exactly one of expireTime and ttlMs/],
      [() => conn.admin.createBackup(source, 'b', { ttlMs: DAY, expireTime: new Date() }), /exactly one/],
      [() => conn.admin.createBackup(source, 'b', { ttlMs: 0 }), /^opts\.ttlMs: must be a positive number/],
      [() => conn.admin.createBackup(source, 'b', { ttlMs: Number.NaN }), /^opts\.ttlMs/],
      [() => conn.admin.createBackup(source, 'b', { expireTime: new Date('nope') }), /^opts\.expireTime: must be a valid Date/],
      [() => conn.admin.createBackup(source, 'b', { ttl: DAY } as never), /^opts: unknown option "ttl"/],
      [() => conn.admin.createBackup(source, 'b', undefined as never), /^opts: expected/],
      [() => conn.admin.getBackup(42 as never), /^backupId: expected a string, got number/],
      [() => conn.admin.updateBackup('b', {}), /^opts: give exactly one/],
      [() => conn.admin.restoreTable('b', 'bad table'), /^newTable: table id "bad table"/],
      [() => conn.admin.snapshot('bad snap', source), /^snapshotName: backup id "bad snap"/],
      [() => conn.admin.cloneSnapshot('', 't'), /^snapshotName: backup id must not be empty/],
      [() => conn.admin.deleteSnapshot('a b'), /^snapshotName:/],
    ];
    for (const [call, re] of cases) {
      const p = call();
      await expect(p).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(p).rejects.toThrow(re);
    }
  });

  it('restoreTable makes a new table with the backup\'s families and data, even after the source is gone', async () => {
    const table = unique('gone');
    await conn.admin.createTable(table, { families: { cf: undefined, n: { aggregate: 'sum' } } });
    await conn.table(table).put('k', { cf: { q: 'v1' } });
    await conn.table(table).addToCell('k', 'n', 'c', 3);
    const id = unique('rst');
    await conn.admin.createBackup(table, id, { ttlMs: DAY });
    await conn.table(table).put('k', { cf: { q: 'after the backup' } });
    await conn.admin.deleteTable(table);

    const copy = unique('copy');
    const info = await conn.admin.restoreTable(id, copy);
    expect(info).toMatchObject({ name: copy, families: { cf: { kind: 'never' }, n: { kind: 'never' } }, aggregates: { n: 'sum' }, restoredFrom: { backup: id, table } });
    expect((await conn.admin.getTable(copy)).restoredFrom).toEqual({ backup: id, table });
    const row = await conn.table(copy).get('k');
    expect(row?.string('cf', 'q')).toBe('v1');
    expect(row?.counter('n', 'c')).toBe(3n);
    expect(await conn.admin.listTables()).toContain(copy);

    await expect(conn.admin.restoreTable(id, copy)).rejects.toBeInstanceOf(AlreadyExistsError);
    // The backup is unaffected by the restore and by the source's deletion.
    expect((await conn.admin.getBackup(id)).table).toBe(table);
  });

  it('deleteBackup removes it from get and list', async () => {
    const id = unique('del');
    await conn.admin.createBackup(source, id, { ttlMs: DAY });
    await conn.admin.deleteBackup(id);
    await expect(conn.admin.getBackup(id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await conn.admin.listBackups()).map((b) => b.id)).not.toContain(id);
    await expect(conn.admin.deleteBackup(id)).rejects.toMatchObject({ code: Code.NOT_FOUND });
  });

  it('copyBackup into this instance or another; the copy outlives its source; a copy cannot be copied', async () => {
    const id = unique('orig');
    await conn.admin.createBackup(source, id, { ttlMs: DAY });
    const copyId = unique('copy');
    const copy = await conn.admin.copyBackup(id, copyId, { ttlMs: 2 * DAY });
    expect(copy).toMatchObject({ id: copyId, table: source, state: 'READY', sourceBackup: `projects/p/instances/i/clusters/i-c1/backups/${id}` });
    const elsewhere = await conn.admin.copyBackup(id, copyId, { ttlMs: DAY, instance: 'other' });
    expect(elsewhere.sourceBackup).toBe(`projects/p/instances/i/clusters/i-c1/backups/${id}`);
    await expect(conn.admin.copyBackup(copyId, unique('copy'), { ttlMs: DAY })).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(conn.admin.copyBackup(id, unique('copy'), { ttlMs: 31 * DAY })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(conn.admin.copyBackup(id, unique('copy'), { ttlMs: DAY, instance: 'a/b' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(conn.admin.copyBackup(id, 'bad id', { ttlMs: DAY })).rejects.toBeInstanceOf(InvalidArgumentError);
    await conn.admin.deleteBackup(id);
    const restored = unique('fromcopy');
    await conn.admin.restoreTable(copyId, restored);
    expect((await conn.table(restored).get('r2'))?.string('cf', 'b')).toBe('2');
    const other = connect(server.endpoint, { project: 'p', instance: 'other' });
    try {
      expect((await other.admin.listBackups()).map((b) => b.id)).toEqual([copyId]);
      await other.admin.deleteBackup(copyId);
    } finally {
      other.close();
    }
    await conn.admin.deleteBackup(copyId);
  });

  it('HBase names: snapshot (7 days by default), listSnapshots, cloneSnapshot, deleteSnapshot', async () => {
    const snap = unique('snap');
    const before = Date.now();
    const s = await conn.admin.snapshot(snap, source);
    expect(s).toMatchObject({ id: snap, table: source, state: 'READY' });
    expect(DEFAULT_SNAPSHOT_TTL_MS).toBe(7 * DAY);
    expect(Math.abs(s.expireTime.getTime() - (before + 7 * DAY))).toBeLessThan(10_000);
    const s2 = await conn.admin.snapshot(unique('snap'), source, { ttlMs: 2 * DAY });
    expect(Math.abs(s2.expireTime.getTime() - (Date.now() + 2 * DAY))).toBeLessThan(10_000);
    await expect(conn.admin.snapshot(snap, source)).rejects.toBeInstanceOf(AlreadyExistsError);

    const listed: BackupInfo[] = await conn.admin.listSnapshots();
    expect(listed).toEqual(await conn.admin.listBackups());
    expect(listed.map((b) => b.id)).toContain(snap);

    const clone = unique('clone');
    const t = await conn.admin.cloneSnapshot(snap, clone);
    expect(t.name).toBe(clone);
    expect((await conn.table(clone).get('r2'))?.string('cf', 'b')).toBe('2');

    await conn.admin.deleteSnapshot(snap);
    await expect(conn.admin.getBackup(snap)).rejects.toBeInstanceOf(NotFoundError);
    await expect(conn.admin.deleteSnapshot(snap)).rejects.toBeInstanceOf(NotFoundError);
  });
});

/**
 * A table-admin server whose CreateBackup and RestoreTable answers are
 * scripted; GetBackup and GetTable describe what was asked for.
 */
async function startStubAdmin(answers: { createBackup: object; restoreTable: object }): Promise<{ endpoint: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server = new grpc.Server();
  const reply = (name: string, res: () => object) => (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, cb: grpc.sendUnaryData<object>) => {
    calls.push(name);
    cb(null, res());
  };
  const backup = { name: 'projects/p/instances/i/clusters/i-c1/backups/b', sourceTable: 'projects/p/instances/i/tables/t', state: 'CREATING', startTime: { seconds: '100' }, expireTime: { seconds: '200' }, sizeBytes: '0' };
  server.addService(tableAdminServiceDefinition, {
    CreateBackup: reply('CreateBackup', () => answers.createBackup),
    GetBackup: reply('GetBackup', () => backup),
    RestoreTable: reply('RestoreTable', () => answers.restoreTable),
    GetTable: reply('GetTable', () => ({ name: 'projects/p/instances/i/tables/t2', columnFamilies: { cf: { gcRule: { maxNumVersions: 1 } } } })),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { endpoint: `127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

describe('client backups: long-running operations Tabula does not give', () => {
  it('an operation still running is followed by GetBackup / GetTable', async () => {
    const stub = await startStubAdmin({ createBackup: { name: 'op1', done: false }, restoreTable: { name: 'op2', done: false } });
    const conn = connect(stub.endpoint, { project: 'p', instance: 'i' });
    try {
      const b = await conn.admin.createBackup('t', 'b', { ttlMs: DAY });
      expect(b).toEqual({ id: 'b', table: 't', state: 'CREATING', startTime: new Date(100_000), expireTime: new Date(200_000), sizeBytes: 0 });
      const t = await conn.admin.restoreTable('b', 't2');
      expect(t).toMatchObject({ name: 't2', families: { cf: { kind: 'maxVersions', maxVersions: 1 } } });
      expect(stub.calls).toEqual(['CreateBackup', 'GetBackup', 'RestoreTable', 'GetTable']);
    } finally {
      conn.close();
      await stub.close();
    }
  });

  it('a failed operation throws its status; a response of another type is INTERNAL', async () => {
    const stub = await startStubAdmin({
      createBackup: { name: 'op1', done: true, error: { code: Code.FAILED_PRECONDITION, message: 'table is being restored' } },
      restoreTable: { name: 'op2', done: true, response: { type_url: 'type.googleapis.com/google.bigtable.admin.v2.Backup', value: messages.Backup.serialize({ name: 'x' }) } },
    });
    const conn = connect(stub.endpoint, { project: 'p', instance: 'i' });
    try {
      const failed = conn.admin.createBackup('t', 'b', { ttlMs: DAY });
      await expect(failed).rejects.toBeInstanceOf(FailedPreconditionError);
      await expect(failed).rejects.toThrow(/table is being restored/);
      await expect(conn.admin.restoreTable('b', 't2')).rejects.toMatchObject({ code: Code.INTERNAL, message: expect.stringContaining('expected a google.bigtable.admin.v2.Table response') });
    } finally {
      conn.close();
      await stub.close();
    }
  });
});

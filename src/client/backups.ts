/**
 * Backups (google.bigtable.admin.v2.Backup): create one of a table, describe,
 * list, change its expire time, delete, and restore it into a new table; and
 * the names the Cloud Bigtable HBase adapter gives these (an HBase snapshot is
 * a Bigtable backup): snapshot, listSnapshots, deleteSnapshot, cloneSnapshot.
 *
 *   await admin.createBackup('users', 'users-monday', { ttlMs: 7 * 86_400_000 });
 *   await admin.restoreTable('users-monday', 'users_restored');
 *
 * Backups live in one cluster of the instance (the connection's `cluster`,
 * by default Tabula's `{instance}-c1`) and are named by id there. A backup's
 * expire time must lie 6 hours to 90 days after its creation (the server
 * checks: InvalidArgumentError); a `ttlMs` counts from the client's clock, so
 * ask for a little more than 6 hours. CreateBackup and RestoreTable are
 * long-running operations; an answer still running (not Tabula's) is followed
 * by a GetBackup / GetTable of the result.
 */
import { clusterIdOf, validateBackupId } from '../api/backup-name.js';
import { messages } from '../api/protos.js';
import { validateTableId } from '../api/table-name.js';
import { InvalidArgumentError } from '../base/errors.js';
import { operationResponse } from './long-running.js';
import { requestMetadata, unary, type ProtoObject, type RpcContext } from './rpc.js';
import { lastSegment, tableInfoFromProto, type TableInfo } from './table-info.js';

/** A backup in client form. */
export interface BackupInfo {
  /** Backup id (the last segment of its name). */
  id: string;
  /** Id of the table it was made from. */
  table: string;
  /** On a copy: the full name of the backup it was copied from. */
  sourceBackup?: string;
  state: 'CREATING' | 'READY';
  /** When the copy was taken (the backup holds the table as of a moment between startTime and endTime). */
  startTime: Date;
  /** Absent while CREATING. */
  endTime?: Date;
  /** When the server deletes it. */
  expireTime: Date;
  sizeBytes: number;
}

/** When a backup expires: exactly one of an absolute time and a time to live from now. */
export interface BackupExpiry {
  expireTime?: Date;
  /** Milliseconds from now (the client's clock). */
  ttlMs?: number;
}

export interface ListBackupsOptions {
  /** ListBackups' filter, e.g. `source_table:users AND state:READY` (fields name, source_table, state, start_time, end_time, expire_time, size_bytes). */
  filter?: string;
  /** ListBackups' order_by, e.g. `start_time desc` (the server's default), `name`. */
  orderBy?: string;
  /** Backups per ListBackups request (default: the server's choice); every page is fetched either way. */
  pageSize?: number;
}

/** How long snapshot() keeps a backup when no expiry is given: 7 days. */
export const DEFAULT_SNAPSHOT_TTL_MS = 7 * 86_400_000;

export interface BackupAdmin {
  /** Backs up `table` (an id) as `backupId`; AlreadyExistsError if the id is taken, NotFoundError if the table is missing. */
  createBackup(table: string, backupId: string, opts: BackupExpiry): Promise<BackupInfo>;
  /** NotFoundError if there is no such backup. */
  getBackup(backupId: string): Promise<BackupInfo>;
  /** All backups of the cluster (every page), newest first unless `orderBy` says otherwise. */
  listBackups(opts?: ListBackupsOptions): Promise<BackupInfo[]>;
  /** A new expire time (the only thing about a backup that can change). */
  updateBackup(backupId: string, opts: BackupExpiry): Promise<BackupInfo>;
  /** FailedPreconditionError while a table is being restored from it. */
  deleteBackup(backupId: string): Promise<void>;
  /** A new table `newTable` with the backup's families and data; AlreadyExistsError if it exists. */
  restoreTable(backupId: string, newTable: string): Promise<TableInfo>;
  /**
   * Copies a backup as `newId`, into this instance's cluster or `opts.instance`'s
   * (expiry 6 hours to 30 days away); a copy cannot be copied again (FailedPreconditionError).
   */
  copyBackup(backupId: string, newId: string, opts: BackupExpiry & { instance?: string }): Promise<BackupInfo>;

  /** HBase's snapshot(snapshotName, tableName): createBackup, kept DEFAULT_SNAPSHOT_TTL_MS unless `opts` says otherwise. */
  snapshot(snapshotName: string, table: string, opts?: BackupExpiry): Promise<BackupInfo>;
  /** HBase's listSnapshots(): listBackups. */
  listSnapshots(): Promise<BackupInfo[]>;
  /** HBase's deleteSnapshot(snapshotName): deleteBackup. */
  deleteSnapshot(snapshotName: string): Promise<void>;
  /** HBase's cloneSnapshot(snapshotName, tableName): restoreTable. */
  cloneSnapshot(snapshotName: string, newTable: string): Promise<TableInfo>;
}

const BACKUP_TYPE = 'google.bigtable.admin.v2.Backup';
const TABLE_TYPE = 'google.bigtable.admin.v2.Table';
const EXPIRY_KEYS: readonly string[] = ['expireTime', 'ttlMs'];
const COPY_KEYS: readonly string[] = [...EXPIRY_KEYS, 'instance'];

function checkId(id: unknown, field: string, validate: (id: string, field: string) => void): string {
  if (typeof id !== 'string') throw new InvalidArgumentError(`${field}: expected a string, got ${id === null ? 'null' : typeof id}`);
  validate(id, field);
  return id;
}

/** The expire time `opts` asks for, in ms since the epoch; `keys`: the options `opts` may hold (copyBackup's also take `instance`). */
export function expiryMs(opts: BackupExpiry | undefined, field: string, now = Date.now(), keys: readonly string[] = EXPIRY_KEYS): number {
  if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError(`${field}: expected { expireTime } or { ttlMs }`);
  for (const k of Object.keys(opts)) {
    if (!keys.includes(k)) throw new InvalidArgumentError(`${field}: unknown option "${k}" (want ${keys.slice(0, -1).join(', ')} or ${keys.at(-1)})`);
  }
  const { expireTime, ttlMs } = opts;
  if ((expireTime === undefined) === (ttlMs === undefined)) throw new InvalidArgumentError(`${field}: give exactly one of expireTime and ttlMs`);
  if (expireTime !== undefined) {
    if (!(expireTime instanceof Date) || Number.isNaN(expireTime.getTime())) throw new InvalidArgumentError(`${field}.expireTime: must be a valid Date`);
    return expireTime.getTime();
  }
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new InvalidArgumentError(`${field}.ttlMs: must be a positive number of milliseconds, got ${String(ttlMs)}`);
  }
  return now + ttlMs;
}

function timestampToProto(ms: number): ProtoObject {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1_000_000) };
}

function dateFromProto(t: unknown): Date | undefined {
  if (typeof t !== 'object' || t === null) return undefined;
  const { seconds, nanos } = t as { seconds?: unknown; nanos?: unknown };
  return new Date(Number(seconds ?? 0) * 1000 + Math.floor(Number(nanos ?? 0) / 1_000_000));
}

/** google.bigtable.admin.v2.Backup (proto-loader object) → BackupInfo. */
export function backupFromProto(b: ProtoObject): BackupInfo {
  const out: BackupInfo = {
    id: lastSegment(b.name),
    table: lastSegment(b.sourceTable),
    state: b.state === 'READY' ? 'READY' : 'CREATING',
    startTime: dateFromProto(b.startTime) ?? new Date(0),
    expireTime: dateFromProto(b.expireTime) ?? new Date(0),
    sizeBytes: Number(b.sizeBytes ?? 0),
  };
  const end = dateFromProto(b.endTime);
  if (end !== undefined) out.endTime = end;
  if (typeof b.sourceBackup === 'string' && b.sourceBackup !== '') out.sourceBackup = b.sourceBackup;
  return out;
}

export function createBackupAdmin(ctx: RpcContext): BackupAdmin {
  const call = (method: string, req: ProtoObject, params: Record<string, string>): Promise<ProtoObject> =>
    unary(ctx.admin, method, req, requestMetadata(params), ctx.timeoutMs);
  const backupName = (id: unknown, field: string): string => `${ctx.clusterName}/backups/${checkId(id, field, validateBackupId)}`;
  /** A table id (validated) or a full table name (passed on as it is). */
  const tableName = (t: unknown, field: string): string =>
    typeof t === 'string' && t.includes('/') ? t : `${ctx.instanceName}/tables/${checkId(t, field, validateTableId)}`;

  async function getBackup(backupId: string, field = 'backupId'): Promise<BackupInfo> {
    const name = backupName(backupId, field);
    return backupFromProto(await call('GetBackup', { name }, { name }));
  }

  async function createBackup(table: string, backupId: string, opts: BackupExpiry, field = 'backupId'): Promise<BackupInfo> {
    const sourceTable = tableName(table, 'table');
    checkId(backupId, field, validateBackupId);
    const expireMs = expiryMs(opts, 'opts');
    const req = { parent: ctx.clusterName, backupId, backup: { sourceTable, expireTime: timestampToProto(expireMs) } };
    const op = await call('CreateBackup', req, { parent: ctx.clusterName });
    const backup = operationResponse(op, BACKUP_TYPE, messages.Backup);
    return backup !== undefined ? backupFromProto(backup) : getBackup(backupId, field);
  }

  async function listBackups(opts: ListBackupsOptions = {}): Promise<BackupInfo[]> {
    const filter = opts.filter ?? '';
    const orderBy = opts.orderBy ?? '';
    if (typeof filter !== 'string') throw new InvalidArgumentError('opts.filter: must be a string');
    if (typeof orderBy !== 'string') throw new InvalidArgumentError('opts.orderBy: must be a string');
    const pageSize = opts.pageSize ?? 0;
    if (!Number.isSafeInteger(pageSize) || pageSize < 0 || pageSize > 0x7fffffff) throw new InvalidArgumentError(`opts.pageSize: must be a positive integer, got ${String(opts.pageSize)}`);
    const out: BackupInfo[] = [];
    let pageToken = '';
    do {
      const res = await call('ListBackups', { parent: ctx.clusterName, filter, orderBy, pageSize, pageToken }, { parent: ctx.clusterName });
      for (const b of (res.backups ?? []) as ProtoObject[]) out.push(backupFromProto(b));
      pageToken = String(res.nextPageToken ?? '');
    } while (pageToken !== '');
    return out;
  }

  async function deleteBackup(backupId: string, field = 'backupId'): Promise<void> {
    const name = backupName(backupId, field);
    await call('DeleteBackup', { name }, { name });
  }

  async function restoreTable(backupId: string, newTable: string, field = 'backupId'): Promise<TableInfo> {
    const backup = backupName(backupId, field);
    checkId(newTable, 'newTable', validateTableId);
    const op = await call('RestoreTable', { parent: ctx.instanceName, tableId: newTable, backup }, { parent: ctx.instanceName });
    const table = operationResponse(op, TABLE_TYPE, messages.Table);
    // A server may answer with the name only (or while restoring): describe the table then.
    if (table !== undefined && table.columnFamilies !== undefined && table.columnFamilies !== null) return tableInfoFromProto(table);
    const name = `${ctx.instanceName}/tables/${newTable}`;
    return tableInfoFromProto(await call('GetTable', { name, view: 'SCHEMA_VIEW' }, { name }));
  }

  async function copyBackup(backupId: string, newId: string, opts: BackupExpiry & { instance?: string }): Promise<BackupInfo> {
    const sourceBackup = backupName(backupId, 'backupId');
    checkId(newId, 'newId', validateBackupId);
    const expireMs = expiryMs(opts, 'opts', Date.now(), COPY_KEYS);
    const { instance } = opts;
    if (instance !== undefined && (typeof instance !== 'string' || instance === '' || instance.includes('/'))) throw new InvalidArgumentError(`opts.instance: must be an instance id, got ${JSON.stringify(instance)}`);
    const parent = instance === undefined ? ctx.clusterName : `${ctx.instanceName.replace(/[^/]+$/, instance)}/clusters/${clusterIdOf(instance)}`;
    const req = { parent, backupId: newId, sourceBackup, expireTime: timestampToProto(expireMs) };
    const op = await call('CopyBackup', req, { parent });
    const backup = operationResponse(op, BACKUP_TYPE, messages.Backup);
    if (backup !== undefined) return backupFromProto(backup);
    const name = `${parent}/backups/${newId}`;
    return backupFromProto(await call('GetBackup', { name }, { name }));
  }

  return {
    copyBackup,
    createBackup: (table, backupId, opts) => createBackup(table, backupId, opts),
    getBackup: (backupId) => getBackup(backupId),
    listBackups,
    async updateBackup(backupId, opts) {
      const name = backupName(backupId, 'backupId');
      const expireMs = expiryMs(opts, 'opts');
      const req = { backup: { name, expireTime: timestampToProto(expireMs) }, updateMask: { paths: ['expire_time'] } };
      return backupFromProto(await call('UpdateBackup', req, { 'backup.name': name }));
    },
    deleteBackup: (backupId) => deleteBackup(backupId),
    restoreTable: (backupId, newTable) => restoreTable(backupId, newTable),

    snapshot: (snapshotName, table, opts) => createBackup(table, snapshotName, opts ?? { ttlMs: DEFAULT_SNAPSHOT_TTL_MS }, 'snapshotName'),
    listSnapshots: () => listBackups(),
    deleteSnapshot: (snapshotName) => deleteBackup(snapshotName, 'snapshotName'),
    cloneSnapshot: (snapshotName, newTable) => restoreTable(snapshotName, newTable, 'snapshotName'),
  };
}

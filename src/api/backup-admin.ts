/**
 * The backup methods of google.bigtable.admin.v2.BigtableTableAdmin over an
 * AdminBackend: CreateBackup, GetBackup, ListBackups, UpdateBackup,
 * DeleteBackup, RestoreTable and CopyBackup. The long-running ones complete
 * before the call returns and answer a done Operation (its metadata and
 * response packed as Bigtable packs them), which the official clients accept
 * without polling. A hot backup (backup_type HOT) is stored like a standard
 * one; it reports HOT until its hot_to_standard_time, STANDARD after.
 */
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../base/errors.js';
import type { AdminBackend, BackupInfo, HotBackup } from './backend.js';
import { formatBackupName, formatClusterName, parseBackupName, parseClusterName, validateBackupId } from './backup-name.js';
import { parseBackupFilter, parseBackupOrder } from './backup-list-query.js';
import { unary } from './handler-helpers.js';
import { doneOperation, timestampFromProto, timestampNow, timestampToProto } from './operation-proto.js';
import { asArray, asObject, asSafeInt, asString, type ProtoObject } from './proto-fields.js';
import { formatInstanceName, formatTableName, parseInstanceName, parseTableName, validateTableId } from './table-name.js';
import { restoreInfoToProto, tableToProto } from './table-proto.js';

/** BackupInfo → google.bigtable.admin.v2.Backup. */
export function backupToProto(b: BackupInfo): ProtoObject {
  return {
    name: formatBackupName(b.name),
    sourceTable: formatTableName(b.sourceTable),
    ...(b.sourceBackup ? { sourceBackup: formatBackupName(b.sourceBackup) } : {}),
    expireTime: timestampToProto(b.expireMs),
    startTime: timestampToProto(b.startMs),
    ...(b.endMs !== undefined ? { endTime: timestampToProto(b.endMs) } : {}),
    sizeBytes: String(b.sizeBytes),
    state: b.state,
    backupType: b.backupType,
    ...(b.hotToStandardMs !== undefined ? { hotToStandardTime: timestampToProto(b.hotToStandardMs) } : {}),
  };
}

/** Backup.backup_type and hot_to_standard_time of a CreateBackup: undefined for a standard backup. */
function hotBackup(backup: ProtoObject): HotBackup | undefined {
  const type = backup.backupType;
  if (type !== undefined && type !== null && type !== 'HOT' && type !== 'STANDARD' && type !== 'BACKUP_TYPE_UNSPECIFIED') {
    throw new InvalidArgumentError(`backup.backup_type: unknown backup type ${String(type)}`);
  }
  const hasTime = backup.hotToStandardTime !== undefined && backup.hotToStandardTime !== null;
  if (type !== 'HOT') {
    if (hasTime) throw new InvalidArgumentError('backup.hot_to_standard_time: applies to hot backups only (backup_type HOT)');
    return undefined;
  }
  return hasTime ? { hotToStandardMs: timestampFromProto(backup.hotToStandardTime, 'backup.hot_to_standard_time') } : {};
}

export function backupHandlers(backend: AdminBackend): grpc.UntypedServiceImplementation {
  const handlers: grpc.UntypedServiceImplementation = {};

  /** CreateBackup (CreateBackupRequest → done Operation: CreateBackupMetadata, Backup). */
  handlers.CreateBackup = unary(async (req) => {
    const cluster = parseClusterName(req.parent, 'parent');
    const backupId = asString(req.backupId, 'backup_id');
    validateBackupId(backupId, 'backup_id');
    if (req.backup === undefined || req.backup === null) throw new InvalidArgumentError('backup: required');
    const backup = asObject(req.backup, 'backup');
    const source = parseTableName(backup.sourceTable, 'backup.source_table');
    if (source.project !== cluster.project || source.instance !== cluster.instance) {
      throw new InvalidArgumentError(`backup.source_table: must be a table of ${formatInstanceName(cluster)}, got ${formatTableName(source)}`);
    }
    const expireMs = timestampFromProto(backup.expireTime, 'backup.expire_time');
    const hot = hotBackup(backup);
    const start = timestampNow();
    const info = await backend.createBackup({ ...cluster, backup: backupId }, source, expireMs, hot);
    const name = formatBackupName(info.name);
    return doneOperation(name, 'create',
      ['CreateBackupMetadata', { name, sourceTable: formatTableName(source), startTime: start, endTime: timestampNow() }],
      ['Backup', backupToProto(info)]);
  });

  /** GetBackup (GetBackupRequest → Backup). */
  handlers.GetBackup = unary(async (req) => backupToProto(await backend.getBackup(parseBackupName(req.name, 'name'))));

  /**
   * ListBackups (ListBackupsRequest → ListBackupsResponse): cluster `-` lists
   * every cluster's; filter and order_by as backup-list-query.ts; page_token
   * is the number of backups already returned.
   */
  handlers.ListBackups = unary(async (req) => {
    const cluster = parseClusterName(req.parent, 'parent', { wildcard: true });
    const matches = parseBackupFilter(asString(req.filter, 'filter'));
    const order = parseBackupOrder(asString(req.orderBy, 'order_by'));
    const pageSize = asSafeInt(req.pageSize, 'page_size');
    const token = asString(req.pageToken, 'page_token');
    if (token !== '' && !/^\d{1,9}$/.test(token)) throw new InvalidArgumentError(`page_token: not a token ListBackups returned: "${token}"`);
    const skip = token === '' ? 0 : Number(token);
    const clusterPrefix = cluster.cluster === '-' ? '' : `${formatClusterName(cluster)}/`;
    const all = (await backend.listBackups(cluster))
      .filter((b) => formatBackupName(b.name).startsWith(clusterPrefix) && matches(b))
      .sort(order);
    const page = pageSize > 0 ? all.slice(skip, skip + pageSize) : all.slice(skip);
    const next = skip + page.length;
    return { backups: page.map(backupToProto), nextPageToken: next < all.length ? String(next) : '' };
  });

  /** UpdateBackup (UpdateBackupRequest → Backup): expire_time and, for a hot backup, hot_to_standard_time can change. */
  handlers.UpdateBackup = unary(async (req) => {
    if (req.backup === undefined || req.backup === null) throw new InvalidArgumentError('backup: required');
    const backup = asObject(req.backup, 'backup');
    const name = parseBackupName(backup.name, 'backup.name');
    const paths = asArray(asObject(req.updateMask, 'update_mask').paths, 'update_mask.paths').map((p) => asString(p, 'update_mask.paths'));
    if (paths.length === 0) throw new InvalidArgumentError('update_mask: at least one path required (expire_time, hot_to_standard_time)');
    for (const p of paths) {
      if (p !== 'expire_time' && p !== 'hot_to_standard_time') {
        throw new InvalidArgumentError(`update_mask: "${p}" cannot be updated (only expire_time and hot_to_standard_time can)`);
      }
    }
    return backupToProto(await backend.updateBackup(name, {
      ...(paths.includes('expire_time') ? { expireMs: timestampFromProto(backup.expireTime, 'backup.expire_time') } : {}),
      ...(paths.includes('hot_to_standard_time') ? { hotToStandardMs: timestampFromProto(backup.hotToStandardTime, 'backup.hot_to_standard_time') } : {}),
    }));
  });

  /** DeleteBackup (DeleteBackupRequest → Empty). */
  handlers.DeleteBackup = unary(async (req) => {
    await backend.deleteBackup(parseBackupName(req.name, 'name'));
    return {};
  });

  /** RestoreTable (RestoreTableRequest → done Operation: RestoreTableMetadata, Table). */
  handlers.RestoreTable = unary(async (req) => {
    const instance = parseInstanceName(req.parent, 'parent');
    const tableId = asString(req.tableId, 'table_id');
    validateTableId(tableId, 'table_id');
    if (req.backup === undefined || req.backup === null || req.backup === '') throw new InvalidArgumentError('backup: required (the backup to restore from)');
    const backupName = parseBackupName(req.backup, 'backup');
    const start = timestampNow();
    const info = await backend.restoreTable({ ...instance, table: tableId }, backupName);
    const tableName = formatTableName(info.name);
    return doneOperation(tableName, 'restore',
      ['RestoreTableMetadata', {
        name: tableName,
        ...(info.restoredFrom ? restoreInfoToProto(info.restoredFrom) : {}),
        progress: { progressPercent: 100, startTime: start, endTime: timestampNow() },
      }],
      ['Table', tableToProto(info, 'SCHEMA_VIEW')]);
  });

  /** CopyBackup (CopyBackupRequest → done Operation: CopyBackupMetadata, Backup). */
  handlers.CopyBackup = unary(async (req) => {
    const cluster = parseClusterName(req.parent, 'parent');
    const backupId = asString(req.backupId, 'backup_id');
    validateBackupId(backupId, 'backup_id');
    if (req.sourceBackup === undefined || req.sourceBackup === null || req.sourceBackup === '') throw new InvalidArgumentError('source_backup: required');
    const source = parseBackupName(req.sourceBackup, 'source_backup');
    if (source.project !== cluster.project) throw new InvalidArgumentError(`source_backup: must be a backup of project ${cluster.project}`);
    const expireMs = timestampFromProto(req.expireTime, 'expire_time');
    const info = await backend.copyBackup({ ...cluster, backup: backupId }, source, expireMs);
    const name = formatBackupName(info.name);
    return doneOperation(name, 'copy',
      ['CopyBackupMetadata', {
        name,
        sourceBackupInfo: {
          backup: formatBackupName(source), sourceTable: formatTableName(info.sourceTable),
          startTime: timestampToProto(info.startMs), ...(info.endMs !== undefined ? { endTime: timestampToProto(info.endMs) } : {}),
        },
        progress: { progressPercent: 100, startTime: timestampToProto(info.startMs), endTime: timestampNow() },
      }],
      ['Backup', backupToProto(info)]);
  });

  return handlers;
}

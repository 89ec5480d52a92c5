/**
 * TableInfo → google.bigtable.admin.v2.Table for a view (GetTable,
 * ListTables, and the responses of CreateTable, UpdateTable, RestoreTable).
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { Aggregator } from '../model/aggregate.js';
import type { TableInfo } from './backend.js';
import { clusterIdOf, formatBackupName } from './backup-name.js';
import { gcRuleToProto } from './gc-rule-proto.js';
import { timestampToProto } from './operation-proto.js';
import type { ProtoObject } from './proto-fields.js';
import { formatTableName } from './table-name.js';

export type TableView = 'NAME_ONLY' | 'SCHEMA_VIEW' | 'REPLICATION_VIEW' | 'ENCRYPTION_VIEW' | 'STATS_VIEW' | 'FULL';

export function parseView(v: unknown, dflt: TableView): TableView {
  if (v === undefined || v === null || v === 'VIEW_UNSPECIFIED') return dflt;
  switch (v as string) {
    case 'NAME_ONLY': case 'SCHEMA_VIEW': case 'REPLICATION_VIEW': case 'ENCRYPTION_VIEW': case 'STATS_VIEW': case 'FULL':
      return v as TableView;
    default:
      throw new InvalidArgumentError(`view: unknown table view ${String(v)}`);
  }
}

/** TableInfo → google.bigtable.admin.v2.Table for a view. */
export function tableToProto(t: TableInfo, view: TableView): ProtoObject {
  const out: ProtoObject = { name: formatTableName(t.name) };
  if (view === 'NAME_ONLY') return out;
  if (view === 'SCHEMA_VIEW' || view === 'FULL') {
    const families: Record<string, ProtoObject> = {};
    for (const [name, rule] of t.families) {
      const agg = t.aggregates?.get(name);
      families[name] = agg ? { gcRule: gcRuleToProto(rule), valueType: aggregateTypeToProto(agg) } : { gcRule: gcRuleToProto(rule) };
    }
    out.columnFamilies = families;
    out.granularity = 'MILLIS';
  }
  if (view === 'REPLICATION_VIEW' || view === 'FULL') {
    out.clusterStates = { [clusterIdOf(t.name.instance)]: { replicationState: 'READY' } };
  }
  out.deletionProtection = t.deletionProtection;
  if (t.restoredFrom) out.restoreInfo = restoreInfoToProto(t.restoredFrom);
  return out;
}

/** Table.restore_info / RestoreTableMetadata's source: the backup a table was restored from. */
export function restoreInfoToProto(r: NonNullable<TableInfo['restoredFrom']>): ProtoObject {
  return {
    sourceType: 'BACKUP',
    backupInfo: {
      backup: formatBackupName(r.backup), sourceTable: formatTableName(r.sourceTable),
      startTime: timestampToProto(r.startMs), endTime: timestampToProto(r.endMs),
    },
  };
}

/** An aggregate family's value type as Bigtable reports it (input and state: int64, big-endian). */
function aggregateTypeToProto(agg: Aggregator): ProtoObject {
  const int64 = { int64Type: { encoding: { bigEndianBytes: {} } } };
  return { aggregateType: { inputType: int64, stateType: int64, [agg]: {} } };
}

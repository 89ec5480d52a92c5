/**
 * A table as the client describes it (TableInfo): the
 * google.bigtable.admin.v2.Table message a server answers GetTable,
 * CreateTable, ModifyColumnFamilies or RestoreTable with, in client form
 * (ids instead of resource names, GC rules as model rules).
 */
import { aggregatorFromProto, type Aggregator } from './families.js';
import { gcRuleFromProto, type GcRule } from './gc-rules.js';
import type { ProtoObject } from './rpc.js';

export interface TableInfo {
  /** Table id. */
  name: string;
  /** Families and their GC rules (never = keep everything). */
  families: Record<string, GcRule>;
  /** The aggregate families among them and their aggregators (empty when there are none). */
  aggregates: Record<string, Aggregator>;
  /** Absent when the server does not report it. */
  deletionProtection?: boolean;
  /** Set on a table made by restoreTable (Table.restore_info): the backup id and its source table's id. */
  restoredFrom?: { backup: string; table: string };
}

/** The last segment of a resource name (`projects/p/instances/i/tables/t` → `t`). */
export function lastSegment(name: unknown): string {
  return String(name ?? '').split('/').pop() ?? '';
}

/** google.bigtable.admin.v2.Table (proto-loader object) → TableInfo. */
export function tableInfoFromProto(t: ProtoObject): TableInfo {
  const families: Record<string, GcRule> = {};
  const aggregates: Record<string, Aggregator> = {};
  const cfs = (t.columnFamilies ?? {}) as Record<string, ProtoObject>;
  for (const id of Object.keys(cfs).sort()) {
    families[id] = gcRuleFromProto(cfs[id]?.gcRule);
    const agg = aggregatorFromProto(cfs[id]?.valueType);
    if (agg !== undefined) aggregates[id] = agg;
  }
  const out: TableInfo = { name: lastSegment(t.name), families, aggregates };
  if (typeof t.deletionProtection === 'boolean') out.deletionProtection = t.deletionProtection;
  const backupInfo = (t.restoreInfo as ProtoObject | null | undefined)?.backupInfo as ProtoObject | null | undefined;
  if (backupInfo && typeof backupInfo.backup === 'string' && backupInfo.backup !== '') {
    out.restoredFrom = { backup: lastSegment(backupInfo.backup), table: lastSegment(backupInfo.sourceTable) };
  }
  return out;
}

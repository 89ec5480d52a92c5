/**
 * google.bigtable.admin.v2.BigtableTableAdmin handlers over an AdminBackend.
 * Long-running operations (UpdateTable, and the backup and authorized-view
 * ones in backup-admin.ts and authorized-view-admin.ts) complete before the
 * call returns and answer a done Operation. Snapshots, schema bundles and IAM
 * answer UNIMPLEMENTED.
 */
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, UnimplementedError } from '../base/errors.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Aggregator } from '../model/aggregate.js';
import type { AdminBackend, ColumnFamilyModification } from './backend.js';
import { gcRuleFromProto } from './gc-rule-proto.js';
import { pageById, unary, unimplementedHandlers } from './handler-helpers.js';
import { MAX_ROW_KEY_BYTES } from './limits.js';
import { asArray, asBytes, asObject, asString, oneofMember, protoName, validateFamilyName } from './proto-fields.js';
import { tableAdminServiceDefinition, TABLE_ADMIN_SERVICE_NAME } from './protos.js';
import { formatTableName, parseInstanceName, parseTableName, validateTableId } from './table-name.js';
import { parseView, tableToProto } from './table-proto.js';
import { doneOperation, timestampNow } from './operation-proto.js';
import { backupHandlers } from './backup-admin.js';
import { authorizedViewHandlers } from './authorized-view-admin.js';

/** Table.column_families (map) → family name → GC rule, and the aggregate families; `field` is its path. */
function familiesFromProto(p: unknown, field: string): { families: Map<string, GcRule>; aggregates: Map<string, Aggregator> } {
  const families = new Map<string, GcRule>();
  const aggregates = new Map<string, Aggregator>();
  for (const [name, cf] of Object.entries(asObject(p, field))) {
    const f = `${field}["${name}"]`;
    validateFamilyName(name, f);
    const fam = asObject(cf, f);
    families.set(name, gcRuleFromProto(fam.gcRule, `${f}.gc_rule`));
    const agg = aggregateFromValueType(fam.valueType, `${f}.value_type`);
    if (agg) aggregates.set(name, agg);
  }
  return { families, aggregates };
}

function modificationsFromProto(p: unknown): ColumnFamilyModification[] {
  const list = asArray(p, 'modifications');
  if (list.length === 0) throw new InvalidArgumentError('modifications: at least one modification required');
  return list.map((x, i): ColumnFamilyModification => {
    const f = `modifications[${i}]`;
    const m = asObject(x, f);
    const family = validateFamilyName(asString(m.id, `${f}.id`), `${f}.id`);
    const kind = (m.mod as string | undefined) ?? (m.create !== undefined ? 'create' : m.update !== undefined ? 'update' : m.drop !== undefined ? 'drop' : undefined);
    switch (kind) {
      case 'create':
      case 'update': {
        const cf = asObject(m[kind], `${f}.${kind}`);
        const gcRule = gcRuleFromProto(cf.gcRule, `${f}.${kind}.gc_rule`);
        const aggregate = aggregateFromValueType(cf.valueType, `${f}.${kind}.value_type`);
        // (An update without a value type leaves the family's as it is.)
        return { type: kind, family, gcRule, ...(aggregate ? { aggregate } : {}) };
      }
      case 'drop':
        if (m.drop !== true) throw new InvalidArgumentError(`${f}.drop: must be true`);
        return { type: 'drop', family };
      default:
        throw new InvalidArgumentError(`${f}: one of create, update or drop is required`);
    }
  });
}

/**
 * google.bigtable.admin.v2.Type → the family's aggregator, undefined for no
 * value type. Tabula implements int64 sum, min and max with big-endian
 * encoding (model/aggregate.ts); other types are refused by name.
 */
function aggregateFromValueType(p: unknown, field: string): Aggregator | undefined {
  if (p === undefined || p === null) return undefined;
  const t = asObject(p, field);
  const kind = oneofMember(t, 'kind');
  if (kind === undefined) return undefined; // an empty Type: none
  if (kind !== 'aggregateType') throw new UnimplementedError(`${field}: only aggregate value types are supported, got ${protoName(kind)}`);
  const a = asObject(t.aggregateType, `${field}.aggregate_type`);
  const input = asObject(a.inputType, `${field}.aggregate_type.input_type`);
  const inKind = oneofMember(input, 'kind');
  if (inKind !== 'int64Type') {
    throw new InvalidArgumentError(`${field}.aggregate_type.input_type: an int64_type is required${inKind ? `, got ${protoName(inKind)}` : ''}`);
  }
  const enc = asObject(asObject(input.int64Type, `${field}.aggregate_type.input_type.int64_type`).encoding, `${field}.aggregate_type.input_type.int64_type.encoding`);
  const encKind = oneofMember(enc, 'encoding');
  if (encKind !== undefined && encKind !== 'bigEndianBytes') {
    throw new UnimplementedError(`${field}.aggregate_type.input_type.int64_type.encoding: only big_endian_bytes is supported, got ${protoName(encKind)}`);
  }
  const agg = oneofMember(a, 'aggregator', ['sum', 'min', 'max', 'hllppUniqueCount']);
  switch (agg) {
    case 'sum': case 'min': case 'max': return agg;
    case undefined: throw new InvalidArgumentError(`${field}.aggregate_type: an aggregator (sum, min or max) is required`);
    default: throw new UnimplementedError(`${field}.aggregate_type.${protoName(agg)}: not supported (sum, min and max are)`);
  }
}

export function tableAdminServiceHandlers(backend: AdminBackend): grpc.UntypedServiceImplementation {
  const handlers = unimplementedHandlers(tableAdminServiceDefinition, TABLE_ADMIN_SERVICE_NAME);

  /** CreateTable (CreateTableRequest → Table). */
  handlers.CreateTable = unary(async (req) => {
    const instance = parseInstanceName(req.parent, 'parent');
    const tableId = asString(req.tableId, 'table_id');
    validateTableId(tableId, 'table_id');
    const table = asObject(req.table, 'table');
    const { families, aggregates } = familiesFromProto(table.columnFamilies, 'table.column_families');
    const splits = asArray(req.initialSplits, 'initial_splits').map((s, i) => {
      const f = `initial_splits[${i}].key`;
      const key = asBytes(asObject(s, `initial_splits[${i}]`).key, f);
      if (key.length === 0) throw new InvalidArgumentError(`${f}: split key must not be empty`);
      if (key.length > MAX_ROW_KEY_BYTES) throw new InvalidArgumentError(`${f}: split key longer than ${MAX_ROW_KEY_BYTES} bytes`);
      return key;
    });
    const name = { ...instance, table: tableId };
    let info = await backend.createTable(name, families, splits, aggregates);
    if (table.deletionProtection === true) info = await backend.updateTable(name, { deletionProtection: true });
    return tableToProto(info, 'SCHEMA_VIEW');
  });

  /** ListTables (ListTablesRequest → ListTablesResponse); page_token is the last table id returned. */
  handlers.ListTables = unary(async (req) => {
    const instance = parseInstanceName(req.parent, 'parent');
    const view = parseView(req.view, 'NAME_ONLY');
    const { page, nextPageToken } = pageById(await backend.listTables(instance), (t) => t.name.table, req);
    return { tables: page.map((t) => tableToProto(t, view)), nextPageToken };
  });

  /** GetTable (GetTableRequest → Table). */
  handlers.GetTable = unary(async (req) => {
    const name = parseTableName(req.name, 'name');
    return tableToProto(await backend.getTable(name), parseView(req.view, 'SCHEMA_VIEW'));
  });

  /** UpdateTable (UpdateTableRequest → done google.longrunning.Operation with a Table response). */
  handlers.UpdateTable = unary(async (req) => {
    const table = asObject(req.table, 'table');
    const name = parseTableName(table.name, 'table.name');
    const paths = asArray(asObject(req.updateMask, 'update_mask').paths, 'update_mask.paths').map((p) => asString(p, 'update_mask.paths'));
    if (paths.length === 0) throw new InvalidArgumentError('update_mask: at least one path required');
    const changes: { deletionProtection?: boolean } = {};
    for (const p of paths) {
      if (p === 'deletion_protection') changes.deletionProtection = table.deletionProtection === true;
      else throw new UnimplementedError(`update_mask: updating "${p}" is not supported`);
    }
    const start = timestampNow();
    const info = await backend.updateTable(name, changes);
    const tableName = formatTableName(name);
    return doneOperation(tableName, 'update',
      ['UpdateTableMetadata', { name: tableName, startTime: start, endTime: timestampNow() }],
      ['Table', tableToProto(info, 'SCHEMA_VIEW')]);
  });

  /** DeleteTable (DeleteTableRequest → Empty); FAILED_PRECONDITION under deletion protection. */
  handlers.DeleteTable = unary(async (req) => {
    await backend.deleteTable(parseTableName(req.name, 'name'));
    return {};
  });

  /** ModifyColumnFamilies (ModifyColumnFamiliesRequest → Table). */
  handlers.ModifyColumnFamilies = unary(async (req) => {
    const name = parseTableName(req.name, 'name');
    const info = await backend.modifyColumnFamilies(name, modificationsFromProto(req.modifications));
    return tableToProto(info, 'SCHEMA_VIEW');
  });

  /** DropRowRange (DropRowRangeRequest → Empty). */
  handlers.DropRowRange = unary(async (req) => {
    const name = parseTableName(req.name, 'name');
    if (req.target === 'deleteAllDataFromTable' || req.deleteAllDataFromTable !== undefined) {
      if (req.deleteAllDataFromTable !== true) throw new InvalidArgumentError('delete_all_data_from_table: must be true');
      await backend.dropRowRange(name, { all: true });
    } else if (req.target === 'rowKeyPrefix' || req.rowKeyPrefix !== undefined) {
      const prefix = asBytes(req.rowKeyPrefix, 'row_key_prefix');
      if (prefix.length === 0) throw new InvalidArgumentError('row_key_prefix: must not be empty');
      if (prefix.length > MAX_ROW_KEY_BYTES) throw new InvalidArgumentError(`row_key_prefix: longer than ${MAX_ROW_KEY_BYTES} bytes`);
      await backend.dropRowRange(name, { prefix });
    } else {
      throw new InvalidArgumentError('row_key_prefix: one of row_key_prefix or delete_all_data_from_table is required');
    }
    return {};
  });

  /** GenerateConsistencyToken (GenerateConsistencyTokenRequest → GenerateConsistencyTokenResponse). */
  handlers.GenerateConsistencyToken = unary(async (req) => {
    return { consistencyToken: await backend.generateConsistencyToken(parseTableName(req.name, 'name')) };
  });

  /** CheckConsistency (CheckConsistencyRequest → CheckConsistencyResponse). */
  handlers.CheckConsistency = unary(async (req) => {
    const name = parseTableName(req.name, 'name');
    const token = asString(req.consistencyToken, 'consistency_token');
    if (token === '') throw new InvalidArgumentError('consistency_token: must not be empty');
    return { consistent: await backend.checkConsistency(name, token) };
  });

  Object.assign(handlers, backupHandlers(backend), authorizedViewHandlers(backend));
  return handlers;
}

/**
 * Table administration (google.bigtable.admin.v2.BigtableTableAdmin): create,
 * list, describe, delete tables; add, change and drop column families (plain
 * or aggregate, see families.ts); drop row ranges; deletion protection. Table
 * names are table ids (`users`), not full resource names. Backups and
 * restores come from backups.ts, authorized views from authorized-views.ts.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { validateTableId } from '../api/table-name.js';
import { createAuthorizedViewAdmin, type AuthorizedViewAdmin } from './authorized-views.js';
import { createBackupAdmin, type BackupAdmin } from './backups.js';
import { createInstanceAdmin, type InstanceAdmin } from './instances.js';
import { toBytes, type Bytes } from './bytes-input.js';
import { familyToProto, type FamilyInput } from './families.js';
import type { GcRule } from './gc-rules.js';
import { requestMetadata, unary, type ProtoObject, type RpcContext } from './rpc.js';
import { lastSegment, tableInfoFromProto as info, type TableInfo } from './table-info.js';

export type { TableInfo } from './table-info.js';

export interface CreateTableOptions {
  /** Families: a GC rule (undefined = keep everything), or { gcRule, aggregate } for an aggregate family. */
  families?: Record<string, FamilyInput>;
  /** Initial split keys. */
  splits?: Bytes[];
  deletionProtection?: boolean;
}

/** Changes to a table's families; applied in the order create, update, drop. */
export interface FamilyChanges {
  create?: Record<string, FamilyInput>;
  /** New GC rules (a family's aggregator cannot change). */
  update?: Record<string, GcRule>;
  drop?: string[];
}

/** Which rows DropRowRange removes. */
export type DropTarget = { prefix: Bytes } | { all: true };

/**
 * Tables and families; backups (and their HBase names, snapshots) from backups.ts; authorized views from
 * authorized-views.ts; instances and clusters from instances.ts.
 */
export interface Admin extends BackupAdmin, AuthorizedViewAdmin, InstanceAdmin {
  createTable(name: string, opts?: CreateTableOptions): Promise<TableInfo>;
  /** Table ids of the instance, ascending. */
  listTables(): Promise<string[]>;
  /** The table's families, GC rules and aggregators; NotFoundError if it does not exist. */
  getTable(name: string): Promise<TableInfo>;
  tableExists(name: string): Promise<boolean>;
  /** FailedPreconditionError while deletion protection is on. */
  deleteTable(name: string): Promise<void>;
  modifyFamilies(name: string, changes: FamilyChanges): Promise<TableInfo>;
  dropRowRange(name: string, target: DropTarget): Promise<void>;
  setDeletionProtection(name: string, enabled: boolean): Promise<void>;
}

export function createAdmin(ctx: RpcContext): Admin {
  const tableName = (name: string): string => {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('table: name must not be empty');
    return name.includes('/') ? name : `${ctx.instanceName}/tables/${name}`;
  };
  const call = (method: string, req: ProtoObject, params: Record<string, string>): Promise<ProtoObject> =>
    unary(ctx.admin, method, req, requestMetadata(params), ctx.timeoutMs);

  return {
    ...createBackupAdmin(ctx),
    ...createAuthorizedViewAdmin(ctx),
    ...createInstanceAdmin(ctx),

    async createTable(name, opts = {}) {
      validateTableId(name, 'name');
      const columnFamilies: Record<string, ProtoObject> = {};
      for (const [f, fam] of Object.entries(opts.families ?? {})) columnFamilies[f] = familyToProto(fam, `families.${f}`);
      const table: ProtoObject = { columnFamilies };
      if (opts.deletionProtection) table.deletionProtection = true;
      const req = {
        parent: ctx.instanceName,
        tableId: name,
        table,
        initialSplits: (opts.splits ?? []).map((s, i) => ({ key: toBytes(s, `splits[${i}]`) })),
      };
      const t = await call('CreateTable', req, { parent: ctx.instanceName });
      const out = info(t);
      // Some servers answer CreateTable with the name only: describe the table then.
      return Object.keys(out.families).length === 0 && Object.keys(columnFamilies).length > 0 ? this.getTable(name) : { ...out, name };
    },

    async listTables() {
      const out: string[] = [];
      let pageToken = '';
      do {
        const res = await call('ListTables', { parent: ctx.instanceName, view: 'NAME_ONLY', pageToken }, { parent: ctx.instanceName });
        for (const t of (res.tables ?? []) as ProtoObject[]) out.push(lastSegment(t.name));
        pageToken = String(res.nextPageToken ?? '');
      } while (pageToken !== '');
      return out.sort();
    },

    async getTable(name) {
      const n = tableName(name);
      return info(await call('GetTable', { name: n, view: 'SCHEMA_VIEW' }, { name: n }));
    },

    async tableExists(name) {
      try {
        await this.getTable(name);
        return true;
      } catch (e) {
        if ((e as { code?: number }).code === 5) return false;
        throw e;
      }
    },

    async deleteTable(name) {
      const n = tableName(name);
      await call('DeleteTable', { name: n }, { name: n });
    },

    async modifyFamilies(name, changes) {
      const n = tableName(name);
      const modifications: ProtoObject[] = [];
      for (const [id, fam] of Object.entries(changes.create ?? {})) modifications.push({ id, create: familyToProto(fam, `changes.create.${id}`) });
      for (const [id, rule] of Object.entries(changes.update ?? {})) modifications.push({ id, update: familyToProto(rule, `changes.update.${id}`) });
      for (const id of changes.drop ?? []) modifications.push({ id, drop: true });
      if (modifications.length === 0) throw new InvalidArgumentError('changes: no family to create, update or drop');
      return info(await call('ModifyColumnFamilies', { name: n, modifications }, { name: n }));
    },

    async dropRowRange(name, target) {
      const n = tableName(name);
      const req: ProtoObject = { name: n };
      if ('all' in target) {
        if (target.all !== true) throw new InvalidArgumentError('target.all: must be true');
        req.deleteAllDataFromTable = true;
      } else {
        const p = toBytes(target.prefix, 'target.prefix');
        if (p.length === 0) throw new InvalidArgumentError('target.prefix: must not be empty (use { all: true })');
        req.rowKeyPrefix = p;
      }
      await call('DropRowRange', req, { name: n });
    },

    async setDeletionProtection(name, enabled) {
      const n = tableName(name);
      await call('UpdateTable', { table: { name: n, deletionProtection: enabled }, updateMask: { paths: ['deletion_protection'] } }, { 'table.name': n });
    },
  };
}

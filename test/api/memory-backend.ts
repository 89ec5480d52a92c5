/**
 * A deliberately naive in-memory DataBackend + AdminBackend: the reference
 * model for tests (end-to-end API tests, property tests of the real backend).
 * Every table is a Map of rows holding all written cells; reads sort, apply
 * GC-rule visibility and the filter on every call. Correct and slow.
 */
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, TabulaError } from '../../src/base/errors.js';
import { bytesEqual, compareBytes, hasPrefix } from '../../src/base/bytes.js';
import { systemClock, type Clock } from '../../src/base/clock.js';
import { compareCells, type Cell, type Row } from '../../src/model/cell.js';
import { isGarbage, type GcRule } from '../../src/model/gc-rule.js';
import type { Aggregator } from '../../src/model/aggregate.js';
import { naiveAggregate } from '../support/naive-aggregate.js';
import type { Mutation, RowMutation } from '../../src/model/mutation.js';
import type { RowFilter } from '../../src/model/row-filter.js';
import type { RowRange, RowSet } from '../../src/model/row-set.js';
import { compileFilter } from '../../src/tablet/filter/compile-filter.js';
import type { SubsetView } from '../../src/model/authorized-view.js';
import { addView, checkFamilyDroppable, checkTableDeletable, getView, removeView, updateView, viewInfo, type ViewList } from '../../src/master/authorized-views.js';
import type {
  AdminBackend, AuthorizedViewInfo, AuthorizedViewName, BackupInfo, ColumnFamilyModification, HotBackup, DataBackend, ReadModifyWriteRule, ReadRowsOptions, TableInfo,
} from '../../src/api/backend.js';
import { formatInstanceName, formatTableName, type InstanceName, type TableName } from '../../src/api/table-name.js';
import { formatBackupName, type BackupName } from '../../src/api/backup-name.js';
import { checkBackupExpiry, checkHotToStandard, MAX_COPY_RETENTION_MS } from '../../src/api/backup-expiry.js';

interface MemTable {
  name: TableName;
  families: Map<string, GcRule>;
  /** Aggregate families: an add_to_cell combines its input with the cell at its coordinate. */
  aggregates: Map<string, Aggregator>;
  deletionProtection: boolean;
  splits: Buffer[];
  /** Row key (latin1) → all written cells in canonical order. */
  rows: Map<string, { key: Buffer; cells: Cell[] }>;
  tokens: Set<string>;
  restoredFrom?: TableInfo['restoredFrom'];
  views: ViewList;
}

/** A backup: a deep copy of the table's schema and rows when it was taken. */
interface MemBackup {
  /** Its type as created; what the API reports is view()'s (a hot backup turns standard at hotToStandardMs). */
  info: BackupInfo;
  hot?: HotBackup;
  families: Map<string, GcRule>;
  aggregates: Map<string, Aggregator>;
  splits: Buffer[];
  rows: Map<string, { key: Buffer; cells: Cell[] }>;
}

function copyRows(rows: Map<string, { key: Buffer; cells: Cell[] }>): Map<string, { key: Buffer; cells: Cell[] }> {
  return new Map([...rows].map(([id, r]) => [id, { key: copyBuf(r.key), cells: r.cells.map((c) => ({ ...c, qualifier: copyBuf(c.qualifier), value: copyBuf(c.value) })) }]));
}

export interface MemoryBackendOptions {
  clock?: Clock;
  /** Randomness for row_sample_filter. */
  random?: () => number;
}

const keyId = (k: Buffer): string => k.toString('latin1');

function inRange(key: Buffer, r: RowRange): boolean {
  if (r.start) {
    const c = compareBytes(key, r.start.key);
    if (c < 0 || (c === 0 && !r.start.closed)) return false;
  }
  if (r.end) {
    const c = compareBytes(key, r.end.key);
    if (c > 0 || (c === 0 && !r.end.closed)) return false;
  }
  return true;
}

export function inRowSet(key: Buffer, s: RowSet): boolean {
  for (const k of s.rowKeys) if (bytesEqual(k, key)) return true;
  for (const r of s.rowRanges) if (inRange(key, r)) return true;
  return false;
}

function copyBuf(b: Buffer): Buffer {
  return Buffer.from(b);
}

export class MemoryBackend implements DataBackend, AdminBackend {
  private readonly tables = new Map<string, MemTable>();
  private readonly backups = new Map<string, MemBackup>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private tokenSeq = 0;

  constructor(opts: MemoryBackendOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
  }

  // ---------------------------------------------------------------- data

  async mutateRow(table: TableName, rm: RowMutation): Promise<void> {
    this.apply(this.table(table), rm.row, rm.mutations);
  }

  async mutateRows(table: TableName, rms: RowMutation[]): Promise<Array<TabulaError | undefined>> {
    const t = this.table(table);
    return rms.map((rm) => {
      try {
        this.apply(t, rm.row, rm.mutations);
        return undefined;
      } catch (e) {
        if (e instanceof TabulaError) return e;
        throw e;
      }
    });
  }

  async *readRows(table: TableName, rowSet: RowSet, opts: ReadRowsOptions): AsyncIterable<Row> {
    const t = this.table(table);
    const filter = compileFilter(opts.filter, { random: this.random });
    const now = this.clock.nowMicros();
    const keys = [...t.rows.values()].map((r) => r.key).filter((k) => inRowSet(k, rowSet));
    keys.sort(compareBytes);
    if (opts.reversed) keys.reverse();
    let emitted = 0;
    for (const key of keys) {
      if (opts.signal.aborted) return;
      if (opts.limit !== undefined && emitted >= opts.limit) return;
      const stored = t.rows.get(keyId(key));
      if (stored === undefined) continue; // deleted while we were yielding
      const visible = this.visibleCells(t, stored.cells, now);
      if (visible.length === 0) continue;
      if (opts.stats) {
        opts.stats.rowsSeen++;
        opts.stats.cellsSeen += visible.length;
      }
      const cells = filter.apply({ key: stored.key, cells: visible });
      if (cells.length === 0) continue;
      emitted++;
      yield { key: copyBuf(stored.key), cells: cells.map((c) => ({ ...c })) };
    }
  }

  async checkAndMutateRow(
    table: TableName, row: Buffer, predicate: RowFilter | undefined,
    trueMutations: Mutation[], falseMutations: Mutation[],
  ): Promise<boolean> {
    const t = this.table(table);
    const compiled = compileFilter(predicate, { field: 'predicate_filter', random: this.random });
    const stored = t.rows.get(keyId(row));
    const visible = stored ? this.visibleCells(t, stored.cells, this.clock.nowMicros()) : [];
    const matched = visible.length > 0 && compiled.apply({ key: row, cells: visible }).length > 0;
    const muts = matched ? trueMutations : falseMutations;
    if (muts.length > 0) this.apply(t, row, muts);
    return matched;
  }

  async readModifyWriteRow(table: TableName, row: Buffer, rules: ReadModifyWriteRule[]): Promise<Row> {
    const t = this.table(table);
    rules.forEach((r, i) => {
      this.requireFamily(t, r.family, `rules[${i}].family_name`);
      if (t.aggregates.has(r.family)) throw new InvalidArgumentError(`rules[${i}].family_name: column family "${r.family}" is an aggregate family`);
    });
    const now = this.clock.nowMicros();
    const stored = t.rows.get(keyId(row));
    const cells = stored ? this.visibleCells(t, stored.cells, now) : [];
    const written = new Map<string, Cell>();
    const muts: Mutation[] = [];
    rules.forEach((r, i) => {
      const col = `${r.family}\0${r.qualifier.toString('latin1')}`;
      let latest = written.get(col);
      if (latest === undefined) {
        latest = cells.find((c) => c.family === r.family && bytesEqual(c.qualifier, r.qualifier));
      }
      let value: Buffer;
      if (r.type === 'append') {
        value = latest ? Buffer.concat([latest.value, r.value]) : copyBuf(r.value);
      } else {
        let old = 0n;
        if (latest) {
          if (latest.value.length !== 8) {
            throw new InvalidArgumentError(
              `rules[${i}].increment_amount: the existing value is ${latest.value.length} bytes, increments need an 8-byte big-endian integer`);
          }
          old = latest.value.readBigInt64BE(0);
        }
        value = Buffer.alloc(8);
        value.writeBigInt64BE(BigInt.asIntN(64, old + r.amount));
      }
      const timestamp = latest && latest.timestamp > now ? latest.timestamp : now;
      const cell: Cell = { family: r.family, qualifier: copyBuf(r.qualifier), timestamp, value };
      written.set(col, cell);
      muts.push({ type: 'setCell', family: r.family, qualifier: cell.qualifier, timestamp, value });
    });
    this.apply(t, row, muts);
    return { key: copyBuf(row), cells: [...written.values()].sort(compareCells) };
  }

  async sampleRowKeys(table: TableName): Promise<Array<{ rowKey: Buffer; offsetBytes: number }>> {
    const t = this.table(table);
    const rows = [...t.rows.values()].sort((a, b) => compareBytes(a.key, b.key));
    const size = (r: { key: Buffer; cells: Cell[] }): number =>
      r.cells.reduce((n, c) => n + r.key.length + c.family.length + c.qualifier.length + c.value.length + 8, 0);
    const out: Array<{ rowKey: Buffer; offsetBytes: number }> = [];
    let i = 0;
    let offset = 0;
    for (const s of t.splits) {
      while (i < rows.length && compareBytes(rows[i]!.key, s) < 0) offset += size(rows[i++]!);
      out.push({ rowKey: copyBuf(s), offsetBytes: offset });
    }
    while (i < rows.length) offset += size(rows[i++]!);
    out.push({ rowKey: Buffer.alloc(0), offsetBytes: offset });
    return out;
  }

  // ---------------------------------------------------------------- admin

  async createTable(name: TableName, families: Map<string, GcRule>, splits: Buffer[], aggregates = new Map<string, Aggregator>()): Promise<TableInfo> {
    const id = formatTableName(name);
    if (this.tables.has(id)) throw new AlreadyExistsError(`table "${id}" already exists`);
    const sorted = splits.map(copyBuf).sort(compareBytes).filter((s, i, a) => i === 0 || !bytesEqual(a[i - 1]!, s));
    const t: MemTable = {
      name: { ...name }, families: new Map(families), aggregates: new Map(aggregates), deletionProtection: false, splits: sorted, rows: new Map(), tokens: new Set(), views: [],
    };
    this.tables.set(id, t);
    return this.info(t);
  }

  async getTable(name: TableName): Promise<TableInfo> {
    return this.info(this.table(name));
  }

  async listTables(instance: InstanceName): Promise<TableInfo[]> {
    const prefix = formatInstanceName(instance) + '/tables/';
    return [...this.tables.entries()]
      .filter(([id]) => id.startsWith(prefix))
      .map(([, t]) => this.info(t))
      .sort((a, b) => (a.name.table < b.name.table ? -1 : a.name.table > b.name.table ? 1 : 0));
  }

  async listInstances(project: string): Promise<InstanceName[]> {
    const ids = new Set<string>();
    const prefix = `projects/${project}/instances/`;
    for (const name of [...this.tables.keys(), ...this.backups.keys()]) if (name.startsWith(prefix)) ids.add(name.slice(prefix.length).split('/')[0]!);
    return [...ids].sort().map((instance) => ({ project, instance }));
  }

  async servingNodes(): Promise<number> {
    return 1;
  }

  async deleteTable(name: TableName): Promise<void> {
    const t = this.table(name);
    if (t.deletionProtection) {
      throw new FailedPreconditionError(`table "${formatTableName(name)}" has deletion protection enabled`);
    }
    checkTableDeletable(t.views, formatTableName(name));
    this.tables.delete(formatTableName(name));
  }

  async modifyColumnFamilies(name: TableName, modifications: ColumnFamilyModification[]): Promise<TableInfo> {
    const t = this.table(name);
    const families = new Map(t.families);
    const aggregates = new Map(t.aggregates);
    const dropped: string[] = [];
    modifications.forEach((m, i) => {
      const field = `modifications[${i}]`;
      switch (m.type) {
        case 'create':
          if (families.has(m.family)) throw new AlreadyExistsError(`${field}.create: family "${m.family}" already exists`);
          families.set(m.family, m.gcRule);
          if (m.aggregate) aggregates.set(m.family, m.aggregate);
          break;
        case 'update':
          if (!families.has(m.family)) throw new NotFoundError(`${field}.update: family "${m.family}" not found`);
          if (m.aggregate !== undefined && m.aggregate !== aggregates.get(m.family)) {
            throw new FailedPreconditionError(`${field}.update.value_type: the value type of family "${m.family}" cannot be changed`);
          }
          families.set(m.family, m.gcRule);
          break;
        case 'drop':
          if (!families.has(m.family)) throw new NotFoundError(`${field}.drop: family "${m.family}" not found`);
          checkFamilyDroppable(t.views, m.family, `${field}.drop`);
          families.delete(m.family);
          aggregates.delete(m.family);
          dropped.push(m.family);
          break;
      }
    });
    t.families = families;
    t.aggregates = aggregates;
    for (const f of dropped) {
      for (const [id, r] of t.rows) {
        r.cells = r.cells.filter((c) => c.family !== f);
        if (r.cells.length === 0) t.rows.delete(id);
      }
    }
    return this.info(t);
  }

  async dropRowRange(name: TableName, range: { prefix: Buffer } | { all: true }): Promise<void> {
    const t = this.table(name);
    if ('all' in range) {
      t.rows.clear();
      return;
    }
    for (const [id, r] of t.rows) if (hasPrefix(r.key, range.prefix)) t.rows.delete(id);
  }

  async updateTable(name: TableName, changes: { deletionProtection?: boolean }): Promise<TableInfo> {
    const t = this.table(name);
    if (changes.deletionProtection !== undefined) t.deletionProtection = changes.deletionProtection;
    return this.info(t);
  }

  async generateConsistencyToken(name: TableName): Promise<string> {
    const t = this.table(name);
    const token = `tabula-${++this.tokenSeq}`;
    t.tokens.add(token);
    return token;
  }

  async checkConsistency(name: TableName, token: string): Promise<boolean> {
    const t = this.table(name);
    if (!t.tokens.has(token)) throw new InvalidArgumentError(`consistency_token: unknown token "${token}"`);
    return true;
  }

  async createBackup(name: BackupName, source: TableName, expireMs: number, hot?: HotBackup): Promise<BackupInfo> {
    const id = formatBackupName(name);
    const t = this.table(source);
    if (this.backups.has(id)) throw new AlreadyExistsError(`backup "${id}" already exists`);
    const startMs = Math.floor(this.clock.nowMicros() / 1000);
    checkBackupExpiry(expireMs, startMs, 'backup.expire_time');
    if (hot?.hotToStandardMs !== undefined) checkHotToStandard(hot.hotToStandardMs, startMs, 'backup.hot_to_standard_time');
    const rows = copyRows(t.rows);
    const info: BackupInfo = { name: { ...name }, sourceTable: { ...source }, state: 'READY', startMs, endMs: startMs, expireMs, sizeBytes: 0, backupType: 'STANDARD' };
    const b: MemBackup = { info, ...(hot ? { hot: { ...hot } } : {}), families: new Map(t.families), aggregates: new Map(t.aggregates), splits: [...t.splits], rows };
    this.backups.set(id, b);
    return this.view(b);
  }

  async getBackup(name: BackupName): Promise<BackupInfo> {
    return this.view(this.backup(name));
  }

  async listBackups(instance: InstanceName): Promise<BackupInfo[]> {
    const prefix = formatInstanceName(instance) + '/clusters/';
    return [...this.backups.entries()].filter(([id]) => id.startsWith(prefix)).map(([, b]) => this.view(b));
  }

  async updateBackup(name: BackupName, changes: { expireMs?: number; hotToStandardMs?: number }): Promise<BackupInfo> {
    const b = this.backup(name);
    if (changes.expireMs !== undefined) checkBackupExpiry(changes.expireMs, b.info.startMs, 'backup.expire_time');
    if (changes.hotToStandardMs !== undefined) {
      if (this.view(b).backupType !== 'HOT') throw new InvalidArgumentError('backup.hot_to_standard_time: a standard backup (the field applies to hot backups only)');
      checkHotToStandard(changes.hotToStandardMs, b.info.startMs, 'backup.hot_to_standard_time');
      b.hot = { hotToStandardMs: changes.hotToStandardMs };
    }
    if (changes.expireMs !== undefined) b.info = { ...b.info, expireMs: changes.expireMs };
    return this.view(b);
  }

  /** The backup as the API reports it now: hot until its hot_to_standard_time. */
  private view(b: MemBackup): BackupInfo {
    const now = Math.floor(this.clock.nowMicros() / 1000);
    const hot = b.hot !== undefined && (b.hot.hotToStandardMs === undefined || now < b.hot.hotToStandardMs);
    return hot ? { ...b.info, backupType: 'HOT', ...(b.hot!.hotToStandardMs !== undefined ? { hotToStandardMs: b.hot!.hotToStandardMs } : {}) } : { ...b.info };
  }

  async deleteBackup(name: BackupName): Promise<void> {
    this.backup(name);
    this.backups.delete(formatBackupName(name));
  }

  async restoreTable(name: TableName, backup: BackupName): Promise<TableInfo> {
    const id = formatTableName(name);
    if (this.tables.has(id)) throw new AlreadyExistsError(`table "${id}" already exists`);
    const b = this.backup(backup);
    const t: MemTable = {
      name: { ...name }, families: new Map(b.families), aggregates: new Map(b.aggregates), deletionProtection: false, splits: [...b.splits],
      rows: copyRows(b.rows), tokens: new Set(), views: [],
      restoredFrom: { backup: { ...b.info.name }, sourceTable: { ...b.info.sourceTable }, startMs: b.info.startMs, endMs: b.info.endMs! },
    };
    this.tables.set(id, t);
    return this.info(t);
  }

  async copyBackup(name: BackupName, source: BackupName, expireMs: number): Promise<BackupInfo> {
    const src = this.backup(source);
    if (src.info.sourceBackup) throw new FailedPreconditionError(`source_backup: backup "${formatBackupName(source)}" is a copy itself`);
    const id = formatBackupName(name);
    if (this.backups.has(id)) throw new AlreadyExistsError(`backup "${id}" already exists`);
    const startMs = Math.floor(this.clock.nowMicros() / 1000);
    checkBackupExpiry(expireMs, startMs, 'expire_time', MAX_COPY_RETENTION_MS);
    const info: BackupInfo = { ...src.info, name: { ...name }, sourceBackup: { ...source }, startMs, endMs: startMs, expireMs, backupType: 'STANDARD' };
    this.backups.set(id, { info, families: new Map(src.families), aggregates: new Map(src.aggregates), splits: [...src.splits], rows: copyRows(src.rows) });
    return { ...info };
  }

  // ---------------------------------------------------------------- helpers

  private backup(name: BackupName): MemBackup {
    const b = this.backups.get(formatBackupName(name));
    if (b === undefined) throw new NotFoundError(`backup "${formatBackupName(name)}" not found`);
    return b;
  }

  async createAuthorizedView(name: AuthorizedViewName, subset: SubsetView, deletionProtection: boolean): Promise<AuthorizedViewInfo> {
    const t = this.table(name);
    t.views = addView(t.views, new Set(t.families.keys()), name, subset, deletionProtection);
    return getView(t.views, name);
  }

  async getAuthorizedView(name: AuthorizedViewName): Promise<AuthorizedViewInfo> {
    return getView(this.table(name).views, name);
  }

  async listAuthorizedViews(table: TableName): Promise<AuthorizedViewInfo[]> {
    return this.table(table).views.map(([id, v]) => viewInfo(table, id, v)).sort((a, b) => (a.name.view < b.name.view ? -1 : 1));
  }

  async updateAuthorizedView(name: AuthorizedViewName, changes: { subset?: SubsetView; deletionProtection?: boolean }, etag?: string): Promise<AuthorizedViewInfo> {
    const t = this.table(name);
    t.views = updateView(t.views, new Set(t.families.keys()), name, changes, etag);
    return getView(t.views, name);
  }

  async deleteAuthorizedView(name: AuthorizedViewName, etag?: string): Promise<void> {
    const t = this.table(name);
    t.views = removeView(t.views, name, etag);
  }

  private table(name: TableName): MemTable {
    const t = this.tables.get(formatTableName(name));
    if (t === undefined) throw new NotFoundError(`table "${formatTableName(name)}" not found`);
    return t;
  }

  private info(t: MemTable): TableInfo {
    return {
      name: { ...t.name }, families: new Map(t.families), ...(t.aggregates.size ? { aggregates: new Map(t.aggregates) } : {}), deletionProtection: t.deletionProtection,
      ...(t.restoredFrom ? { restoredFrom: t.restoredFrom } : {}),
    };
  }

  private requireFamily(t: MemTable, family: string, field: string): void {
    if (!t.families.has(family)) {
      throw new NotFoundError(`${field}: column family "${family}" not found in table "${formatTableName(t.name)}"`);
    }
  }

  /** Cells the GC rules do not condemn yet, in canonical order. */
  private visibleCells(t: MemTable, cells: Cell[], now: number): Cell[] {
    const out: Cell[] = [];
    let version = 0;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      const prev = cells[i - 1];
      if (prev && prev.family === c.family && bytesEqual(prev.qualifier, c.qualifier)) version++;
      else version = 0;
      const rule = t.families.get(c.family);
      if (rule === undefined) continue;
      if (isGarbage(rule, version, now - c.timestamp)) continue;
      out.push(c);
    }
    return out;
  }

  /** `cells` with the aggregate cell at (family, qualifier, ts) combined with `input` (the input alone if there is no cell). */
  private combine(t: MemTable, cells: Cell[], family: string, qualifier: Buffer, ts: number, input: Buffer): Cell[] {
    const old = cells.find((c) => c.family === family && bytesEqual(c.qualifier, qualifier) && c.timestamp === ts);
    const value = naiveAggregate(t.aggregates.get(family), old?.value, input);
    const cell: Cell = { family, qualifier: copyBuf(qualifier), timestamp: ts, value };
    return [...cells.filter((c) => compareCells(c, cell) !== 0), cell].sort(compareCells);
  }

  /** Applies one row's mutations atomically: all families are checked first. */
  private apply(t: MemTable, row: Buffer, mutations: Mutation[]): void {
    mutations.forEach((m, i) => {
      if (m.type === 'deleteFromRow') return;
      this.requireFamily(t, m.family, `mutations[${i}]`);
      const agg = t.aggregates.get(m.family);
      if (m.type === 'addToCell' && (agg === undefined || (m.value.length !== 8 && m.value.length !== 0))) {
        throw new InvalidArgumentError(`mutations[${i}]: column family "${m.family}" is not an aggregate family, or the input is not 8 bytes`);
      }
      if (m.type === 'setCell' && agg !== undefined && m.value.length !== 8) {
        throw new InvalidArgumentError(`mutations[${i}]: column family "${m.family}" aggregates int64 values; set_cell needs 8 bytes`);
      }
    });
    const id = keyId(row);
    let cells = (t.rows.get(id)?.cells ?? []).slice();
    for (const m of mutations) {
      switch (m.type) {
        case 'setCell': {
          const ts = m.timestamp === -1 ? this.clock.nowMicros() : m.timestamp;
          // Into an aggregate family a set_cell is combined like an input.
          if (t.aggregates.has(m.family)) {
            cells = this.combine(t, cells, m.family, m.qualifier, ts, m.value);
            break;
          }
          const cell: Cell = { family: m.family, qualifier: copyBuf(m.qualifier), timestamp: ts, value: copyBuf(m.value) };
          cells = cells.filter((c) => compareCells(c, cell) !== 0);
          cells.push(cell);
          cells.sort(compareCells);
          break;
        }
        case 'addToCell':
          if (m.value.length === 0) break; // a merge of NULL
          cells = this.combine(t, cells, m.family, m.qualifier, m.timestamp === -1 ? this.clock.nowMicros() : m.timestamp, m.value);
          break;
        case 'deleteFromColumn':
          cells = cells.filter((c) => !(c.family === m.family && bytesEqual(c.qualifier, m.qualifier)
            && c.timestamp >= m.start && (m.end === undefined || c.timestamp < m.end)));
          break;
        case 'deleteFromFamily':
          cells = cells.filter((c) => c.family !== m.family);
          break;
        case 'deleteFromRow':
          cells = [];
          break;
      }
    }
    if (cells.length === 0) t.rows.delete(id);
    else t.rows.set(id, { key: copyBuf(row), cells });
  }
}

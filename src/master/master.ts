/**
 * The master: owns the catalog (catalog.ts), assigns tablets to tablet
 * servers with an epoch, and implements table administration
 * (google.bigtable.admin.v2.BigtableTableAdmin) by updating the catalog and
 * telling the servers holding the table's tablets what changed. It never
 * touches tablet data itself: everything it does to data is a pointer or a
 * schema change carried out by the owning server.
 */
import { randomBytes } from 'node:crypto';
import { compareBytes, prefixSuccessor } from '../base/bytes.js';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, UnavailableError } from '../base/errors.js';
import { KeyedSerial } from '../base/keyed-serial.js';
import { logger } from '../base/log.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Aggregator } from '../model/aggregate.js';
import { intersectRange, type KeyRange } from '../model/key-range.js';
import type { TabletControlService, TabletDescriptor } from '../rpc/tablet-service.js';
import type {
  AdminBackend, AuthorizedViewInfo, AuthorizedViewName, BackupInfo, BackupName, ColumnFamilyModification, HotBackup, InstanceName, TableInfo, TableName,
} from '../api/backend.js';
import type { SubsetView } from '../model/authorized-view.js';
import { addView, checkFamilyDroppable, checkTableDeletable, getView, removeView, updateView, viewInfo, type ViewList } from './authorized-views.js';
import { formatInstanceName, formatTableName, parseTableName } from '../api/table-name.js';
import { formatBackupName, parseBackupName } from '../api/backup-name.js';
import { checkBackupExpiry, checkHotToStandard, MAX_COPY_RETENTION_MS } from '../api/backup-expiry.js';
import { Catalog, type BackupRecord, type BackupTablet, type TableRecord, type TabletRecord } from './catalog.js';
import { planBalance } from './balance-plan.js';

const log = logger('master');

/** How often the processes owning a master sweep backups (expiry; see Master.sweepBackups). */
export const BACKUP_SWEEP_MS = 60_000;

/** Where a tablet is served, for request routing. */
export interface TabletLocation {
  id: string;
  startRow: Buffer;
  /** Empty = unbounded. */
  endRow: Buffer;
  server: string;
  epoch: number;
}

export interface MasterOptions {
  /** Directory of the catalog database. */
  dir: string;
  /** Tablet servers by id (in-process or remote stubs). */
  servers: Map<string, TabletControlService>;
  /**
   * true (default, embedded server): assign every tablet again on open.
   * false (cluster master): keep the catalog's assignment, so servers that
   * are still running keep serving while the master restarts; the cluster
   * master (cluster-master.ts) reassigns what nobody claims.
   */
  assignOnOpen?: boolean;
  /** Current time in ms (backup times and expiry; default Date.now). */
  now?: () => number;
}

export class Master implements AdminBackend {
  private constructor(
    private readonly catalog: Catalog,
    private readonly servers: Map<string, TabletControlService>,
    private readonly now: () => number,
  ) {}

  /** Opens the catalog and (re)assigns every tablet to a server with a new epoch. */
  static async open(opts: MasterOptions): Promise<Master> {
    const m = new Master(await Catalog.open(opts.dir), opts.servers, opts.now ?? Date.now);
    if (opts.assignOnOpen !== false) await m.assignAll();
    return m;
  }

  async close(): Promise<void> {
    await this.catalog.close();
  }

  // ---- assignment ----------------------------------------------------------------------

  /** The server with the fewest tablets; `extra` counts tablets being placed that the catalog does not hold yet. */
  private pickServer(extra: Map<string, number> = new Map()): string {
    const counts = new Map<string, number>([...this.servers.keys()].map((s) => [s, extra.get(s) ?? 0]));
    for (const t of this.catalog.allTablets()) if (t.server && counts.has(t.server)) counts.set(t.server, counts.get(t.server)! + 1);
    let best: string | undefined;
    for (const [s, n] of counts) if (best === undefined || n < counts.get(best)!) best = s;
    if (!best) throw new UnavailableError('no tablet server is available; retry once one has registered');
    extra.set(best, (extra.get(best) ?? 0) + 1);
    return best;
  }

  private descriptor(t: TabletRecord, recoverFrom?: string[]): TabletDescriptor {
    const table = this.catalog.table(t.table)!;
    return {
      id: t.id, table: t.table, epoch: t.epoch,
      startRow: Buffer.from(t.startRow, 'base64'), endRow: Buffer.from(t.endRow, 'base64'),
      families: table.families,
      ...(table.aggregates?.length ? { aggregates: table.aggregates } : {}),
      ...(recoverFrom?.length ? { recoverFrom } : {}),
      ...(t.seedFrom ? { seedFrom: t.seedFrom } : {}),
    };
  }

  /**
   * Assigns every tablet again with a bumped epoch (start-up). A tablet whose
   * previous owner is not among the servers (the embedded server now runs
   * fewer tablet servers) goes to the least loaded one and replays the old
   * owner's WAL; that directory is kept in the catalog until the tablet is
   * open, so a crash during start-up cannot forget it.
   */
  private async assignAll(): Promise<void> {
    const tablets = this.catalog.allTablets();
    if (!tablets.length) return;
    const placed = new Map<string, number>();
    const updated: TabletRecord[] = tablets.map((t) => {
      const server = t.server && this.servers.has(t.server) ? t.server : this.pickServer(placed);
      const lost = t.server && t.server !== server ? [`wal/${t.server}`] : [];
      const recoverFrom = [...new Set([...(t.recoverFrom ?? []), ...lost])];
      const { recoverFrom: _r, ...rest } = t;
      return { ...rest, server, epoch: t.epoch + 1, ...(recoverFrom.length ? { recoverFrom } : {}) };
    });
    await this.changing(updated.map((t) => t.id), async () => {
      await this.catalog.write({ tablets: updated });
      const start = Date.now();
      await Promise.all(updated.map((t) => this.servers.get(t.server!)!.openTablet(this.descriptor(t, t.recoverFrom))));
      const recovered = updated.filter((t) => t.recoverFrom).length;
      const settled = updated.filter((t) => t.recoverFrom || t.seedFrom).map(({ recoverFrom: _r, seedFrom: _s, ...t }) => t);
      if (settled.length) await this.catalog.write({ tablets: settled });
      this.counters.recoveries += recovered;
      log.info({ tablets: updated.length, recovered, ms: Date.now() - start }, 'assigned tablets');
    });
  }

  /** Every tablet of the catalog (cluster status, assignment). */
  tabletRecords(): TabletRecord[] {
    return this.catalog.allTablets();
  }

  /**
   * Assigns a tablet to `server` (or the least loaded one) with a bumped
   * epoch; the new owner replays the WAL directories in the tablet's
   * recoverFrom list before serving. On failure the tablet is left
   * unassigned (recoverFrom kept) for a later attempt.
   */
  assignTablet(tabletId: string, server?: string): Promise<void> {
    return this.exclusive(tabletId, async () => {
      const t = this.catalog.tablet(tabletId);
      if (!t) return; // deleted or split meanwhile
      const target = server ?? this.pickServer();
      const assigned: TabletRecord = { ...t, server: target, epoch: t.epoch + 1 };
      await this.catalog.write({ tablets: [assigned] });
      const start = Date.now();
      try {
        await this.servers.get(target)!.openTablet(this.descriptor(assigned, t.recoverFrom));
      } catch (e) {
        const { server: _s, ...rest } = assigned;
        await this.catalog.write({ tablets: [rest] });
        throw e;
      }
      if (t.recoverFrom?.length || t.seedFrom) {
        const { recoverFrom: _r, seedFrom: _s, ...done } = assigned;
        await this.catalog.write({ tablets: [done] });
        if (t.recoverFrom?.length) this.counters.recoveries++;
      }
      log.info({ tablet: t.id, server: target, epoch: assigned.epoch, recoverFrom: t.recoverFrom, ms: Date.now() - start }, 'assign');
    });
  }

  /**
   * A server lost its lease: its tablets become unassigned and remember its
   * WAL directory, whose records for them the next owner replays.
   */
  async serverLost(serverId: string): Promise<string[]> {
    const ids = await this.unassign(serverId, () => true);
    log.warn({ server: serverId, tablets: ids.length }, 'server lost');
    return ids;
  }

  /**
   * Reconciles a server's report (a heartbeat) with the catalog: tablets the
   * catalog gives to `serverId` that the report does not list are not served
   * by anyone. That happens when a server crashed and came back with the
   * same id before its lease ran out: the new incarnation hosts nothing, its
   * predecessor's tablets are only in its WAL. They become unassigned with
   * wal/<serverId> to replay, exactly as if the server had been lost, and
   * are assigned again (maybe to the same server, which replays the records
   * it read when it opened its WAL).
   *
   * Only tablets settled by `seq` are taken: no structural change of theirs
   * is in flight and the last one ended at or before changeSequence was
   * `seq`, which the caller takes when the previous report arrived, so the
   * report was gathered after the tablet was opened there. Resolves the ids.
   */
  async reclaimUnserved(serverId: string, reported: ReadonlySet<string>, seq: number): Promise<string[]> {
    const ids = await this.unassign(serverId, (id) => !reported.has(id) && this.settledBy(id, seq));
    if (ids.length) log.warn({ server: serverId, tablets: ids }, 'tablets not served by their owner; recovering them from its WAL');
    return ids;
  }

  /** Unassigns the tablets of `serverId` that `which` selects, remembering its WAL directory for the next owner. */
  private async unassign(serverId: string, which: (id: string) => boolean): Promise<string[]> {
    const dir = `wal/${serverId}`;
    const candidates = this.catalog.allTablets().filter((t) => t.server === serverId && which(t.id)).map((t) => t.id);
    const lost = await Promise.all(candidates.map((id) => this.exclusive(id, async () => {
      const t = this.catalog.tablet(id);
      if (!t || t.server !== serverId || !which(id)) return undefined; // moved, split or deleted meanwhile
      const { server: _s, ...rest } = t;
      await this.catalog.write({ tablets: [{ ...rest, recoverFrom: [...(t.recoverFrom ?? []).filter((d) => d !== dir), dir] }] });
      return id;
    }, { mark: false })));
    return lost.filter((id): id is string => !!id);
  }

  /**
   * The server of a tablet. UnavailableError when it has none: the tablet is
   * being recovered or reassigned, which the master does on its own, so the
   * caller may retry (FAILED_PRECONDITION would tell a client not to).
   */
  private control(t: TabletRecord): TabletControlService {
    const s = t.server && this.servers.get(t.server);
    if (!s) throw new UnavailableError(`tablet ${t.id} has no live server (it is being recovered or reassigned); retry`);
    return s;
  }

  /** Whether a tablet has a live server now (control() would not throw). */
  private served(t: TabletRecord): boolean {
    return !!t.server && this.servers.has(t.server);
  }

  /**
   * Where each tablet of a table is served, sorted by start row. NotFoundError
   * for an unknown table. The embedded server routes every request through
   * here: answers are kept (shared, not to be modified) until the catalog changes.
   */
  locate(table: string): readonly TabletLocation[] {
    if (!this.catalog.table(table)) throw new NotFoundError(`table "${table}" not found`);
    if (this.locatedVersion !== this.catalog.version) {
      this.located.clear();
      this.locatedVersion = this.catalog.version;
    }
    let at = this.located.get(table);
    if (at === undefined) {
      at = this.catalog.tabletsOf(table).map((t) => ({
        id: t.id, startRow: Buffer.from(t.startRow, 'base64'), endRow: Buffer.from(t.endRow, 'base64'), server: t.server ?? '', epoch: t.epoch,
      }));
      this.located.set(table, at);
    }
    return at;
  }
  private readonly located = new Map<string, readonly TabletLocation[]>();
  private locatedVersion = -1;

  // ---- structural changes: split, move, compact ----------------------------------------

  /**
   * Serialises structural changes of one tablet (split, move, assignment,
   * loss) so they never race on it; changes of different tablets run in
   * parallel (recovering 100 tablets must not take 100 round trips in a row).
   */
  private exclusive<T>(tabletId: string, fn: () => Promise<T>, opts: { mark?: boolean } = {}): Promise<T> {
    return this.structural.run(tabletId, opts.mark === false ? fn : () => this.changing([tabletId], fn));
  }
  private readonly structural = new KeyedSerial();

  /**
   * Serialises changes of one table's catalog record (schema, settings,
   * authorized views): each reads the record and writes it back, and two at
   * once would lose one of the changes.
   */
  private readonly tableChanges = new KeyedSerial();

  /**
   * Marks `ids` as changing while `fn` runs (assignment, move, split, table
   * creation): a tablet being opened or closed by its owner is legitimately
   * missing from the owner's report, so reclaimUnserved leaves it alone.
   * When fn ends, changeSequence advances and the tablets remember it.
   */
  private async changing<T>(ids: string[], fn: () => Promise<T>): Promise<T> {
    for (const id of ids) this.busy.set(id, (this.busy.get(id) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const seq = ++this.changeSeq;
      for (const id of ids) {
        const n = this.busy.get(id)! - 1;
        if (n > 0) this.busy.set(id, n);
        else this.busy.delete(id);
        if (this.catalog.tablet(id)) this.settled.set(id, seq);
        else this.settled.delete(id);
      }
    }
  }
  private readonly busy = new Map<string, number>();
  private readonly settled = new Map<string, number>();
  private changeSeq = 0;

  /** Advances whenever a structural change of any tablet ends (see reclaimUnserved). */
  get changeSequence(): number {
    return this.changeSeq;
  }

  /** No change of the tablet is in flight and its last one ended at or before `seq`. */
  private settledBy(id: string, seq: number): boolean {
    return !this.busy.has(id) && (this.settled.get(id) ?? 0) <= seq;
  }

  private newTabletId(): string {
    return `tb-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  }

  /**
   * Splits a tablet at `splitRow` (or the middle of its data): the owner
   * flushes and closes it and writes two child manifests pointing at the
   * parent's SSTables; the catalog then swaps the parent for the children
   * (new epoch) and the owner opens them. No SSTable is copied. Resolves the
   * children's ids, or undefined when the tablet was too small to split.
   */
  splitTablet(tabletId: string, splitRow?: Buffer): Promise<string[] | undefined> {
    return this.exclusive(tabletId, async () => {
      const t = this.catalog.tablet(tabletId);
      if (!t) throw new NotFoundError(`tablet ${tabletId} not found`);
      const server = this.control(t);
      const ids: [string, string] = [this.newTabletId(), this.newTabletId()];
      const start = Date.now();
      let row: Buffer | undefined;
      try {
        row = await server.splitTablet(t.id, splitRow, ids);
      } catch (e) {
        // The parent may be closed already: serve it again under a new epoch.
        const again = { ...t, epoch: t.epoch + 1 };
        await this.catalog.write({ tablets: [again] });
        await server.openTablet(this.descriptor(again)).catch(() => {});
        throw e;
      }
      if (!row) return undefined;
      const children: TabletRecord[] = [
        { id: ids[0], table: t.table, startRow: t.startRow, endRow: row.toString('base64'), server: t.server, epoch: t.epoch + 1 },
        { id: ids[1], table: t.table, startRow: row.toString('base64'), endRow: t.endRow, server: t.server, epoch: t.epoch + 1 },
      ];
      await this.changing(ids, async () => {
        await this.catalog.write({ tablets: children, deleteTablets: [t.id] });
        await Promise.all(children.map((c) => server.openTablet(this.descriptor(c))));
      });
      await server.destroyTablet(t.id).catch((e) => log.warn({ tablet: t.id, err: String(e) }, 'removing split parent failed'));
      this.counters.splits++;
      log.info({ tablet: t.id, children: ids, ms: Date.now() - start }, 'split');
      return ids;
    });
  }

  /** Splits the tablet of `table` that holds `row` at that row (tabula cluster split). */
  async splitTableAt(table: string, row: Buffer): Promise<string[] | undefined> {
    const ts = this.locate(table);
    let owner = ts[0]!;
    for (const t of ts) if (compareBytes(t.startRow, row) <= 0) owner = t;
    if (compareBytes(owner.startRow, row) === 0) return undefined; // already a boundary
    return this.splitTablet(owner.id, row);
  }

  /**
   * Moves a tablet to another server: the source flushes and closes it, the
   * catalog records the new owner with a new epoch, the target opens the
   * same manifest. Zero bytes of SSTable data are copied.
   */
  moveTablet(tabletId: string, target: string): Promise<void> {
    return this.exclusive(tabletId, async () => {
      const t = this.catalog.tablet(tabletId);
      if (!t) throw new NotFoundError(`tablet ${tabletId} not found`);
      const dest = this.servers.get(target);
      if (!dest) throw new NotFoundError(`tablet server ${target} not found`);
      if (t.server === target) return;
      const start = Date.now();
      const moved = { ...t, server: target, epoch: t.epoch + 1 };
      // The source may write its last manifest under the new epoch already (a hand-off), sparing the target a claim.
      if (t.server && this.servers.has(t.server)) await this.control(t).closeTablet(t.id, { flush: true, handOffEpoch: moved.epoch });
      const closed = Date.now();
      await this.catalog.write({ tablets: [moved] });
      const recorded = Date.now();
      await dest.openTablet(this.descriptor(moved, t.recoverFrom));
      const opened = Date.now();
      if (t.recoverFrom) {
        const { recoverFrom: _r, ...done } = moved;
        await this.catalog.write({ tablets: [done] });
      }
      this.counters.moves++;
      log.info({ tablet: t.id, from: t.server, to: target, ms: Date.now() - start, closeMs: closed - start, catalogMs: recorded - closed, openMs: opened - recorded }, 'move');
    });
  }

  /**
   * One balancing round over `servers` (ids; default every server): the
   * policy (balance-plan.ts) evens tablet counts, then bytes (`bytes` per
   * tablet id; default asked of the servers), a few moves per round; the
   * moves are pointer changes (moveTablet). A failed move is logged and
   * skipped. Resolves the number of tablets moved.
   */
  async balance(servers: string[] = [...this.servers.keys()], bytes?: Map<string, number>): Promise<number> {
    if (!bytes) {
      bytes = new Map();
      for (const id of servers) {
        for (const st of await this.servers.get(id)?.tabletStats().catch(() => []) ?? []) bytes.set(st.id, st.bytes);
      }
    }
    const sizes = bytes;
    const moves = planBalance(servers, this.catalog.allTablets().map((t) => ({ id: t.id, server: t.server ?? '', bytes: sizes.get(t.id) ?? 0 })));
    let done = 0;
    for (const m of moves) {
      try {
        await this.moveTablet(m.tablet, m.to);
        done++;
      } catch (e) {
        log.warn({ tablet: m.tablet, to: m.to, err: String(e) }, 'balancing move failed');
      }
    }
    if (done) log.info({ moves: done }, 'balanced');
    return done;
  }

  /** Major-compacts every tablet of a table. */
  async compactTable(table: string): Promise<void> {
    for (const t of this.catalog.tabletsOf(table)) await this.control(t).compactTablet(t.id);
  }

  /**
   * Splits every tablet whose data passed `splitBytes`, checking every
   * `intervalMs`. Returns a stop function, which resolves once a round in
   * progress has finished (a split is not left half done by a shutdown).
   */
  startAutoSplit(opts: { splitBytes: number; intervalMs: number }): () => Promise<void> {
    let round: Promise<void> | undefined;
    let stopped = false;
    const tick = async () => {
      for (const s of [...this.servers.values()]) {
        for (const st of await s.tabletStats()) {
          if (stopped) return;
          if (st.bytes > opts.splitBytes && this.catalog.tablet(st.id)) {
            await this.splitTablet(st.id).catch((e) => log.warn({ tablet: st.id, err: String(e) }, 'auto split failed'));
          }
        }
      }
    };
    const timer = setInterval(() => {
      round ??= tick().catch((e) => log.warn({ err: String(e) }, 'auto split round failed')).finally(() => { round = undefined; });
    }, opts.intervalMs);
    timer.unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await round;
    };
  }

  readonly counters = { splits: 0, moves: 0, recoveries: 0, backups: 0, restores: 0 };

  // ---- table admin ---------------------------------------------------------------------

  private record(name: TableName): TableRecord {
    const r = this.catalog.table(formatTableName(name));
    if (!r) throw new NotFoundError(`table "${formatTableName(name)}" not found`);
    return r;
  }

  private info(r: TableRecord): TableInfo {
    const from = r.restoredFrom;
    return {
      name: parseTableName(r.name), families: new Map(r.families),
      ...(r.aggregates?.length ? { aggregates: new Map(r.aggregates) } : {}), deletionProtection: r.deletionProtection,
      ...(from ? { restoredFrom: { backup: parseBackupName(from.backup, 'backup'), sourceTable: parseTableName(from.sourceTable), startMs: from.startMs, endMs: from.endMs } } : {}),
    };
  }

  async createTable(name: TableName, families: Map<string, GcRule>, splits: Buffer[], aggregates: Map<string, Aggregator> = new Map()): Promise<TableInfo> {
    const canonical = formatTableName(name);
    if (this.catalog.table(canonical)) throw new AlreadyExistsError(`table "${canonical}" already exists`);
    const bounds = [...splits].sort(compareBytes).filter((s, i, a) => s.length > 0 && (i === 0 || compareBytes(a[i - 1]!, s) !== 0));
    const starts = [Buffer.alloc(0), ...bounds];
    const record: TableRecord = {
      name: canonical, families: [...families], ...(aggregates.size ? { aggregates: [...aggregates] } : {}), deletionProtection: false, createdMs: Date.now(),
    };
    const tablets = await this.placeTable(record, starts.map((s, i) => ({ startRow: s.toString('base64'), endRow: (starts[i + 1] ?? Buffer.alloc(0)).toString('base64') })));
    log.info({ table: canonical, tablets: tablets.length }, 'create table');
    return this.info(record);
  }

  /**
   * Writes a new table and its tablets (one per range, spread over the
   * servers, epoch 1) to the catalog and opens them. A tablet with seedFrom
   * (a restore) keeps it in the catalog until it was opened.
   */
  private async placeTable(record: TableRecord, ranges: Array<{ startRow: string; endRow: string; seedFrom?: string }>): Promise<TabletRecord[]> {
    const placed = new Map<string, number>();
    const tablets: TabletRecord[] = ranges.map((r) => ({ id: this.newTabletId(), table: record.name, ...r, server: this.pickServer(placed), epoch: 1 }));
    await this.changing(tablets.map((t) => t.id), async () => {
      await this.catalog.write({ tables: [record], tablets });
      await Promise.all(tablets.map((t) => this.control(t).openTablet(this.descriptor(t))));
      if (tablets.some((t) => t.seedFrom)) await this.catalog.write({ tablets: tablets.map(({ seedFrom: _s, ...t }) => t) });
    });
    return tablets;
  }

  async getTable(name: TableName): Promise<TableInfo> {
    return this.info(this.record(name));
  }

  async listTables(instance: InstanceName): Promise<TableInfo[]> {
    const prefix = `${formatInstanceName(instance)}/tables/`;
    return this.catalog.allTables().filter((t) => t.name.startsWith(prefix)).map((t) => this.info(t));
  }

  async listInstances(project: string): Promise<InstanceName[]> {
    const ids = new Set<string>();
    const prefix = `projects/${project}/instances/`;
    for (const name of [...this.catalog.allTables().map((t) => t.name), ...this.catalog.allBackups().filter((b) => b.state !== 'deleting').map((b) => b.name)]) {
      if (name.startsWith(prefix)) ids.add(name.slice(prefix.length).split('/')[0]!);
    }
    return [...ids].sort().map((instance) => ({ project, instance }));
  }

  async servingNodes(): Promise<number> {
    return this.servers.size;
  }

  async deleteTable(name: TableName): Promise<void> {
    const { r, tablets } = await this.tableChanges.run(formatTableName(name), async () => {
      const r = this.record(name);
      if (r.deletionProtection) throw new FailedPreconditionError(`table "${r.name}" is protected from deletion; turn deletion_protection off first`);
      checkTableDeletable(r.views ?? [], r.name);
      const tablets = this.catalog.tabletsOf(r.name);
      await this.catalog.write({ deleteTables: [r.name], deleteTablets: tablets.map((t) => t.id) });
      return { r, tablets };
    });
    // The catalog no longer names the table; its files go once no manifest references them. A
    // tablet without a live server is never opened again: there is nothing to close.
    await Promise.all(tablets.filter((t) => this.served(t)).map((t) => this.control(t).destroyTablet(t.id).catch((e) => log.warn({ tablet: t.id, err: String(e) }, 'destroy tablet failed'))));
    log.info({ table: r.name }, 'delete table');
  }

  modifyColumnFamilies(name: TableName, modifications: ColumnFamilyModification[]): Promise<TableInfo> {
    return this.tableChanges.run(formatTableName(name), () => this.modifyFamilies(name, modifications));
  }

  private async modifyFamilies(name: TableName, modifications: ColumnFamilyModification[]): Promise<TableInfo> {
    const r = this.record(name);
    const families = new Map(r.families);
    const aggregates = new Map(r.aggregates ?? []);
    const dropped: string[] = [];
    modifications.forEach((m, i) => {
      const field = `modifications[${i}]`;
      if (m.type === 'create') {
        if (families.has(m.family)) throw new AlreadyExistsError(`${field}.create: column family "${m.family}" already exists`);
        families.set(m.family, m.gcRule);
        if (m.aggregate) aggregates.set(m.family, m.aggregate);
      } else if (m.type === 'update') {
        if (!families.has(m.family)) throw new NotFoundError(`${field}.update: column family "${m.family}" not found`);
        // Existing cells were written for the family's type: it cannot change (as in Bigtable).
        if (m.aggregate !== undefined && m.aggregate !== aggregates.get(m.family)) {
          throw new FailedPreconditionError(`${field}.update.value_type: the value type of column family "${m.family}" cannot be changed (drop and re-create the family)`);
        }
        families.set(m.family, m.gcRule);
      } else {
        if (!families.has(m.family)) throw new NotFoundError(`${field}.drop: column family "${m.family}" not found`);
        checkFamilyDroppable(r.views ?? [], m.family, `${field}.drop`);
        families.delete(m.family);
        aggregates.delete(m.family);
        dropped.push(m.family);
      }
    });
    const { aggregates: _old, ...rest } = r;
    const next: TableRecord = { ...rest, families: [...families], ...(aggregates.size ? { aggregates: [...aggregates] } : {}) };
    const tablets = this.catalog.tabletsOf(r.name);
    // Data of a dropped family is deleted before the schema forgets it, so a re-created family starts empty.
    for (const f of dropped) await Promise.all(tablets.map((t) => this.control(t).dropFamily(t.id, f)));
    await this.catalog.write({ tables: [next] });
    await this.pushSchema(r.name);
    return this.info(next);
  }

  /**
   * Gives every tablet of `table` that has a server the schema the catalog
   * holds now, each under its structural lock: an assignment (or split) in
   * progress then either finished first and is updated here, or starts after
   * and reads the new schema from the catalog itself. A tablet without a live
   * server is skipped for the same reason. Tablets that appear meanwhile (a
   * split's children) are updated too.
   */
  private async pushSchema(table: string): Promise<void> {
    const done = new Set<string>();
    for (;;) {
      const todo = this.catalog.tabletsOf(table).filter((t) => !done.has(t.id));
      if (todo.length === 0) return;
      await Promise.all(todo.map((t) => this.exclusive(t.id, async () => {
        done.add(t.id);
        const cur = this.catalog.tablet(t.id);
        const rec = this.catalog.table(table);
        if (!cur || !rec || !this.served(cur)) return;
        await this.control(cur).updateSchema(cur.id, rec.families, rec.aggregates);
      }, { mark: false })));
    }
  }

  async dropRowRange(name: TableName, range: { prefix: Buffer } | { all: true }): Promise<void> {
    const r = this.record(name);
    let kr: KeyRange;
    if ('prefix' in range) {
      const end = prefixSuccessor(range.prefix);
      kr = end ? { start: range.prefix, end: Buffer.from(end) } : { start: range.prefix };
    } else {
      kr = { start: Buffer.alloc(0) };
    }
    await Promise.all(this.catalog.tabletsOf(r.name).map(async (t) => {
      const end = Buffer.from(t.endRow, 'base64');
      const part = intersectRange(kr, Buffer.from(t.startRow, 'base64'), end.length ? end : undefined);
      if (part) await this.control(t).dropRange(t.id, part);
    }));
  }

  updateTable(name: TableName, changes: { deletionProtection?: boolean }): Promise<TableInfo> {
    return this.tableChanges.run(formatTableName(name), async () => {
      const r = this.record(name);
      const next = { ...r, ...(changes.deletionProtection !== undefined ? { deletionProtection: changes.deletionProtection } : {}) };
      await this.catalog.write({ tables: [next] });
      return this.info(next);
    });
  }

  // ---- authorized views (rules in authorized-views.ts) ----------------------------------

  /** Replaces the table's views with what `change` makes of them, serialised with the table's other changes. */
  private changeViews<T>(name: TableName, change: (views: ViewList, r: TableRecord) => { views: ViewList; result: T }): Promise<T> {
    return this.tableChanges.run(formatTableName(name), async () => {
      const r = this.record(name);
      const { views, result } = change(r.views ?? [], r);
      const { views: _old, ...rest } = r;
      await this.catalog.write({ tables: [{ ...rest, ...(views.length ? { views } : {}) }] });
      return result;
    });
  }

  createAuthorizedView(name: AuthorizedViewName, subset: SubsetView, deletionProtection: boolean): Promise<AuthorizedViewInfo> {
    return this.changeViews(name, (views, r) => {
      const next = addView(views, new Set(r.families.map(([f]) => f)), name, subset, deletionProtection);
      return { views: next, result: getView(next, name) };
    });
  }

  async getAuthorizedView(name: AuthorizedViewName): Promise<AuthorizedViewInfo> {
    return getView(this.record(name).views ?? [], name);
  }

  async listAuthorizedViews(table: TableName): Promise<AuthorizedViewInfo[]> {
    return (this.record(table).views ?? []).map(([id, v]) => viewInfo(table, id, v)).sort((a, b) => (a.name.view < b.name.view ? -1 : 1));
  }

  updateAuthorizedView(name: AuthorizedViewName, changes: { subset?: SubsetView; deletionProtection?: boolean }, etag?: string): Promise<AuthorizedViewInfo> {
    return this.changeViews(name, (views, r) => {
      const next = updateView(views, new Set(r.families.map(([f]) => f)), name, changes, etag);
      return { views: next, result: getView(next, name) };
    });
  }

  deleteAuthorizedView(name: AuthorizedViewName, etag?: string): Promise<void> {
    return this.changeViews(name, (views) => ({ views: removeView(views, name, etag), result: undefined }));
  }

  /**
   * Tabula keeps one copy of the data and acknowledges writes only when they
   * are durable, so every write before a token is "replicated" the moment
   * the token exists. The token names its table so tokens of other tables
   * are refused.
   */
  async generateConsistencyToken(name: TableName): Promise<string> {
    const r = this.record(name);
    return Buffer.from(JSON.stringify({ t: r.name, ms: Date.now() })).toString('base64url');
  }

  async checkConsistency(name: TableName, token: string): Promise<boolean> {
    const r = this.record(name);
    let parsed: { t?: unknown } | undefined;
    try {
      parsed = JSON.parse(Buffer.from(token, 'base64url').toString());
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.t !== r.name) throw new InvalidArgumentError(`consistency_token: not a token of table "${r.name}"`);
    return true;
  }

  // ---- backups -------------------------------------------------------------------------
  //
  // A backup is a set of snapshot directories, one per tablet of the source
  // table: tablets/<id> holding one manifest that names the tablet's SSTables
  // at the backup (Tablet.snapshot). File GC scans every directory under
  // tablets/, so those SSTables outlive compactions and the source table for
  // as long as the backup exists. A restored table's tablets start from these
  // manifests (seedFrom) and share the files: no data is copied either way.

  /** Backups this master is creating now (a creating record not listed here was left by a crash). */
  private readonly creatingBackups = new Set<string>();
  /** Backups being read now (by a restore or a copy: see reading), with how many read each. */
  private readonly readers = new Map<string, number>();

  private backupRecord(name: BackupName): BackupRecord {
    const r = this.catalog.backup(formatBackupName(name));
    if (!r || r.state === 'deleting') throw new NotFoundError(`backup "${formatBackupName(name)}" not found`);
    return r;
  }

  private backupInfo(r: BackupRecord): BackupInfo {
    return {
      name: parseBackupName(r.name, 'name'), sourceTable: parseTableName(r.sourceTable),
      ...(r.sourceBackup ? { sourceBackup: parseBackupName(r.sourceBackup, 'source_backup') } : {}),
      state: r.state === 'ready' ? 'READY' : 'CREATING',
      startMs: r.startMs, ...(r.endMs !== undefined ? { endMs: r.endMs } : {}), expireMs: r.expireMs, sizeBytes: r.sizeBytes,
      ...(this.isHot(r) ? { backupType: 'HOT' as const, ...(r.hot!.hotToStandardMs !== undefined ? { hotToStandardMs: r.hot!.hotToStandardMs } : {}) } : { backupType: 'STANDARD' as const }),
    };
  }

  /** A hot backup until its hot_to_standard_time passes (computed when asked: nothing is stored differently). */
  private isHot(r: BackupRecord): boolean {
    return r.hot !== undefined && (r.hot.hotToStandardMs === undefined || this.now() < r.hot.hotToStandardMs);
  }

  async createBackup(name: BackupName, source: TableName, expireMs: number, hot?: HotBackup): Promise<BackupInfo> {
    const canonical = formatBackupName(name);
    const table = this.record(source);
    if (this.catalog.backup(canonical) || this.creatingBackups.has(canonical)) throw new AlreadyExistsError(`backup "${canonical}" already exists`);
    const startMs = this.now();
    checkBackupExpiry(expireMs, startMs, 'backup.expire_time');
    if (hot?.hotToStandardMs !== undefined) checkHotToStandard(hot.hotToStandardMs, startMs, 'backup.hot_to_standard_time');
    const record: BackupRecord = {
      name: canonical, sourceTable: table.name, families: table.families, ...(table.aggregates?.length ? { aggregates: table.aggregates } : {}),
      state: 'creating', tablets: [], startMs, expireMs, sizeBytes: 0,
      ...(hot ? { hot: hot.hotToStandardMs !== undefined ? { hotToStandardMs: hot.hotToStandardMs } : {} } : {}),
    };
    return this.build(record, async () => {
      record.sizeBytes = await this.snapshotRange(table.name, '', '', record);
      // A table deleted (and maybe re-created) meanwhile leaves a backup of nothing, or of two tables.
      if (this.catalog.table(table.name)?.createdMs !== table.createdMs) throw new NotFoundError(`table "${table.name}" was deleted during the backup`);
    });
  }

  /**
   * Makes a backup (a creation or a copy): records it as creating, lets
   * `fill` add its snapshot directories (each recorded in the catalog before
   * it is written), then marks it ready. When `fill` fails the backup and
   * whatever directories it got are removed (or left to the sweep).
   */
  private async build(record: BackupRecord, fill: () => Promise<void>): Promise<BackupInfo> {
    this.creatingBackups.add(record.name);
    try {
      await this.catalog.write({ backups: [record] });
      try {
        await fill();
      } catch (e) {
        await this.removeBackup(record).catch((err) => log.warn({ backup: record.name, err: String(err) }, 'removing a failed backup failed; the sweep retries'));
        throw e;
      }
      const ready: BackupRecord = { ...record, tablets: [...record.tablets], state: 'ready', endMs: this.now() };
      await this.catalog.write({ backups: [ready] });
      this.counters.backups++;
      log.info({ backup: record.name, table: record.sourceTable, from: record.sourceBackup, tablets: ready.tablets.length, bytes: ready.sizeBytes, ms: ready.endMs! - record.startMs }, 'backup created');
      return this.backupInfo(ready);
    } finally {
      this.creatingBackups.delete(record.name);
    }
  }

  /** Runs `fn` (a restore or a copy) while backup `name` cannot be deleted or expire (checkRemovable). */
  private async reading<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.readers.set(name, (this.readers.get(name) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = this.readers.get(name)! - 1;
      if (n > 0) this.readers.set(name, n);
      else this.readers.delete(name);
    }
  }

  /**
   * Snapshots every tablet of `table` in [start, end) (base64, "" =
   * unbounded) into new directories recorded in `record` before each is
   * asked for. A tablet split meanwhile is covered by its children. Resolves
   * the bytes snapshotted.
   */
  private async snapshotRange(table: string, start: string, end: string, record: BackupRecord): Promise<number> {
    const lo = Buffer.from(start, 'base64');
    const hi = Buffer.from(end, 'base64');
    const within = this.catalog.tabletsOf(table).filter((t) => compareBytes(Buffer.from(t.startRow, 'base64'), lo) >= 0
      && (hi.length === 0 || (t.endRow !== '' && compareBytes(Buffer.from(t.endRow, 'base64'), hi) <= 0)));
    if (within.length === 0) throw new NotFoundError(`table "${table}" was deleted during the backup`);
    let bytes = 0;
    for (const t of within) {
      bytes += await this.exclusive(t.id, async () => {
        const cur = this.catalog.tablet(t.id);
        if (!cur) return undefined; // split (or deleted) before its turn: cover its range again below
        const server = this.control(cur); // before the directory is recorded: no server, nothing to remove
        const snap: BackupTablet = { id: this.newTabletId(), startRow: cur.startRow, endRow: cur.endRow };
        record.tablets.push(snap);
        await this.catalog.write({ backups: [record] });
        return (await server.snapshotTablet(cur.id, snap.id, record.name)).bytes;
      }, { mark: false }) ?? await this.snapshotRange(table, t.startRow, t.endRow, record);
    }
    return bytes;
  }

  async getBackup(name: BackupName): Promise<BackupInfo> {
    return this.backupInfo(this.backupRecord(name));
  }

  async listBackups(instance: InstanceName): Promise<BackupInfo[]> {
    const prefix = `${formatInstanceName(instance)}/clusters/`;
    return this.catalog.allBackups().filter((b) => b.name.startsWith(prefix) && b.state !== 'deleting').map((b) => this.backupInfo(b));
  }

  async updateBackup(name: BackupName, changes: { expireMs?: number; hotToStandardMs?: number }): Promise<BackupInfo> {
    const r = this.backupRecord(name);
    if (changes.expireMs !== undefined) checkBackupExpiry(changes.expireMs, r.startMs, 'backup.expire_time');
    if (changes.hotToStandardMs !== undefined) {
      if (!this.isHot(r)) throw new InvalidArgumentError(`backup.hot_to_standard_time: backup "${r.name}" is a standard backup (the field applies to hot backups only)`);
      checkHotToStandard(changes.hotToStandardMs, r.startMs, 'backup.hot_to_standard_time');
    }
    const next: BackupRecord = {
      ...r,
      ...(changes.expireMs !== undefined ? { expireMs: changes.expireMs } : {}),
      ...(changes.hotToStandardMs !== undefined ? { hot: { hotToStandardMs: changes.hotToStandardMs } } : {}),
    };
    await this.catalog.write({ backups: [next] });
    return this.backupInfo(next);
  }

  async deleteBackup(name: BackupName): Promise<void> {
    const r = this.backupRecord(name);
    this.checkRemovable(r);
    await this.removeBackup(r);
    log.info({ backup: r.name }, 'delete backup');
  }

  /** FailedPreconditionError while the backup is being created or a table is being restored from it. */
  private checkRemovable(r: BackupRecord): void {
    if (this.creatingBackups.has(r.name)) throw new FailedPreconditionError(`backup "${r.name}" is being created`);
    const dirs = new Set(r.tablets.map((t) => t.id));
    if (this.readers.has(r.name) || this.catalog.allTablets().some((t) => t.seedFrom && dirs.has(t.seedFrom))) {
      throw new FailedPreconditionError(`backup "${r.name}" is in use: a table is being restored from it or a copy made`);
    }
  }

  /**
   * Forgets a backup and deletes its snapshot directories (the SSTables go
   * with file GC once nothing else references them). Marked deleting first,
   * so a crash in between leaves it to the next sweep, never a backup
   * whose directories are partly gone.
   */
  private async removeBackup(r: BackupRecord): Promise<void> {
    await this.catalog.write({ backups: [{ ...r, state: 'deleting' }] });
    const servers = [...this.servers.values()];
    if (servers.length === 0 && r.tablets.length > 0) throw new UnavailableError('no tablet server is available to delete the backup; retry');
    for (const t of r.tablets) {
      let err: unknown;
      for (const s of servers) {
        err = undefined;
        try { await s.destroyTablet(t.id); break; } catch (e) { err = e; }
      }
      if (err) throw err;
    }
    await this.catalog.write({ deleteBackups: [r.name] });
  }

  /**
   * Deletes backups past their expire time, finishes deletions a crash
   * interrupted and removes creations a previous master left unfinished.
   * Resolves the names removed. Run periodically by the process owning the master.
   */
  async sweepBackups(): Promise<string[]> {
    const now = this.now();
    const removed: string[] = [];
    this.sweepFailed = false;
    for (const r of this.catalog.allBackups()) {
      const stale = r.state === 'deleting' || (r.state === 'creating' && !this.creatingBackups.has(r.name)) || (r.state === 'ready' && r.expireMs <= now);
      if (!stale) continue;
      if (r.state === 'ready') {
        try { this.checkRemovable(r); } catch { continue; } // in use: the next sweep
      }
      try {
        await this.removeBackup(r);
        removed.push(r.name);
        log.info({ backup: r.name, state: r.state, expired: r.state === 'ready' }, 'backup removed by sweep');
      } catch (e) {
        this.sweepFailed = true;
        log.warn({ backup: r.name, err: String(e) }, 'removing backup failed; the next sweep retries');
      }
    }
    return removed;
  }
  /** The last sweep could not remove a backup it should have (e.g. no tablet server had registered yet). */
  private sweepFailed = false;

  /**
   * Runs sweepBackups now and then every `intervalMs`, or after `retryMs`
   * when a removal failed (a master starting up sweeps before any tablet
   * server has registered). Returns a stop function that waits for a
   * running sweep.
   */
  startBackupSweep(intervalMs: number, retryMs = Math.min(intervalMs, 1000)): () => Promise<void> {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const tick = (): void => {
      running = this.sweepBackups().then(() => {}, (e) => { this.sweepFailed = true; log.warn({ err: String(e) }, 'backup sweep failed'); }).then(() => {
        if (stopped) return;
        timer = setTimeout(tick, this.sweepFailed ? retryMs : intervalMs);
        timer.unref();
      });
    };
    tick();
    return async () => { stopped = true; clearTimeout(timer); await running; };
  }

  /**
   * Copies a backup: new snapshot directories holding the source's manifests
   * (copySnapshot), so the copy shares the SSTables and outlives the source.
   * Copies are recorded before they are made, as in createBackup, and the
   * source cannot be deleted or expire meanwhile.
   */
  async copyBackup(name: BackupName, source: BackupName, expireMs: number): Promise<BackupInfo> {
    const canonical = formatBackupName(name);
    const src = this.backupRecord(source);
    if (src.state !== 'ready') throw new FailedPreconditionError(`source_backup: backup "${src.name}" is not ready yet`);
    if (src.sourceBackup) throw new FailedPreconditionError(`source_backup: backup "${src.name}" is a copy itself, and a copy cannot be copied`);
    if (this.catalog.backup(canonical) || this.creatingBackups.has(canonical)) throw new AlreadyExistsError(`backup "${canonical}" already exists`);
    const startMs = this.now();
    checkBackupExpiry(expireMs, startMs, 'expire_time', MAX_COPY_RETENTION_MS);
    const record: BackupRecord = {
      name: canonical, sourceTable: src.sourceTable, sourceBackup: src.name, families: src.families, ...(src.aggregates?.length ? { aggregates: src.aggregates } : {}),
      state: 'creating', tablets: [], startMs, expireMs, sizeBytes: src.sizeBytes,
    };
    return this.reading(src.name, () => this.build(record, async () => {
      const servers = [...this.servers.values()];
      if (servers.length === 0) throw new UnavailableError('no tablet server is available to copy the backup; retry');
      for (const [i, t] of src.tablets.entries()) {
        const copy: BackupTablet = { ...t, id: this.newTabletId() };
        record.tablets.push(copy);
        await this.catalog.write({ backups: [record] });
        await servers[i % servers.length]!.copySnapshot(t.id, copy.id, canonical);
      }
    }));
  }

  /**
   * Creates table `name` from a backup: the backup's schema, and one tablet
   * per backup tablet whose first manifest is copied from it (seedFrom) when
   * it is opened, sharing the SSTables. The catalog keeps seedFrom until the
   * tablet was opened, so a crash in between restores it on the next
   * assignment, and the backup cannot be deleted meanwhile.
   */
  async restoreTable(name: TableName, backup: BackupName): Promise<TableInfo> {
    const canonical = formatTableName(name);
    if (this.catalog.table(canonical)) throw new AlreadyExistsError(`table "${canonical}" already exists`);
    const b = this.backupRecord(backup);
    if (b.state !== 'ready') throw new FailedPreconditionError(`backup "${b.name}" is not ready yet`);
    return this.reading(b.name, async () => {
      const record: TableRecord = {
        name: canonical, families: b.families, ...(b.aggregates?.length ? { aggregates: b.aggregates } : {}), deletionProtection: false,
        createdMs: this.now(), restoredFrom: { backup: b.name, sourceTable: b.sourceTable, startMs: b.startMs, endMs: b.endMs ?? b.startMs },
      };
      // One tablet per backup tablet, same row range (the catalog orders a table's tablets by start row).
      const tablets = await this.placeTable(record, b.tablets.map((bt) => ({ startRow: bt.startRow, endRow: bt.endRow, seedFrom: bt.id })));
      this.counters.restores++;
      log.info({ table: canonical, backup: b.name, tablets: tablets.length }, 'restore table');
      return this.info(record);
    });
  }
}

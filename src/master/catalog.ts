/**
 * The master's catalog, stored in LevelDB (`level`) in the master's
 * directory: tables (schema and settings), tablets (row range, owner,
 * epoch) and backups (which snapshot directories hold them). The whole
 * catalog is small, so it is also kept in memory and every change is
 * written through as one atomic batch.
 *
 * Keys: "table:<canonical table name>" (the record holds the table's
 * authorized views too), "tablet:<tablet id>" and "backup:<canonical backup
 * name>"; values JSON.
 */
import { Level } from 'level';
import { compareBytes } from '../base/bytes.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Aggregator } from '../model/aggregate.js';
import type { ViewList } from './authorized-views.js';

export interface TableRecord {
  /** Canonical name projects/p/instances/i/tables/t. */
  name: string;
  families: Array<[string, GcRule]>;
  /** The aggregate families and their aggregators (absent in records written before aggregates). */
  aggregates?: Array<[string, Aggregator]>;
  deletionProtection: boolean;
  createdMs: number;
  /** Set on a table created by RestoreTable: where its data came from (Table.restore_info). */
  restoredFrom?: { backup: string; sourceTable: string; startMs: number; endMs: number };
  /** Its authorized views (master/authorized-views.ts); absent when none. */
  views?: ViewList;
}

export interface TabletRecord {
  id: string;
  table: string;
  /** Row range [startRow, endRow), base64; "" = unbounded. */
  startRow: string;
  endRow: string;
  /** Server currently assigned, if any. */
  server?: string;
  epoch: number;
  /** WAL directories of dead servers whose records the next owner must replay. */
  recoverFrom?: string[];
  /**
   * A restored tablet not yet opened: the backup tablet directory its first
   * manifest is copied from (Tablet seedFrom). Cleared once it was opened.
   */
  seedFrom?: string;
}

/** One tablet of a backup: a snapshot directory tablets/<id> and the row range it covers. */
export interface BackupTablet {
  id: string;
  /** Row range [startRow, endRow), base64; "" = unbounded. */
  startRow: string;
  endRow: string;
}

export interface BackupRecord {
  /** Canonical name projects/p/instances/i/clusters/c/backups/b. */
  name: string;
  /** Canonical name of the table it was taken from. */
  sourceTable: string;
  /** Set on a copy (CopyBackup): the canonical name of the backup it was copied from. */
  sourceBackup?: string;
  /** The table's schema at the backup (a restored table gets it). */
  families: Array<[string, GcRule]>;
  aggregates?: Array<[string, Aggregator]>;
  /**
   * creating: snapshots being taken (tablets lists every directory already
   * asked for, so a failed creation can be removed); ready; deleting: its
   * directories are being removed (finished by the next sweep after a crash).
   */
  state: 'creating' | 'ready' | 'deleting';
  tablets: BackupTablet[];
  startMs: number;
  endMs?: number;
  expireMs: number;
  sizeBytes: number;
  /**
   * A hot backup (Backup.backup_type HOT) until `hotToStandardMs` (when set),
   * a standard one after. Absent: a standard backup. Tabula stores both kinds
   * alike; the type is what the API reports.
   */
  hot?: { hotToStandardMs?: number };
}

type CatalogValue = TableRecord | TabletRecord | BackupRecord;
type Put = { type: 'put'; key: string; value: CatalogValue };
type Del = { type: 'del'; key: string };

export class Catalog {
  private readonly tables = new Map<string, TableRecord>();
  private readonly tablets = new Map<string, TabletRecord>();
  private readonly backups = new Map<string, BackupRecord>();
  /** tabletsOf's answers by table, built on demand; every write drops them (writes are structural changes: rare). */
  private byTable: Map<string, readonly TabletRecord[]> | undefined;
  /** Bumped by every write, so a caller can cache what it derives from the catalog. */
  version = 0;

  private constructor(private readonly db: Level<string, CatalogValue>) {}

  static async open(dir: string): Promise<Catalog> {
    const db = new Level<string, CatalogValue>(dir, { valueEncoding: 'json' });
    await db.open();
    const c = new Catalog(db);
    for await (const [key, value] of db.iterator()) {
      if (key.startsWith('table:')) c.tables.set(key.slice(6), value as TableRecord);
      else if (key.startsWith('tablet:')) c.tablets.set(key.slice(7), value as TabletRecord);
      else if (key.startsWith('backup:')) c.backups.set(key.slice(7), value as BackupRecord);
    }
    return c;
  }

  backup(name: string): BackupRecord | undefined {
    return this.backups.get(name);
  }

  allBackups(): BackupRecord[] {
    return [...this.backups.values()];
  }

  table(name: string): TableRecord | undefined {
    return this.tables.get(name);
  }

  allTables(): TableRecord[] {
    return [...this.tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Tablets of a table sorted by start row. Every point read of the embedded
   * server routes through here (Master.locate), so the answer is kept until
   * the next write instead of filtering and sorting every tablet each time.
   */
  tabletsOf(table: string): readonly TabletRecord[] {
    if (this.byTable === undefined) {
      const byTable = new Map<string, Array<{ t: TabletRecord; start: Buffer }>>();
      for (const t of this.tablets.values()) {
        let list = byTable.get(t.table);
        if (!list) byTable.set(t.table, (list = []));
        list.push({ t, start: Buffer.from(t.startRow, 'base64') });
      }
      this.byTable = new Map([...byTable].map(([name, list]) => [name, list.sort((a, b) => compareBytes(a.start, b.start)).map((e) => e.t)]));
    }
    return this.byTable.get(table) ?? [];
  }

  allTablets(): TabletRecord[] {
    return [...this.tablets.values()];
  }

  tablet(id: string): TabletRecord | undefined {
    return this.tablets.get(id);
  }

  /** Applies puts and deletes atomically (durably in LevelDB, then in memory). */
  async write(change: {
    tables?: TableRecord[]; tablets?: TabletRecord[]; backups?: BackupRecord[];
    deleteTables?: string[]; deleteTablets?: string[]; deleteBackups?: string[];
  }): Promise<void> {
    const ops: Array<Put | Del> = [];
    for (const b of change.backups ?? []) ops.push({ type: 'put', key: `backup:${b.name}`, value: b });
    for (const n of change.deleteBackups ?? []) ops.push({ type: 'del', key: `backup:${n}` });
    for (const t of change.tables ?? []) ops.push({ type: 'put', key: `table:${t.name}`, value: t });
    for (const t of change.tablets ?? []) ops.push({ type: 'put', key: `tablet:${t.id}`, value: t });
    for (const n of change.deleteTables ?? []) ops.push({ type: 'del', key: `table:${n}` });
    for (const id of change.deleteTablets ?? []) ops.push({ type: 'del', key: `tablet:${id}` });
    await this.db.batch(ops, { sync: true });
    this.byTable = undefined;
    this.version++;
    for (const t of change.tables ?? []) this.tables.set(t.name, t);
    for (const t of change.tablets ?? []) this.tablets.set(t.id, t);
    for (const n of change.deleteTables ?? []) this.tables.delete(n);
    for (const id of change.deleteTablets ?? []) this.tablets.delete(id);
    for (const b of change.backups ?? []) this.backups.set(b.name, b);
    for (const n of change.deleteBackups ?? []) this.backups.delete(n);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * The master's catalog, stored in LevelDB (`level`) in the master's
 * directory: tables (schema and settings) and tablets (row range, owner,
 * epoch). The whole catalog is small, so it is also kept in memory and every
 * change is written through as one atomic batch.
 *
 * Keys: "table:<canonical table name>" and "tablet:<tablet id>"; values JSON.
 */
import { Level } from 'level';
import { compareBytes } from '../base/bytes.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Aggregator } from '../model/aggregate.js';

export interface TableRecord {
  /** Canonical name projects/p/instances/i/tables/t. */
  name: string;
  families: Array<[string, GcRule]>;
  /** The aggregate families and their aggregators (absent in records written before aggregates). */
  aggregates?: Array<[string, Aggregator]>;
  deletionProtection: boolean;
  createdMs: number;
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
}

type Put = { type: 'put'; key: string; value: TableRecord | TabletRecord };
type Del = { type: 'del'; key: string };

export class Catalog {
  private readonly tables = new Map<string, TableRecord>();
  private readonly tablets = new Map<string, TabletRecord>();

  private constructor(private readonly db: Level<string, TableRecord | TabletRecord>) {}

  static async open(dir: string): Promise<Catalog> {
    const db = new Level<string, TableRecord | TabletRecord>(dir, { valueEncoding: 'json' });
    await db.open();
    const c = new Catalog(db);
    for await (const [key, value] of db.iterator()) {
      if (key.startsWith('table:')) c.tables.set(key.slice(6), value as TableRecord);
      else if (key.startsWith('tablet:')) c.tablets.set(key.slice(7), value as TabletRecord);
    }
    return c;
  }

  table(name: string): TableRecord | undefined {
    return this.tables.get(name);
  }

  allTables(): TableRecord[] {
    return [...this.tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Tablets of a table sorted by start row. */
  tabletsOf(table: string): TabletRecord[] {
    return [...this.tablets.values()]
      .filter((t) => t.table === table)
      .sort((a, b) => compareBytes(Buffer.from(a.startRow, 'base64'), Buffer.from(b.startRow, 'base64')));
  }

  allTablets(): TabletRecord[] {
    return [...this.tablets.values()];
  }

  tablet(id: string): TabletRecord | undefined {
    return this.tablets.get(id);
  }

  /** Applies puts and deletes atomically (durably in LevelDB, then in memory). */
  async write(change: { tables?: TableRecord[]; tablets?: TabletRecord[]; deleteTables?: string[]; deleteTablets?: string[] }): Promise<void> {
    const ops: Array<Put | Del> = [];
    for (const t of change.tables ?? []) ops.push({ type: 'put', key: `table:${t.name}`, value: t });
    for (const t of change.tablets ?? []) ops.push({ type: 'put', key: `tablet:${t.id}`, value: t });
    for (const n of change.deleteTables ?? []) ops.push({ type: 'del', key: `table:${n}` });
    for (const id of change.deleteTablets ?? []) ops.push({ type: 'del', key: `tablet:${id}` });
    await this.db.batch(ops, { sync: true });
    for (const t of change.tables ?? []) this.tables.set(t.name, t);
    for (const t of change.tablets ?? []) this.tablets.set(t.id, t);
    for (const n of change.deleteTables ?? []) this.tables.delete(n);
    for (const id of change.deleteTablets ?? []) this.tablets.delete(id);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

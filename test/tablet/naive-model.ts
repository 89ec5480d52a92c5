/**
 * A deliberately naive model of a Bigtable table: nested maps, mutations
 * applied eagerly in order, GC rules applied on read (and physically when the
 * engine runs a full compaction). Used as the oracle for property tests.
 */
import { isGarbage, type GcRule } from '../../src/model/gc-rule.js';
import type { Cell, Row } from '../../src/model/cell.js';
import type { RowMutation } from '../../src/model/mutation.js';
import type { Aggregator } from '../../src/model/aggregate.js';
import { naiveAggregate } from '../support/naive-aggregate.js';

type Column = Map<number, Buffer>; // ts -> value
type Family = Map<string, Column>; // qualifier (latin1) -> column
type ModelRow = Map<string, Family>;

export class NaiveModel {
  readonly rows = new Map<string, ModelRow>(); // row key (latin1) -> row

  constructor(readonly families: Map<string, GcRule>, readonly aggregates = new Map<string, Aggregator>()) {}

  apply(rm: RowMutation, nowMicros: number): void {
    const k = rm.row.toString('latin1');
    let row = this.rows.get(k);
    if (!row) this.rows.set(k, (row = new Map()));
    for (const m of rm.mutations) {
      switch (m.type) {
        case 'setCell': {
          // Into an aggregate family a set_cell is combined like an input.
          if (this.aggregates.has(m.family)) {
            this.combine(row, m.family, m.qualifier, m.timestamp < 0 ? nowMicros : m.timestamp, m.value);
            break;
          }
          let fam = row.get(m.family);
          if (!fam) row.set(m.family, (fam = new Map()));
          const q = m.qualifier.toString('latin1');
          let col = fam.get(q);
          if (!col) fam.set(q, (col = new Map()));
          col.set(m.timestamp < 0 ? nowMicros : m.timestamp, Buffer.from(m.value));
          break;
        }
        case 'addToCell':
          if (m.value.length === 0) break; // a merge of NULL
          this.combine(row, m.family, m.qualifier, m.timestamp < 0 ? nowMicros : m.timestamp, m.value);
          break;
        case 'deleteFromColumn': {
          const col = row.get(m.family)?.get(m.qualifier.toString('latin1'));
          if (col) for (const ts of [...col.keys()]) if (ts >= m.start && (m.end === undefined || ts < m.end)) col.delete(ts);
          break;
        }
        case 'deleteFromFamily':
          row.delete(m.family);
          break;
        case 'deleteFromRow':
          row.clear();
          break;
      }
    }
  }

  /** Combines an int64 into the aggregate cell at (family, qualifier, ts): the input alone if there is no cell. */
  private combine(row: ModelRow, family: string, qualifier: Buffer, ts: number, value: Buffer): void {
    let fam = row.get(family);
    if (!fam) row.set(family, (fam = new Map()));
    const q = qualifier.toString('latin1');
    let col = fam.get(q);
    if (!col) fam.set(q, (col = new Map()));
    col.set(ts, naiveAggregate(this.aggregates.get(family), col.get(ts), value));
  }

  /** Visible row after GC at `now`, or undefined. */
  read(key: string, nowMicros: number): Row | undefined {
    const row = this.rows.get(key);
    if (!row) return undefined;
    const cells: Cell[] = [];
    for (const family of [...row.keys()].sort()) {
      const rule = this.families.get(family);
      if (!rule) continue;
      const fam = row.get(family)!;
      for (const q of [...fam.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')))) {
        const col = fam.get(q)!;
        const tss = [...col.keys()].sort((a, b) => b - a);
        tss.forEach((ts, rank) => {
          if (!isGarbage(rule, rank, nowMicros - ts)) {
            cells.push({ family, qualifier: Buffer.from(q, 'latin1'), timestamp: ts, value: col.get(ts)! });
          }
        });
      }
    }
    return cells.length ? { key: Buffer.from(key, 'latin1'), cells } : undefined;
  }

  /** All visible rows in key order. */
  scan(nowMicros: number): Row[] {
    const keys = [...this.rows.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
    return keys.map((k) => this.read(k, nowMicros)).filter((r): r is Row => r !== undefined);
  }

  /** A full compaction happened at `now`: garbage is gone for good. */
  collectGarbage(nowMicros: number): void {
    for (const [k, row] of this.rows) {
      for (const [family, fam] of row) {
        const rule = this.families.get(family);
        if (!rule) { row.delete(family); continue; }
        for (const [q, col] of fam) {
          const tss = [...col.keys()].sort((a, b) => b - a);
          tss.forEach((ts, rank) => { if (isGarbage(rule, rank, nowMicros - ts)) col.delete(ts); });
          if (!col.size) fam.delete(q);
        }
        if (!fam.size) row.delete(family);
      }
      if (!row.size) this.rows.delete(k);
    }
  }
}

/** Plain-data form of rows for readable diffs. */
export function plain(rows: Array<Row | undefined>): unknown[] {
  return rows.map((r) => r && {
    key: r.key.toString('hex'),
    cells: r.cells.map((c) => `${c.family}:${c.qualifier.toString('hex')}@${c.timestamp}=${c.value.toString('hex')}`),
  });
}

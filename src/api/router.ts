/**
 * The API frontend's router: implements the data API (backend.ts) by finding
 * the tablets a request touches (from the master's catalog) and calling the
 * servers that hold them (rpc/tablet-service.ts). Multi-tablet reads are
 * merged in key order (descending when reversed) and honour rows_limit across
 * tablets; MutateRows is split per tablet and the per-entry results put back
 * in request order.
 */
import { compareBytes } from '../base/bytes.js';
import { asTabulaError, type TabulaError } from '../base/errors.js';
import type { Row } from '../model/cell.js';
import { intersectRange, normalizeRowSet, type KeyRange } from '../model/key-range.js';
import type { Mutation, RowMutation } from '../model/mutation.js';
import type { RowFilter } from '../model/row-filter.js';
import type { RowSet } from '../model/row-set.js';
import type { TabletDataService } from '../rpc/tablet-service.js';
import type { DataBackend, ReadModifyWriteRule, ReadRowsOptions, TableName } from './backend.js';
import { formatTableName } from './table-name.js';

/** Where a tablet is served (see master/master.ts). */
export interface RouteEntry {
  id: string;
  startRow: Buffer;
  /** Empty = unbounded. */
  endRow: Buffer;
  server: string;
}

export interface RouteSource {
  /** Tablets of a table sorted by start row; NotFoundError for an unknown table. */
  locate(table: string): RouteEntry[] | Promise<RouteEntry[]>;
}

export interface ServerDirectory {
  server(id: string): TabletDataService;
}

/** Index of the tablet holding `row` (tablets sorted, covering the key space). */
function tabletIndexOf(tablets: RouteEntry[], row: Buffer): number {
  let lo = 0;
  let hi = tablets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (compareBytes(tablets[mid]!.startRow, row) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export class Router implements DataBackend {
  constructor(private readonly routes: RouteSource, private readonly servers: ServerDirectory) {}

  private async tablets(table: TableName): Promise<RouteEntry[]> {
    return this.routes.locate(formatTableName(table));
  }

  private async tabletFor(table: TableName, row: Buffer): Promise<RouteEntry> {
    const ts = await this.tablets(table);
    return ts[tabletIndexOf(ts, row)]!;
  }

  async mutateRow(table: TableName, rm: RowMutation): Promise<void> {
    const t = await this.tabletFor(table, rm.row);
    const [err] = await this.servers.server(t.server).mutate(t.id, [rm]);
    if (err) throw err;
  }

  async mutateRows(table: TableName, rms: RowMutation[]): Promise<Array<TabulaError | undefined>> {
    const ts = await this.tablets(table);
    const groups = new Map<number, number[]>();
    rms.forEach((rm, i) => {
      const ti = tabletIndexOf(ts, rm.row);
      let g = groups.get(ti);
      if (!g) groups.set(ti, (g = []));
      g.push(i);
    });
    const results: Array<TabulaError | undefined> = new Array(rms.length).fill(undefined);
    await Promise.all([...groups].map(async ([ti, idx]) => {
      const t = ts[ti]!;
      try {
        const r = await this.servers.server(t.server).mutate(t.id, idx.map((i) => rms[i]!));
        idx.forEach((i, j) => (results[i] = r[j]));
      } catch (e) {
        const err = asTabulaError(e);
        for (const i of idx) results[i] = err;
      }
    }));
    return results;
  }

  async *readRows(table: TableName, rowSet: RowSet, opts: ReadRowsOptions): AsyncGenerator<Row> {
    const ts = await this.tablets(table);
    const ranges = normalizeRowSet(rowSet);
    let remaining = opts.limit ?? Infinity;
    const order = opts.reversed ? [...ts].reverse() : ts;
    let touched = false;
    for (const t of order) {
      const parts: KeyRange[] = [];
      for (const r of ranges) {
        const p = intersectRange(r, t.startRow, t.endRow.length ? t.endRow : undefined);
        if (p) parts.push(p);
      }
      // The first tablet is always asked, so a bad filter fails even when no row can match.
      if (!parts.length && touched) continue;
      touched = true;
      const batches = this.servers.server(t.server).readRows(t.id, parts, {
        reversed: opts.reversed,
        limit: Number.isFinite(remaining) ? remaining : undefined,
        filter: opts.filter,
        signal: opts.signal,
        stats: opts.stats,
      });
      for await (const batch of batches) {
        for (const row of batch) {
          yield row;
          if (--remaining <= 0) return;
        }
        if (opts.signal.aborted) return;
      }
    }
  }

  async checkAndMutateRow(table: TableName, row: Buffer, predicate: RowFilter | undefined, trueMutations: Mutation[], falseMutations: Mutation[]): Promise<boolean> {
    const t = await this.tabletFor(table, row);
    return this.servers.server(t.server).checkAndMutate(t.id, row, predicate, trueMutations, falseMutations);
  }

  async readModifyWriteRow(table: TableName, row: Buffer, rules: ReadModifyWriteRule[]): Promise<Row> {
    const t = await this.tabletFor(table, row);
    return this.servers.server(t.server).readModifyWrite(t.id, row, rules);
  }

  async sampleRowKeys(table: TableName): Promise<Array<{ rowKey: Buffer; offsetBytes: number }>> {
    const ts = await this.tablets(table);
    const out: Array<{ rowKey: Buffer; offsetBytes: number }> = [];
    let base = 0;
    for (const t of ts) {
      const { samples, totalBytes } = await this.servers.server(t.server).sampleRowKeys(t.id);
      for (const s of samples) out.push({ rowKey: s.rowKey, offsetBytes: base + s.offsetBytes });
      base += totalBytes;
      // Tablet boundaries are natural split points for clients.
      if (t.endRow.length) out.push({ rowKey: t.endRow, offsetBytes: base });
    }
    out.push({ rowKey: Buffer.alloc(0), offsetBytes: base });
    return out;
  }
}

/**
 * The API frontend's router: implements the data API (backend.ts) by finding
 * the tablets a request touches (from the master's catalog) and calling the
 * servers that hold them (rpc/tablet-service.ts). Multi-tablet reads are
 * merged in key order (descending when reversed) and honour rows_limit across
 * tablets; MutateRows is split per tablet and the per-entry results put back
 * in request order.
 */
import { compareBytes } from '../base/bytes.js';
import { Code, NotServingError, StorageError, TabulaError, asTabulaError, isNotServing } from '../base/errors.js';
import type { Row } from '../model/cell.js';
import { clipAbove, clipBelow, normalizeRowSet, pointRange, rangesWithin } from '../model/key-range.js';
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
  locate(table: string): readonly RouteEntry[] | Promise<readonly RouteEntry[]>;
  /** Forgets cached routes (after a request hit a tablet that moved). */
  invalidate?(): void;
}

export interface ServerDirectory {
  server(id: string): TabletDataService;
}

/** Index of the tablet holding `row` (tablets sorted, covering the key space). */
function tabletIndexOf(tablets: readonly RouteEntry[], row: Buffer): number {
  let lo = 0;
  let hi = tablets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (compareBytes(tablets[mid]!.startRow, row) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * When a failed attempt is retried (each retry routes afresh, with backoff,
 * for at most RETRY_DEADLINE_MS):
 *
 * - A tablet that moved, split or is being recovered answers UNAVAILABLE
 *   until routing catches up. Of those, NotServingError (isNotServing)
 *   promises the owner refused before applying anything; every other
 *   UNAVAILABLE (a lost connection after sending, a server that applied a
 *   write and then found its lease gone) leaves the outcome unknown.
 *   StorageError is never retried (the storage, not the route, failed).
 * - Idempotent operations (reads, SampleRowKeys, mutations with explicit
 *   timestamps) are retried on any of them: applying one twice changes
 *   nothing.
 * - Non-idempotent ones (ReadModifyWriteRow, CheckAndMutateRow, mutations
 *   with server timestamps, timestamp -1) only on NotServingError, so they
 *   are never applied twice; any other failure reaches the client.
 * Deadlines, cancellations and other codes are never retried.
 */
const RETRY_DEADLINE_MS = 15_000;

function retryable(e: unknown, idempotent = true): boolean {
  if (isNotServing(e)) return true;
  return idempotent && e instanceof TabulaError && e.code === Code.UNAVAILABLE && !(e instanceof StorageError);
}

/** Applying `rm` twice has the effect of applying it once: no cell takes the server's time. */
export function isIdempotent(rm: RowMutation): boolean {
  return rm.mutations.every((m) => m.type !== 'setCell' || m.timestamp >= 0);
}

/**
 * Backoff between re-routes. A moving tablet is unavailable for about the
 * move's duration (tens to hundreds of ms): short steps for the first second
 * keep a request from oversleeping the move by much (the request's latency
 * is what a move's p99 is made of), then longer ones for a tablet that is
 * down (recovery).
 */
function retryDelayMs(attempt: number): number {
  const base = attempt < 40 ? Math.min(20, 2 ** attempt) : 200;
  return base * (0.5 + Math.random());
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class Router implements DataBackend {
  constructor(private readonly routes: RouteSource, private readonly servers: ServerDirectory) {}

  /**
   * Runs `op` and retries it with backoff while it fails because the tablet
   * is in transit (split, move, recovery): each attempt routes afresh.
   */
  private async retrying<T>(op: () => Promise<T>, idempotent = true): Promise<T> {
    const deadline = Date.now() + RETRY_DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if (!retryable(e, idempotent) || Date.now() > deadline) throw e;
        this.routes.invalidate?.();
        await sleep(retryDelayMs(attempt));
      }
    }
  }

  private async tablets(table: TableName): Promise<readonly RouteEntry[]> {
    try {
      return await this.routes.locate(formatTableName(table));
    } catch (e) {
      // The routes could not be looked up (master unreachable): nothing was sent to a tablet server yet.
      if (e instanceof TabulaError && e.code === Code.UNAVAILABLE && !isNotServing(e)) throw new NotServingError(`routing ${formatTableName(table)}: ${e.message}`);
      throw e;
    }
  }

  private async tabletFor(table: TableName, row: Buffer): Promise<RouteEntry> {
    const ts = await this.tablets(table);
    return ts[tabletIndexOf(ts, row)]!;
  }

  /** The owner of a route; an unassigned tablet (server "") is refused before anything is sent. */
  private owner(t: RouteEntry): TabletDataService {
    if (!t.server) throw new NotServingError(`tablet ${t.id} is not assigned to a server right now`);
    return this.servers.server(t.server);
  }

  async mutateRow(table: TableName, rm: RowMutation): Promise<void> {
    return this.retrying(async () => {
      const t = await this.tabletFor(table, rm.row);
      const [err] = await this.owner(t).mutate(t.id, [rm]);
      if (err) throw err;
    }, isIdempotent(rm));
  }

  /** MutateRows: entries that failed because their tablet was in transit are re-routed and retried. */
  async mutateRows(table: TableName, rms: RowMutation[]): Promise<Array<TabulaError | undefined>> {
    const results = await this.mutateRowsOnce(table, rms);
    const deadline = Date.now() + RETRY_DEADLINE_MS;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const again = results.flatMap((r, i) => (r && retryable(r, isIdempotent(rms[i]!)) ? [i] : []));
      if (!again.length) break;
      this.routes.invalidate?.();
      await sleep(retryDelayMs(attempt));
      const retried = await this.mutateRowsOnce(table, again.map((i) => rms[i]!));
      again.forEach((i, j) => (results[i] = retried[j]));
    }
    return results;
  }

  private async mutateRowsOnce(table: TableName, rms: RowMutation[]): Promise<Array<TabulaError | undefined>> {
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
        const r = await this.owner(t).mutate(t.id, idx.map((i) => rms[i]!));
        idx.forEach((i, j) => (results[i] = r[j]));
      } catch (e) {
        const err = asTabulaError(e);
        for (const i of idx) results[i] = err;
      }
    }));
    return results;
  }

  /** A point read: routed straight to the row's tablet (re-routed while it is in transit). */
  async readRow(table: TableName, key: Buffer, opts: Omit<ReadRowsOptions, 'reversed' | 'limit'>): Promise<Row | undefined> {
    return this.retrying(async () => {
      const t = await this.tabletFor(table, key);
      const owner = this.owner(t);
      const o = { reversed: false, filter: opts.filter, signal: opts.signal, stats: opts.stats };
      if (owner.readRow) return owner.readRow(t.id, key, o);
      for await (const batch of owner.readRows(t.id, [pointRange(key)], o)) if (batch.length) return batch[0];
      return undefined;
    });
  }

  /**
   * ReadRows across tablets in key order. When a tablet moves or splits
   * mid-scan the read re-routes and resumes after the last row delivered,
   * never repeating one: the ranges still to read are clipped past that row
   * then (not after every row, which cost an allocation per row), and past
   * each tablet that is done.
   */
  async *readRows(table: TableName, rowSet: RowSet, opts: ReadRowsOptions): AsyncGenerator<Row> {
    let ranges = normalizeRowSet(rowSet);
    let remaining = opts.limit ?? Infinity;
    let first = true;
    let giveUp = Date.now() + RETRY_DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      const ts = await this.tablets(table);
      // Only the tablets from the first range's start to the last range's end (a table may have thousands).
      const end = ranges.at(-1)?.end;
      const from = ranges.length ? tabletIndexOf(ts, ranges[0]!.start) : 0;
      const to = ranges.length && end !== undefined ? tabletIndexOf(ts, end) : ts.length - 1;
      /** The last row delivered since `ranges` was last clipped. */
      let last: Buffer | undefined;
      try {
        for (let i = opts.reversed ? to : from; opts.reversed ? i >= from : i <= to; i += opts.reversed ? -1 : 1) {
          const t = ts[i]!;
          const hi = t.endRow.length ? t.endRow : undefined;
          const parts = rangesWithin(ranges, t.startRow, hi);
          // The first tablet is always asked, so a bad filter fails even when no row can match.
          if (!parts.length && !first) continue;
          first = false;
          const batches = this.owner(t).readRows(t.id, parts, {
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
              last = row.key;
            }
            if (batch.length) giveUp = Date.now() + RETRY_DEADLINE_MS;
            if (opts.signal.aborted) return;
          }
          // This tablet is done: nothing of its range is left to read.
          ranges = opts.reversed ? clipBelow(ranges, t.startRow) : hi ? clipAbove(ranges, hi, true) : [];
          last = undefined;
        }
        return;
      } catch (e) {
        if (!retryable(e) || Date.now() > giveUp || opts.signal.aborted) throw e;
        if (last) ranges = opts.reversed ? clipBelow(ranges, last) : clipAbove(ranges, last);
        this.routes.invalidate?.();
        await sleep(retryDelayMs(attempt));
      }
    }
  }

  async checkAndMutateRow(table: TableName, row: Buffer, predicate: RowFilter | undefined, trueMutations: Mutation[], falseMutations: Mutation[]): Promise<boolean> {
    return this.retrying(async () => {
      const t = await this.tabletFor(table, row);
      return this.owner(t).checkAndMutate(t.id, row, predicate, trueMutations, falseMutations);
    }, false);
  }

  async readModifyWriteRow(table: TableName, row: Buffer, rules: ReadModifyWriteRule[]): Promise<Row> {
    return this.retrying(async () => {
      const t = await this.tabletFor(table, row);
      return this.owner(t).readModifyWrite(t.id, row, rules);
    }, false);
  }

  async sampleRowKeys(table: TableName): Promise<Array<{ rowKey: Buffer; offsetBytes: number }>> {
    return this.retrying(() => this.sampleOnce(table));
  }

  private async sampleOnce(table: TableName): Promise<Array<{ rowKey: Buffer; offsetBytes: number }>> {
    const ts = await this.tablets(table);
    const out: Array<{ rowKey: Buffer; offsetBytes: number }> = [];
    let base = 0;
    for (const t of ts) {
      const { samples, totalBytes } = await this.owner(t).sampleRowKeys(t.id);
      for (const s of samples) out.push({ rowKey: s.rowKey, offsetBytes: base + s.offsetBytes });
      base += totalBytes;
      // Tablet boundaries are natural split points for clients.
      if (t.endRow.length) out.push({ rowKey: t.endRow, offsetBytes: base });
    }
    out.push({ rowKey: Buffer.alloc(0), offsetBytes: base });
    return out;
  }
}

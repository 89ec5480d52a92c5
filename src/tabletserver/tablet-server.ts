/**
 * A tablet server: hosts tablets over one WAL, cache and job runner
 * (tablet-host.ts) and answers the internal data and control calls
 * (rpc/tablet-service.ts) for them. Routing is the caller's job: a call for
 * a tablet not served here fails UNAVAILABLE.
 */
import { NotServingError, UnavailableError, TabulaError, asTabulaError } from '../base/errors.js';
import { logger } from '../base/log.js';
import type { Row } from '../model/cell.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Aggregator } from '../model/aggregate.js';
import { pointKey, toRowRange, type KeyRange } from '../model/key-range.js';
import type { Mutation, RowMutation } from '../model/mutation.js';
import type { RowFilter } from '../model/row-filter.js';
import type {
  ReadModifyWriteRule, TabletDescriptor, TabletReadOptions, TabletServerService, TabletStatsEntry,
} from '../rpc/tablet-service.js';
import { compileFilter, type CompiledFilter } from '../tablet/filter/compile-filter.js';
import { checkAndMutate, readModifyWrite } from '../tablet/row-ops.js';
import { copySnapshot, type Tablet } from '../tablet/tablet.js';
import { TabletHost, type TabletHostOptions } from './tablet-host.js';

const log = logger('tablet-server');

/** Rows per batch a tablet scan yields when no row limit is smaller (the reader's default). */
const SCAN_BATCH_ROWS = 256;

export class TabletServer implements TabletServerService {
  private constructor(readonly serverId: string, readonly host: TabletHost) {}

  /**
   * Throws (UNAVAILABLE) while this server may not serve: in a cluster, while
   * it holds no valid lease (cluster-member.ts). Checked before every data
   * call and again before a write is acknowledged, so a server paused past
   * its lease never acknowledges a write the tablet's new owner cannot see.
   */
  private gate: () => void = () => {};

  setGate(gate: () => void): void {
    this.gate = gate;
  }

  static async open(opts: TabletHostOptions): Promise<TabletServer> {
    return new TabletServer(opts.serverId, await TabletHost.open(opts));
  }

  /** The tablet, or NotServingError (nothing applied yet: the router may retry anything). */
  private tablet(id: string): Tablet {
    try {
      this.gate();
    } catch (e) {
      throw new NotServingError(e instanceof Error ? e.message : String(e));
    }
    try {
      return this.host.tablet(id);
    } catch {
      throw new NotServingError(`tablet ${id} is not served by ${this.serverId}`);
    }
  }

  /**
   * The gate checked again after a write was applied: its failure means the
   * write may be visible (to the tablet's next owner replaying this WAL) but
   * is not acknowledged, so it stays a plain UnavailableError, never
   * NotServingError: a router must not repeat a non-idempotent write on it.
   */
  private gateAfterApply(): void {
    try {
      this.gate();
    } catch (e) {
      throw new UnavailableError(`${e instanceof Error ? e.message : String(e)}; the write may have been applied`);
    }
  }

  // ---- control plane -------------------------------------------------------------------

  /** Tablets whose openTablet is running (they are reported to the master as held: see heartbeatReport). */
  private readonly opening = new Map<string, number>();

  /**
   * What a heartbeat reports: the hosted tablets' stats, plus (with zero
   * stats) the tablets being opened, so the master never takes a tablet
   * this server is still opening for one it lost (a long WAL replay asked
   * by a master that restarted meanwhile).
   */
  async heartbeatReport(): Promise<TabletStatsEntry[]> {
    const stats = await this.tabletStats();
    const have = new Set(stats.map((t) => t.id));
    for (const id of this.opening.keys()) if (!have.has(id)) stats.push({ id, bytes: 0, sstables: 0, sortedRuns: 0, memtableBytes: 0 });
    return stats;
  }

  async openTablet(desc: TabletDescriptor): Promise<void> {
    this.opening.set(desc.id, (this.opening.get(desc.id) ?? 0) + 1);
    try {
      await this.openTabletNow(desc);
    } finally {
      const n = this.opening.get(desc.id)! - 1;
      if (n > 0) this.opening.set(desc.id, n);
      else this.opening.delete(desc.id);
    }
  }

  private async openTabletNow(desc: TabletDescriptor): Promise<void> {
    const start = Date.now();
    // Still open under an older epoch (this server lost its lease and the tablet came back): start over.
    if (this.host.hosted().some((t) => t.id === desc.id && t.epoch < desc.epoch)) await this.host.closeTablet(desc.id, { flush: false });
    const t = await this.host.openTablet({
      id: desc.id,
      epoch: desc.epoch,
      families: new Map(desc.families),
      ...(desc.aggregates?.length ? { aggregates: new Map(desc.aggregates) } : {}),
      startRow: desc.startRow,
      endRow: desc.endRow,
      meta: { table: desc.table, startRow: desc.startRow.toString('base64'), endRow: desc.endRow.toString('base64') },
      ...(desc.seedFrom ? { seedFrom: desc.seedFrom } : {}),
    }, desc.recoverFrom ?? []);
    // Recovered records live only in a dead server's WAL: make them durable here before serving.
    if (desc.recoverFrom?.length) await t.flush();
    log.info({ tablet: desc.id, table: desc.table, epoch: desc.epoch, ms: Date.now() - start }, 'open tablet');
  }

  async closeTablet(tabletId: string, opts: { flush: boolean; handOffEpoch?: number }): Promise<void> {
    // The master asks for a flushing close only to move the tablet to another server.
    await this.host.closeTablet(tabletId, { flush: opts.flush, handOff: opts.flush, ...(opts.handOffEpoch ? { handOffEpoch: opts.handOffEpoch } : {}) });
  }

  async updateSchema(tabletId: string, families: Array<[string, GcRule]>, aggregates: Array<[string, Aggregator]> = []): Promise<void> {
    this.tablet(tabletId).setFamilies(new Map(families), aggregates.length ? new Map(aggregates) : undefined);
  }

  async dropFamily(tabletId: string, family: string): Promise<void> {
    await this.tablet(tabletId).dropFamily(family);
  }

  async dropRange(tabletId: string, range: KeyRange): Promise<void> {
    await this.tablet(tabletId).dropRange(range.start, range.end);
  }

  async destroyTablet(tabletId: string): Promise<void> {
    await this.host.closeTablet(tabletId, { flush: false });
    await this.host.forgetTablet(tabletId);
    const storage = this.host.storage;
    for (const name of await storage.list(`tablets/${tabletId}/`)) await storage.delete(name);
  }

  async splitTablet(tabletId: string, splitRow: Buffer | undefined, childIds: [string, string]): Promise<Buffer | undefined> {
    const t = this.tablet(tabletId);
    let row = splitRow ?? t.splitPoint();
    if (!row && t.stats().memtableBytes > 0) {
      // The split point comes from SSTable indexes: a tablet whose data is still in memory is flushed first.
      await t.flush();
      row = t.splitPoint();
    }
    if (!row) return undefined;
    const start = Date.now();
    await this.host.closeTablet(tabletId, { flush: true });
    const table = t.meta.table;
    await t.writeSplitManifests(row, childIds, (s, e) => ({ table, startRow: s.toString('base64'), endRow: e.toString('base64') }));
    log.info({ tablet: tabletId, children: childIds, ms: Date.now() - start }, 'split tablet');
    return row;
  }

  async tabletStats(): Promise<TabletStatsEntry[]> {
    return this.host.hosted().map((t) => {
      const s = t.stats();
      return { id: t.id, bytes: t.approximateBytes(), sstables: s.sstables, sortedRuns: s.sortedRuns, memtableBytes: s.memtableBytes };
    });
  }

  async compactTablet(tabletId: string): Promise<void> {
    await this.tablet(tabletId).compact({ full: true });
  }

  async copySnapshot(fromId: string, toId: string, label: string): Promise<void> {
    await copySnapshot(this.host.storage, fromId, toId, { copyOf: fromId, label });
  }

  async snapshotTablet(tabletId: string, snapshotId: string, label: string): Promise<{ bytes: number }> {
    const t = this.tablet(tabletId);
    const start = Date.now();
    await t.snapshot(snapshotId, { ...t.meta, snapshotOf: tabletId, label });
    log.info({ tablet: tabletId, snapshot: snapshotId, label, ms: Date.now() - start }, 'snapshot tablet');
    return { bytes: t.approximateBytes() };
  }

  // ---- data plane ----------------------------------------------------------------------

  async mutate(tabletId: string, rms: RowMutation[]): Promise<Array<TabulaError | undefined>> {
    const t = this.tablet(tabletId);
    const results: Array<TabulaError | undefined> = new Array(rms.length).fill(undefined);
    const valid: RowMutation[] = [];
    rms.forEach((rm, i) => {
      try {
        if (!t.containsRow(rm.row)) throw new NotServingError(`row is outside tablet ${tabletId}`);
        rm.mutations.forEach((m, j) => t.checkFamily(m, `mutations[${j}].family_name`));
        valid.push(rm);
      } catch (e) {
        results[i] = asTabulaError(e);
      }
    });
    if (valid.length) {
      try {
        await t.mutate(valid);
        this.gateAfterApply();
      } catch (e) {
        const err = asTabulaError(e);
        rms.forEach((_, i) => { if (!results[i]) results[i] = err; });
      }
    }
    return results;
  }

  async readRow(tabletId: string, key: Buffer, opts: TabletReadOptions): Promise<Row | undefined> {
    const filter = compileFilter(opts.filter);
    const t = this.tablet(tabletId);
    if (opts.signal?.aborted || !t.containsRow(key)) return undefined;
    return filteredRow(await t.readRow(key), filter, opts.stats);
  }

  async *readRows(tabletId: string, ranges: KeyRange[], opts: TabletReadOptions): AsyncGenerator<Row[]> {
    const filter = compileFilter(opts.filter);
    const t = this.tablet(tabletId);
    let remaining = opts.limit ?? Infinity;
    const ordered = opts.reversed ? [...ranges].reverse() : ranges;
    // Rows of point reads in a row (a multi-get), yielded together as a scan's are.
    let points: Row[] = [];
    for (const range of ordered) {
      const key = pointKey(range);
      if (key) {
        // Point read: bloom filters skip SSTables that cannot hold the row.
        if (opts.signal?.aborted) return;
        if (!t.containsRow(key)) continue; // split children share files: never read outside the tablet
        const row = filteredRow(await t.readRow(key), filter, opts.stats);
        if (!row) continue;
        points.push(row);
        if (--remaining <= 0) break;
        if (points.length >= SCAN_BATCH_ROWS) {
          yield points;
          points = [];
        }
        continue;
      }
      if (points.length) {
        yield points;
        points = [];
      }
      // Without a filter every non-empty row counts toward the limit, so the tablet can stop early.
      // With one, rows the filter empties do not count, so the tablet reads on in batches; a
      // batch no bigger than the rows still wanted keeps a limited scan from reading (and
      // assembling) up to 256 rows to return a few (YCSB E asks for 1-100 rows through a
      // cells-per-column filter: 5x the rows read before this).
      const scan = t.scan(toRowRange(range), {
        reverse: opts.reversed,
        limit: filter.passesAll ? remaining : undefined,
        batchRows: Math.max(1, Math.min(SCAN_BATCH_ROWS, remaining)),
        signal: opts.signal,
      });
      for await (const batch of scan) {
        if (opts.signal?.aborted) return;
        const out: Row[] = [];
        for (const r of batch) {
          const row = filteredRow(r, filter, opts.stats);
          if (!row) continue;
          out.push(row);
          if (--remaining <= 0) break;
        }
        if (out.length) yield out;
        if (remaining <= 0) return;
      }
    }
    if (points.length) yield points;
  }

  async checkAndMutate(tabletId: string, row: Buffer, predicate: RowFilter | undefined, trueMutations: Mutation[], falseMutations: Mutation[]): Promise<boolean> {
    const r = await checkAndMutate(this.tablet(tabletId), row, predicate, trueMutations, falseMutations);
    this.gateAfterApply();
    return r;
  }

  async readModifyWrite(tabletId: string, row: Buffer, rules: ReadModifyWriteRule[]): Promise<Row> {
    const r = await readModifyWrite(this.tablet(tabletId), row, rules, () => this.host.clock.nowMicros());
    this.gateAfterApply();
    return r;
  }

  async sampleRowKeys(tabletId: string): Promise<{ samples: Array<{ rowKey: Buffer; offsetBytes: number }>; totalBytes: number }> {
    return this.tablet(tabletId).sampleRowKeys();
  }

  /** Stops serving everything; with flush, memtables are written out first (clean shutdown). */
  async close(opts: { flush?: boolean } = {}): Promise<void> {
    await this.host.close(opts);
  }
}

/** `row` after `filter` (undefined when none of its cells pass), counted in `stats` as seen. */
function filteredRow(row: Row | undefined, filter: CompiledFilter, stats: TabletReadOptions['stats']): Row | undefined {
  if (!row) return undefined;
  if (stats) { stats.rowsSeen++; stats.cellsSeen += row.cells.length; }
  const cells = filter.passesAll ? row.cells : filter.apply(row);
  if (cells.length === 0) return undefined;
  return cells === row.cells ? row : { key: row.key, cells };
}

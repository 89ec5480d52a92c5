/**
 * A tablet: one row range [startRow, endRow) of a table, served by one tablet
 * server. It owns a memtable stack and a list of SSTable references recorded
 * in its manifest, and shares the server's WAL, block cache and job runner.
 *
 * Write path: validate -> encode entries with fresh sequence numbers -> WAL
 * (group commit) -> memtable -> acknowledge. Reads see a consistent snapshot
 * (entries up to the last applied sequence number), so a row's mutations
 * become visible all at once. Full memtables are flushed by a background job;
 * SSTables are merged by compaction jobs; both install their result by
 * writing a new manifest version (fenced by the owner's epoch).
 */
import type { CancelSignal } from '../base/cancel-signal.js';
import type { Clock } from '../base/clock.js';
import { InvalidArgumentError, NotFoundError, NotServingError, UnavailableError } from '../base/errors.js';
import { logger } from '../base/log.js';
import { metricsHooks } from '../base/metrics-hooks.js';
import { compareBytes } from '../base/bytes.js';
import type { Storage } from '../storage/storage.js';
import type { Wal } from '../lsm/wal/wal.js';
import type { WalRecord } from '../lsm/wal/wal-record.js';
import type { BlockCache } from '../lsm/cache/block-cache.js';
import type { JobRunner } from '../lsm/compaction/job-runner.js';
import { pickCompaction } from '../lsm/compaction/compaction-picker.js';
import { sortedRuns, type SortedRun } from '../lsm/compaction/sorted-runs.js';
import { newMemtable, type Memtable } from '../lsm/memtable/memtable.js';
import { openSstable, type SstableReader } from '../lsm/sstable/sstable-reader.js';
import { isPromise } from '../lsm/iterator/maybe-promise.js';
import type { Manifest, ManifestTail, SstableRef } from '../lsm/manifest/manifest.js';
import { newFlatIterator } from '../lsm/iterator/flat-iterator.js';
import { giveBuffer, takeBuffer } from '../base/spare-buffer.js';
import { newManifestStore, type ManifestStore } from '../lsm/manifest/manifest-store.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Row } from '../model/cell.js';
import type { Mutation, RowMutation } from '../model/mutation.js';
import type { RowRange } from '../model/row-set.js';
import { CellKeyView, TOMBSTONE_TS, rowEndKey, rowOfCellKey, rowPrefix } from './cell-key.js';
import { AGGREGATE, DELETE_COLUMN, DELETE_FAMILY, DELETE_ROW, PUT, aggregateOperand, encodeDeleteColumn } from './cell-value.js';
import type { Aggregator } from '../model/aggregate.js';
import { EntryWriter, entrySizeBound, forEachEntry } from './entry-batch.js';
import { RowLocks } from './row-lock.js';
import { readRow, scanRows, type ReadContext, type ScanOptions } from './tablet-reader.js';
import type { TableSource, TabletVersion } from './tablet-version.js';
import type { CompactInput, CompactOutput, FlushInput, OutputFile } from './tablet-jobs.js';
import { newFileId } from './file-id.js';
import { Drops, type DropsData } from './drops.js';

const log = logger('tablet');
const EMPTY_FAMILY = Buffer.alloc(0);

export interface TabletConfig {
  id: string;
  storage: Storage;
  wal: Wal;
  cache: BlockCache;
  runner: JobRunner;
  clock: Clock;
  /** Epoch of the owning server's assignment; manifests written with it fence older owners. */
  epoch: number;
  families: Map<string, GcRule>;
  /** The aggregate families among them (model/aggregate.ts), with their aggregators; none if absent. */
  aggregates?: Map<string, Aggregator>;
  /** Row range served; undefined bounds are unbounded. */
  startRow?: Buffer;
  endRow?: Buffer;
  /** Freeze and flush the memtable past this many bytes (default 32 MiB). */
  memtableBytes?: number;
  /**
   * Writes stall while this many frozen memtables wait for their flush (the
   * first of them flushing); default 3, so at most 4 memtables are held. With
   * 2, a flush that ran longer than the next memtable's fill (its job thread
   * shares the cores with the writers) stalled a bulk load: +5% sequential
   * no-fsync load with 3 (measured; bench/README).
   */
  frozenMemtables?: number;
  /**
   * Compact when a tablet holds more sorted runs (lsm/compaction/sorted-runs.ts:
   * a flush's file, or a compaction's files together) than this (default 8);
   * at STOP_FACTOR times as many, flushes wait for compaction (writes stall).
   */
  maxSstables?: number;
  blockSize?: number;
  targetFileBytes?: number;
  /** Run flushes and compactions automatically (default true). */
  background?: boolean;
  /** Extra manifest meta the owner wants kept (table name, etc.). */
  meta?: Record<string, unknown>;
  /**
   * A tablet directory (id) whose newest manifest becomes this tablet's first
   * one when it has none yet: a table restored from a backup starts from the
   * backup's manifests and shares their SSTables (no data copied).
   */
  seedFrom?: string;
}

interface Frozen {
  mem: Memtable;
  maxSeq: number;
}

export interface TabletStats {
  memtableBytes: number;
  frozenMemtables: number;
  sstables: number;
  /** The SSTables as sorted runs (what compaction bounds; see sorted-runs.ts). */
  sortedRuns: number;
  sstableBytes: number;
  appliedSeq: number;
  flushedSeq: number;
  flushes: number;
  compactions: number;
}

export class Tablet {
  readonly id: string;
  private readonly manifests: ManifestStore;
  private active: Memtable = newMemtable();
  private activeMaxSeq = 0;
  private frozen: Frozen[] = []; // oldest first
  private tables: TableSource[] = []; // newest first
  private flushedSeq = 0;
  private nextSeq = 1;
  /** Writes up to here are durable and visible; memtables may hold higher, not yet durable ones. */
  private appliedSeq = 0;
  private publishWaiters: Array<{ seq: number; resolve: () => void }> = [];
  /** First WAL append failure: nothing is published after it (the tablet must be reopened). */
  private writeFailure: unknown;
  private closed = false;
  /** Set when close() starts: new writes are refused while in-flight ones finish and the memtable is flushed. */
  private closing = false;
  private inflightWrites = 0;
  private writesDrained?: () => void;
  private readonly locks = new RowLocks();
  private installChain: Promise<unknown> = Promise.resolve();
  private flushing: Promise<void> | undefined;
  /** EntryWriter's offsets, reused from batch to batch (consumed before the next batch is encoded). */
  private entryOffsets: Int32Array | undefined;
  /** Writers stalled in writeStall, woken after each flush. */
  private flushWaiters: Array<() => void> = [];
  private compacting: Promise<void> | undefined;
  /** Readers of the newest flushed tables serving blocks from their flush's bytes (adoptImage), oldest first. */
  private imaged: SstableReader[] = [];
  private readonly familyBytes = new Map<string, Buffer>();
  private counters = { flushes: 0, compactions: 0 };
  private readonly lowerKey: Buffer | undefined;
  private drops = Drops.NONE;
  private readonly upperKey: Buffer | undefined;
  /** Entries a previous owner handed over in the manifest; carried by every manifest written until a flush covers them. */
  private tail: ManifestTail | undefined;

  private constructor(private readonly cfg: TabletConfig) {
    this.id = cfg.id;
    this.manifests = newManifestStore(cfg.storage, `tablets/${cfg.id}`);
    this.lowerKey = cfg.startRow?.length ? rowPrefix(cfg.startRow) : undefined;
    this.upperKey = cfg.endRow?.length ? rowPrefix(cfg.endRow) : undefined;
  }

  /**
   * Opens (or creates) the tablet: loads its newest manifest, claims it with
   * cfg.epoch (FencedError if a newer owner exists) and opens its SSTables.
   * The caller then replays WAL records newer than `flushedSeq` via replay().
   */
  static async open(cfg: TabletConfig): Promise<Tablet> {
    const t = new Tablet(cfg);
    const m = await t.manifests.load();
    let current: Manifest;
    if (!m && cfg.seedFrom !== undefined) {
      current = await t.manifests.write(await seedManifest(cfg.storage, cfg.seedFrom, cfg.epoch, cfg.meta ?? {}));
    } else if (!m) {
      current = await t.manifests.write({ epoch: cfg.epoch, flushedSeq: 0, sstables: [], meta: cfg.meta ?? {} });
    } else {
      current = m.epoch === cfg.epoch ? m : await t.manifests.claim(cfg.epoch);
    }
    t.flushedSeq = current.flushedSeq;
    t.drops = Drops.from(current.meta.drops as DropsData | undefined);
    // A drop consumed a sequence number that may appear in no WAL record.
    t.nextSeq = Math.max(current.flushedSeq, t.drops.maxSeq) + 1;
    t.appliedSeq = current.flushedSeq;
    if (current.tail) t.loadTail(current.tail);
    t.tables = await Promise.all(current.sstables.map(async (ref) => ({ ref, reader: await openSstable(cfg.storage, ref.file, cfg.cache) })));
    log.debug({ tablet: cfg.id, sstables: t.tables.length, flushedSeq: t.flushedSeq }, 'open');
    return t;
  }

  /** Loads a manifest's tail into the memtable: those writes were acknowledged (and made durable by that manifest). */
  private loadTail(tail: ManifestTail): void {
    const it = newFlatIterator(tail.entries);
    for (it.seekToFirst(); it.valid(); it.next()) this.active.put(it.key(), it.value());
    it.close();
    this.tail = tail;
    this.activeMaxSeq = Math.max(this.activeMaxSeq, tail.maxSeq);
    this.nextSeq = Math.max(this.nextSeq, tail.maxSeq + 1);
    this.appliedSeq = Math.max(this.appliedSeq, tail.maxSeq);
  }

  /** Sequence number up to which this tablet's data is in SSTables. */
  get flushedSequence(): number { return this.flushedSeq; }

  /** Re-applies a WAL record (during recovery, before serving). Records at or below flushedSeq are skipped. */
  replay(rec: WalRecord): void {
    if (rec.lastSeq <= this.flushedSeq) return;
    forEachEntry(rec.payload, (k, v) => this.active.put(k, v));
    if (rec.lastSeq > this.activeMaxSeq) this.activeMaxSeq = rec.lastSeq;
    if (rec.lastSeq >= this.nextSeq) this.nextSeq = rec.lastSeq + 1;
    if (rec.lastSeq > this.appliedSeq) this.appliedSeq = rec.lastSeq;
    this.maybeFreeze();
  }

  setFamilies(families: Map<string, GcRule>, aggregates?: Map<string, Aggregator>): void {
    this.cfg.families = families;
    this.cfg.aggregates = aggregates;
  }

  get families(): ReadonlyMap<string, GcRule> { return this.cfg.families; }
  /** The aggregate families and their aggregators. */
  get aggregates(): ReadonlyMap<string, Aggregator> { return this.cfg.aggregates ?? NO_AGGREGATES; }

  /** The owner's manifest meta (table name, range). */
  get meta(): Record<string, unknown> { return this.cfg.meta ?? {}; }
  /** The epoch this tablet was opened (and writes manifests) with. */
  get epoch(): number { return this.cfg.epoch; }

  /** True when `row` belongs to this tablet's range. */
  containsRow(row: Buffer): boolean {
    const { startRow, endRow } = this.cfg;
    if (startRow?.length && compareBytes(row, startRow) < 0) return false;
    if (endRow?.length && compareBytes(row, endRow) >= 0) return false;
    return true;
  }

  /**
   * Applies each RowMutation atomically (the whole batch shares one WAL
   * record, so it is durable all-or-nothing). Families must exist
   * (NotFoundError) and rows must belong to the tablet. Timestamps -1 take the
   * server's time. Resolves once durable and visible.
   * `lockedRow`: the caller holds that row's lock (check-and-mutate).
   */
  async mutate(rows: RowMutation[], lockedRow?: Buffer): Promise<void> {
    this.checkOpen();
    this.inflightWrites++;
    try {
      const committed = this.mutateOpen(rows, lockedRow);
      // Not held while the WAL syncs: the request's objects (often thousands
      // of small ones) can then die young instead of surviving GCs.
      rows = NO_ROWS;
      await committed;
    } finally {
      if (--this.inflightWrites === 0) this.writesDrained?.();
    }
  }

  /** Waits for row locks and a write stall, then stages the batch; the returned promise is the commit's. */
  private async mutateOpen(rows: RowMutation[], lockedRow?: Buffer): Promise<void> {
    let known: string | undefined; // the last family found to exist (a batch rarely switches)
    for (const rm of rows) {
      if (!this.containsRow(rm.row)) throw new NotServingError(`row outside tablet ${this.id}`);
      for (const m of rm.mutations) {
        // (An aggregate family's mutations are checked each: their values matter.)
        if (m.type === 'deleteFromRow' || (m.family === known && m.type !== 'addToCell')) continue;
        this.checkFamily(m);
        known = this.cfg.aggregates?.has(m.family) ? undefined : m.family;
      }
      if (this.locks.size > 0 && rm.row !== lockedRow && this.locks.isLocked(rm.row)) await this.locks.waitUnlocked(rm.row);
    }
    if (this.mustStall()) await this.writeStall();
    const last = this.stage(rows);
    // Returned, not awaited: this frame (and `rows`) ends while the WAL syncs.
    if (last !== undefined) return this.commit(last.seq, last.durable);
  }

  /**
   * Encodes the batch into the memtable (invisible until published) and
   * appends it to the WAL; synchronous, so no other write interleaves.
   * Undefined for a batch without mutations.
   */
  private stage(rows: RowMutation[]): { seq: number; durable: Promise<void> } | undefined {
    const now = this.cfg.clock.nowMicros();
    // A bound on the payload's size first (from lengths alone: no pass over the keys' bytes), so it
    // is written once into a region that big; the region's unused end is given back after.
    let count = 0;
    let size = 10;
    // The family bytes of the last family seen: a batch rarely switches (saves a map lookup per cell).
    const aggs = this.cfg.aggregates;
    let famName: string | undefined;
    let famBytes: Buffer = EMPTY_FAMILY;
    for (let r = 0; r < rows.length; r++) {
      const rm = rows[r]!;
      const rowLen = rm.row.length;
      const ms = rm.mutations;
      count += ms.length;
      for (let i = 0; i < ms.length; i++) {
        const m = ms[i]!;
        if (m.type !== 'deleteFromRow' && m.family !== famName) famBytes = this.fam((famName = m.family));
        if (m.type === 'addToCell' && m.value.length === 0) count--; // a merge of NULL: no entry
        else size += entryBound(rowLen, m, famBytes, aggs !== undefined && m.type === 'setCell' && aggs.has(m.family));
      }
    }
    if (count === 0) return undefined;
    // Encoded at the offsets it takes in the memtable's arena, but first into plain memory: the
    // arena is shared memory (SharedArrayBuffer), into which each value's copy cost 3x as much
    // (V8 copies shared memory with relaxed atomics). Then one copy into the arena, and the
    // WAL copies from the plain buffer.
    const region = this.active.reserveEncoded(size);
    const staged = stagingBuffer(region.off + size);
    const batch = new EntryWriter(count, size, staged, region.off, this.entryOffsets);
    if (batch.offsets.length <= 1 << 16) this.entryOffsets = batch.offsets; // a huge batch's array is not kept
    const first = this.nextSeq;
    let seq = first;
    famName = undefined;
    for (let r = 0; r < rows.length; r++) {
      const rm = rows[r]!;
      const ms = rm.mutations;
      for (let i = 0; i < ms.length; i++) {
        const m = ms[i]!;
        if (m.type !== 'deleteFromRow' && m.family !== famName) famBytes = this.fam((famName = m.family));
        switch (m.type) {
          case 'setCell': {
            const agg = aggs?.get(m.family);
            // Into an aggregate family a set_cell is combined like an input (as Google's emulator does).
            if (agg !== undefined) batch.add(rm.row, famBytes, m.qualifier, m.timestamp < 0 ? now : m.timestamp, seq++, AGGREGATE, aggregateOperand(agg, m.value));
            else batch.add(rm.row, famBytes, m.qualifier, m.timestamp < 0 ? now : m.timestamp, seq++, PUT, m.value);
            break;
          }
          case 'addToCell':
            if (m.value.length === 0) break; // a merge of NULL has no effect
            batch.add(rm.row, famBytes, m.qualifier, m.timestamp < 0 ? now : m.timestamp, seq++, AGGREGATE, aggregateOperand(aggs?.get(m.family), m.value));
            break;
          case 'deleteFromColumn':
            batch.add(rm.row, famBytes, m.qualifier, TOMBSTONE_TS, seq++, DELETE_COLUMN, encodeDeleteColumn(m.start, m.end).subarray(1));
            break;
          case 'deleteFromFamily':
            batch.add(rm.row, famBytes, undefined, TOMBSTONE_TS, seq++, DELETE_FAMILY, undefined);
            break;
          case 'deleteFromRow':
            batch.add(rm.row, EMPTY_FAMILY, undefined, TOMBSTONE_TS, seq++, DELETE_ROW, undefined);
            break;
        }
      }
    }
    const last = seq - 1;
    this.nextSeq = seq;
    const payload = batch.finish();
    this.active.trimReserved(size - payload.length);
    region.chunk.set(payload, region.off);
    const durable = this.cfg.wal.append(this.id, first, last, payload);
    // Insert while the WAL syncs (the fsync is the long part of a write): the
    // entries stay invisible to readers (seq > appliedSeq) until durable.
    this.active.putReserved(region.ci, batch.offsets, batch.count);
    this.activeMaxSeq = last;
    this.maybeFreeze();
    return { seq: last, durable };
  }

  /** Publishes the staged batch ending at `last` once durable. */
  private async commit(last: number, durable: Promise<void>): Promise<void> {
    try {
      await durable;
    } catch (e) {
      this.failWrites(e);
      throw e;
    }
    // Group commit resolves appends in order, so publishing `last` publishes
    // only durable batches — unless an earlier one failed: then nothing more
    // is ever published (its entries sit below ours in the memtable).
    if (this.writeFailure !== undefined) throw new UnavailableError(`tablet ${this.id}: an earlier write failed (${String(this.writeFailure)}); reopen the tablet`);
    this.publish(last);
  }

  /** Makes writes up to `seq` visible and wakes flushes waiting for them. */
  private publish(seq: number): void {
    this.appliedSeq = seq;
    if (this.publishWaiters.length === 0) return;
    const ready = this.publishWaiters.filter((w) => w.seq <= seq);
    this.publishWaiters = this.publishWaiters.filter((w) => w.seq > seq);
    for (const w of ready) w.resolve();
  }

  private failWrites(e: unknown): void {
    this.writeFailure ??= e;
    for (const w of this.publishWaiters.splice(0)) w.resolve();
  }

  /** Resolves once every write up to `seq` is published, or writes have failed (then unpublished entries are dropped by the flush). */
  private whenPublished(seq: number): Promise<void> {
    if (this.appliedSeq >= seq || this.writeFailure !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.publishWaiters.push({ seq, resolve }));
  }

  /** Throws NotFoundError (naming `field`) when the mutation's family does not exist. */
  checkFamily(m: Mutation, field = 'family_name'): void {
    if (m.type === 'deleteFromRow') return;
    if (!this.cfg.families.has(m.family)) throw new NotFoundError(`${field}: column family "${m.family}" not found`);
    const agg = this.cfg.aggregates?.get(m.family);
    if (m.type === 'addToCell' && agg === undefined) {
      throw new InvalidArgumentError(`${field}: column family "${m.family}" is not an aggregate family (add_to_cell and merge_to_cell need one)`);
    }
    if (m.type === 'addToCell' && m.value.length !== 8 && m.value.length !== 0) {
      throw new InvalidArgumentError(`${field}: column family "${m.family}" aggregates int64 values; the input must be 8 bytes, got ${m.value.length}`);
    }
    // Into an aggregate family a set_cell is combined like an input, so it must be an int64.
    if (m.type === 'setCell' && agg !== undefined && m.value.length !== 8) {
      throw new InvalidArgumentError(`${field}: column family "${m.family}" aggregates int64 values; set_cell needs an 8-byte big-endian value, got ${m.value.length} bytes`);
    }
  }

  /** Runs fn holding the row's lock (check-and-mutate, read-modify-write). */
  withRowLock<T>(row: Buffer, fn: () => Promise<T>): Promise<T> {
    return this.locks.with(row, fn);
  }

  /** The row as a reader sees it now, or undefined if it has no visible cells. */
  async readRow(row: Buffer): Promise<Row | undefined> {
    this.checkReadable();
    const r = readRow(this.readContext(), row);
    if (!isPromise(r)) return r;
    // Counted only once it goes asynchronous: until then no compaction can
    // retire a reader it uses (nothing else runs), and the version is still
    // the current one, so enterRead counts the right generation.
    const gen = this.enterRead();
    return r.finally(() => this.exitRead(gen));
  }

  /**
   * Scans rows of this tablet in `range` (clipped to the tablet), forward or
   * reverse, yielding batches of rows. The scan sees a snapshot taken at its start.
   */
  scan(range: RowRange = {}, opts: { reverse?: boolean; limit?: number; batchRows?: number; signal?: CancelSignal } = {}): AsyncGenerator<Row[]> {
    this.checkReadable();
    let lower = range.start ? (range.start.closed ? rowPrefix(range.start.key) : rowEndKey(range.start.key)) : undefined;
    let upper = range.end ? (range.end.closed ? rowEndKey(range.end.key) : rowPrefix(range.end.key)) : undefined;
    if (this.lowerKey && (!lower || compareBytes(lower, this.lowerKey) < 0)) lower = this.lowerKey;
    if (this.upperKey && (!upper || compareBytes(upper, this.upperKey) > 0)) upper = this.upperKey;
    return this.trackedScan(this.readContext(), this.enterRead(), { lower, upper, ...opts });
  }

  /** scanRows, counted as a read in flight of its version until the generator finishes (see enterRead). */
  private async *trackedScan(ctx: ReadContext, gen: number, opts: ScanOptions): AsyncGenerator<Row[]> {
    try {
      yield* scanRows(ctx, opts);
    } finally {
      this.exitRead(gen);
    }
  }

  /**
   * Registers a read of the current version; returns its generation for
   * exitRead. A compaction retires the readers of its inputs, but a read that
   * began earlier may still need them (for a block not in the cache), so they
   * are closed only once no read of a version that could hold them is in
   * flight (a read created but never iterated keeps them open, as before this
   * they stayed open until garbage collection).
   */
  private enterRead(): number {
    const gen = this.versionGen;
    this.readsInFlight.set(gen, (this.readsInFlight.get(gen) ?? 0) + 1);
    return gen;
  }

  private exitRead(gen: number): void {
    const n = this.readsInFlight.get(gen)! - 1;
    if (n > 0) this.readsInFlight.set(gen, n);
    else this.readsInFlight.delete(gen);
    if (this.retired.length) this.closeRetired();
  }

  /** Closes retired readers that no read in flight can use. */
  private closeRetired(): void {
    let oldest = Infinity;
    for (const g of this.readsInFlight.keys()) if (g < oldest) oldest = g;
    const keep: typeof this.retired = [];
    for (const r of this.retired) {
      if (r.lastGen < oldest) r.reader.close().catch((e: unknown) => log.debug({ tablet: this.id, file: r.reader.name, err: String(e) }, 'closing a retired sstable failed'));
      else keep.push(r);
    }
    this.retired = keep;
  }

  private readContext(): ReadContext {
    return { version: this.currentVersion(), schema: this.schema, snapshotSeq: this.appliedSeq, nowMicros: this.cfg.clock.nowMicros(), drops: this.drops };
  }

  /** Family → GC rule as the schema is now (setFamilies replaces the map). */
  private readonly schema = (f: string): GcRule | undefined => this.cfg.families.get(f);

  /**
   * The sources a read sees now. Built once per change rather than per read:
   * the active memtable is replaced by freeze(), `tables` is replaced (never
   * mutated) by install(), and `frozen` only gains at its end and loses at its
   * front, so its length and first element tell whether it changed.
   */
  private currentVersion(): TabletVersion {
    const c = this.versionCache;
    if (c && c.active === this.active && c.tables === this.tables && c.frozenCount === this.frozen.length && c.oldestFrozen === this.frozen[0]) return c.version;
    const version: TabletVersion = {
      memtables: [this.active, ...this.frozen.map((f) => f.mem).reverse()],
      tables: this.tables,
    };
    this.versionGen++;
    this.versionCache = { version, active: this.active, tables: this.tables, frozenCount: this.frozen.length, oldestFrozen: this.frozen[0] };
    return version;
  }
  /** Generation of the cached version: versions built later have higher numbers. */
  private versionGen = 0;
  /** Reads in flight by the generation of the version they read. */
  private readonly readsInFlight = new Map<number, number>();
  /** Readers replaced by a compaction, open until no read of a version up to lastGen is in flight. */
  private retired: Array<{ reader: SstableReader; lastGen: number }> = [];
  private versionCache: { version: TabletVersion; active: Memtable; tables: TableSource[]; frozenCount: number; oldestFrozen: Frozen | undefined } | undefined;

  /**
   * Deletes every row in [startRow, endRow) (endRow undefined = to the end)
   * written before this call, in O(1): the drop is recorded in the manifest
   * and applied by reads and full compactions.
   */
  async dropRange(startRow: Buffer, endRow: Buffer | undefined): Promise<void> {
    this.checkOpen();
    const seq = this.nextSeq++;
    await this.install((tables) => ({ tables, flushedSeq: this.flushedSeq, drops: this.drops.withRange(Buffer.from(startRow), endRow && Buffer.from(endRow), seq) }));
  }

  /** Deletes all data of `family` written before this call (the family is being dropped). */
  async dropFamily(family: string): Promise<void> {
    this.checkOpen();
    const seq = this.nextSeq++;
    await this.install((tables) => ({ tables, flushedSeq: this.flushedSeq, drops: this.drops.withFamily(family, seq) }));
  }

  /** Flushes everything written so far into SSTables. */
  async flush(): Promise<void> {
    this.checkOpen();
    if (this.active.count > 0) this.freeze();
    await this.drainFlushes();
  }

  /**
   * Compacts now. full: flush first and merge every SSTable into new files,
   * applying GC rules and dropping deletes (major compaction). Otherwise run
   * the picker once (with `maxTables` overriding the configured bound).
   * Resolves true when a full compaction (GC applied) ran.
   */
  async compact(opts: { full?: boolean; maxTables?: number } = {}): Promise<boolean> {
    this.checkOpen();
    if (opts.full) await this.flush();
    while (this.compacting) await this.compacting.catch(() => {});
    const p = this.runCompaction(opts.full ?? false, opts.maxTables);
    // Others only wait on `compacting`; the caller gets p's error.
    this.compacting = p.then(() => {}, () => {}).finally(() => { this.compacting = undefined; });
    return p;
  }

  stats(): TabletStats {
    return {
      memtableBytes: this.active.approximateBytes + this.frozen.reduce((s, f) => s + f.mem.approximateBytes, 0),
      frozenMemtables: this.frozen.length,
      sstables: this.tables.length,
      sortedRuns: this.runs().length,
      sstableBytes: this.tables.reduce((s, t) => s + t.reader.properties.fileSize, 0),
      appliedSeq: this.appliedSeq,
      flushedSeq: this.flushedSeq,
      flushes: this.counters.flushes,
      compactions: this.counters.compactions,
    };
  }

  /**
   * Sample row keys (block boundaries of the tablet's SSTables) with
   * approximate byte offsets from the tablet's start, and its total size.
   * At most `max` samples, spread evenly.
   */
  sampleRowKeys(max = 64): { samples: Array<{ rowKey: Buffer; offsetBytes: number }>; totalBytes: number } {
    const keys: Buffer[] = [];
    for (const t of this.tables) {
      for (const k of t.reader.blockFirstKeys()) {
        if (t.ref.start && compareBytes(k, t.ref.start) < 0) continue;
        if (t.ref.end && t.ref.end.length && compareBytes(k, t.ref.end) >= 0) continue;
        keys.push(rowOfCellKey(k));
      }
    }
    keys.sort(compareBytes);
    const unique = keys.filter((k, i) => i === 0 || compareBytes(keys[i - 1]!, k) !== 0).filter((k) => this.containsRow(k) && !(this.cfg.startRow && compareBytes(k, this.cfg.startRow) === 0));
    const step = Math.max(1, Math.ceil(unique.length / max));
    const offsetOf = (row: Buffer) => {
      const key = rowPrefix(row);
      let off = 0;
      for (const t of this.tables) off += Math.max(0, t.reader.approximateOffsetOf(key) - (t.ref.start ? t.reader.approximateOffsetOf(t.ref.start) : 0));
      return off;
    };
    const samples = [];
    for (let i = step - 1; i < unique.length; i += step) samples.push({ rowKey: unique[i]!, offsetBytes: offsetOf(unique[i]!) });
    const totalBytes = this.tables.reduce((s, t) => s + t.reader.properties.fileSize, 0) + this.stats().memtableBytes;
    return { samples, totalBytes };
  }

  /**
   * Bytes of SSTable data inside this tablet's range (refs restricted to a
   * range count only their share), plus memtables. Used for split decisions.
   */
  approximateBytes(): number {
    let total = this.stats().memtableBytes;
    for (const t of this.tables) {
      const r = t.reader;
      const lo = t.ref.start ? r.approximateOffsetOf(t.ref.start) : 0;
      const hi = t.ref.end?.length ? r.approximateOffsetOf(t.ref.end) : r.properties.fileSize;
      total += Math.max(0, hi - lo);
    }
    return total;
  }

  /**
   * A row key near the middle of the tablet's data, from its SSTable block
   * indexes, strictly inside the tablet's range; undefined when the tablet is
   * too small to split (fewer than two distinct block boundaries).
   */
  splitPoint(): Buffer | undefined {
    const { samples } = this.sampleRowKeys(1 << 30);
    const inside = samples.filter((s) => !this.cfg.startRow?.length || compareBytes(s.rowKey, this.cfg.startRow) > 0);
    if (inside.length === 0) return undefined;
    const total = inside[inside.length - 1]!.offsetBytes;
    // The first sample at or past half the data; block boundaries are row boundaries of the index.
    return (inside.find((s) => s.offsetBytes >= total / 2) ?? inside[Math.floor(inside.length / 2)]!).rowKey;
  }

  /**
   * Manifests for the two children of a split at `splitRow`: each references
   * this tablet's SSTables restricted to its half — no data is copied. The
   * tablet must be closed with flush first (so the WAL holds nothing of it).
   */
  async writeSplitManifests(splitRow: Buffer, childIds: [string, string], metaOf: (start: Buffer, end: Buffer) => Record<string, unknown>): Promise<void> {
    if (!this.closed) throw new UnavailableError(`tablet ${this.id} must be closed (flushed) before it is split`);
    if (!this.containsRow(splitRow) || (this.cfg.startRow && compareBytes(splitRow, this.cfg.startRow) === 0)) {
      throw new InvalidArgumentError(`split row must lie strictly inside tablet ${this.id}`);
    }
    const mid = rowPrefix(splitRow);
    const halves: Array<[string, Buffer, Buffer, Uint8Array | undefined, Uint8Array | undefined]> = [
      [childIds[0], this.cfg.startRow ?? Buffer.alloc(0), splitRow, this.lowerKey, mid],
      [childIds[1], splitRow, this.cfg.endRow ?? Buffer.alloc(0), mid, this.upperKey],
    ];
    for (const [id, start, end, lo, hi] of halves) {
      const refs: SstableRef[] = [];
      for (const t of this.tables) {
        const a = maxBound(t.ref.start, lo);
        const b = minBound(t.ref.end, hi);
        const p = t.reader.properties;
        if (b && compareBytes(p.smallestKey, b) >= 0) continue;
        if (a && compareBytes(p.largestKey, a) < 0) continue;
        refs.push({ file: t.ref.file, ...(a ? { start: a } : {}), ...(b ? { end: b } : {}) });
      }
      await newManifestStore(this.cfg.storage, `tablets/${id}`).write({
        epoch: this.cfg.epoch,
        flushedSeq: this.flushedSeq,
        sstables: refs,
        meta: { ...metaOf(start, end), drops: this.drops.toJSON() },
      });
    }
  }

  /** True when close({ flush, handOff }) would hand the memtable over in the manifest as things stand (see close). */
  handOffFits(): boolean {
    return this.writeFailure === undefined && this.frozen.length === 0 && this.active.approximateBytes <= HAND_OFF_MAX_BYTES;
  }

  /**
   * Writes the tablet's current state as the first manifest of the directory
   * tablets/<snapshotId> (a backup): everything written before this call is
   * flushed, then the manifest names the same SSTables (with their row-range
   * restrictions), drops and flushed sequence number. No data is copied. The
   * snapshot is written between two installs, while the tablet's own newest
   * manifest still references every file it names (file-gc.ts's contract).
   * A tablet opened with seedFrom = snapshotId starts from it.
   */
  async snapshot(snapshotId: string, meta: Record<string, unknown>): Promise<void> {
    this.checkOpen();
    await this.flush();
    await this.betweenInstalls(() => newManifestStore(this.cfg.storage, `tablets/${snapshotId}`).write({
      epoch: this.cfg.epoch,
      flushedSeq: this.flushedSeq,
      sstables: this.tables.map((t) => t.ref),
      meta: { ...meta, drops: this.drops.toJSON() },
      // A handed-over tail not yet covered by a flush holds acknowledged writes too.
      ...(this.tail ? { tail: this.tail } : {}),
    }));
  }

  /** The SSTable references of the current version (for splits and introspection). */
  sstableRefs(): SstableRef[] { return this.tables.map((t) => t.ref); }

  /**
   * Stops serving. With flush, writes the memtable out first so the WAL is no
   * longer needed for this tablet (a move). With handOff too (the tablet
   * moves to another server), a memtable of at most HAND_OFF_MAX_BYTES goes
   * into the manifest as its tail instead of into an SSTable: one durable
   * write instead of two while writes are refused. That manifest is written
   * with handOffEpoch when given (the epoch of the next owner, which then
   * opens it without a claim of its own); the manifest store fences any
   * later install of this tablet (its own epoch is now the older one). Waits
   * for running background jobs.
   */
  async close(opts: { flush?: boolean; handOff?: boolean; handOffEpoch?: number } = {}): Promise<void> {
    if (this.closed || this.closing) return;
    // Refuse new writes first and let acknowledged-to-be ones land, so every
    // write this tablet acknowledges is in the flush (a move or split must
    // not leave a write behind in a WAL the next owner never reads).
    this.closing = true;
    if (this.inflightWrites > 0) await new Promise<void>((r) => (this.writesDrained = r));
    if (opts.flush && !(opts.handOff && (await this.handOffTail(opts.handOffEpoch)))) {
      if (this.active.count > 0) this.freeze();
      await this.drainFlushes();
    }
    this.closed = true;
    await Promise.allSettled([this.flushing, this.compacting]);
    await Promise.allSettled([...this.tables.map((t) => t.reader), ...this.retired.splice(0).map((r) => r.reader)].map((r) => r.close()));
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * For close with handOff: writes the memtable into the manifest's tail when
   * it is all there is to flush and small. Returns false (nothing written)
   * when a regular flush is needed instead.
   */
  private async handOffTail(epoch: number | undefined): Promise<boolean> {
    while (this.flushing) await this.flushing.catch(() => {});
    if (!this.handOffFits()) return false;
    if (this.active.count === 0) return true;
    // Every write is published: in-flight ones were drained and none failed.
    const tail: ManifestTail = { maxSeq: this.activeMaxSeq, entries: this.active.exportSorted() };
    if (epoch !== undefined && !(epoch > this.cfg.epoch)) throw new InvalidArgumentError(`handOffEpoch ${epoch} must be above the tablet's epoch ${this.cfg.epoch}`);
    await this.install((tables) => ({ tables, flushedSeq: this.flushedSeq, tail }), epoch);
    return true;
  }

  private fam(name: string): Buffer {
    let b = this.familyBytes.get(name);
    if (!b) { b = Buffer.from(name, 'latin1'); this.familyBytes.set(name, b); }
    return b;
  }

  /**
   * Reads go on while the tablet closes (a move or split flushes first, and
   * writes are already refused, so what readers see no longer changes): a
   * move then blocks reads only between this close and the new owner's open.
   */
  private checkReadable(): void {
    if (this.closed) throw new NotServingError(`tablet ${this.id} is closed`);
  }

  private checkOpen(): void {
    // Refused before anything is applied: NotServingError, which routers may retry for any operation.
    if (this.closed || this.closing) throw new NotServingError(`tablet ${this.id} is closed`);
  }

  /**
   * Bounds memory: writers wait while frozenMemtables (3) memtables are already waiting to
   * flush, until one of them is flushed (not until the flush loop has flushed
   * them all, which left the worker idle while writers refilled a memtable).
   */
  private async writeStall(): Promise<void> {
    const start = performance.now();
    while (this.mustStall()) {
      const flushing = this.flushing!; // mustStall: a flush loop runs
      await Promise.race([new Promise<void>((r) => this.flushWaiters.push(r)), flushing.catch(() => {})]);
    }
    metricsHooks().writeStall((performance.now() - start) / 1000);
  }

  /** frozenMemtables memtables already wait for a running flush loop (writeStall's condition; mutate skips the await when false). */
  private mustStall(): boolean {
    return this.frozen.length >= (this.cfg.frozenMemtables ?? 3) && this.flushing !== undefined;
  }

  private maybeFreeze(): void {
    if (this.active.approximateBytes >= (this.cfg.memtableBytes ?? 32 << 20)) {
      this.freeze();
      if (this.cfg.background !== false) this.kickFlush();
    }
  }

  private freeze(): void {
    this.active.freeze();
    this.frozen.push({ mem: this.active, maxSeq: this.activeMaxSeq });
    // The next memtable likely fills like this one: size its node records for that.
    this.active = newMemtable({ expectedEntries: Math.ceil(this.active.count * 1.1) });
  }

  private kickFlush(): void {
    if (this.flushing || this.closed) return;
    this.flushing = this.flushLoop().finally(() => { this.flushing = undefined; });
    this.flushing.catch((e) => {
      log.warn({ tablet: this.id, err: String(e) }, 'background flush failed; will retry');
      setTimeout(() => { if (!this.closed && this.frozen.length) this.kickFlush(); }, 200).unref();
    });
  }

  private async drainFlushes(): Promise<void> {
    for (;;) {
      if (this.flushing) { await this.flushing; continue; }
      if (!this.frozen.length) return;
      this.kickFlush();
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.frozen.length && !this.closed) {
      await this.flushOldest();
      // After each flush, not once the loop drains: under sustained ingest it never does.
      if (this.cfg.background !== false) this.maybeCompact();
    }
  }

  private async flushOldest(): Promise<void> {
    const f = this.frozen[0]!;
    const start = Date.now();
    let source: TableSource | undefined;
    let built: { bytes: Uint8Array; buffer: Buffer } | undefined;
    let bytesOut = 0;
    await this.waitForCompaction();
    // Only durable writes may reach an SSTable.
    await this.whenPublished(f.maxSeq);
    const maxSeq = this.writeFailure === undefined ? f.maxSeq : Math.min(f.maxSeq, this.appliedSeq);
    const mem = this.writeFailure === undefined ? f.mem : publishedOnly(f.mem, this.appliedSeq);
    if (mem.count > 0) {
      // The job exports the memtable itself, in its worker: the memtable is shared memory (Memtable.share).
      const sst = takeBuffer(Math.ceil(mem.exportSize() * 1.05));
      const file = `sst/${newFileId()}.sst`;
      const input: FlushInput = { memtable: mem.share(), file, blockSize: this.cfg.blockSize ?? 16 << 10, out: sst };
      // Transfer, not copy: nothing else holds this buffer (a spare goes to one taker); the job hands it back.
      const out = await this.cfg.runner.run<OutputFile>('flush', input, [sst.buffer as ArrayBuffer]);
      const [builtIn] = (out.returned ?? []).map((r) => Buffer.from(r.buffer, 0, r.buffer.byteLength));
      built = out.built && builtIn ? { bytes: out.built, buffer: builtIn } : undefined;
      bytesOut = out.size;
      source = { ref: { file: out.file }, reader: await openSstable(this.cfg.storage, out.file, this.cfg.cache) };
    }
    await this.install((tables) => ({ tables: source ? [source, ...tables] : tables, flushedSeq: Math.max(maxSeq, this.flushedSeq) }));
    this.frozen.shift();
    for (const wake of this.flushWaiters.splice(0)) wake();
    this.counters.flushes++;
    // The memtable's readers move to this file now: they read its blocks from the bytes the
    // flush built (copied into the cache as they are read) rather than from storage. The
    // images of the newest flushes are kept, up to a quarter of the cache; the oldest go back
    // as spare buffers. (Copying every flushed block into the cache at once cost ~12% of a
    // bulk load's main thread, mostly faulting in fresh memory for blocks never read.)
    if (source && built) {
      const reader = source.reader;
      const buffer = built.buffer;
      reader.adoptImage(built.bytes, () => giveBuffer(buffer));
      // Readers closed meanwhile (their tables compacted away) released theirs.
      this.imaged = [...this.imaged, reader].filter((r) => r.imageBytes > 0);
      let total = this.imaged.reduce((n, r) => n + r.imageBytes, 0);
      while (this.imaged.length > 0 && total > this.cfg.cache.stats().capacity / 4) {
        const oldest = this.imaged.shift()!;
        total -= oldest.imageBytes;
        oldest.dropImage();
      }
    }
    await this.cfg.wal.markFlushed(this.id, this.flushedSeq);
    log.info({ tablet: this.id, entries: f.mem.count, bytesOut, ms: Date.now() - start }, 'flush');
  }

  /**
   * Serialises manifest updates: computes the next table list from the
   * current one, writes the manifest, then swaps it in. `epoch`: the tablet's
   * own, except for a hand-off's last manifest (close).
   */
  private install(
    next: (tables: TableSource[]) => { tables: TableSource[]; flushedSeq: number; drops?: Drops; tail?: ManifestTail },
    epoch = this.cfg.epoch,
  ): Promise<void> {
    return this.betweenInstalls(async () => {
      const { tables, flushedSeq, drops = this.drops, tail: newTail } = next(this.tables);
      // A handed-over tail stays in the manifest until a flush covers it.
      const tail = newTail ?? (this.tail && this.tail.maxSeq > flushedSeq ? this.tail : undefined);
      await this.manifests.write({
        epoch,
        flushedSeq,
        sstables: tables.map((t) => t.ref),
        meta: { ...this.cfg.meta, drops: drops.toJSON() },
        ...(tail ? { tail } : {}),
      });
      this.tables = tables;
      this.flushedSeq = flushedSeq;
      this.drops = drops;
      this.tail = tail;
    });
  }

  /** Runs `fn` after every install queued before it and before any queued after it (manifest writes are serial). */
  private betweenInstalls<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.installChain.then(fn);
    this.installChain = p.catch(() => {});
    return p;
  }

  /**
   * Back-pressure: at maxSstables × STOP_FACTOR sorted runs, a flush first
   * waits for the running compaction (one round, which merges four runs into
   * one, or fails). Frozen memtables then pile up and writes stall
   * (writeStall), so under sustained ingest the table count — what a point
   * read probes and a scan merges — stays bounded, as LevelDB's L0 stop
   * trigger bounds it. Without it compaction fell ever further behind:
   * 50 tables after 10M cells and climbing (bench:sustained).
   */
  private async waitForCompaction(): Promise<void> {
    if (this.cfg.background === false || this.runs().length < (this.cfg.maxSstables ?? 8) * STOP_FACTOR) return;
    this.maybeCompact();
    const running = this.compacting;
    if (running === undefined) return;
    const start = performance.now();
    await running.catch(() => {});
    log.info({ tablet: this.id, runs: this.runs().length, ms: Math.round(performance.now() - start) }, 'flush waited for compaction');
  }

  /** The tables as sorted runs (newest first). */
  private runs(tables: readonly TableSource[] = this.tables): SortedRun[] {
    return sortedRuns(tables.map((t) => {
      const p = t.reader.properties;
      return { smallestKey: p.smallestKey, largestKey: p.largestKey, entryCount: p.entryCount, size: p.fileSize };
    }));
  }

  /**
   * Starts a background compaction when the tablet is past its bound; once
   * one lands, the next starts, until the tablet is back at the bound (an
   * ingest that stops must not leave the tablet with every run it piled up).
   * A failed one is logged and retried after the next flush. None starts
   * while the tablet closes: a move or split should not wait for it.
   */
  private maybeCompact(): void {
    if (this.compacting || this.closed || this.closing) return;
    if (this.runs().length <= (this.cfg.maxSstables ?? 8)) return;
    const running = this.runCompaction(false).then(() => {}).finally(() => { this.compacting = undefined; });
    this.compacting = running;
    running.then(() => this.maybeCompact(), (e) => log.warn({ tablet: this.id, err: String(e) }, 'background compaction failed'));
  }

  private async runCompaction(full: boolean, maxTables = this.cfg.maxSstables ?? 8): Promise<boolean> {
    const current = this.tables;
    let chosen: TableSource[];
    let isFull: boolean;
    if (full) {
      if (current.length === 0) return false;
      chosen = current;
      isFull = true;
    } else {
      const runs = this.runs(current);
      const pick = pickCompaction(runs, { maxTables });
      if (!pick) return false;
      chosen = current.slice(runs[pick.indices[0]!]!.first, runs[pick.indices[pick.indices.length - 1]!]!.end);
      isFull = pick.full;
    }
    const start = Date.now();
    const input: CompactInput = {
      inputs: chosen.map((t) => t.ref),
      outputPrefix: `sst/${newFileId()}`,
      targetFileBytes: this.cfg.targetFileBytes ?? 64 << 20,
      blockSize: this.cfg.blockSize ?? 16 << 10,
      full: isFull,
      schema: [...this.cfg.families],
      nowMicros: this.cfg.clock.nowMicros(),
      drops: this.drops.toJSON(),
    };
    // Everything at or below this sequence number is in the inputs of a full compaction.
    const coveredSeq = this.flushedSeq;
    const out = await this.cfg.runner.run<CompactOutput>('compact', input);
    const outputs: TableSource[] = await Promise.all(out.files.map(async (f) => ({ ref: { file: f.file }, reader: await openSstable(this.cfg.storage, f.file, this.cfg.cache) })));
    const gone = new Set(chosen);
    await this.install((tables) => {
      const at = tables.findIndex((t) => gone.has(t));
      const kept = tables.filter((t) => !gone.has(t));
      kept.splice(at < 0 ? kept.length : at, 0, ...outputs);
      return { tables: kept, flushedSeq: this.flushedSeq, drops: isFull ? this.drops.without(coveredSeq) : this.drops };
    });
    this.counters.compactions++;
    for (const t of chosen) {
      if (!t.ref.start && !t.ref.end) this.cfg.cache.evictFile(t.ref.file);
      // Every version built so far may hold it; versions built from now on do not.
      this.retired.push({ reader: t.reader, lastGen: this.versionGen });
    }
    this.closeRetired();
    log.info({ tablet: this.id, inputs: chosen.length, outputs: out.files.length, full: isFull, entriesIn: out.entriesIn, bytesOut: out.files.reduce((n, f) => n + f.size, 0), ms: Date.now() - start }, 'compaction');
    return isFull;
  }
}

/**
 * Copies the newest manifest of tablets/<fromId> (a backup's snapshot) into
 * tablets/<toId> as a new snapshot sharing the same SSTables (a copied
 * backup), `meta` added to its meta. NotFoundError when the source holds no
 * manifest. Writing again after a failure is harmless: the newest version is
 * the same snapshot.
 */
export async function copySnapshot(storage: Storage, fromId: string, toId: string, meta: Record<string, unknown>): Promise<void> {
  const { version: _v, ...content } = await loadSnapshot(storage, fromId);
  await newManifestStore(storage, `tablets/${toId}`).write({ ...content, meta: { ...content.meta, ...meta } });
}

/** The newest manifest of tablets/<id> (a backup's snapshot); NotFoundError when there is none. */
async function loadSnapshot(storage: Storage, id: string): Promise<Manifest> {
  const m = await newManifestStore(storage, `tablets/${id}`).load();
  if (!m) throw new NotFoundError(`snapshot ${id} has no manifest`);
  return m;
}

/**
 * The first manifest of a tablet seeded from tablets/<seedFrom> (Tablet.open):
 * the seed's files, drops, tail and flushed sequence number, the tablet's own
 * epoch and meta. NotFoundError when the seed directory holds no manifest.
 */
async function seedManifest(storage: Storage, seedFrom: string, epoch: number, meta: Record<string, unknown>): Promise<Omit<Manifest, 'version'>> {
  const seed = await loadSnapshot(storage, seedFrom);
  return {
    epoch,
    flushedSeq: seed.flushedSeq,
    sstables: seed.sstables,
    meta: { ...meta, ...(seed.meta.drops !== undefined ? { drops: seed.meta.drops } : {}) },
    ...(seed.tail ? { tail: seed.tail } : {}),
  };
}

/** Largest memtable a moving tablet hands over in its manifest rather than flushing (see close). */
const HAND_OFF_MAX_BYTES = 256 << 10;

function maxBound(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (!a?.length) return b;
  if (!b?.length) return a;
  return compareBytes(a, b) >= 0 ? a : b;
}

function minBound(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array | undefined {
  if (!a?.length) return b;
  if (!b?.length) return a;
  return compareBytes(a, b) <= 0 ? a : b;
}

/** A copy of `mem` without the entries newer than `seq` (writes whose WAL append failed). */
function publishedOnly(mem: Memtable, seq: number): Memtable {
  const out = newMemtable();
  const view = new CellKeyView();
  const it = mem.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) {
    view.decode(it.key());
    if (view.seq <= seq) out.put(it.key(), it.value());
  }
  it.close();
  out.freeze();
  return out;
}

/** Where stage() encodes a batch before copying it into the memtable's arena (reused; stage is synchronous). */
let staging = Buffer.allocUnsafeSlow(0);
/** A staging buffer grown beyond this by one huge batch is not kept. */
const KEEP_STAGING_BYTES = 4 << 20;

function stagingBuffer(size: number): Buffer {
  if (staging.length >= size) return staging;
  const b = Buffer.allocUnsafeSlow(Math.max(size, 1 << 20));
  if (b.length <= KEEP_STAGING_BYTES) staging = b;
  return b;
}

/** What mutate holds instead of the request once it is staged. */
const NO_ROWS: RowMutation[] = [];

const NO_AGGREGATES: ReadonlyMap<string, Aggregator> = new Map();

/**
 * entrySizeBound of the entry `m` becomes in an EntryWriter payload; `family`: its family's bytes;
 * `aggregated`: a set_cell into an aggregate family (an AGGREGATE entry).
 */
function entryBound(rowLen: number, m: Mutation, family: Buffer, aggregated: boolean): number {
  switch (m.type) {
    case 'setCell': return entrySizeBound(rowLen, family.length, m.qualifier.length, aggregated ? 10 : 1 + m.value.length);
    case 'addToCell': return entrySizeBound(rowLen, family.length, m.qualifier.length, 10);
    case 'deleteFromColumn': return entrySizeBound(rowLen, family.length, m.qualifier.length, 17);
    case 'deleteFromFamily': return entrySizeBound(rowLen, family.length, -1, 1);
    case 'deleteFromRow': return entrySizeBound(rowLen, 0, -1, 1);
  }
}

/** Flushes wait for compaction at maxSstables × this many tables (see waitForCompaction). */
const STOP_FACTOR = 3;

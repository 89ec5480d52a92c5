/**
 * The write-ahead log of one tablet server, shared by all its tablets
 * (DESIGN §4). Appends are group-committed: while one append+sync of a group
 * is in flight, new records accumulate in a buffer; when it finishes, one
 * append+sync covers all of them. The log is a directory of numbered
 * segments; a segment is deleted once every record in it is covered by an
 * SSTable (markFlushed) or belongs to a tablet that left (forgetTablet).
 * Byte layout: FORMAT.md.
 */
import { InvalidArgumentError, StorageError, NotServingError, UnavailableError } from '../../base/errors.js';
import { logger } from '../../base/log.js';
import { metricsHooks } from '../../base/metrics-hooks.js';
import type { LogFile, Storage } from '../../storage/storage.js';
import { SEGMENT_HEADER_BYTES } from './wal-format.js';
import { segmentHeader, WalGroupBuffer } from './wal-group-buffer.js';
import type { WalRecord } from './wal-record.js';
import { replaySegments, type ReplayReport, type SegmentSummary } from './wal-replay.js';
import { segmentName } from './segment-name.js';

export type { WalRecord } from './wal-record.js';
export { replayWal, type ReplayReport } from './wal-replay.js';

const log = logger('wal');

export interface WalOptions {
  storage: Storage;
  /** Directory of this server's segments, e.g. 'wal/srv-1'; segments are `${dir}/${16 digits}.log`. */
  dir: string;
  /** Rotate to a new segment before a group would take the active one past this size (default 64 MiB). */
  segmentBytes?: number;
  /** Default true. false = never fsync (benchmarks only: acknowledged writes are NOT durable). */
  sync?: boolean;
  /**
   * When no group is being written and the pending records reach this many
   * bytes, their write starts at once instead of on the next microtask
   * (default 64 KiB). Small appends issued together still share a group;
   * a big batch (a bulk load's) no longer waits for the batches encoded
   * after it in the same tick, so its write overlaps their encoding.
   */
  startBytes?: number;
}

export interface Wal {
  /**
   * Appends one record; resolves when it is durable (group commit). Records
   * are durable in append order. `payload` is copied before this returns.
   * Rejects with InvalidArgumentError for a bad argument, UnavailableError if
   * the WAL is closed, StorageError if storage fails; after a storage failure
   * the WAL is broken and rejects every later append (the server must restart
   * and replay).
   */
  append(tabletId: string, firstSeq: number, lastSeq: number, payload: Uint8Array): Promise<void>;
  /**
   * Everything of tabletId with seq <= seq is in an SSTable now: segments whose
   * records are all covered (for every tablet in them) and that are not the
   * active segment are deleted. Rejects with StorageError if a delete fails.
   */
  markFlushed(tabletId: string, seq: number): Promise<void>;
  /** The tablet no longer lives here (moved/dropped): its records so far never hold a segment back. */
  forgetTablet(tabletId: string): Promise<void>;
  stats(): { segments: number; bytes: number; syncs: number; records: number; lastGroupSize: number };
  /** Waits for every accepted append to finish, then closes the active segment. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_START_BYTES = 64 * 1024;

/**
 * Opens the WAL in dir: first replays every existing segment in order, calling
 * onRecord for each intact record (and remembering per segment the max seq per
 * tablet so they can be deleted later via markFlushed), then starts a NEW
 * segment for appends (never appends to an old one). A damaged tail found by
 * the replay is reported and sealed in the new segment, so a later replay does
 * not mistake it for corruption. Throws CorruptionError (naming the segment)
 * for damage that is not a tail, and whatever storage or onRecord throws.
 */
export async function openWal(
  opts: WalOptions,
  onRecord: (r: WalRecord) => void,
): Promise<{ wal: Wal; report: ReplayReport }> {
  const { storage, dir } = opts;
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const sync = opts.sync ?? true;
  if (!dir || dir.endsWith('/')) throw new InvalidArgumentError(`dir: must be non-empty without a trailing '/', got '${dir}'`);
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= SEGMENT_HEADER_BYTES) {
    throw new InvalidArgumentError(`segmentBytes: must be an integer > ${SEGMENT_HEADER_BYTES}, got ${segmentBytes}`);
  }

  const startBytes = opts.startBytes ?? DEFAULT_START_BYTES;
  if (!Number.isSafeInteger(startBytes) || startBytes < 0) {
    throw new InvalidArgumentError(`startBytes: must be a non-negative integer, got ${startBytes}`);
  }

  const { report, segments, toSeal } = await replaySegments(storage, dir, onRecord);
  const number = (segments.at(-1)?.number ?? 0) + 1;
  const name = segmentName(dir, number);
  const file = await storage.createLog(name, { syncWrites: sync });
  const init = new WalGroupBuffer();
  init.addRaw(segmentHeader());
  // Every segment starts with a seal record (usually empty): its presence
  // proves the segments before were finished, and sealing before any append
  // is acknowledged lets later replays accept the damaged tails found now as
  // already reported (see wal-replay.ts).
  init.addSeal(toSeal);
  try {
    await file.append(init.bytes());
    if (sync) await file.sync();
  } catch (e) {
    await file.close().catch(() => {});
    throw e;
  }
  const active: SegmentSummary = { number, name, bytes: init.length, tablets: new Map(), seals: toSeal.map((s) => s.segment) };
  const wal = new WalImpl(storage, dir, segmentBytes, sync, startBytes, [...segments, active], file, sync ? 1 : 0);
  // Old segments without data records (e.g. the previous run's idle active one) go now.
  await wal.collect();
  log.info({ dir, segment: name, ...report }, 'wal opened');
  return { wal, report };
}

class WalImpl implements Wal {
  /** Live segments, oldest first; the last one is the active one. */
  private readonly segments: SegmentSummary[];
  private active: SegmentSummary;
  private activeHasData = false;
  private pending = new WalGroupBuffer();
  /** The buffer of the group in flight (swapped with `pending`, so the two are reused). */
  private spare = new WalGroupBuffer();
  /** Header + seal of a rotated segment; kept until the next rotation (appends must not be modified while pending). */
  private startBuffer = new WalGroupBuffer();
  private resolvers: Array<() => void> = [];
  private rejecters: Array<(e: Error) => void> = [];
  /** Max lastSeq per tablet in `pending`, and in the group in flight. */
  private pendingTablets = new Map<string, number>();
  private inflightTablets: Map<string, number> | undefined;
  private flushTask: Promise<void> | undefined;
  private gcChain: Promise<void> = Promise.resolve();
  /** Per tablet: every record with seq <= this is in an SSTable. */
  private readonly flushed = new Map<string, number>();
  private broken: StorageError | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private syncs: number;
  private records = 0;
  private lastGroupSize = 0;

  constructor(
    private readonly storage: Storage,
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly sync: boolean,
    private readonly startBytes: number,
    segments: SegmentSummary[],
    private file: LogFile,
    syncs: number,
  ) {
    this.segments = segments;
    this.active = segments[segments.length - 1]!;
    this.syncs = syncs;
  }

  append(tabletId: string, firstSeq: number, lastSeq: number, payload: Uint8Array): Promise<void> {
    // Nothing was written: NotServingError, so a router may retry the write elsewhere.
    if (this.closed) return Promise.reject(new NotServingError(`WAL ${this.dir} is closed`));
    if (this.broken) return Promise.reject(this.broken);
    if (typeof tabletId !== 'string' || tabletId.length === 0) {
      return Promise.reject(new InvalidArgumentError('tabletId: must be a non-empty string'));
    }
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 0 || !Number.isSafeInteger(lastSeq) || lastSeq < firstSeq) {
      return Promise.reject(new InvalidArgumentError(`firstSeq/lastSeq: need integers 0 <= firstSeq <= lastSeq, got ${firstSeq}..${lastSeq}`));
    }
    try {
      this.pending.addData(tabletId, firstSeq, lastSeq, payload);
    } catch (e) {
      return Promise.reject(e);
    }
    const max = this.pendingTablets.get(tabletId);
    if (max === undefined || lastSeq > max) this.pendingTablets.set(tabletId, lastSeq);
    const done = new Promise<void>((resolve, reject) => {
      this.resolvers.push(resolve);
      this.rejecters.push(reject);
    });
    // Start on a microtask so appends issued in the same tick share the first
    // group, unless the group is big already: then start writing it now.
    // (Measured on a 1M-cell bulk load with 4 batches of 1000 in flight, 8
    // alternating runs: 558k -> 612k cells/s sequential, 381k -> 400k random,
    // medians: the batches no longer move in lockstep, encode all, then wait.)
    if (this.flushTask === undefined && this.pending.length >= this.startBytes) this.flushTask = this.flushLoop();
    else this.flushTask ??= Promise.resolve().then(() => this.flushLoop());
    return done;
  }

  /** Writes groups until nothing is pending; each group is one append (+ one sync). */
  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const group = this.pending;
        this.pending = this.spare;
        this.spare = group;
        const resolvers = this.resolvers;
        const rejecters = this.rejecters;
        this.resolvers = [];
        this.rejecters = [];
        const tablets = this.pendingTablets;
        this.pendingTablets = new Map();
        this.inflightTablets = tablets;
        const groupBytes = group.bytes();
        const started = performance.now();
        try {
          await this.writeGroup(groupBytes);
        } catch (e) {
          this.fail(e, rejecters);
          group.reset();
          return;
        }
        // forgetTablet may have removed entries from `tablets` meanwhile.
        const seen = this.active.tablets;
        for (const [t, seq] of tablets) {
          const max = seen.get(t);
          if (max === undefined || seq > max) seen.set(t, seq);
        }
        this.inflightTablets = undefined;
        this.records += group.records;
        this.lastGroupSize = group.records;
        metricsHooks().walGroupCommit((performance.now() - started) / 1000, group.records, groupBytes.length, this.sync);
        group.reset();
        for (const r of resolvers) r();
      }
    } finally {
      this.flushTask = undefined;
    }
  }

  private async writeGroup(data: Buffer): Promise<void> {
    // Rotate between groups, never inside one; a segment holding no data
    // record yet (only its header and seal) takes any group however large.
    if (this.active.bytes + data.length > this.segmentBytes && this.activeHasData) {
      await this.rotate();
    }
    await this.file.append(data);
    this.active.bytes += data.length;
    this.activeHasData = true;
    if (this.sync) {
      await this.file.sync();
      this.syncs++;
    }
  }

  /** Starts the next segment. Its header and seal become durable with the next group's sync. */
  private async rotate(): Promise<void> {
    const number = this.active.number + 1;
    const name = segmentName(this.dir, number);
    const next = await this.storage.createLog(name, { syncWrites: this.sync });
    const old = this.file;
    this.file = next;
    this.active = { number, name, bytes: 0, tablets: new Map(), seals: [] };
    this.activeHasData = false;
    this.segments.push(this.active);
    const start = this.startBuffer;
    start.reset();
    start.addRaw(segmentHeader());
    start.addSeal([]);
    await next.append(start.bytes());
    this.active.bytes = start.length;
    // The old segment was fully synced by its last group; a failing close loses nothing.
    await old.close().catch((e: unknown) => log.warn({ err: e, segment: old.name }, 'closing old WAL segment failed'));
    log.debug({ segment: name }, 'wal rotated');
    this.scheduleCollect().catch((e: unknown) => log.warn({ err: e }, 'deleting WAL segments failed'));
  }

  /** Marks the WAL broken and rejects the failed group and everything pending. */
  private fail(e: unknown, rejecters: Array<(e: Error) => void>): void {
    const msg = e instanceof Error ? e.message : String(e);
    const err = new StorageError(`WAL ${this.dir} failed and must be replayed: ${msg}`, { cause: e });
    this.broken = err;
    log.error({ err: e, dir: this.dir }, 'wal broken');
    const all = [...rejecters, ...this.rejecters];
    this.resolvers = [];
    this.rejecters = [];
    this.pending.reset();
    this.pendingTablets.clear();
    this.inflightTablets = undefined;
    for (const r of all) r(err);
  }

  markFlushed(tabletId: string, seq: number): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError(`WAL ${this.dir} is closed`));
    const prev = this.flushed.get(tabletId);
    if (prev === undefined || seq > prev) this.flushed.set(tabletId, seq);
    return this.scheduleCollect();
  }

  forgetTablet(tabletId: string): Promise<void> {
    if (this.closed) return Promise.reject(new UnavailableError(`WAL ${this.dir} is closed`));
    for (const s of this.segments) s.tablets.delete(tabletId);
    this.pendingTablets.delete(tabletId);
    this.inflightTablets?.delete(tabletId);
    this.flushed.delete(tabletId);
    return this.scheduleCollect();
  }

  /** Runs collect() after any collection already running (deletes never race). */
  private scheduleCollect(): Promise<void> {
    const p = this.gcChain.then(() => this.collect());
    this.gcChain = p.catch(() => {});
    return p;
  }

  /**
   * Deletes, oldest first, every non-active segment whose records are all
   * covered and whose sealed segments are gone (or go before it in this pass:
   * a seal must outlive the damaged segment it vouches for).
   */
  async collect(): Promise<void> {
    const live = new Set<number>();
    for (const s of this.segments) live.add(s.number);
    const victims: SegmentSummary[] = [];
    for (const s of this.segments) {
      if (s === this.active || !this.covered(s)) continue;
      if (s.seals.some((n) => live.has(n))) continue;
      victims.push(s);
      live.delete(s.number);
    }
    for (const v of victims) {
      await this.storage.delete(v.name);
      const i = this.segments.indexOf(v);
      if (i >= 0) this.segments.splice(i, 1);
      log.debug({ segment: v.name }, 'wal segment deleted');
    }
  }

  private covered(s: SegmentSummary): boolean {
    for (const [t, max] of s.tablets) {
      const f = this.flushed.get(t);
      if (f === undefined || f < max) return false;
    }
    return true;
  }

  stats(): { segments: number; bytes: number; syncs: number; records: number; lastGroupSize: number } {
    let bytes = 0;
    for (const s of this.segments) bytes += s.bytes;
    return { segments: this.segments.length, bytes, syncs: this.syncs, records: this.records, lastGroupSize: this.lastGroupSize };
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      if (this.flushTask) await this.flushTask;
      await this.gcChain;
      try {
        await this.file.close();
      } catch (e) {
        if (!this.broken) throw e;
      }
    })();
    return this.closing;
  }
}

/**
 * The storage side of a tablet server: one WAL shared by all hosted tablets,
 * one block cache, one job runner, and the tablets themselves.
 *
 * On open it replays its WAL directory and keeps the records of each tablet
 * until that tablet is opened (records of tablets never opened again keep
 * their segments until forgetTablet). Closing and reopening a host over the
 * same storage is a restart: every acknowledged write comes back.
 */
import { siblingModule } from '../base/start-worker.js';
import { systemClock, type Clock } from '../base/clock.js';
import { logger } from '../base/log.js';
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../base/errors.js';
import type { Storage } from '../storage/storage.js';
import { openWal, replayWal, type Wal, type WalRecord } from '../lsm/wal/wal.js';
import { newBlockCache, type BlockCache } from '../lsm/cache/block-cache.js';
import { newInlineRunner, newWorkerRunner, type JobRunner } from '../lsm/compaction/job-runner.js';
import { Tablet, type TabletConfig } from '../tablet/tablet.js';
import { tabletJobs } from '../tablet/tablet-jobs.js';

const log = logger('tablet-host');

/**
 * Job threads per host: two, so a flush never queues behind a compaction
 * that takes seconds (LevelDB runs a pending flush inside a long compaction,
 * RocksDB has a flush pool of its own). With one, writes stalled for whole
 * compactions under sustained ingest.
 */
const JOB_THREADS = 2;

export interface TabletHostOptions {
  storage: Storage;
  /** Names this server's WAL directory: wal/<serverId>. */
  serverId: string;
  clock?: Clock;
  cacheBytes?: number;
  /** A block cache to use instead of a new one of cacheBytes (tests give one that poisons recycled memory). */
  blockCache?: BlockCache;
  /**
   * Where flush/compaction jobs run: 'inline' (this thread; required for
   * storage that cannot cross threads) or worker threads over a local
   * directory root (`threads`, default JOB_THREADS).
   */
  jobs?: 'inline' | { localRoot: string; threads?: number };
  walSync?: boolean;
  walSegmentBytes?: number;
}

/** What a tablet needs beyond the host's shared parts. */
export type HostedTabletConfig = Omit<TabletConfig, 'storage' | 'wal' | 'cache' | 'runner' | 'clock'>;

export class TabletHost {
  private readonly tablets = new Map<string, Tablet>();
  private pending = new Map<string, WalRecord[]>();

  private constructor(
    readonly storage: Storage,
    readonly wal: Wal,
    readonly cache: BlockCache,
    readonly runner: JobRunner,
    readonly clock: Clock,
    /** This host's own WAL directory (wal/<serverId>). */
    readonly walDir: string,
  ) {}

  static async open(opts: TabletHostOptions): Promise<TabletHost> {
    const pending = new Map<string, WalRecord[]>();
    const { wal, report } = await openWal(
      { storage: opts.storage, dir: `wal/${opts.serverId}`, sync: opts.walSync, segmentBytes: opts.walSegmentBytes },
      (r) => {
        let list = pending.get(r.tabletId);
        if (!list) pending.set(r.tabletId, (list = []));
        list.push(r);
      },
    );
    if (report.droppedBytes) log.warn({ report }, 'WAL replay dropped a damaged tail');
    const jobs = opts.jobs ?? 'inline';
    const runner = jobs === 'inline'
      ? newInlineRunner(opts.storage, tabletJobs)
      : newWorkerRunner({ workerUrl: workerUrl(), storageSpec: { kind: 'local', root: jobs.localRoot }, threads: jobs.threads ?? JOB_THREADS });
    const host = new TabletHost(opts.storage, wal, opts.blockCache ?? newBlockCache(opts.cacheBytes ?? 256 << 20, { sharedMemory: opts.storage.sharedMemoryReads === true }), runner, opts.clock ?? systemClock, `wal/${opts.serverId}`);
    host.pending = pending;
    return host;
  }

  /**
   * Opens a tablet and replays its records from this host's WAL (and from
   * `recoverFrom`: WAL directories of dead servers that held it).
   *
   * `recoverFrom` may name this host's own directory: a server restarted
   * with the same id after a crash recovers its previous incarnation's
   * tablets. While the records of the tablet read when this host opened its
   * WAL are still pending, they are exactly what that directory holds for it,
   * so it is not read again (this host is appending to it). Once the tablet
   * was open here (pending consumed, e.g. it comes back after a lapsed
   * lease), the directory is read like any other.
   */
  async openTablet(cfg: HostedTabletConfig, recoverFrom: string[] = []): Promise<Tablet> {
    if (this.tablets.has(cfg.id)) throw new AlreadyExistsError(`tablet ${cfg.id} is already open`);
    const t = await Tablet.open({ ...cfg, storage: this.storage, wal: this.wal, cache: this.cache, runner: this.runner, clock: this.clock });
    for (const dir of recoverFrom) {
      if (dir === this.walDir && this.pending.has(cfg.id)) continue;
      await replayWal(this.storage, dir, (r) => t.replay(r), (id) => id === cfg.id);
    }
    for (const r of this.pending.get(cfg.id) ?? []) t.replay(r);
    this.pending.delete(cfg.id);
    this.tablets.set(cfg.id, t);
    return t;
  }

  tablet(id: string): Tablet {
    const t = this.tablets.get(id);
    if (!t) throw new NotFoundError(`tablet ${id} is not served here`);
    return t;
  }

  hosted(): Tablet[] {
    return [...this.tablets.values()];
  }

  /**
   * Stops serving a tablet (flushing it first when asked) and releases its
   * WAL records. handOff (with flush): the tablet moves to another server,
   * which may then find its last entries in the manifest, written under
   * handOffEpoch when given (Tablet.close).
   */
  async closeTablet(id: string, opts: { flush?: boolean; handOff?: boolean; handOffEpoch?: number } = {}): Promise<void> {
    const t = this.tablets.get(id);
    if (!t) {
      // A flush is asked before the tablet moves elsewhere: records of it that
      // only this WAL holds (a previous incarnation's, never replayed) would be
      // left behind, so refuse; the master recovers it from this WAL instead.
      if (opts.flush && this.pending.has(id)) throw new FailedPreconditionError(`tablet ${id} is not open here but this server's WAL holds unreplayed records of it`);
      return;
    }
    const start = Date.now();
    // Flush while still serving, so the final flush under close (when writes are refused) is small;
    // not needed when the memtable is small enough to be handed over in the manifest.
    if (opts.flush && !(opts.handOff && t.handOffFits())) await t.flush().catch(() => {});
    const flushed = Date.now();
    await t.close(opts);
    this.tablets.delete(id);
    const closed = Date.now();
    if (opts.flush) await this.wal.forgetTablet(id);
    log.info({ tablet: id, preFlushMs: flushed - start, closeMs: closed - flushed, forgetMs: Date.now() - closed }, 'close tablet');
  }

  /** Forgets a deleted tablet: its WAL records (pending ones too) are no longer needed. */
  async forgetTablet(id: string): Promise<void> {
    this.pending.delete(id);
    await this.wal.forgetTablet(id);
  }

  /** Closes every tablet (flushing when asked), the WAL and the job runner. */
  async close(opts: { flush?: boolean } = {}): Promise<void> {
    for (const t of this.tablets.values()) await t.close(opts);
    this.tablets.clear();
    await this.wal.close();
    await this.runner.close();
  }
}

function workerUrl(): URL {
  return siblingModule(import.meta.url, '../tablet/job-worker');
}

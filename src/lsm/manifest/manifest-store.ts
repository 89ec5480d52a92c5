/**
 * The versioned manifest files of one tablet directory (DESIGN §4, §5, §6).
 *
 * Every change writes a new file `manifest-<version>` with writeIfAbsent, so
 * two writers can never both install the same version. Fencing: a writer
 * whose epoch is lower than the newest manifest's epoch is refused with
 * FencedError, both when it reads the newest version before writing and when
 * it loses the race for a version number to a newer epoch. Hence, in version
 * order, the epochs of the successive newest manifests of a directory never
 * decrease.
 *
 * Version numbers freed by pruning could be reused by a writer that listed
 * long ago; such a write lands below the newest version, so a writer checks
 * after writing that its version is the newest, and otherwise withdraws it
 * and retries (see commit()).
 *
 * Callers: after any error from write/claim, the SSTables named in the
 * attempted manifest may or may not be referenced by an installed version
 * (a successor may have copied them); never delete them, leave that to
 * file GC (file-gc.ts).
 */
import { FencedError, InvalidArgumentError, NotFoundError } from '../../base/errors.js';
import { logger } from '../../base/log.js';
import type { Storage } from '../../storage/storage.js';
import type { Manifest } from './manifest.js';
import { decodeManifest, decodeManifestFile, encodeManifest, validateManifest } from './manifest-codec.js';
import { manifestFileName, manifestListPrefix, parseManifestFileName } from './manifest-name.js';

const log = logger('manifest');

export interface ManifestStore {
  /**
   * The newest valid manifest in dir, or undefined if there is none. A newer
   * version that is torn/corrupt (bad checksum) is skipped with a warning only
   * if it is the newest (a crash mid-write); returns the newest valid one.
   * CorruptionError for any other damage or an unknown format version.
   */
  load(): Promise<Manifest | undefined>;
  /**
   * Writes the next version (newest+1) with writeIfAbsent. Refuses with
   * FencedError if the newest existing manifest carries an epoch greater than
   * `next.epoch`. If another writer won the race for that version number, it
   * re-reads and re-checks (a higher-epoch winner means fenced; otherwise it
   * retries with the next number). A write that lands below a newer version
   * (a number freed by pruning) is withdrawn and retried on top, so a returned
   * manifest was the newest when written. Returns the written manifest. After success,
   * deletes versions older than the last `keep` (default 3); a failed delete
   * is only logged. InvalidArgumentError for malformed fields.
   */
  write(next: Omit<Manifest, 'version'>): Promise<Manifest>;
  /**
   * Claims the tablet for `epoch`: writes the current content again with the
   * new epoch, so that a stale owner is fenced from then on. Compare-and-set:
   * if another version is installed meanwhile, its content is the one carried
   * over (a stale owner's last flush is never lost). With no manifest yet it
   * writes an empty one (flushedSeq 0, no SSTables, meta {}). FencedError if a
   * newer epoch exists.
   */
  claim(epoch: number): Promise<Manifest>;
}

export interface ManifestStoreOptions {
  /** How many newest versions survive pruning (>= 1, default 3). */
  keep?: number;
}

type Content = Omit<Manifest, 'version' | 'epoch'>;

/** Bound on re-listing when files vanish under a concurrent pruning writer. */
const MAX_RELIST = 100;

/** `dir` is the tablet's manifest directory, e.g. 'tablets/<tabletId>' (no trailing '/'). */
export function newManifestStore(storage: Storage, dir: string, opts: ManifestStoreOptions = {}): ManifestStore {
  if (typeof dir !== 'string' || dir.length === 0 || dir.endsWith('/')) {
    throw new InvalidArgumentError(`dir must be a non-empty path without a trailing '/', got '${dir}'`);
  }
  const keep = opts.keep ?? 3;
  if (!Number.isSafeInteger(keep) || keep < 1) throw new InvalidArgumentError(`keep must be an integer >= 1, got ${keep}`);
  return new DirManifestStore(storage, dir, keep);
}

class DirManifestStore implements ManifestStore {
  constructor(private readonly storage: Storage, private readonly dir: string, private readonly keep: number) {}

  async load(): Promise<Manifest | undefined> {
    return (await this.readState()).current;
  }

  async write(next: Omit<Manifest, 'version'>): Promise<Manifest> {
    validateManifest(next);
    const content: Content = { flushedSeq: next.flushedSeq, sstables: next.sstables, meta: next.meta, ...(next.tail ? { tail: next.tail } : {}) };
    return this.commit(next.epoch, () => content);
  }

  async claim(epoch: number): Promise<Manifest> {
    validateManifest({ epoch, flushedSeq: 0, sstables: [], meta: {} });
    return this.commit(epoch, (cur) =>
      cur ? { flushedSeq: cur.flushedSeq, sstables: cur.sstables, meta: cur.meta, ...(cur.tail ? { tail: cur.tail } : {}) } : { flushedSeq: 0, sstables: [], meta: {} });
  }

  /** Installs version newest+1 with content derived from the newest valid manifest. */
  private async commit(epoch: number, derive: (current: Manifest | undefined) => Content): Promise<Manifest> {
    for (;;) {
      const { maxVersion, current } = await this.readState();
      if (current && current.epoch > epoch) throw this.fenced(epoch, current);
      const m: Manifest = { version: maxVersion + 1, epoch, ...derive(current) };
      const name = manifestFileName(this.dir, m.version);
      if (await this.storage.writeIfAbsent(name, encodeManifest(m))) {
        // Our number may have been free only because pruning had deleted it
        // (we listed before a burst of newer versions): then a higher version
        // exists and always will, since pruning never deletes the newest.
        // Ours is not the newest, so withdraw it and try again on top; the
        // retry's epoch check fences us if a newer owner is there.
        const after = await this.listVersions();
        if (after[0] === m.version) {
          await this.prune(m.version, after);
          return m;
        }
        await this.storage.delete(name);
        continue;
      }
      // Lost the race for this version number: a newer epoch fences us;
      // an equal or older one just means trying the next number.
      const winner = await this.readIfIntact(name);
      if (winner && winner.epoch > epoch) throw this.fenced(epoch, winner);
    }
  }

  /** The highest version number present (torn or not) and the newest valid manifest. */
  private async readState(): Promise<{ maxVersion: number; current: Manifest | undefined }> {
    for (let attempt = 0; ; attempt++) {
      const versions = await this.listVersions();
      if (versions.length === 0) return { maxVersion: 0, current: undefined };
      const maxVersion = versions[0]!;
      try {
        for (let i = 0; i < versions.length; i++) {
          const name = manifestFileName(this.dir, versions[i]!);
          const m = decodeManifestFile(name, await this.storage.readAll(name), versions[i]!, i === 0);
          if (m) return { maxVersion, current: m };
        }
        return { maxVersion, current: undefined };
      } catch (e) {
        // An older version was pruned by a concurrent writer after we listed:
        // newer versions exist now, so list again.
        if (e instanceof NotFoundError && attempt < MAX_RELIST) continue;
        throw e;
      }
    }
  }

  /** Versions present in the directory, newest first. */
  private async listVersions(): Promise<number[]> {
    const names = await this.storage.list(manifestListPrefix(this.dir));
    const versions: number[] = [];
    for (const n of names) {
      const p = parseManifestFileName(n);
      if (p && p.dir === this.dir) versions.push(p.version);
    }
    return versions.sort((a, b) => b - a);
  }

  private async readIfIntact(name: string): Promise<Manifest | undefined> {
    let data: Uint8Array;
    try {
      data = await this.storage.readAll(name);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
    const d = decodeManifest(name, data, parseManifestFileName(name)?.version);
    return 'manifest' in d ? d.manifest : undefined;
  }

  /** Deletes versions older than the newest `keep` counted from `written` (`versions`: a listing taken after the write). */
  private async prune(written: number, versions: number[]): Promise<void> {
    try {
      for (const v of versions) {
        if (v <= written - this.keep) await this.storage.delete(manifestFileName(this.dir, v));
      }
    } catch (e) {
      // The new version is installed; leftovers are pruned by a later write.
      log.warn({ dir: this.dir, err: (e as Error).message }, 'pruning old manifests failed');
    }
  }

  private fenced(epoch: number, newer: Manifest): FencedError {
    return new FencedError(
      `${this.dir}: epoch ${epoch} is fenced by epoch ${newer.epoch} (${manifestFileName(this.dir, newer.version)})`);
  }
}

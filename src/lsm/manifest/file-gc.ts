/**
 * Garbage collection of SSTable files no manifest references (DESIGN §5:
 * "SSTables are deleted only when no manifest references them").
 *
 * Contract for manifest writers, which makes this safe: a new manifest may
 * reference only (a) files younger than minAgeMs (just written by a flush or
 * compaction), or (b) files referenced by a manifest that stays installed
 * until the new one is (a split writes its children before removing the
 * parent; a claim copies the current version). A manifest built from a stale
 * read of files that were already dropped everywhere is not protected.
 *
 * Every manifest version still present counts, not only the newest. If a
 * manifest vanishes while being read (pruned by a newer version, or a split
 * parent removed after its children were written), the whole manifest scan
 * starts over, so references that moved to new directories are seen.
 * Candidates are listed before the manifests are read, so a file written
 * during the scan is never even considered.
 */
import { InvalidArgumentError, NotFoundError, StorageError } from '../../base/errors.js';
import { logger } from '../../base/log.js';
import type { Storage } from '../../storage/storage.js';
import { decodeManifestFile } from './manifest-codec.js';
import { manifestFileName, parseManifestFileName } from './manifest-name.js';

const log = logger('manifest');

const MAX_RESCANS = 100;

export interface CollectOptions {
  /** Candidates: every file whose name starts with this (e.g. 'sst/'). */
  sstPrefix: string;
  /** Every directory under this (e.g. 'tablets/') holds one tablet's manifests. */
  manifestDirsPrefix: string;
  /** Files younger than this (by stat mtimeMs) are kept. */
  minAgeMs: number;
  /** Files currently open by readers; kept. */
  inUse?: Set<string>;
  /** Current time in ms (default Date.now()). */
  now?: number;
}

/**
 * Deletes SSTable files under sstPrefix (e.g. 'sst/') that no manifest's
 * newest version (nor any of the kept versions) references, skipping files
 * younger than minAgeMs (a compaction may have written a file whose manifest
 * is not installed yet) and files in `inUse`. Returns the deleted names.
 * manifestDirsPrefix e.g. 'tablets/': every directory under it holds one
 * tablet's manifests.
 *
 * InvalidArgumentError if manifestDirsPrefix lies under sstPrefix.
 * A torn newest manifest (crash mid-write) is ignored; any other damaged or
 * unknown-format manifest throws CorruptionError before anything is deleted,
 * since its references cannot be known.
 */
export async function collectUnreferencedFiles(
  storage: Storage,
  opts: CollectOptions,
): Promise<string[]> {
  if (!opts.sstPrefix) throw new InvalidArgumentError('sstPrefix must be non-empty');
  if (!opts.manifestDirsPrefix) throw new InvalidArgumentError('manifestDirsPrefix must be non-empty');
  // Otherwise manifests themselves would be candidates for deletion.
  if (opts.manifestDirsPrefix.startsWith(opts.sstPrefix)) {
    throw new InvalidArgumentError('manifestDirsPrefix must not lie under sstPrefix');
  }
  if (!(opts.minAgeMs >= 0)) throw new InvalidArgumentError(`minAgeMs must be >= 0, got ${opts.minAgeMs}`);
  const now = opts.now ?? Date.now();

  // Candidates first, references second (see the file comment).
  const candidates = await storage.list(opts.sstPrefix);
  if (candidates.length === 0) return [];
  const referenced = await referencedFiles(storage, opts.manifestDirsPrefix);

  const deleted: string[] = [];
  for (const file of candidates) {
    if (referenced.has(file) || opts.inUse?.has(file)) continue;
    const st = await storage.stat(file);
    if (!st || now - st.mtimeMs < opts.minAgeMs) continue;
    await storage.delete(file);
    deleted.push(file);
  }
  if (deleted.length > 0) log.info({ count: deleted.length }, 'deleted unreferenced SSTables');
  return deleted;
}

/** Every file named by any manifest version under `prefix`. */
async function referencedFiles(storage: Storage, prefix: string): Promise<Set<string>> {
  for (let attempt = 0; attempt < MAX_RESCANS; attempt++) {
    const byDir = new Map<string, number[]>();
    for (const name of await storage.list(prefix)) {
      const p = parseManifestFileName(name);
      if (!p) continue;
      const vs = byDir.get(p.dir);
      if (vs) vs.push(p.version);
      else byDir.set(p.dir, [p.version]);
    }
    const refs = new Set<string>();
    try {
      for (const [dir, versions] of byDir) {
        const newest = Math.max(...versions);
        for (const v of versions) {
          const name = manifestFileName(dir, v);
          const m = decodeManifestFile(name, await storage.readAll(name), v, v === newest);
          if (m) for (const r of m.sstables) refs.add(r.file);
        }
      }
      return refs;
    } catch (e) {
      if (e instanceof NotFoundError) continue; // a manifest vanished: references may have moved
      throw e;
    }
  }
  throw new StorageError(`${prefix}: manifests kept changing during ${MAX_RESCANS} scans; file GC gave up`);
}

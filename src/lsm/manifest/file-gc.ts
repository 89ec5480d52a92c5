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
 * Every manifest version still present counts, not only the newest. The
 * manifests are read until two consecutive scans agree byte for byte (a scan
 * in which one vanishes while being read does not count), so references that
 * moved to new directories meanwhile are seen. Candidates are listed before
 * the manifests are read, so a file written during the scan is never even
 * considered.
 */
import { InvalidArgumentError, NotFoundError, StorageError } from '../../base/errors.js';
import { logger } from '../../base/log.js';
import type { Storage } from '../../storage/storage.js';
import { decodeManifestFile } from './manifest-codec.js';
import { parseManifestFileName } from './manifest-name.js';

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
  // A snapshot is trusted once a second one, taken right after, is identical
  // (same manifest names, same bytes). One pass alone can be fooled: a
  // manifest listed, then deleted by a split (whose children are not listed
  // yet), then written again under the same name with fewer files before it
  // is read (a tablet directory recreated), reads back without the files the
  // children now hold.
  let previous: Snapshot | undefined;
  for (let attempt = 0; attempt < MAX_RESCANS; attempt++) {
    const snap = await readManifests(storage, prefix);
    if (snap && previous && sameFiles(previous.files, snap.files)) return snap.refs;
    previous = snap;
  }
  throw new StorageError(`${prefix}: manifests kept changing during ${MAX_RESCANS} scans; file GC gave up`);
}

/** Every manifest file of a scan with its bytes, and the SSTables they reference. */
interface Snapshot {
  files: Map<string, Uint8Array>;
  refs: Set<string>;
}

/**
 * Every manifest file under `prefix` with its bytes and references (decoding
 * refuses damage at once); undefined when one vanished while being read
 * (pruned by a newer version, or a split parent removed after its children
 * were written).
 */
async function readManifests(storage: Storage, prefix: string): Promise<Snapshot | undefined> {
  const files = new Map<string, Uint8Array>();
  for (const name of await storage.list(prefix)) {
    if (!parseManifestFileName(name)) continue;
    try {
      files.set(name, await storage.readAll(name));
    } catch (e) {
      if (e instanceof NotFoundError) return undefined; // references may have moved
      throw e;
    }
  }
  return { files, refs: referencesOf(files) };
}

function sameFiles(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, bytes] of a) {
    const other = b.get(name);
    if (!other || Buffer.compare(bytes, other) !== 0) return false;
  }
  return true;
}

/** The files these manifests reference (a torn newest version of a directory counts as none). */
function referencesOf(snap: Map<string, Uint8Array>): Set<string> {
  const newest = new Map<string, number>();
  for (const name of snap.keys()) {
    const p = parseManifestFileName(name)!;
    newest.set(p.dir, Math.max(newest.get(p.dir) ?? -1, p.version));
  }
  const refs = new Set<string>();
  for (const [name, bytes] of snap) {
    const p = parseManifestFileName(name)!;
    const m = decodeManifestFile(name, bytes, p.version, p.version === newest.get(p.dir));
    if (m) for (const r of m.sstables) refs.add(r.file);
  }
  return refs;
}

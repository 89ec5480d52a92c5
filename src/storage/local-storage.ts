/**
 * Storage over a local directory (DESIGN §5), the default backend.
 *
 * Names map to files under `root` ('/'-separated, subdirectories created on
 * demand). Durability rules:
 * - immutable files are written to a `.tmp-` file in the target directory,
 *   fsynced, hard-linked to their name (link() refuses to overwrite, which
 *   gives atomic no-overwrite and makes writeIfAbsent race-free across
 *   processes), and the directory is fsynced;
 * - logs are created with O_EXCL and written with positional writes; `sync`
 *   is fdatasync, and the first sync of a log also fsyncs its directory so
 *   the name itself survives a crash;
 * - newly created directories are fsynced into their parents.
 * Deletes are not fsynced: a deleted file reappearing after a crash is
 * harmless because names are never reused.
 *
 * Temp files are never returned by `list`; a crash between link and unlink
 * can leave one behind, which `sweepTempFiles` removes.
 */
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { constants as fsConstants, read as fsRead, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { CorruptionError, NotFoundError, StorageError } from '../base/errors.js';
import { READ_WORKER_MAX_BYTES, sharedReadWorker } from './read-worker.js';
import type { LogFile, ReadableFile, Storage } from './storage.js';

/** Prefix of temp files; `list` skips them and valid names may not use it. */
export const TEMP_PREFIX = '.tmp-';

let tempSeq = 0;
const tempTag = randomBytes(4).toString('hex');

export class LocalStorage implements Storage {
  /** Directories known to exist (and to be durable in their parents). */
  private readonly dirReady = new Map<string, Promise<void>>();

  private readonly readWorker: boolean;

  /**
   * `root` need not exist yet; it is created by the first write.
   * `readWorker` (default true): small reads go through the process's read
   * worker (read-worker.ts) when it runs, else libuv's threadpool.
   */
  constructor(readonly root: string, opts: { readWorker?: boolean } = {}) {
    this.readWorker = opts.readWorker ?? true;
  }

  /** Reads on the main thread go through the read worker, which reads into shared memory directly. */
  get sharedMemoryReads(): boolean {
    return this.readWorker && isMainThread;
  }

  /**
   * Absolute path of `name`. Rejects names that are empty, absolute, contain
   * empty, '.' or '..' segments, or use the temp prefix.
   */
  pathOf(name: string): string {
    checkName(name);
    return join(this.root, name);
  }

  async open(name: string): Promise<ReadableFile> {
    const path = this.pathOf(name);
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(path, 'r');
      const st = await fh.stat();
      if (!st.isFile()) throw new StorageError(`${name}: not a regular file`);
      return new LocalReadableFile(name, st.size, fh, this.readWorker);
    } catch (e) {
      await fh?.close().catch(() => {});
      throw toStorageError(e, name, 'open');
    }
  }

  async readAll(name: string): Promise<Uint8Array> {
    const path = this.pathOf(name);
    try {
      return await fsp.readFile(path);
    } catch (e) {
      throw toStorageError(e, name, 'read');
    }
  }

  async writeFile(name: string, data: Uint8Array): Promise<void> {
    if (!(await this.writeNew(name, data))) throw new StorageError(`${name}: already exists`);
  }

  async writeIfAbsent(name: string, data: Uint8Array): Promise<boolean> {
    return this.writeNew(name, data);
  }

  async createLog(name: string, opts: { syncWrites?: boolean } = {}): Promise<LogFile> {
    const path = this.pathOf(name);
    const dir = dirname(path);
    // O_DSYNC: each write returns once its data (and the size) is on disk, as write + fdatasync would.
    const dsync = opts.syncWrites === true && fsConstants.O_DSYNC !== undefined;
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (dsync ? fsConstants.O_DSYNC : 0);
    try {
      const fh = await this.inDir(dir, () => fsp.open(path, flags));
      return new LocalLog(name, dir, fh, dsync);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST') throw new StorageError(`${name}: already exists`);
      throw toStorageError(e, name, 'create log');
    }
  }

  /**
   * Only the directory named by the prefix (up to its last '/') is read, then
   * matching subdirectories recursively: listing 'sst/' never walks 'wal/'.
   */
  async list(prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const dirRel = prefix.slice(0, slash + 1);
    if (dirRel !== '') checkName(dirRel.slice(0, -1));
    const out: string[] = [];
    await this.walk(dirRel, prefix.slice(slash + 1), out);
    // Default sort compares UTF-16 code units, like MemoryStorage.
    return out.sort();
  }

  async stat(name: string): Promise<{ size: number; mtimeMs: number } | undefined> {
    const path = this.pathOf(name);
    try {
      const st = await fsp.stat(path);
      return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : undefined;
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw toStorageError(e, name, 'stat');
    }
  }

  async delete(name: string): Promise<void> {
    const path = this.pathOf(name);
    try {
      await fsp.unlink(path);
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw toStorageError(e, name, 'delete');
    }
  }

  /**
   * Removes temp files left by crashed writers, returning how many. Only
   * files older than `olderThanMs` go, because other processes sharing the
   * directory may be writing theirs right now.
   */
  async sweepTempFiles(olderThanMs = 3_600_000, now = Date.now()): Promise<number> {
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (errnoOf(e) === 'ENOENT') return;
        throw toStorageError(e, dir, 'sweep');
      }
      for (const ent of entries) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) {
          await visit(p);
        } else if (ent.isFile() && ent.name.startsWith(TEMP_PREFIX)) {
          const st = await fsp.stat(p).catch(() => undefined);
          if (st && now - st.mtimeMs >= olderThanMs) {
            await fsp.unlink(p).then(() => removed++, () => {});
          }
        }
      }
    };
    await visit(this.root);
    return removed;
  }

  /** Writes `name` atomically unless it exists; false if it does. */
  private async writeNew(name: string, data: Uint8Array): Promise<boolean> {
    const path = this.pathOf(name);
    const dir = dirname(path);
    const tmp = join(dir, `${TEMP_PREFIX}${process.pid}-${tempTag}-${++tempSeq}`);
    try {
      const fh = await this.inDir(dir, () => fsp.open(tmp, 'wx'));
      try {
        await writeFully(fh, data, 0, BYTES_PER_SYNC);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      throw toStorageError(e, name, 'write');
    }
    try {
      // link() fails with EEXIST instead of replacing: exactly one of many
      // concurrent writers (in any process) wins the name.
      await fsp.link(tmp, path);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST') return false;
      throw toStorageError(e, name, 'write');
    } finally {
      await fsp.unlink(tmp).catch(() => {});
    }
    try {
      await syncDirectory(dir);
    } catch (e) {
      throw toStorageError(e, name, 'sync directory of');
    }
    return true;
  }

  /**
   * Runs `create` (which creates a file in `dir`) after making sure `dir`
   * exists; retries once if the directory vanished since it was cached.
   */
  private async inDir<T>(dir: string, create: () => Promise<T>): Promise<T> {
    await this.ensureDir(dir);
    try {
      return await create();
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
      this.dirReady.delete(dir);
      await this.ensureDir(dir);
      return await create();
    }
  }

  private ensureDir(dir: string): Promise<void> {
    let ready = this.dirReady.get(dir);
    if (!ready) {
      // Cache the promise, not a flag: a concurrent caller must also wait
      // for the parents' fsync before relying on the new directory.
      ready = makeDurableDir(dir);
      this.dirReady.set(dir, ready);
      ready.catch(() => this.dirReady.delete(dir));
    }
    return ready;
  }

  private async walk(dirRel: string, namePrefix: string, out: string[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(join(this.root, dirRel), { withFileTypes: true });
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw toStorageError(e, dirRel || '/', 'list');
    }
    const subdirs: Promise<void>[] = [];
    for (const ent of entries) {
      const n = ent.name;
      if (!n.startsWith(namePrefix) || n.startsWith(TEMP_PREFIX)) continue;
      if (ent.isDirectory()) subdirs.push(this.walk(`${dirRel}${n}/`, '', out));
      else if (ent.isFile()) out.push(dirRel + n);
    }
    await Promise.all(subdirs);
  }
}

/** fsyncs a directory so entries created or renamed in it survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } catch (e) {
    // Some filesystems cannot fsync directories; nothing more can be done there.
    if (errnoOf(e) !== 'EINVAL') throw e;
  } finally {
    await fh.close();
  }
}

/** mkdir -p, then fsyncs the parent of every directory it created. */
async function makeDurableDir(dir: string): Promise<void> {
  const first = await fsp.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  const parents: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const parent = dirname(d);
    parents.push(parent);
    if (d === first || parent === d) break;
  }
  for (const p of parents) await syncDirectory(p);
}

/**
 * pread through the callback API: on Node 20 it costs about half the CPU of
 * FileHandle.read (no FileHandle promise machinery), and block reads are the
 * hot path of cache misses.
 */
function readAt(fd: number, buf: Uint8Array, at: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fsRead(fd, buf, at, length, position, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

class LocalReadableFile implements ReadableFile {
  private closed = false;
  /** Reads in flight on the raw fd: close waits for them, so the fd is never closed (and reused) under a read. */
  private inflight = 0;
  private idle: (() => void) | undefined;
  constructor(readonly name: string, readonly size: number, private readonly fh: fsp.FileHandle, private readonly readWorker: boolean) {}

  /** Without `into`, a fresh unpooled buffer owned by the caller (safe to cache). */
  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    return (await this.readRange(offset, length, 0, into)).bytes;
  }

  /** The hash comes from the read worker (which checksums while the bytes are in its core's cache). */
  readHashed(offset: number, length: number, hashLength: number, into?: Uint8Array): Promise<{ bytes: Uint8Array; hash: number | undefined }> {
    if (!(hashLength >= 0 && hashLength <= length)) return Promise.reject(new RangeError(`${this.name}: hash of ${hashLength} bytes of a read of ${length}`));
    return this.readRange(offset, length, hashLength, into);
  }

  private async readRange(offset: number, length: number, hashLength: number, into: Uint8Array | undefined): Promise<{ bytes: Uint8Array; hash: number | undefined }> {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.size)) {
      throw new CorruptionError(this.name, `short read: ${length} bytes at ${offset} of ${this.size}`);
    }
    if (this.closed) throw new StorageError(`${this.name}: file is closed`);
    if (into !== undefined && into.length < length) throw new RangeError(`${this.name}: read of ${length} bytes into ${into.length}`);
    // Unpooled: a cached 2 KiB block must not pin a shared 8 KiB pool slab.
    const buf = into !== undefined ? into.subarray(0, length) : Buffer.allocUnsafeSlow(length);
    let done = 0;
    let hash: number | undefined;
    this.inflight++;
    try {
      while (done < length) {
        let n: number;
        try {
          const rw = this.readWorker && length - done <= READ_WORKER_MAX_BYTES ? sharedReadWorker() : undefined;
          if (rw) {
            // Only a first read that returns the whole hashed range is hashed by the worker.
            const r = await rw.read(this.fh.fd, buf, done, length - done, offset + done, done === 0 ? hashLength : 0);
            n = r.n;
            if (done === 0) hash = r.hash;
          } else {
            n = await readAt(this.fh.fd, buf, done, length - done, offset + done);
          }
        } catch (e) {
          throw toStorageError(e, this.name, 'read');
        }
        if (n === 0) {
          throw new CorruptionError(this.name, `short read: file ends at ${offset + done}, wanted ${length} bytes at ${offset}`);
        }
        done += n;
      }
    } finally {
      if (--this.inflight === 0) this.idle?.();
    }
    return { bytes: buf, hash };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inflight > 0) await new Promise<void>((resolve) => { this.idle = resolve; });
    await this.fh.close().catch(() => {});
  }
}

/**
 * Each append's position is fixed when it is called, and its write starts at
 * once, so several may be in flight together (the WAL writes two groups side
 * by side). An append resolves only once it and every append called before
 * it are written, so no caller is told its bytes are in while a hole may
 * precede them. `sync` covers every append called before it. After any
 * failed append or sync the log is poisoned: a failed fsync may have dropped
 * dirty pages, so retrying could claim durability for bytes that are gone
 * (the "fsyncgate" lesson).
 */
class LocalLog implements LogFile {
  private written = 0;
  /** Settles once every append so far has settled (sync and close wait on it). */
  private tail: Promise<void> = Promise.resolve();
  /** The last append's promise: rejects if it or any earlier append failed. */
  private ordered: Promise<void> = Promise.resolve();
  private syncs: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;
  private dirSynced = false;

  /** dsync: opened with O_DSYNC, so every append is durable when written and sync() need not fdatasync. */
  constructor(readonly name: string, private readonly dir: string, private readonly fh: fsp.FileHandle, private readonly dsync = false) {}

  get size(): number {
    return this.written;
  }

  /** The caller must not modify `data` until the returned promise settles. */
  append(data: Uint8Array): Promise<void> {
    const bad = this.unusable();
    if (bad) return Promise.reject(bad);
    const pos = this.written;
    this.written += data.length;
    const write = writeFully(this.fh, data, pos).catch((e: unknown) => {
      throw (this.failure ??= toStorageError(e, this.name, 'append to'));
    });
    const settled = write.then(noop, noop);
    const done = this.ordered.then(() => write);
    this.ordered = done;
    this.tail = this.tail.then(() => settled);
    return done;
  }

  sync(): Promise<void> {
    const bad = this.unusable();
    if (bad) return Promise.reject(bad);
    const appended = this.tail;
    const done = this.syncs.then(async () => {
      await appended;
      if (this.failure) throw this.failure;
      try {
        if (!this.dsync) await this.fh.datasync();
        if (!this.dirSynced) {
          await syncDirectory(this.dir);
          this.dirSynced = true;
        }
      } catch (e) {
        throw (this.failure ??= toStorageError(e, this.name, 'sync'));
      }
    });
    this.syncs = done.catch(() => {});
    return done;
  }

  /** Waits for pending appends and syncs, then closes. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.syncs;
    await this.fh.close().catch(() => {});
  }

  private unusable(): Error | undefined {
    if (this.closed) return new StorageError(`${this.name}: log is closed`);
    return this.failure;
  }
}

/**
 * Immutable files are synced every this many bytes while they are written
 * (RocksDB's bytes_per_sync): writeback of a 20 MB SSTable then happens in
 * small steps instead of one big fsync at the end, which would make every
 * WAL fdatasync queued behind it (same disk, same journal) wait for all of it.
 */
const BYTES_PER_SYNC = 1 << 20;

/** Writes all of data at position; with syncEvery, fdatasyncs after each such slice. */
async function writeFully(fh: fsp.FileHandle, data: Uint8Array, position: number, syncEvery = Infinity): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const end = Math.min(data.length, off + (Number.isFinite(syncEvery) ? syncEvery : data.length));
    while (off < end) {
      const { bytesWritten } = await fh.write(data, off, end - off, position + off);
      off += bytesWritten;
    }
    if (off < data.length) await fh.datasync();
  }
}

function noop(): void {}

function checkName(name: string): void {
  let ok = name.length > 0 && !name.includes('\0') && !name.includes('\\');
  if (ok) {
    for (const seg of name.split('/')) {
      if (seg === '' || seg === '.' || seg === '..' || seg.startsWith(TEMP_PREFIX)) {
        ok = false;
        break;
      }
    }
  }
  if (!ok) throw new StorageError(`${JSON.stringify(name)}: invalid storage name`);
}

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as NodeJS.ErrnoException).code : undefined;
}

/** ENOENT → NotFoundError; our own errors pass through; the rest → StorageError naming the file. */
function toStorageError(e: unknown, name: string, op: string): Error {
  if (e instanceof StorageError || e instanceof NotFoundError || e instanceof CorruptionError) return e;
  if (errnoOf(e) === 'ENOENT') return new NotFoundError(`${name}: no such file`);
  const msg = e instanceof Error ? e.message : String(e);
  return new StorageError(`${name}: ${op} failed: ${msg}`, { cause: e });
}

/**
 * Shared storage (DESIGN §5): the one narrow interface for everything durable.
 * SSTables, WAL segments and manifests all live behind it, so every tablet
 * server can read what any other wrote. Names are '/'-separated relative paths
 * ("sst/000123.sst", "wal/srv-1/000004.log"); a name is never reused.
 *
 * Implementations: local directory (default), in-memory, fault-injecting
 * wrapper for tests. All failures reject with StorageError (or NotFoundError
 * for a missing file); checksums are the caller's business.
 */

/** A file opened for random reads. */
export interface ReadableFile {
  readonly name: string;
  readonly size: number;
  /**
   * Reads exactly `length` bytes at `offset`; a short read rejects with
   * CorruptionError. Into the start of `into` when given (at least `length`
   * bytes; the result is then a view of it), else into memory of its own.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional: read(), plus checksum32 (base/checksum.ts) of the result's
   * first `hashLength` bytes when the storage computed it on the way (off the
   * main thread); undefined when it did not, and the caller hashes itself.
   */
  readHashed?(offset: number, length: number, hashLength: number, into?: Uint8Array): Promise<{ bytes: Uint8Array; hash: number | undefined }>;
  close(): Promise<void>;
}

/** An append-only log file. Appends become durable only after `sync`. */
export interface LogFile {
  readonly name: string;
  /** Bytes appended so far (synced or not). */
  readonly size: number;
  /**
   * Appends bytes at the end; the position is fixed when called, so several
   * appends may be in flight. Resolves when written (not durable), and only
   * after every earlier append has been.
   */
  append(data: Uint8Array): Promise<void>;
  /** Makes every append so far durable (fdatasync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface Storage {
  /**
   * Optional: true when reads into memory backed by a SharedArrayBuffer cost
   * no copy (LocalStorage's read worker preads straight into it), so a block
   * cache over this storage should hand out shared memory.
   */
  readonly sharedMemoryReads?: boolean;
  /** Opens an existing immutable file for random reads. NotFoundError if absent. */
  open(name: string): Promise<ReadableFile>;
  /** Reads a whole file. NotFoundError if absent. */
  readAll(name: string): Promise<Uint8Array>;
  /**
   * Writes a complete immutable file durably and atomically: after it resolves
   * the file exists with exactly `data`; after a crash it exists whole or not at all.
   * Rejects if the name already exists. `data` is not referenced once it
   * settles (the caller may reuse the buffer).
   */
  writeFile(name: string, data: Uint8Array): Promise<void>;
  /**
   * Like writeFile, but returns false (writing nothing) when the name already
   * exists. Atomic against concurrent writers of the same name (manifests).
   */
  writeIfAbsent(name: string, data: Uint8Array): Promise<boolean>;
  /**
   * Creates a new, empty append-only log. Rejects if the name already exists.
   * syncWrites: the caller syncs after every append anyway (a WAL's group
   * commit), so the storage may make each append durable by itself (local
   * directory: O_DSYNC, one system call instead of a write and an
   * fdatasync); sync() must still be called and then adds only what an
   * append does not (the log's directory entry).
   */
  createLog(name: string, opts?: { syncWrites?: boolean }): Promise<LogFile>;
  /** Names starting with `prefix`, sorted ascending. */
  list(prefix: string): Promise<string[]>;
  /** Size in bytes, or undefined if absent. */
  stat(name: string): Promise<{ size: number; mtimeMs: number } | undefined>;
  /** Deletes a file; deleting a missing file is not an error. */
  delete(name: string): Promise<void>;
}

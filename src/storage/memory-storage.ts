/**
 * In-memory Storage for tests and benchmarks. It models durability: bytes
 * appended to a log but not yet synced are lost (or torn) by `crash()`, which
 * simulates a power loss or kill -9 of every process using this storage.
 */
import { NotFoundError, StorageError, CorruptionError } from '../base/errors.js';
import type { LogFile, ReadableFile, Storage } from './storage.js';

interface Entry {
  data: Buffer;
  /** Length made durable by sync (logs); whole length for immutable files. */
  synced: number;
  mtimeMs: number;
  log?: MemoryLog;
}

export class MemoryStorage implements Storage {
  private readonly files = new Map<string, Entry>();

  async open(name: string): Promise<ReadableFile> {
    const e = this.get(name);
    const snapshot = e.data.subarray(0, e.data.length);
    return {
      name,
      size: snapshot.length,
      read: async (offset: number, length: number, into?: Uint8Array) => {
        if (offset < 0 || offset + length > snapshot.length) {
          throw new CorruptionError(name, `short read: ${length} bytes at ${offset} of ${snapshot.length}`);
        }
        if (into === undefined) return snapshot.subarray(offset, offset + length);
        if (into.length < length) throw new RangeError(`${name}: read of ${length} bytes into ${into.length}`);
        const out = into.subarray(0, length);
        out.set(snapshot.subarray(offset, offset + length));
        return out;
      },
      close: async () => {},
    };
  }

  async readAll(name: string): Promise<Uint8Array> {
    return Buffer.from(this.get(name).data);
  }

  async writeFile(name: string, data: Uint8Array): Promise<void> {
    if (this.files.has(name)) throw new StorageError(`${name}: already exists`);
    this.files.set(name, { data: Buffer.from(data), synced: data.length, mtimeMs: Date.now() });
  }

  async writeIfAbsent(name: string, data: Uint8Array): Promise<boolean> {
    if (this.files.has(name)) return false;
    this.files.set(name, { data: Buffer.from(data), synced: data.length, mtimeMs: Date.now() });
    return true;
  }

  async createLog(name: string): Promise<LogFile> {
    if (this.files.has(name)) throw new StorageError(`${name}: already exists`);
    const entry: Entry = { data: Buffer.alloc(0), synced: 0, mtimeMs: Date.now() };
    const log = new MemoryLog(name, entry, this);
    entry.log = log;
    this.files.set(name, entry);
    return log;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.files.keys()].filter((n) => n.startsWith(prefix)).sort();
  }

  async stat(name: string): Promise<{ size: number; mtimeMs: number } | undefined> {
    const e = this.files.get(name);
    return e ? { size: e.data.length, mtimeMs: e.mtimeMs } : undefined;
  }

  async delete(name: string): Promise<void> {
    this.files.delete(name);
  }

  /**
   * Simulates a crash: every log loses its unsynced tail. With `tornBytes`,
   * that many bytes of each unsynced tail survive (a torn write).
   * Open LogFile handles become unusable.
   */
  crash(tornBytes = 0): void {
    for (const e of this.files.values()) {
      if (e.data.length > e.synced) {
        const keep = Math.min(e.data.length, e.synced + tornBytes);
        e.data = Buffer.from(e.data.subarray(0, keep));
        e.synced = keep;
      }
      if (e.log) e.log.dead = true;
      e.log = undefined;
    }
  }

  /** Test hook: the raw bytes of a file, mutable in place (corruption tests). */
  raw(name: string): Buffer {
    return this.get(name).data;
  }

  private get(name: string): Entry {
    const e = this.files.get(name);
    if (!e) throw new NotFoundError(`${name}: no such file`);
    return e;
  }

  /** @internal */
  entryOf(name: string): Entry | undefined {
    return this.files.get(name);
  }
}

class MemoryLog implements LogFile {
  dead = false;
  private capacity: Buffer | undefined;
  constructor(readonly name: string, private readonly entry: Entry, private readonly storage: MemoryStorage) {}

  get size(): number {
    return this.entry.data.length;
  }

  async append(data: Uint8Array): Promise<void> {
    this.check();
    // Grow by doubling so long logs append in amortised O(1).
    const e = this.entry;
    const len = e.data.length;
    if (!this.capacity || len + data.length > this.capacity.length) {
      const next = Buffer.alloc(Math.max(4096, 2 * (len + data.length)));
      next.set(e.data, 0);
      this.capacity = next;
    }
    this.capacity.set(data, len);
    e.data = this.capacity.subarray(0, len + data.length);
    this.entry.mtimeMs = Date.now();
  }

  async sync(): Promise<void> {
    this.check();
    this.entry.synced = this.entry.data.length;
  }

  async close(): Promise<void> {
    this.dead = true;
  }

  private check(): void {
    if (this.dead || this.storage.entryOf(this.name) !== this.entry) {
      throw new StorageError(`${this.name}: log is closed`);
    }
  }
}

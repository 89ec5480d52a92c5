/**
 * Test wrapper around a Storage: counts log appends and syncs, can delay
 * syncs (to model fdatasync latency), can hold back an append's completion
 * (its bytes are in the log at once, as a positional write's are; only the
 * caller hears later) and can fail the n-th log operation.
 */
import { StorageError } from '../../src/base/errors.js';
import type { LogFile, ReadableFile, Storage } from '../../src/storage/storage.js';

export class CountingStorage implements Storage {
  appends = 0;
  syncs = 0;
  deletes: string[] = [];
  /** Milliseconds each sync waits before completing (0 = next tick). */
  syncDelayMs = 0;
  /** When set, the log operation (append or sync) with this 1-based index fails. */
  failLogOp: number | undefined;
  /** When set, each append's completion waits for the promise it returns (called with the append's 0-based index and its bytes). */
  appendGate: ((n: number, data: Uint8Array) => Promise<void>) | undefined;
  private logOps = 0;

  constructor(readonly inner: Storage) {}

  open(name: string): Promise<ReadableFile> { return this.inner.open(name); }
  readAll(name: string): Promise<Uint8Array> { return this.inner.readAll(name); }
  writeFile(name: string, data: Uint8Array): Promise<void> { return this.inner.writeFile(name, data); }
  writeIfAbsent(name: string, data: Uint8Array): Promise<boolean> { return this.inner.writeIfAbsent(name, data); }
  list(prefix: string): Promise<string[]> { return this.inner.list(prefix); }
  stat(name: string): Promise<{ size: number; mtimeMs: number } | undefined> { return this.inner.stat(name); }
  async delete(name: string): Promise<void> {
    this.deletes.push(name);
    await this.inner.delete(name);
  }

  async createLog(name: string): Promise<LogFile> {
    const log = await this.inner.createLog(name);
    const self = this;
    return {
      name: log.name,
      get size() { return log.size; },
      async append(data: Uint8Array) {
        self.tick();
        const n = self.appends++;
        await log.append(data);
        if (self.appendGate) await self.appendGate(n, data);
      },
      async sync() {
        self.tick();
        self.syncs++;
        await new Promise((r) => (self.syncDelayMs > 0 ? setTimeout(r, self.syncDelayMs) : setImmediate(r)));
        await log.sync();
      },
      close: () => log.close(),
    };
  }

  private tick(): void {
    this.logOps++;
    if (this.failLogOp !== undefined && this.logOps === this.failLogOp) {
      throw new StorageError(`injected failure of log operation ${this.logOps}`);
    }
  }
}

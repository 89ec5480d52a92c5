/**
 * Fault-injecting Storage wrapper for tests (DESIGN §5, §8.6). It counts every
 * operation by kind, can fail the n-th one (or all) with a StorageError, can
 * "tear" a failing operation (it takes partial or full effect, then fails),
 * and simulates a crash that drops the unsynced tail of every log it created.
 *
 * Fault sweep:
 *   for (let n = 0; ; n++) {
 *     const f = new FaultyStorage(new MemoryStorage());
 *     f.failNth('any', n);
 *     try { await scenario(f) } catch (e) { expect clean StorageError }
 *     check state; if (!f.faultFired()) break;
 *   }
 */
import { truncate, stat as statFile } from 'node:fs/promises';
import { StorageError } from '../base/errors.js';
import type { LogFile, ReadableFile, Storage } from './storage.js';

export type OpKind = 'read' | 'open' | 'write' | 'append' | 'sync' | 'list' | 'delete' | 'stat' | 'createLog';

export const OP_KINDS: readonly OpKind[] = ['read', 'open', 'write', 'append', 'sync', 'list', 'delete', 'stat', 'createLog'];

/** Operation counts per kind; `any` is the total. */
export type OpCounts = Record<OpKind | 'any', number>;

export interface FaultOptions {
  /**
   * When false (default) a failing operation does nothing. When true it takes
   * effect first: an append writes a random-length strict prefix of its data;
   * any other operation completes on the inner storage. Then it throws.
   */
  tear?: boolean;
}

export interface FaultyStorageOptions {
  /** Randomness for torn appends, in [0, 1). Default Math.random. */
  random?: () => number;
}

/** An inner storage that simulates crashes itself (MemoryStorage). */
interface SelfCrashing {
  crash(tornBytes?: number): void;
}

/** An inner storage backed by real files (LocalStorage). */
interface FileBacked {
  pathOf(name: string): string;
}

interface Rule {
  kind: OpKind | 'any';
  /** Matching operations still to let through before firing. */
  skip: number;
  always: boolean;
  tear: boolean;
}

interface Fault {
  error: StorageError;
  tear: boolean;
}

export class FaultyStorage implements Storage {
  private readonly opCounts: OpCounts = emptyCounts();
  private rule: Rule | undefined;
  private fired = false;
  private readonly random: () => number;
  /** Logs created through this wrapper and not yet lost to a crash. */
  private readonly logs = new Set<FaultyLog>();

  constructor(readonly inner: Storage, options: FaultyStorageOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  /**
   * Arms a fault: the n-th (0-based, counted from now) operation of `kind`
   * fails, once. Replaces any armed fault and resets `faultFired()`.
   */
  failNth(kind: OpKind | 'any', n: number, options: FaultOptions = {}): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`failNth: n must be a non-negative integer, got ${n}`);
    this.rule = { kind, skip: n, always: false, tear: options.tear ?? false };
    this.fired = false;
  }

  /** Every operation of `kind` fails until `heal()`. Resets `faultFired()`. */
  failAlways(kind: OpKind | 'any', options: FaultOptions = {}): void {
    this.rule = { kind, skip: 0, always: true, tear: options.tear ?? false };
    this.fired = false;
  }

  /** Disarms any fault (does not reset `faultFired()`). */
  heal(): void {
    this.rule = undefined;
  }

  /** True if an armed fault fired since the last failNth/failAlways. */
  faultFired(): boolean {
    return this.fired;
  }

  /** A snapshot of operation counts so far (usable as a mark for opsSince). */
  counts(): OpCounts {
    return { ...this.opCounts };
  }

  /** Operations of `kind` (default all) since `mark` was taken with counts(). */
  opsSince(mark: OpCounts, kind: OpKind | 'any' = 'any'): number {
    return this.opCounts[kind] - mark[kind];
  }

  /**
   * Simulates a crash (kill -9 / power loss): each log created through this
   * wrapper loses everything after its last successful sync, except
   * `tornBytes` of the unsynced tail. Handles of those logs become unusable.
   * A self-crashing inner storage (MemoryStorage) does it for all its logs;
   * for a file-backed one (LocalStorage) the real files are truncated.
   */
  async crash(tornBytes = 0): Promise<void> {
    const logs = [...this.logs];
    this.logs.clear();
    for (const log of logs) log.dead = true;
    const inner = this.inner as Partial<SelfCrashing & FileBacked>;
    if (typeof inner.crash === 'function') {
      inner.crash(tornBytes);
      return;
    }
    if (typeof inner.pathOf !== 'function') {
      throw new StorageError('crash: inner storage supports neither crash() nor pathOf()');
    }
    for (const log of logs) {
      // Close first so in-flight appends land before we cut them off.
      await log.inner.close().catch(() => {});
      const path = inner.pathOf(log.name);
      const st = await statFile(path).catch(() => undefined);
      if (!st) continue; // deleted meanwhile
      const keep = Math.min(st.size, log.syncedSize + tornBytes);
      if (keep < st.size) await truncate(path, keep);
    }
  }

  async open(name: string): Promise<ReadableFile> {
    const f = this.before('open', name);
    if (f && !f.tear) throw f.error;
    const file = await this.inner.open(name);
    if (f) {
      await file.close().catch(() => {});
      throw f.error;
    }
    return new FaultyFile(this, file);
  }

  readAll(name: string): Promise<Uint8Array> {
    return this.run('read', name, () => this.inner.readAll(name));
  }

  writeFile(name: string, data: Uint8Array): Promise<void> {
    return this.run('write', name, () => this.inner.writeFile(name, data));
  }

  writeIfAbsent(name: string, data: Uint8Array): Promise<boolean> {
    return this.run('write', name, () => this.inner.writeIfAbsent(name, data));
  }

  async createLog(name: string, opts?: { syncWrites?: boolean }): Promise<LogFile> {
    const f = this.before('createLog', name);
    if (f && !f.tear) throw f.error;
    const log = new FaultyLog(this, await this.inner.createLog(name, opts));
    this.logs.add(log); // tracked even when torn: the file exists
    if (f) {
      await log.inner.close().catch(() => {});
      throw f.error;
    }
    return log;
  }

  list(prefix: string): Promise<string[]> {
    return this.run('list', prefix, () => this.inner.list(prefix));
  }

  stat(name: string): Promise<{ size: number; mtimeMs: number } | undefined> {
    return this.run('stat', name, () => this.inner.stat(name));
  }

  delete(name: string): Promise<void> {
    return this.run('delete', name, () => this.inner.delete(name));
  }

  /**
   * Counts one operation and decides whether it fails.
   * @internal used by the file and log wrappers.
   */
  before(kind: OpKind, what: string): Fault | undefined {
    const index = this.opCounts[kind]++;
    this.opCounts.any++;
    const r = this.rule;
    if (!r || (r.kind !== 'any' && r.kind !== kind)) return undefined;
    if (!r.always) {
      if (r.skip > 0) {
        r.skip--;
        return undefined;
      }
      this.rule = undefined;
    }
    this.fired = true;
    return { error: new StorageError(`injected fault: ${kind} #${index} (${what})`), tear: r.tear };
  }

  /** @internal a random integer in [0, n). */
  randomBelow(n: number): number {
    return Math.min(n - 1, Math.floor(this.random() * n));
  }

  private async run<T>(kind: OpKind, what: string, op: () => Promise<T>): Promise<T> {
    const f = this.before(kind, what);
    if (f && !f.tear) throw f.error;
    const result = await op();
    if (f) throw f.error;
    return result;
  }
}

class FaultyFile implements ReadableFile {
  constructor(private readonly owner: FaultyStorage, private readonly inner: ReadableFile) {}

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    return this.inner.size;
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const f = this.owner.before('read', this.name);
    if (f && !f.tear) throw f.error;
    const data = await this.inner.read(offset, length, into);
    if (f) throw f.error;
    return data;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

class FaultyLog implements LogFile {
  /** Size covered by the last successful sync. */
  syncedSize = 0;
  dead = false;

  constructor(private readonly owner: FaultyStorage, readonly inner: LogFile) {}

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    return this.inner.size;
  }

  async append(data: Uint8Array): Promise<void> {
    this.checkAlive();
    const f = this.owner.before('append', this.name);
    if (f) {
      if (f.tear && data.length > 0) {
        await this.inner.append(data.subarray(0, this.owner.randomBelow(data.length)));
      }
      throw f.error;
    }
    // Called synchronously, so concurrent appends keep their call order.
    await this.inner.append(data);
  }

  async sync(): Promise<void> {
    this.checkAlive();
    const f = this.owner.before('sync', this.name);
    if (f && !f.tear) throw f.error;
    const covered = this.inner.size;
    await this.inner.sync();
    if (covered > this.syncedSize) this.syncedSize = covered;
    if (f) throw f.error;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private checkAlive(): void {
    if (this.dead) throw new StorageError(`${this.name}: log lost in simulated crash`);
  }
}

function emptyCounts(): OpCounts {
  const c = { any: 0 } as OpCounts;
  for (const k of OP_KINDS) c[k] = 0;
  return c;
}

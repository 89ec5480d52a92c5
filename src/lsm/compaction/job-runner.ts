/**
 * Runs flush and compaction jobs off the event loop.
 *
 * A job is a named async function `(ctx, input) => output` registered in a job
 * module. `newInlineRunner` runs them on the calling thread (tests with
 * in-memory or fault-injecting storage, which cannot cross threads);
 * `newWorkerRunner` runs them in worker threads (one pool per process) that
 * build the storage from a serialisable spec sent with each job, so reads and
 * writes never stall behind a compaction.
 */
import type { Worker } from 'node:worker_threads';
import type { Storage } from '../../storage/storage.js';
import { metricsHooks } from '../../base/metrics-hooks.js';
import { startWorker } from '../../base/start-worker.js';
import { CorruptionError, StorageError, TabulaError, type Code } from '../../base/errors.js';

export interface JobContext {
  storage: Storage;
}

/**
 * A job. Its output may carry `returned`: buffers (one or an array) handed
 * back to the caller for reuse; a worker transfers them instead of copying.
 */
export type JobFn = (ctx: JobContext, input: any) => Promise<any>;
export type JobTable = Record<string, JobFn>;

export interface JobRunner {
  run<O>(name: string, input: unknown, transfer?: ArrayBuffer[]): Promise<O>;
  close(): Promise<void>;
}

/** Bytes a job wrote: its output's `size`, or the sum over `files[].size` (flush / compact outputs). */
function outputBytes(out: unknown): number {
  const o = out as { size?: unknown; files?: Array<{ size?: unknown }> } | undefined;
  if (typeof o?.size === 'number') return o.size;
  if (Array.isArray(o?.files)) return o.files.reduce((n, f) => n + (typeof f.size === 'number' ? f.size : 0), 0);
  return 0;
}

/** Reports every job's duration, output bytes and outcome to the metrics hooks. */
function measured(runner: JobRunner): JobRunner {
  return {
    async run<O>(name: string, input: unknown, transfer?: ArrayBuffer[]): Promise<O> {
      const started = performance.now();
      try {
        const out = await runner.run<O>(name, input, transfer);
        metricsHooks().lsmJob(name, (performance.now() - started) / 1000, outputBytes(out), true);
        return out;
      } catch (e) {
        metricsHooks().lsmJob(name, (performance.now() - started) / 1000, 0, false);
        throw e;
      }
    },
    close: () => runner.close(),
  };
}

export function newInlineRunner(storage: Storage, jobs: JobTable): JobRunner {
  return measured({
    async run<O>(name: string, input: unknown): Promise<O> {
      const fn = jobs[name];
      if (!fn) throw new Error(`unknown job ${name}`);
      return (await fn({ storage }, input)) as O;
    },
    async close() {},
  });
}

export interface WorkerRunnerOptions {
  /** URL of the worker entry module (it calls serveJobs). */
  workerUrl: URL;
  /** Sent with every job; the worker builds its storage from it (e.g. a local directory's root). */
  storageSpec: unknown;
  /** Threads this runner adds to its pool while open (default 1): hosts open at once get as many threads as each had on its own. */
  threads?: number;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface Slot {
  w: Worker;
  busy: number;
  pending: Map<number, Pending>;
}

/**
 * The worker threads of one entry module, shared by every runner of the
 * process (as LevelDB shares one background thread among its databases). A
 * server process opens one host for its life; a process that opens hosts
 * one after another (tests, benchmarks, an embedded cluster) reuses threads
 * whose JIT is already warm instead of compiling the job code again in a
 * new isolate. Runners open at the same time (the tablet servers of an
 * embedded cluster) add up their threads, so each still has as many as it
 * had on its own. Idle workers are unref'd, so they never keep the process alive.
 */
class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  /** Threads asked for by the open runners (each as many as a runner of its own would have had). */
  private demand = 0;
  /** Threads kept: the most ever asked for at once; idle ones stay, warm and unref'd. */
  private size = 0;

  constructor(private readonly workerUrl: URL) {}

  open(threads: number): void {
    this.demand += threads;
    this.size = Math.max(this.size, this.demand);
  }

  release(threads: number): void {
    this.demand -= threads;
  }

  run<O>(input: { name: string; storage: unknown; input: unknown }, transfer: ArrayBuffer[]): Promise<O> {
    // Threads start lazily, a new one only when every running one is busy (a host that
    // only ever flushes keeps one warm thread), and are replaced if one dies.
    let slot = this.slots[0];
    for (const s of this.slots) if (s.busy < slot!.busy) slot = s;
    if (slot === undefined || (slot.busy > 0 && this.slots.length < this.size)) this.slots.push((slot = this.spawn()));
    const id = this.nextId++;
    if (slot.busy++ === 0) slot.w.ref();
    return new Promise<O>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      slot.w.postMessage({ id, ...input }, transfer);
    });
  }

  private spawn(): Slot {
    const w = startWorker(this.workerUrl);
    const slot: Slot = { w, busy: 0, pending: new Map() };
    w.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: { message: string; name: string; code?: number; file?: string } }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      // An idle worker must not keep the process alive; a busy one must.
      if (--slot.busy === 0) slot.w.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(reviveError(m.error!));
    });
    const die = (e: unknown) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
    };
    w.on('error', die);
    w.on('exit', (code) => die(new Error(`job worker exited with code ${code}`)));
    w.unref();
    return slot;
  }
}

const pools = new Map<string, WorkerPool>();

/** A runner over the process-wide pool of opts.workerUrl; its jobs reach storage through opts.storageSpec. */
export function newWorkerRunner(opts: WorkerRunnerOptions): JobRunner {
  let pool = pools.get(opts.workerUrl.href);
  if (!pool) pools.set(opts.workerUrl.href, (pool = new WorkerPool(opts.workerUrl)));
  const threads = opts.threads ?? 1;
  pool.open(threads);
  const running = new Set<Promise<unknown>>();
  let closed = false;
  return measured({
    run<O>(name: string, input: unknown, transfer?: ArrayBuffer[]): Promise<O> {
      if (closed) return Promise.reject(new Error('job runner closed'));
      const p = pool.run<O>({ name, storage: opts.storageSpec, input }, transfer ?? []);
      const settled = p.then(() => {}, () => {}).finally(() => running.delete(settled));
      running.add(settled);
      return p;
    },
    async close() {
      // The threads stay for the next runner; this one's own jobs finish first.
      if (closed) return;
      closed = true;
      await Promise.all(running);
      pool.release(threads);
    },
  });
}

/**
 * Worker side: answers job messages using `jobs`, each against the storage
 * its message's spec names. `settled` runs after each job's answer is sent,
 * once the job's message is no longer referenced.
 */
export function serveJobs(
  port: import('node:worker_threads').MessagePort, storageFor: (spec: unknown) => Storage, jobs: JobTable, settled?: () => void,
): void {
  port.on('message', async (m: { id: number; name: string; storage: unknown; input: unknown }) => {
    try {
      const fn = jobs[m.name];
      if (!fn) throw new Error(`unknown job ${m.name}`);
      const value = await fn({ storage: storageFor(m.storage) }, m.input);
      const returned = (value as { returned?: unknown } | undefined)?.returned;
      const views = returned instanceof Uint8Array ? [returned] : Array.isArray(returned) ? returned.filter((r) => r instanceof Uint8Array) : [];
      port.postMessage({ id: m.id, ok: true, value }, [...new Set(views.map((v) => v.buffer as ArrayBuffer))]);
    } catch (e) {
      const err = e as { message?: string; name?: string; code?: number; file?: string };
      port.postMessage({ id: m.id, ok: false, error: { message: String(err?.message ?? e), name: String(err?.name ?? 'Error'), code: err?.code, file: err?.file } });
    }
    // After this handler has returned: then nothing here holds the message any more.
    if (settled) setImmediate(settled);
  });
}

function reviveError(e: { message: string; name: string; code?: number; file?: string }): Error {
  if (e.name === 'CorruptionError' && e.file) return new CorruptionError(e.file, e.message.replace(`${e.file}: `, ''));
  if (e.name === 'StorageError') return new StorageError(e.message);
  if (typeof e.code === 'number') return new TabulaError(e.code as Code, e.message);
  return new Error(e.message);
}

/**
 * Point reads of local files through a worker thread fed by shared memory,
 * instead of libuv's threadpool.
 *
 * Why: a block-cache miss is one small pread, and through the threadpool each
 * one woke a sleeping pool thread. On the bench VMs that wake-up (a futex and
 * an interrupt to an idle virtual CPU) cost the main thread more than the
 * read: 22% of its samples were in try_to_wake_up under fs.read, and point
 * reads over a 10M-cell tablet reached 38k/s. This worker takes requests
 * from a ring in shared memory, polls briefly before it sleeps (so a steady
 * stream of reads rarely wakes it) and wakes the main thread once per batch
 * of completions (Atomics.waitAsync). Protocol and memory layout:
 * read-worker-memory.ts.
 *
 * Two more things it takes off the main thread: on request it checksums
 * what it read (LocalStorage's readHashed, for SSTable blocks), and a read
 * into memory backed by a SharedArrayBuffer (the block cache's, when the
 * storage says Storage.sharedMemoryReads) goes straight there rather than
 * through its slot and a copy. Together with the worker itself: 2.1x the
 * point reads over a 10M-cell tablet (bench/README, stop 25).
 *
 * One worker per process, started on the first read, on the main thread
 * only (a job thread's reads are large and sequential, and it may block).
 * Reads longer than a slot go to the threadpool, as do all reads once the
 * worker has failed.
 */
import { getSystemErrorName } from 'node:util';
import { isMainThread, MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { copyBytes } from '../base/copy-bytes.js';
import { siblingModule, startWorker } from '../base/start-worker.js';
import { C_DONE, C_HEAD, C_SLEEPING, REQUEST_FIELDS, newReadWorkerMemory, type ReadWorkerMemory } from './read-worker-memory.js';

/** Reads in flight at most (more wait in a queue on the main thread). */
const SLOTS = 64;
/** The longest read the worker takes: a data block (16 KiB by default) with room to spare. */
export const READ_WORKER_MAX_BYTES = 64 * 1024;

/** A read's result: the bytes read, and the checksum32 of the first `hashLength` of them when asked and that many were read. */
export interface WorkerRead {
  n: number;
  hash: number | undefined;
}

interface Request {
  fd: number;
  into: Uint8Array;
  /** into's buffer when it is shared memory (a target, read into directly); else undefined (via a slot). */
  shared: SharedArrayBuffer | undefined;
  at: number;
  length: number;
  position: number;
  hashLength: number;
  resolve: (r: WorkerRead) => void;
  reject: (e: Error) => void;
}

export class ReadWorker {
  private readonly mem: ReadWorkerMemory;
  private readonly data: Uint8Array;
  private readonly worker: Worker;
  private readonly mask = SLOTS - 1;
  /** The request in each slot (undefined: free). */
  private readonly slots: (Request | undefined)[] = new Array(SLOTS).fill(undefined);
  private readonly free: number[] = [];
  /** Requests waiting for a free slot, oldest first. */
  private readonly queued: Request[] = [];
  private head = 0;
  private seen = 0;
  private inflight = 0;
  private failed: Error | undefined;
  private closing = false;
  private readonly drainBound = (): void => this.drain();
  /** Targets (read-worker-memory.ts): shared memory the worker reads into directly, by id. */
  private readonly targetPort: MessagePort;
  private readonly targetIds = new WeakMap<SharedArrayBuffer, number>();
  private nextTargetId = 0;
  /** Ids of targets garbage-collected here, for the worker to forget. */
  private forgotten: number[] = [];
  private readonly targetsCollected = new FinalizationRegistry<number>((id) => this.forgotten.push(id));

  constructor() {
    this.mem = newReadWorkerMemory(SLOTS, READ_WORKER_MAX_BYTES);
    this.data = new Uint8Array(this.mem.data);
    for (let i = SLOTS - 1; i >= 0; i--) this.free.push(i);
    const { port1, port2 } = new MessageChannel();
    this.targetPort = port1;
    this.targetPort.unref();
    this.worker = startWorker(siblingModule(import.meta.url, './read-worker-thread'), { workerData: { ...this.mem, targets: port2 }, transferList: [port2] });
    // Idle, the worker must not keep the process alive; with reads in flight it must (nothing else
    // may: Atomics.waitAsync holds no handle).
    this.worker.unref();
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(this.closing ? 'read worker closed' : `read worker exited with code ${code}`)));
    this.arm();
  }

  /** Whether reads may be sent here (false once the worker has failed). */
  get usable(): boolean {
    return this.failed === undefined;
  }

  /**
   * preads up to `length` bytes (at most READ_WORKER_MAX_BYTES) at `position`
   * of `fd` into into[at, at + length); resolves with the bytes read, as
   * fs.read does, and with checksum32 of the first `hashLength` of them when
   * that is not 0 and that many were read (computed by the worker). The
   * caller keeps `fd` open until it settles.
   */
  read(fd: number, into: Uint8Array, at: number, length: number, position: number, hashLength = 0): Promise<WorkerRead> {
    if (this.failed) return Promise.reject(this.failed);
    if (!(length >= 0 && length <= READ_WORKER_MAX_BYTES)) return Promise.reject(new RangeError(`read worker: length ${length}`));
    if (!(hashLength >= 0 && hashLength <= length)) return Promise.reject(new RangeError(`read worker: hash length ${hashLength} of ${length}`));
    return new Promise<WorkerRead>((resolve, reject) => {
      const shared = into.buffer instanceof SharedArrayBuffer ? into.buffer : undefined;
      const r: Request = { fd, into, shared, at, length, position, hashLength, resolve, reject };
      if (this.inflight++ === 0) this.worker.ref();
      const slot = this.free.pop();
      if (slot === undefined) this.queued.push(r);
      else this.submit(slot, r);
    });
  }

  private submit(slot: number, r: Request): void {
    const { ctrl, requests, submitted } = this.mem;
    this.slots[slot] = r;
    const q = REQUEST_FIELDS * slot;
    requests[q] = r.fd;
    requests[q + 1] = r.position;
    requests[q + 2] = r.length;
    requests[q + 3] = r.hashLength;
    requests[q + 4] = r.shared ? this.targetId(r.shared) : -1;
    requests[q + 5] = r.shared ? r.into.byteOffset + r.at : 0;
    submitted[this.head & this.mask] = slot;
    this.head = (this.head + 1) | 0;
    Atomics.store(ctrl, C_HEAD, this.head);
    if (Atomics.load(ctrl, C_SLEEPING) === 1) Atomics.notify(ctrl, C_HEAD);
  }

  /** The id of a target, announced to the worker (before any request names it) the first time. */
  private targetId(buffer: SharedArrayBuffer): number {
    if (this.forgotten.length > 0) {
      this.targetPort.postMessage({ forget: this.forgotten });
      this.forgotten = [];
    }
    let id = this.targetIds.get(buffer);
    if (id === undefined) {
      id = this.nextTargetId++;
      this.targetIds.set(buffer, id);
      this.targetsCollected.register(buffer, id);
      this.targetPort.postMessage({ id, buffer });
    }
    return id;
  }

  /** Waits for the worker's next completions (or takes them now if there are some already). */
  private arm(): void {
    if (this.failed) return;
    const w = Atomics.waitAsync(this.mem.ctrl, C_DONE, this.seen);
    if (w.async) void w.value.then(this.drainBound);
    else queueMicrotask(this.drainBound);
  }

  private drain(): void {
    if (this.failed) return;
    const { ctrl, completed, status, hashes, slotBytes } = this.mem;
    const done = Atomics.load(ctrl, C_DONE);
    while (this.seen !== done) {
      const slot = completed[this.seen & this.mask]!;
      this.seen = (this.seen + 1) | 0;
      const r = this.slots[slot]!;
      this.slots[slot] = undefined;
      // Everything of the slot is taken before it is submitted again: the worker may fill it at once.
      const n = status[slot]!;
      const hash = n >= 0 && r.hashLength > 0 && n >= r.hashLength ? hashes[slot]! >>> 0 : undefined;
      // A read into shared memory went there directly; one into plain memory is copied out of the slot.
      if (n >= 0 && r.shared === undefined) copyBytes(r.into, r.at, this.data, slot * slotBytes, n);
      const next = this.queued.shift();
      if (next) this.submit(slot, next);
      else this.free.push(slot);
      if (--this.inflight === 0) this.worker.unref();
      if (n >= 0) r.resolve({ n, hash });
      else r.reject(errnoError(n));
    }
    this.arm();
  }

  /**
   * Stops the worker, then fails the reads it held (so none of their memory is
   * reused while the worker could still write into it) and refuses later ones.
   * For tests: a process simply exits.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
    this.fail(new Error('read worker closed'));
    this.targetPort.close();
  }

  /** The worker died (a bug, or the process is exiting): every read it holds fails, later ones use the threadpool. */
  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = e instanceof Error ? e : new Error(String(e));
    const pending = [...this.slots.filter((r): r is Request => r !== undefined), ...this.queued.splice(0)];
    this.slots.fill(undefined);
    this.inflight = 0;
    this.worker.unref();
    for (const r of pending) r.reject(this.failed);
  }
}

/** An error like the one fs.read gives for -errno `n` (code, errno, syscall). */
function errnoError(n: number): Error {
  let code: string;
  try {
    code = getSystemErrorName(n);
  } catch {
    code = 'EIO';
  }
  return Object.assign(new Error(`${code}: read failed`), { code, errno: n, syscall: 'read' });
}

let shared: ReadWorker | undefined;

/**
 * The process's read worker, started on first use; undefined off the main
 * thread or once it has failed.
 */
export function sharedReadWorker(): ReadWorker | undefined {
  if (!isMainThread) return undefined;
  shared ??= new ReadWorker();
  return shared.usable ? shared : undefined;
}

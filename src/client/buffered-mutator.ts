/**
 * Buffers mutations and sends them as MutateRows requests in the background
 * (HBase's BufferedMutator). Mutations of the same row within one buffer form
 * one atomic entry. A request is started when the buffer reaches maxMutations
 * or maxBytes, every flushIntervalMs, and on flush()/close().
 *
 * Entries that fail with a retryable code (UNAVAILABLE, DEADLINE_EXCEEDED,
 * ABORTED, RESOURCE_EXHAUSTED) — or whose request failed as a whole with one —
 * are resent alone after exponential backoff with full jitter, up to
 * maxRetries times. Anything else is a permanent failure: reported to
 * onError, or, without a handler, thrown by the next flush()/close() as a
 * MutationsFailedError. Retries need idempotent mutations: puts with client
 * or explicit timestamps (the default) are; 'server' timestamps are not, nor
 * is an AddToCell into a sum family (a retry may count it twice).
 *
 * Ordering: entries of one row in different requests may be applied out of
 * order when one is retried; give cells explicit timestamps if that matters.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { toRowKey, type Bytes } from './bytes-input.js';
import { MutationsFailedError, RETRYABLE_MUTATION_CODES, statusOf, type MutationFailure, type StatusLike } from './client-errors.js';
import { mutateRows, type MutateEntry } from './mutate-rows.js';
import {
  deleteMutations, mutationSize, putMutations, type CellsInput, type DeleteOptions, type MutationProto, type RowMutations,
} from './mutations.js';
import type { DataTarget, RpcContext } from './rpc.js';

export interface BufferedMutatorOptions extends BackoffOptions {
  /** Start a request when this many mutations are buffered (default 1000; Bigtable allows 100,000 per request). */
  maxMutations?: number;
  /** Start a request when the buffered mutations reach about this many bytes (default 4 MiB). */
  maxBytes?: number;
  /** Send whatever is buffered this often, ms (default 1000; 0 = only on thresholds and flush()). */
  flushIntervalMs?: number;
  /** Retries of a failed entry after its first attempt (default 5). */
  maxRetries?: number;
  /** Requests in flight at once; adding mutations waits beyond that (default 2). */
  maxInFlight?: number;
  /** Called once per entry that failed for good. */
  onError?: (failure: MutationFailure) => void;
}

export interface BufferedMutatorStats {
  /** MutateRows requests sent (including retries). */
  requests: number;
  /** Entries applied successfully. */
  succeeded: number;
  /** Entry retries. */
  retried: number;
  /** Entries that failed for good. */
  failed: number;
}

export interface BufferedMutator {
  put(row: Bytes, cells: CellsInput): Promise<void>;
  delete(row: Bytes, opts?: DeleteOptions): Promise<void>;
  mutate(row: Bytes, m: RowMutations): Promise<void>;
  /** Sends everything buffered and waits for all requests (and their retries) to finish. */
  flush(): Promise<void>;
  /** Flushes and stops the timer; further mutations are refused. */
  close(): Promise<void>;
  readonly stats: Readonly<BufferedMutatorStats>;
}

export function createBufferedMutator(ctx: RpcContext, target: DataTarget, o: BufferedMutatorOptions = {}): BufferedMutator {
  const maxMutations = o.maxMutations ?? 1000;
  const maxBytes = o.maxBytes ?? 4 << 20;
  const interval = o.flushIntervalMs ?? 1000;
  const maxRetries = o.maxRetries ?? 5;
  const maxInFlight = o.maxInFlight ?? 2;
  if (maxMutations < 1 || maxBytes < 1 || maxInFlight < 1 || maxRetries < 0) {
    throw new InvalidArgumentError('bufferedMutator: maxMutations, maxBytes and maxInFlight must be ≥ 1, maxRetries ≥ 0');
  }
  const stats: BufferedMutatorStats = { requests: 0, succeeded: 0, retried: 0, failed: 0 };
  let buffer = new Map<string, MutateEntry>();
  let bufferedMutations = 0;
  let bufferedBytes = 0;
  const inFlight = new Set<Promise<void>>();
  let failures: MutationFailure[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const fail = (entry: MutateEntry, st: StatusLike, attempts: number): void => {
    stats.failed++;
    const f: MutationFailure = { row: entry.row, code: st.code, message: st.message, attempts };
    if (o.onError) {
      try { o.onError(f); } catch { /* a throwing handler must not break the mutator */ }
    } else {
      failures.push(f);
    }
  };

  async function send(entries: MutateEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt++) {
      stats.requests++;
      let statuses: StatusLike[];
      try {
        statuses = await mutateRows(ctx, target, pending);
      } catch (e) {
        const st = statusOf(e);
        statuses = pending.map(() => st);
      }
      const retry: MutateEntry[] = [];
      pending.forEach((entry, i) => {
        const st = statuses[i]!;
        if (st.code === 0) stats.succeeded++;
        else if (RETRYABLE_MUTATION_CODES.has(st.code) && attempt <= maxRetries) retry.push(entry);
        else fail(entry, st, attempt);
      });
      if (retry.length === 0) return;
      stats.retried += retry.length;
      pending = retry;
      await sleep(backoffDelay(attempt, o));
    }
  }

  function startFlush(): void {
    if (timer !== undefined) { clearTimeout(timer); timer = undefined; }
    if (buffer.size === 0) return;
    const entries = [...buffer.values()];
    buffer = new Map();
    bufferedMutations = 0;
    bufferedBytes = 0;
    const p: Promise<void> = send(entries).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function add(row: Bytes, ms: MutationProto[]): Promise<void> {
    if (closed) throw new InvalidArgumentError('bufferedMutator: closed');
    const key = toRowKey(row);
    const id = key.toString('latin1');
    const e = buffer.get(id);
    if (e) e.mutations.push(...ms);
    else buffer.set(id, { row: key, mutations: ms });
    bufferedMutations += ms.length;
    for (const m of ms) bufferedBytes += mutationSize(m);
    if (bufferedMutations >= maxMutations || bufferedBytes >= maxBytes) startFlush();
    else if (interval > 0 && timer === undefined) {
      timer = setTimeout(() => { timer = undefined; startFlush(); }, interval);
      timer.unref();
    }
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  }

  async function flush(): Promise<void> {
    startFlush();
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    if (failures.length > 0) {
      const f = failures;
      failures = [];
      throw new MutationsFailedError(f);
    }
  }

  return {
    async put(row, cells) { return add(row, putMutations(cells)); },
    async delete(row, opts) { return add(row, deleteMutations(opts)); },
    async mutate(row, m) { return add(row, m.mutations.slice()); },
    flush,
    async close() {
      if (closed) return;
      try {
        await flush();
      } finally {
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
      }
    },
    stats,
  };
}

/** Helpers for the sync-or-async results of KvIterator positioning calls. */
import type { MaybePromise } from './kv-iterator.js';

export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof v === 'object' && v !== null && typeof (v as Promise<T>).then === 'function';
}

/** Runs `then` after `v` settles, synchronously when `v` is not a promise. */
export function andThen<T, U>(v: MaybePromise<T>, then: (t: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(v) ? v.then(then) : then(v);
}

/**
 * For async code that does not care about the fast path: `await settle(it.next())`.
 * Hot loops should instead write `const r = it.next(); if (r) await r;`.
 */
export function settle<T>(v: MaybePromise<T>): Promise<T> {
  return isPromise(v) ? v : Promise.resolve(v);
}

/**
 * A KvIterator over a sorted array of [key, value] pairs, for tests and small
 * in-memory cases. The array must be sorted by key (compareBytes) with unique
 * keys; it is not copied, so do not mutate it while iterating.
 *
 * With `{ async: true }` every positioning call returns a Promise and performs
 * its move only when that promise settles (a microtask later), like an SSTable
 * iterator fetching a block. While a call is pending, any other call on the
 * iterator throws: this catches composers that read a child before awaiting it.
 */
import { compareBytes } from '../../base/bytes.js';
import { FailedPreconditionError } from '../../base/errors.js';
import type { KvIterator, MaybePromise } from './kv-iterator.js';

export interface ArrayIteratorOptions {
  /** Make every positioning call asynchronous (returns a Promise). */
  async?: boolean;
}

export function newArrayIterator(
  entries: Array<[Uint8Array, Uint8Array]>,
  opts: ArrayIteratorOptions = {},
): KvIterator {
  return new ArrayIterator(entries, opts.async === true);
}

class ArrayIterator implements KvIterator {
  private i = -1;
  private pending = false;

  constructor(
    private readonly entries: Array<[Uint8Array, Uint8Array]>,
    private readonly isAsync: boolean,
  ) {}

  private checkIdle(): void {
    if (this.pending) throw new FailedPreconditionError('array iterator: called while a positioning call is pending');
  }

  private move(f: () => number): MaybePromise<void> {
    this.checkIdle();
    if (!this.isAsync) {
      this.i = f();
      return;
    }
    this.pending = true;
    return Promise.resolve().then(() => {
      this.pending = false;
      this.i = f();
    });
  }

  /** Index of the first entry with key >= target. */
  private lowerBound(target: Uint8Array): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.entries[mid]![0], target) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private norm(i: number): number { return i >= 0 && i < this.entries.length ? i : -1; }

  seek(target: Uint8Array): MaybePromise<void> { return this.move(() => this.norm(this.lowerBound(target))); }
  seekToFirst(): MaybePromise<void> { return this.move(() => this.norm(0)); }
  seekLT(target: Uint8Array): MaybePromise<void> { return this.move(() => this.norm(this.lowerBound(target) - 1)); }
  seekToLast(): MaybePromise<void> { return this.move(() => this.norm(this.entries.length - 1)); }
  next(): MaybePromise<void> {
    this.checkIdle();
    if (this.i < 0) throw new FailedPreconditionError('array iterator: next() on an invalid iterator');
    return this.move(() => this.norm(this.i + 1));
  }
  valid(): boolean {
    this.checkIdle();
    return this.i >= 0;
  }
  key(): Uint8Array {
    if (!this.valid()) throw new FailedPreconditionError('array iterator: key() on an invalid iterator');
    return this.entries[this.i]![0];
  }
  value(): Uint8Array {
    if (!this.valid()) throw new FailedPreconditionError('array iterator: value() on an invalid iterator');
    return this.entries[this.i]![1];
  }
  close(): void { this.i = -1; }
}

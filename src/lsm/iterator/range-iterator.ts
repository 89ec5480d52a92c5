/**
 * Restricts an iterator to keys in [lower, upper) (either bound optional).
 * Used when a split child references its parent's SSTables with a key-range
 * restriction (DESIGN §6), and for scans of a row range.
 *
 * Positioning calls are clamped to the range before reaching the inner
 * iterator, so nothing outside the range is ever returned. Sync or async
 * exactly when the inner iterator is. The bounds are not copied; the caller
 * must not mutate them. An empty `upper` means "no upper bound" (as an empty
 * end key does in Bigtable), since [lower, "") would always be empty.
 */
import { compareBytes } from '../../base/bytes.js';
import { FailedPreconditionError } from '../../base/errors.js';
import type { KvIterator, MaybePromise } from './kv-iterator.js';
import { isPromise } from './maybe-promise.js';

export function newRangeIterator(inner: KvIterator, lower?: Uint8Array, upper?: Uint8Array): KvIterator {
  return new RangeIterator(inner, lower, upper !== undefined && upper.length === 0 ? undefined : upper);
}

class RangeIterator implements KvIterator {
  /** False when the inner position lies outside the range. */
  private inRange = false;
  private readonly checkUpper = (): void => {
    this.inRange = this.inner.valid() && (this.upper === undefined || compareBytes(this.inner.key(), this.upper) < 0);
  };
  private readonly checkLower = (): void => {
    this.inRange = this.inner.valid() && (this.lower === undefined || compareBytes(this.inner.key(), this.lower) >= 0);
  };

  constructor(
    private readonly inner: KvIterator,
    private readonly lower: Uint8Array | undefined,
    private readonly upper: Uint8Array | undefined,
  ) {}

  /** Runs `check` after `r` settles (callers clear inRange first, so a failure leaves the iterator invalid). */
  private after(r: MaybePromise<void>, check: () => void): MaybePromise<void> {
    if (isPromise(r)) return r.then(check);
    check();
  }

  /** True (and invalid) when the range is empty, so no call reaches the inner iterator. */
  private empty(): boolean {
    return this.lower !== undefined && this.upper !== undefined && compareBytes(this.lower, this.upper) >= 0;
  }

  seek(target: Uint8Array): MaybePromise<void> {
    this.inRange = false;
    if (this.lower !== undefined && compareBytes(target, this.lower) < 0) target = this.lower;
    if (this.upper !== undefined && compareBytes(target, this.upper) >= 0) return;
    return this.after(this.inner.seek(target), this.checkUpper);
  }

  seekToFirst(): MaybePromise<void> {
    this.inRange = false;
    if (this.empty()) return;
    return this.after(
      this.lower !== undefined ? this.inner.seek(this.lower) : this.inner.seekToFirst(),
      this.checkUpper,
    );
  }

  seekLT(target: Uint8Array): MaybePromise<void> {
    this.inRange = false;
    if (this.upper !== undefined && compareBytes(target, this.upper) > 0) target = this.upper;
    if (this.lower !== undefined && compareBytes(target, this.lower) <= 0) return;
    return this.after(this.inner.seekLT(target), this.checkLower);
  }

  seekToLast(): MaybePromise<void> {
    this.inRange = false;
    if (this.empty()) return;
    return this.after(
      this.upper !== undefined ? this.inner.seekLT(this.upper) : this.inner.seekToLast(),
      this.checkLower,
    );
  }

  next(): MaybePromise<void> {
    if (!this.inRange) throw new FailedPreconditionError('range iterator: next() on an invalid iterator');
    this.inRange = false;
    return this.after(this.inner.next(), this.checkUpper);
  }

  valid(): boolean { return this.inRange; }

  key(): Uint8Array {
    if (!this.inRange) throw new FailedPreconditionError('range iterator: key() on an invalid iterator');
    return this.inner.key();
  }

  value(): Uint8Array {
    if (!this.inRange) throw new FailedPreconditionError('range iterator: value() on an invalid iterator');
    return this.inner.value();
  }

  close(): void {
    this.inRange = false;
    this.inner.close();
  }
}

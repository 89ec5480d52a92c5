/**
 * Merges children (each a KvIterator) into one sorted stream — the heart of
 * the read path and of compaction (DESIGN §4).
 *
 * Equal keys across children: the child with the LOWER index wins and the
 * others' duplicates are skipped (callers order children newest first:
 * memtable, immutable memtables, then SSTables).
 *
 * Children may return Promises (SSTables fetching blocks): a call returns a
 * Promise exactly when some child did, and is synchronous otherwise (no await
 * on the fast path). seek/seekToFirst position every child at once, so their
 * block fetches overlap; the merged state is rebuilt only after all settle.
 *
 * seekLT/seekToLast position on the greatest key < target across children
 * (ties: lower index). A next() after them is supported (it re-seeks forward
 * past the current key) although the KvIterator contract does not require it.
 *
 * Forward iteration uses a binary min-heap of child indices ordered by
 * (key, index), with each child's current key cached in `keys`; no allocation
 * per next(). Invariant after every positioning call: the heap top is strictly
 * smaller than every other child's key (duplicates have been advanced past),
 * so the top is the current entry.
 *
 * Errors from a child are rethrown (or rejected) from the call; the merging
 * iterator is then invalid. On a failed seek it still waits until every child
 * has settled, so no child is left with a call in flight.
 */
import { compareBytes, keySuccessor } from '../../base/bytes.js';
import { FailedPreconditionError } from '../../base/errors.js';
import type { KvIterator, MaybePromise } from './kv-iterator.js';
import { isPromise } from './maybe-promise.js';

export function newMergingIterator(children: KvIterator[]): KvIterator {
  return new MergingIterator(children.slice());
}

const OP_SEEK = 0;
const OP_FIRST = 1;
const OP_SEEK_LT = 2;
const OP_LAST = 3;

class MergingIterator implements KvIterator {
  private readonly n: number;
  /** Current key of each child (valid for children in the heap / the reverse pick). */
  private readonly keys: Array<Uint8Array | undefined>;
  /** Min-heap of child indices by (key, index); heap[0] is the current child in forward mode. */
  private readonly heap: Int32Array;
  private size = 0;
  /** Index of the child holding the current entry, or -1 when invalid. */
  private cur = -1;
  /** False after seekLT/seekToLast (the heap is not maintained then). */
  private forward = true;

  /** Shared by every async chain: invalidate, then rethrow. */
  private readonly fail = (e: unknown): never => {
    this.invalidate();
    throw e;
  };
  private readonly finishForward = (): MaybePromise<void> => this.buildHeap();
  private readonly finishReverse = (): void => this.pickMax();

  constructor(private readonly children: KvIterator[]) {
    this.n = children.length;
    this.keys = new Array<Uint8Array | undefined>(this.n).fill(undefined);
    this.heap = new Int32Array(this.n);
  }

  private invalidate(): void {
    this.size = 0;
    this.cur = -1;
  }

  // ---- positioning -------------------------------------------------------

  seek(target: Uint8Array): MaybePromise<void> { return this.seekAll(OP_SEEK, target); }
  seekToFirst(): MaybePromise<void> { return this.seekAll(OP_FIRST, undefined); }
  seekLT(target: Uint8Array): MaybePromise<void> { return this.seekAll(OP_SEEK_LT, target); }
  seekToLast(): MaybePromise<void> { return this.seekAll(OP_LAST, undefined); }

  next(): MaybePromise<void> {
    if (this.cur < 0) throw new FailedPreconditionError('merging iterator: next() on an invalid iterator');
    if (!this.forward) return this.seek(keySuccessor(this.keys[this.cur]!));
    this.cur = -1;
    try {
      const r = this.children[this.heap[0]!]!.next();
      if (isPromise(r)) return r.then(() => this.fixAndDedupe(0)).catch(this.fail);
      this.fixAt(0);
      const d = this.dedupe();
      return isPromise(d) ? d.catch(this.fail) : d;
    } catch (e) {
      this.invalidate();
      throw e;
    }
  }

  /** Applies `op` to every child, then rebuilds the merged position. */
  private seekAll(op: number, target: Uint8Array | undefined): MaybePromise<void> {
    this.invalidate();
    this.forward = op === OP_SEEK || op === OP_FIRST;
    let pending: Array<Promise<void>> | undefined;
    let failed = false;
    let error: unknown;
    for (let i = 0; i < this.n; i++) {
      const c = this.children[i]!;
      try {
        const r =
          op === OP_SEEK ? c.seek(target!) :
          op === OP_FIRST ? c.seekToFirst() :
          op === OP_SEEK_LT ? c.seekLT(target!) :
          c.seekToLast();
        if (isPromise(r)) (pending ??= []).push(r);
      } catch (e) {
        if (!failed) { failed = true; error = e; }
      }
    }
    const finish = this.forward ? this.finishForward : this.finishReverse;
    if (pending === undefined) {
      if (failed) this.fail(error);
      let r: MaybePromise<void>;
      try {
        r = finish();
      } catch (e) {
        return this.fail(e);
      }
      return isPromise(r) ? r.catch(this.fail) : r;
    }
    // Wait for every child (even after a failure) before touching shared state.
    return Promise.all(
      pending.map((p) => p.then(undefined, (e: unknown) => {
        if (!failed) { failed = true; error = e; }
      })),
    ).then(() => {
      if (failed) throw error;
      return finish();
    }).catch(this.fail);
  }

  // ---- forward mode: heap ----------------------------------------------

  /** (key, index) order of two children in the heap. */
  private less(a: number, b: number): boolean {
    const c = compareBytes(this.keys[a]!, this.keys[b]!);
    return c < 0 || (c === 0 && a < b);
  }

  private siftDown(pos: number): void {
    const heap = this.heap;
    const size = this.size;
    const x = heap[pos]!;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= size) break;
      if (child + 1 < size && this.less(heap[child + 1]!, heap[child]!)) child++;
      if (!this.less(heap[child]!, x)) break;
      heap[pos] = heap[child]!;
      pos = child;
    }
    heap[pos] = x;
  }

  private buildHeap(): MaybePromise<void> {
    let size = 0;
    for (let i = 0; i < this.n; i++) {
      const c = this.children[i]!;
      if (c.valid()) {
        this.keys[i] = c.key();
        this.heap[size++] = i;
      } else {
        this.keys[i] = undefined;
      }
    }
    this.size = size;
    for (let p = (size >>> 1) - 1; p >= 0; p--) this.siftDown(p);
    return this.dedupe();
  }

  /** After the child at heap[pos] moved forward: refresh its key and restore the heap. */
  private fixAt(pos: number): void {
    const i = this.heap[pos]!;
    const c = this.children[i]!;
    if (c.valid()) {
      this.keys[i] = c.key();
    } else {
      this.keys[i] = undefined;
      const last = --this.size;
      if (pos === last) return;
      // Only ever called for the root or a child of the root: the moved element
      // is >= the root, so sifting down suffices.
      this.heap[pos] = this.heap[last]!;
    }
    this.siftDown(pos);
  }

  private fixAndDedupe(pos: number): MaybePromise<void> {
    this.fixAt(pos);
    return this.dedupe();
  }

  /**
   * Advances every non-top child whose key equals the top's key (they lose to
   * the top, which has the lower index), then publishes the top as current.
   */
  private dedupe(): MaybePromise<void> {
    const heap = this.heap;
    for (;;) {
      const size = this.size;
      if (size < 2) {
        this.cur = size === 1 ? heap[0]! : -1;
        return;
      }
      const top = heap[0]!;
      let p = 1;
      if (size > 2 && this.less(heap[2]!, heap[1]!)) p = 2;
      const second = heap[p]!;
      if (compareBytes(this.keys[second]!, this.keys[top]!) !== 0) {
        this.cur = top;
        return;
      }
      const r = this.children[second]!.next();
      if (isPromise(r)) return r.then(() => this.fixAndDedupe(p));
      this.fixAt(p);
    }
  }

  // ---- reverse mode --------------------------------------------------------

  /** Current = the child with the greatest key (ties: lowest index). */
  private pickMax(): void {
    let best = -1;
    for (let i = 0; i < this.n; i++) {
      const c = this.children[i]!;
      if (!c.valid()) {
        this.keys[i] = undefined;
        continue;
      }
      const k = c.key();
      this.keys[i] = k;
      if (best < 0 || compareBytes(k, this.keys[best]!) > 0) best = i;
    }
    this.cur = best;
  }

  // ---- accessors -----------------------------------------------------------

  valid(): boolean { return this.cur >= 0; }

  key(): Uint8Array {
    if (this.cur < 0) throw new FailedPreconditionError('merging iterator: key() on an invalid iterator');
    return this.keys[this.cur]!;
  }

  value(): Uint8Array {
    if (this.cur < 0) throw new FailedPreconditionError('merging iterator: value() on an invalid iterator');
    return this.children[this.cur]!.value();
  }

  close(): void {
    this.invalidate();
    for (const c of this.children) c.close();
  }
}

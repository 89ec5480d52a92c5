/**
 * The one iterator contract of the engine (DESIGN §8.4). Memtables, SSTable
 * blocks, SSTables, merging and range-restricting iterators all implement it
 * and compose.
 *
 * Keys are byte strings ordered by `compareBytes` (unsigned lexicographic).
 *
 * Synchronous where possible: each positioning method returns `void` when it
 * completed synchronously, or a Promise when it had to fetch a block from
 * storage. The caller must await such a promise before calling anything else
 * on the iterator (an await per entry costs ~10x, so the fast path stays
 * synchronous). Helper: `settle(result)` in maybe-promise.ts.
 *
 * Lifetime: `key()` and `value()` are valid only while the iterator is
 * valid and until the next positioning call; copy them to keep them.
 *
 * Errors (I/O, CorruptionError on a bad checksum) are thrown or rejected
 * from the positioning call that hit them; the iterator is then invalid.
 *
 * Reverse scans use `seekLT`: it positions at the greatest key < target.
 * After `seekLT` only `valid`, `key` and `value` may be used before the next
 * `seek`/`seekLT` (there is no `prev`): a reverse scan finds the previous row
 * with seekLT and then reads that row forward with seek.
 */
export type MaybePromise<T> = T | Promise<T>;

export interface KvIterator {
  /** Positions at the first entry with key >= target (invalid if none). */
  seek(target: Uint8Array): MaybePromise<void>;
  /** Positions at the first entry (invalid if empty). */
  seekToFirst(): MaybePromise<void>;
  /** Positions at the greatest entry with key < target (invalid if none). */
  seekLT(target: Uint8Array): MaybePromise<void>;
  /** Positions at the last entry (invalid if empty). Same restrictions as seekLT. */
  seekToLast(): MaybePromise<void>;
  /** Advances to the next entry. Precondition: valid() after a seek/seekToFirst/next. */
  next(): MaybePromise<void>;
  valid(): boolean;
  key(): Uint8Array;
  value(): Uint8Array;
  /** Releases resources (pinned blocks). Idempotent. */
  close(): void;
}

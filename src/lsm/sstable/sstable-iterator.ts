/**
 * The KvIterator over one SSTable: a two-level iterator (in-memory index →
 * data block). Positioning is synchronous when the target block is the
 * iterator's current block or is in the BlockCache; otherwise it returns a
 * Promise that settles once the block is read and verified.
 *
 * The index keeps both the first and the last key of every block, so
 * seek(t) goes straight to the first block whose last key >= t, and
 * seekLT(t) to the last block whose first key < t: neither ever needs to
 * step to a neighbouring block.
 *
 * Lifetime: key() is a view of a per-iterator key buffer that is rewritten
 * in place (often the same object from call to call), value() a view of the
 * block; both are valid until the next positioning call (KvIterator
 * contract): copy a key to keep it, and a value too: the iterator hands each
 * block back when it moves to another or closes, and its memory may then be
 * reused for another block. Unlike the general contract, next() is
 * also allowed after seekLT/seekToLast.
 */
import { CorruptionError } from '../../base/errors.js';
import type { KvIterator, MaybePromise } from '../iterator/kv-iterator.js';
import { newBlockIterator, type BlockIterator } from './block-iterator.js';
import type { SortedKeys } from './sorted-keys.js';

/** What the iterator needs from an open table (implemented by the reader). */
export interface DataBlockSource {
  readonly name: string;
  readonly blockCount: number;
  /** First / last key of each data block (from the index). */
  readonly firstKeys: SortedKeys;
  readonly lastKeys: SortedKeys;
  blockOffset(i: number): number;
  /**
   * The verified contents of data block i: synchronously when cached. The
   * caller holds it until it hands it back with release (the source may then
   * reuse its memory: see BlockCache).
   */
  dataBlock(i: number): Uint8Array | Promise<Uint8Array>;
  /** Takes back block i as dataBlock gave it (once per dataBlock call); absent: nothing to hand back. */
  release?(i: number, block: Uint8Array): void;
  /** Takes back a closed iterator, to hand it out again (a point read opens one per table it probes). */
  recycle?(it: RecyclableIterator): void;
}

/** An SSTable iterator that its source may hand out again once closed. */
export interface RecyclableIterator extends KvIterator {
  /** Makes a closed iterator usable again (by the source that recycled it). */
  reopen(): void;
}

/** What to do once the block is installed. */
type Op = 0 | 1 | 2 | 3;
const Op = { Seek: 0, SeekLT: 1, First: 2, Last: 3 } as const;

export function newSstableIterator(src: DataBlockSource): RecyclableIterator {
  return new SstableIterator(src);
}

class SstableIterator implements RecyclableIterator {
  private readonly bit: BlockIterator;
  /** Index of the block installed in `bit`, -1 for none. */
  private bi = -1;
  /** The block this iterator holds (from dataBlock, not yet released), and its index. */
  private held: Uint8Array | undefined;
  private heldIndex = -1;
  /** False once closed: a second close must not recycle it twice. */
  private open = true;

  constructor(private readonly src: DataBlockSource) {
    this.bit = newBlockIterator(src.name);
  }

  seek(target: Uint8Array): MaybePromise<void> {
    return this.go(this.src.lastKeys.lowerBound(target), Op.Seek, target);
  }

  seekLT(target: Uint8Array): MaybePromise<void> {
    return this.go(this.src.firstKeys.lowerBound(target) - 1, Op.SeekLT, target);
  }

  seekToFirst(): MaybePromise<void> {
    return this.go(0, Op.First, undefined);
  }

  seekToLast(): MaybePromise<void> {
    return this.go(this.src.blockCount - 1, Op.Last, undefined);
  }

  next(): MaybePromise<void> {
    this.bit.next();
    if (this.bit.valid()) return;
    return this.go(this.bi + 1, Op.First, undefined);
  }

  valid(): boolean {
    return this.bit.valid();
  }

  key(): Uint8Array {
    return this.bit.key();
  }

  value(): Uint8Array {
    return this.bit.value();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.bit.release();
    this.bi = -1;
    this.letGo();
    this.src.recycle?.(this);
  }

  reopen(): void {
    this.open = true;
  }

  /** Installs block i (fetching it if needed) and applies op there. */
  private go(i: number, op: Op, target: Uint8Array | undefined): MaybePromise<void> {
    if (i < 0 || i >= this.src.blockCount) {
      this.bit.invalidate();
      return;
    }
    if (i !== this.bi) {
      const b = this.src.dataBlock(i);
      if (!(b instanceof Uint8Array)) {
        this.bit.invalidate();
        return b.then((block) => {
          // Closed meanwhile (a reader that gave up): nothing will read it.
          if (!this.open) {
            this.src.release?.(i, block);
            return;
          }
          this.install(i, block);
          this.apply(op, target);
        });
      }
      this.install(i, b);
    }
    this.apply(op, target);
  }

  private install(i: number, block: Uint8Array): void {
    this.bi = -1;
    this.bit.reset(block, this.src.blockOffset(i));
    this.letGo();
    this.held = block;
    this.heldIndex = i;
    this.bi = i;
  }

  /** Hands the held block back (once). */
  private letGo(): void {
    const h = this.held;
    if (h === undefined) return;
    this.held = undefined;
    this.src.release?.(this.heldIndex, h);
  }

  private apply(op: Op, target: Uint8Array | undefined): void {
    const bit = this.bit;
    switch (op) {
      case Op.Seek: bit.seek(target!); break;
      case Op.SeekLT: bit.seekLT(target!); break;
      case Op.First: bit.seekToFirst(); break;
      case Op.Last: bit.seekToLast(); break;
    }
    // The index promised an answer in this block; anything else means the
    // index and the block disagree, and wrong data must never be returned.
    if (!bit.valid()) {
      throw new CorruptionError(this.src.name, `data block at offset ${this.src.blockOffset(this.bi)} does not match the index`);
    }
  }
}

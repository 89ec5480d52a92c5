/**
 * The block cache (DESIGN §4): an LRU of verified SSTable data blocks,
 * bounded by the sum of block byte lengths and shared by every table of a
 * tablet server. Keyed by (file id, block offset); file ids are never reused
 * (DESIGN §5), so entries never go stale — `evictFile` only frees memory
 * when a file is deleted.
 *
 * Blocks are stored by reference and must not be mutated by anyone while
 * cached. A block larger than the whole capacity is not cached.
 *
 * Recycling. A point read that misses used to read into fresh memory: on a
 * 2-core machine about 8 µs of a miss's ~30 µs of main thread went to
 * allocating that 16 KiB and collecting it again (bench/README, stop 23).
 * So a block read into memory from `takeBuffer` and cached as `recyclable`
 * goes back to a pool when it is evicted, and the next miss reads into it,
 * but only if no reader holds it then: a reader takes a block with `acquire`
 * (or is handed it pinned by whoever fetched it: `put`'s `pins`) and gives
 * it back with `release`; readers copy every value they return
 * (tablet-reader.ts). A block evicted while held is not recycled at all:
 * the garbage collector takes it once its readers are done, so a reader
 * that never releases costs only the recycling. The pins live in the cache
 * entry (no per-block map), so acquire and release cost a lookup each.
 * Recycled memory comes in 1 KiB size classes (a block may take up to 1 KiB
 * more than its length, which is what the capacity counts), and the pool of
 * free memory is bounded apart from the capacity: 1/16 of it, 256 KiB to
 * 8 MiB.
 */
import { InvalidArgumentError } from '../../base/errors.js';
import { registerBlockCache } from '../../base/metrics-hooks.js';

export interface BlockCacheStats {
  hits: number;
  misses: number;
  /** Sum of the byte lengths of cached blocks (≤ capacity). */
  bytes: number;
  capacity: number;
  entries: number;
  /** Misses read into recycled memory, and into fresh memory (takeBuffer). */
  recycled: number;
  fresh: number;
}

export interface BlockCacheOptions {
  /** Overwrite memory as it is recycled (tests: a reader still using it then reads garbage, not plausible stale data). */
  poisonRecycled?: boolean;
  /**
   * takeBuffer's memory is SharedArrayBuffers: for a storage that reads into
   * shared memory without a copy (Storage.sharedMemoryReads: the read worker
   * preads straight into it).
   */
  sharedMemory?: boolean;
}

export interface BlockCache {
  /** The cached block, marked most recently used; undefined on a miss (counted). Not pinned: see acquire. */
  get(fileId: string, offset: number): Uint8Array | undefined;
  /** get, pinned for the caller, who must release it once done with it (values copied out). */
  acquire(fileId: string, offset: number): Uint8Array | undefined;
  /** Gives back a block acquire (or put's pins) handed out; a no-op once it is no longer cached. */
  release(fileId: string, offset: number, block: Uint8Array): void;
  /**
   * Caches a block (replacing any at the same key), evicting least recently
   * used blocks to fit. `recyclable`: its memory came from takeBuffer and
   * nothing else refers to it, so it may be reused once evicted; `pins`:
   * readers it is handed to (each releases it).
   */
  put(fileId: string, offset: number, block: Uint8Array, opts?: { recyclable?: boolean; pins?: number }): void;
  /**
   * Memory for a block of `size` bytes about to be read: a recycled block's
   * when one of its size class is free, else fresh memory owning its whole
   * ArrayBuffer.
   */
  takeBuffer(size: number): Uint8Array;
  /** Gives back memory from takeBuffer that never became a cached block (a failed read). */
  giveBack(buffer: Uint8Array): void;
  /** Drops every block of a file (call when the file is deleted). */
  evictFile(fileId: string): void;
  stats(): BlockCacheStats;
}

/** A byte-bounded LRU block cache. capacityBytes may be 0 (caches nothing). */
export function newBlockCache(capacityBytes: number, opts: BlockCacheOptions = {}): BlockCache {
  if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
    throw new InvalidArgumentError(`capacityBytes: must be a non-negative integer, got ${capacityBytes}`);
  }
  const cache = new LruBlockCache(capacityBytes, opts.poisonRecycled ?? false, opts.sharedMemory ?? false);
  registerBlockCache(cache); // polled by the metrics system at scrape time
  return cache;
}

interface Node {
  fileId: string;
  offset: number;
  block: Uint8Array;
  /** Readers holding the block (acquire, put's pins) that have not released it. */
  pins: number;
  /** Its memory may be reused once evicted (put's `recyclable`). */
  recyclable: boolean;
  /** Towards the most recently used end. */
  newer: Node | null;
  older: Node | null;
}

/** Recycled memory comes in size classes of this many bytes (a 16 KiB block + trailer takes 17 KiB). */
const CLASS_BYTES = 1024;
/** Blocks above this size are not recycled (they are rare; a class each would hold memory idle). */
const MAX_RECYCLED_BYTES = 256 * 1024;

class LruBlockCache implements BlockCache {
  /** Two-level map: no string concatenation per lookup. */
  private readonly files = new Map<string, Map<number, Node>>();
  private newest: Node | null = null;
  private oldest: Node | null = null;
  private hits = 0;
  private misses = 0;
  private bytes = 0;
  private entries = 0;
  private recycled = 0;
  private fresh = 0;
  /** Free memory by size class. */
  private readonly pool = new Map<number, ArrayBufferLike[]>();
  private pooledBytes = 0;
  /** The pool's bound: what misses take back quickly (evictions and misses alternate), not a second cache. */
  private readonly maxPooled: number;

  constructor(private readonly capacity: number, private readonly poison: boolean, private readonly shared: boolean) {
    this.maxPooled = Math.min(8 << 20, Math.max(256 << 10, capacity >>> 4));
  }

  takeBuffer(size: number): Uint8Array {
    if (size > MAX_RECYCLED_BYTES) return Buffer.allocUnsafeSlow(size);
    const cls = Math.ceil(size / CLASS_BYTES) * CLASS_BYTES;
    let ab = this.pool.get(cls)?.pop();
    if (ab !== undefined) {
      this.pooledBytes -= cls;
      this.recycled++;
    } else {
      // Unpooled memory (allocUnsafeSlow): a recycled block must own its whole ArrayBuffer.
      ab = this.shared ? new SharedArrayBuffer(cls) : Buffer.allocUnsafeSlow(cls).buffer;
      this.fresh++;
    }
    return new Uint8Array(ab, 0, size);
  }

  giveBack(buffer: Uint8Array): void {
    this.recycle(buffer.buffer);
  }

  acquire(fileId: string, offset: number): Uint8Array | undefined {
    const node = this.lookup(fileId, offset);
    if (node === undefined) return undefined;
    node.pins++;
    return node.block;
  }

  release(fileId: string, offset: number, block: Uint8Array): void {
    const node = this.files.get(fileId)?.get(offset);
    // Evicted meanwhile (or replaced): it was not recycled, and nothing is left to count.
    if (node === undefined || node.block !== block || node.pins === 0) return;
    node.pins--;
  }

  /** Memory back to the pool, unless the pool is full or it is too big to pool. */
  private recycle(ab: ArrayBufferLike): void {
    const cls = ab.byteLength;
    if (cls > MAX_RECYCLED_BYTES || cls % CLASS_BYTES !== 0 || this.pooledBytes + cls > this.maxPooled) return;
    if (this.poison) new Uint8Array(ab).fill(0xee);
    let free = this.pool.get(cls);
    if (free === undefined) this.pool.set(cls, (free = []));
    free.push(ab);
    this.pooledBytes += cls;
  }

  get(fileId: string, offset: number): Uint8Array | undefined {
    return this.lookup(fileId, offset)?.block;
  }

  /** The entry, marked most recently used; a miss is counted. */
  private lookup(fileId: string, offset: number): Node | undefined {
    const node = this.files.get(fileId)?.get(offset);
    if (node === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (node !== this.newest) {
      this.unlink(node);
      this.pushNewest(node);
    }
    return node;
  }

  put(fileId: string, offset: number, block: Uint8Array, opts?: { recyclable?: boolean; pins?: number }): void {
    const existing = this.files.get(fileId)?.get(offset);
    if (existing?.block === block) return; // already there (removing it first would recycle it)
    if (existing !== undefined) this.remove(existing);
    if (block.length > this.capacity) return;
    // Looked up after remove(), which drops a file's map when it empties.
    let byOffset = this.files.get(fileId);
    if (byOffset === undefined) {
      byOffset = new Map();
      this.files.set(fileId, byOffset);
    }
    const recyclable = opts?.recyclable === true && block.byteOffset === 0;
    const node: Node = { fileId, offset, block, newer: null, older: null, pins: opts?.pins ?? 0, recyclable };
    byOffset.set(offset, node);
    this.pushNewest(node);
    this.bytes += block.length;
    this.entries++;
    while (this.bytes > this.capacity && this.oldest !== null) this.remove(this.oldest);
  }

  evictFile(fileId: string): void {
    const byOffset = this.files.get(fileId);
    if (byOffset === undefined) return;
    for (const node of [...byOffset.values()]) this.remove(node);
  }

  stats(): BlockCacheStats {
    return { hits: this.hits, misses: this.misses, bytes: this.bytes, capacity: this.capacity, entries: this.entries, recycled: this.recycled, fresh: this.fresh };
  }

  private remove(node: Node): void {
    this.unlink(node);
    const byOffset = this.files.get(node.fileId)!;
    byOffset.delete(node.offset);
    if (byOffset.size === 0) this.files.delete(node.fileId);
    this.bytes -= node.block.length;
    this.entries--;
    // Held by a reader: left to the garbage collector once its readers are done.
    if (node.recyclable && node.pins === 0) this.recycle(node.block.buffer);
  }

  private unlink(node: Node): void {
    if (node.newer !== null) node.newer.older = node.older;
    else this.newest = node.older;
    if (node.older !== null) node.older.newer = node.newer;
    else this.oldest = node.newer;
    node.newer = node.older = null;
  }

  private pushNewest(node: Node): void {
    node.older = this.newest;
    node.newer = null;
    if (this.newest !== null) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
  }
}

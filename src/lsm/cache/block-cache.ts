/**
 * The block cache (DESIGN §4): an LRU of verified SSTable data blocks,
 * bounded by the sum of block byte lengths and shared by every table of a
 * tablet server. Keyed by (file id, block offset); file ids are never reused
 * (DESIGN §5), so entries never go stale — `evictFile` only frees memory
 * when a file is deleted.
 *
 * Blocks are stored by reference and must not be mutated by anyone.
 * A block larger than the whole capacity is not cached.
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
}

export interface BlockCache {
  /** The cached block, marked most recently used; undefined on a miss (counted). */
  get(fileId: string, offset: number): Uint8Array | undefined;
  /** Caches a block (replacing any at the same key), evicting least recently used blocks to fit. */
  put(fileId: string, offset: number, block: Uint8Array): void;
  /** Drops every block of a file (call when the file is deleted). */
  evictFile(fileId: string): void;
  stats(): BlockCacheStats;
}

/** A byte-bounded LRU block cache. capacityBytes may be 0 (caches nothing). */
export function newBlockCache(capacityBytes: number): BlockCache {
  if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
    throw new InvalidArgumentError(`capacityBytes: must be a non-negative integer, got ${capacityBytes}`);
  }
  const cache = new LruBlockCache(capacityBytes);
  registerBlockCache(cache); // polled by the metrics system at scrape time
  return cache;
}

interface Node {
  fileId: string;
  offset: number;
  block: Uint8Array;
  /** Towards the most recently used end. */
  newer: Node | null;
  older: Node | null;
}

class LruBlockCache implements BlockCache {
  /** Two-level map: no string concatenation per lookup. */
  private readonly files = new Map<string, Map<number, Node>>();
  private newest: Node | null = null;
  private oldest: Node | null = null;
  private hits = 0;
  private misses = 0;
  private bytes = 0;
  private entries = 0;

  constructor(private readonly capacity: number) {}

  get(fileId: string, offset: number): Uint8Array | undefined {
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
    return node.block;
  }

  put(fileId: string, offset: number, block: Uint8Array): void {
    const existing = this.files.get(fileId)?.get(offset);
    if (existing !== undefined) this.remove(existing);
    if (block.length > this.capacity) return;
    // Looked up after remove(), which drops a file's map when it empties.
    let byOffset = this.files.get(fileId);
    if (byOffset === undefined) {
      byOffset = new Map();
      this.files.set(fileId, byOffset);
    }
    const node: Node = { fileId, offset, block, newer: null, older: null };
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
    return { hits: this.hits, misses: this.misses, bytes: this.bytes, capacity: this.capacity, entries: this.entries };
  }

  private remove(node: Node): void {
    this.unlink(node);
    const byOffset = this.files.get(node.fileId)!;
    byOffset.delete(node.offset);
    if (byOffset.size === 0) this.files.delete(node.fileId);
    this.bytes -= node.block.length;
    this.entries--;
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

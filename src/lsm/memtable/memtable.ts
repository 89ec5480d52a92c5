/**
 * The memtable: a sorted in-memory map from byte keys to byte values, the
 * first stop of every write (DESIGN §4).
 *
 * Design (performance is the point, DESIGN §9):
 * - Entries are appended to large Buffer chunks (an arena, 1 MiB by
 *   default) in the export format `varint klen, key, varint vlen, value`;
 *   nothing is ever moved or freed, so views handed out by iterators stay
 *   valid for the life of the memtable, and exportSorted copies whole
 *   entries (whole runs of them when keys arrived in order).
 * - A skiplist (branching 4, max height 12) whose nodes are variable-length
 *   records in one Int32Array (see the NODE_* layout below). No JS object per
 *   entry, so the GC sees a handful of large arrays instead of millions of
 *   small objects.
 * - Comparisons are a JS byte loop straight on the arena, preceded by a
 *   4-byte big-endian key prefix cached in the node record, so most
 *   comparisons never touch the arena at all.
 * - A skiplist rather than a B-tree: nodes never move and are never removed,
 *   so an iterator (which holds a node offset) survives any interleaved put.
 * - Arena chunks and node records live in SharedArrayBuffers, so a frozen
 *   memtable is handed to a flush job in a worker thread without a copy
 *   (share()): the worker exports it in key order, off the event loop. (On
 *   the main thread that export cost 6% of a sequential bulk load's main
 *   thread and 13% of a random one's.)
 */
import { compareRanges } from '../../base/bytes.js';
import { copyBytes } from '../../base/copy-bytes.js';
import { FailedPreconditionError } from '../../base/errors.js';
import { varintLength, writeVarint } from '../../base/varint.js';
import type { KvIterator } from '../iterator/kv-iterator.js';

export interface Memtable {
  /**
   * Inserts key→value. Keys are unique in practice (they carry a sequence
   * number); inserting an existing key replaces its value. The memtable copies
   * the bytes (callers may reuse their buffers). Throws
   * FailedPreconditionError if frozen.
   */
  put(key: Uint8Array, value: Uint8Array): void;
  /**
   * Room for `size` bytes of entries in the arena, for a caller that encodes
   * a batch in place (no buffer of its own per batch): it writes them at
   * chunk[off, off + size), export format, then calls putReserved. Nothing is
   * visible until then.
   */
  reserveEncoded(size: number): { chunk: Buffer; ci: number; off: number };
  /**
   * Gives back the last `unused` bytes of the region the last reserveEncoded
   * gave (a caller that reserved a bound and wrote less); the next entries
   * take them. Only right after that reserveEncoded, before any other put
   * (else FailedPreconditionError).
   */
  trimReserved(unused: number): void;
  /**
   * Inserts `count` entries written into the region reserveEncoded gave
   * (chunk `ci`): entry i's key at chunk[offsets[4i], +offsets[4i+1]) and
   * value at chunk[offsets[4i+2], +offsets[4i+3]); what put() does for each,
   * without a copy.
   */
  putReserved(ci: number, offsets: Int32Array, count: number): void;
  /**
   * Approximate bytes used (keys + values + per-entry node overhead), for the
   * flush threshold. Replaced values still count (their bytes stay in the arena).
   */
  readonly approximateBytes: number;
  /** Number of distinct keys. */
  readonly count: number;
  /** True after freeze(); a frozen memtable rejects put() but still reads. */
  readonly frozen: boolean;
  /** Makes the memtable immutable (before it is flushed). Idempotent. */
  freeze(): void;
  /**
   * A KvIterator over the memtable. It stays valid and keeps working while
   * further put() calls happen between its calls; entries inserted ahead of
   * the cursor may or may not be seen. Always synchronous (returns void).
   * key()/value() views stay valid for the life of the memtable (the arena is
   * append-only), which is longer than the contract requires.
   */
  iterator(): KvIterator;
  /**
   * Serialises all entries in key order into one flat buffer:
   * `varint keyLen, key, varint valueLen, value`, repeated. Read it back with
   * newFlatIterator. The result is a view at offset 0 of `into` when that is
   * big enough (exportSize() bytes), else a freshly allocated buffer owning
   * its ArrayBuffer; either way it can be transferred to a worker.
   */
  exportSorted(into?: Uint8Array): Uint8Array;
  /**
   * A frozen memtable's entries, in shared memory: structured-cloneable (a
   * worker receives the same memory, not a copy) and read with
   * exportSharedMemtable. FailedPreconditionError unless frozen (the
   * receiver reads without synchronisation, so nothing may change).
   */
  share(): SharedMemtable;
  /** Bytes exportSorted() writes. */
  exportSize(): number;
}

/**
 * A frozen memtable as another thread receives it (Memtable.share): views of
 * its arena chunks and its node records, all backed by SharedArrayBuffers.
 */
export interface SharedMemtable {
  chunks: Uint8Array[];
  nodes: Int32Array;
  /** Bytes of its export (Memtable.exportSize). */
  exportBytes: number;
  /** Entries (Memtable.count). */
  count: number;
}

/** exportSorted of a shared memtable (Memtable.share), on any thread. */
export function exportSharedMemtable(m: SharedMemtable, into?: Uint8Array): Uint8Array {
  return exportNodes(m.nodes, m.chunks, m.exportBytes, into);
}

/** Zeroed memory another thread can be handed without a copy. */
function sharedBytes(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

function sharedInts(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * count));
}

export interface MemtableOptions {
  /** Arena chunk size in bytes (default 1 MiB). Entries larger than a quarter chunk get a chunk of their own. */
  chunkSize?: number;
  /** Seed of the skiplist height generator (default fixed; any non-zero 32-bit value). */
  seed?: number;
  /**
   * Entries expected (e.g. the previous memtable's count): the node records
   * start that big instead of doubling their way there, copying each time.
   */
  expectedEntries?: number;
}

/** Creates an empty memtable. */
export function newMemtable(opts: MemtableOptions = {}): Memtable {
  return new SkiplistMemtable(opts.chunkSize ?? DEFAULT_CHUNK_SIZE, opts.seed ?? 0x2545f491, opts.expectedEntries ?? 0);
}

/**
 * Test/debug aid, O(n · height): checks that every skiplist level is strictly
 * sorted, that the tail of every level is recorded, and that count matches.
 * A mis-linked upper level still answers correctly (just slowly), so the
 * property tests call this to catch such bugs. Throws Error on a violation.
 */
export function verifyMemtable(mt: Memtable): void {
  if (!(mt instanceof SkiplistMemtable)) throw new TypeError('not a skiplist memtable');
  mt.verify();
}

const DEFAULT_CHUNK_SIZE = 1 << 20;
const MAX_HEIGHT = 12; // branching 4: comfortable up to 4^12 ≈ 16M entries
/** Batches of up to this many entries are linked in key-prefix order (putReserved). */
const ORDER_SLOTS = 1 << 16;
/** insertOrder's sort buffer, shared (putReserved is synchronous). */
let orderScratch = new Float64Array(0);

// Node record layout in `nodes` (Int32Array). A node is identified by the
// offset of its record. Offset 0 is the head node, so 0 also means "null"
// in next links (nothing ever links to the head).
const N_PREFIX = 0; // first 4 key bytes big-endian, zero-padded, xor 0x80000000 (signed compare = unsigned order)
const N_KCHUNK = 1;
const N_KOFF = 2;
const N_KLEN = 3;
const N_VCHUNK = 4; // | MOVED once replaceValue put the value outside its entry
const N_VOFF = 5;
const N_VLEN = 6;
const N_HEIGHT = 7;
const N_PREFIX2 = 8; // key bytes 4..8, as N_PREFIX: keys often share their first 4 bytes ("user…", "com.…")
const N_NEXT = 9; // followed by `height` next links, level 0 first
const HEAD = 0;
/** Flag in N_VCHUNK: the value no longer follows its key in the arena. */
const MOVED = 1 << 30;
const CHUNK_MASK = MOVED - 1;

/** Per-entry overhead counted in approximateBytes besides the node record. */
const ENTRY_OVERHEAD = 16;

/** The node prefix of the key at k[off, off + n). */
function keyPrefix(k: Uint8Array, off: number, n: number): number {
  const p =
    ((n > 0 ? k[off]! : 0) << 24) |
    ((n > 1 ? k[off + 1]! : 0) << 16) |
    ((n > 2 ? k[off + 2]! : 0) << 8) |
    (n > 3 ? k[off + 3]! : 0);
  return p ^ 0x80000000;
}

/** The node's second prefix word: keyPrefix of key bytes 4..8. */
function keyPrefix2(k: Uint8Array, off: number, n: number): number {
  return n > 4 ? keyPrefix(k, off + 4, n - 4) : 0x80000000 | 0;
}

const ORDER_ASCENDING = 1;
const ORDER_SHARED = 2;

/**
 * insertOrder's sort keys: order[i] = the unsigned prefix word of entry i's
 * key (bytes 0..4, or 4..8 when `second`) * ORDER_SLOTS + i. Returns
 * ORDER_ASCENDING if the words never decrease, | ORDER_SHARED if all are equal.
 */
function fillOrder(order: Float64Array, buf: Uint8Array, offsets: Int32Array, count: number, second: boolean): number {
  let ascending = true;
  let shared = true;
  let first = -1;
  let last = -1;
  for (let i = 0; i < count; i++) {
    const ko = offsets[4 * i]!, kl = offsets[4 * i + 1]!;
    const p = ((second ? keyPrefix2(buf, ko, kl) : keyPrefix(buf, ko, kl)) ^ 0x80000000) >>> 0;
    if (p < last) ascending = false;
    if (i === 0) first = p;
    else if (p !== first) shared = false;
    last = p;
    order[i] = p * ORDER_SLOTS + i;
  }
  return (ascending ? ORDER_ASCENDING : 0) | (shared ? ORDER_SHARED : 0);
}

/**
 * Whether 9 evenly spaced keys of a batch ascend: then it is taken as sorted
 * and linked in its own order (insertOrder). In a batch of random keys they
 * ascend with probability 1/9!, and a wrong guess costs only speed.
 */
function sampleAscends(buf: Uint8Array, offsets: Int32Array, count: number): boolean {
  let prev = 0;
  for (let s = 1; s <= 8; s++) {
    const i = Math.floor((s * (count - 1)) / 8);
    const a = offsets[4 * prev]!, b = offsets[4 * i]!;
    if (compareRanges(buf, a, a + offsets[4 * prev + 1]!, buf, b, b + offsets[4 * i + 1]!) >= 0) return false;
    prev = i;
  }
  return true;
}

class SkiplistMemtable implements Memtable {
  /** Node records; replaced by a bigger copy when full (iterators re-read this field). */
  nodes: Int32Array;
  private nodesUsed: number;
  /** Arena chunks. Chunk 0 is empty so zero-length entries always have a valid chunk. */
  readonly chunks: Buffer[] = [sharedBytes(0)];
  private chunkIdx = 0;
  private chunk: Buffer = this.chunks[0]!;
  private chunkPos = 0;
  /** The last reserveEncoded's region in the current chunk, for trimReserved (-1: none to trim). */
  private reservedChunk = -1;
  private reservedFrom = 0;
  private reservedEnd = -1;
  private readonly chunkSize: number;
  /** Current list height (levels in use). */
  private height = 1;
  private rnd: number;
  private readonly prev = new Int32Array(MAX_HEIGHT);
  /** Last node at each level (HEAD when the level is empty), for the append fast path. */
  private readonly tails = new Int32Array(MAX_HEIGHT);
  /** The node linked last, `prev` still holding its predecessors (HEAD: none), for findInsert's finger. */
  private lastInserted = HEAD;
  private bytes = 0;
  private exportBytes = 0;
  private n = 0;
  private isFrozen = false;

  constructor(chunkSize: number, seed: number, expectedEntries: number) {
    if (!(chunkSize >= 64)) throw new RangeError('chunkSize must be >= 64');
    this.chunkSize = chunkSize;
    this.rnd = seed | 0 || 1;
    // Heights are geometric with p = 1/4 (mean 4/3 links per node); capped at 64 Mi words.
    const words = Math.min(1 << 26, Math.ceil(Math.max(0, expectedEntries) * (N_NEXT + 1.4)));
    this.nodes = sharedInts(Math.max(1 << 12, words));
    this.nodes[HEAD + N_HEIGHT] = MAX_HEIGHT;
    this.nodesUsed = N_NEXT + MAX_HEIGHT;
  }

  get approximateBytes(): number { return this.bytes; }
  get count(): number { return this.n; }
  get frozen(): boolean { return this.isFrozen; }
  freeze(): void { this.isFrozen = true; }

  /**
   * Finds where `key` goes: the node holding an equal key (to replace its
   * value), or 0 with `prev` filled with the predecessors at every level.
   */
  private findInsert(key: Uint8Array, ko: number, tlen: number, tp: number, tp2: number): number {
    const nodes = this.nodes;
    const chunks = this.chunks;
    const prev = this.prev;
    const tails = this.tails;
    let x = HEAD;
    // Append fast path (monotonic keys): one comparison with the last node.
    let level = this.height - 1;
    const last = tails[0]!;
    if (last !== HEAD) {
      const c = this.compareNodeAt(last, key, ko, tlen, tp, tp2);
      if (c < 0) {
        for (let l = 0; l <= level; l++) prev[l] = tails[l]!;
        level = -1;
      } else if (c === 0) {
        return this.found(last);
      }
    }
    // Finger: the next key of a batch often sorts right after the last one
    // inserted (a row's cells, in order), with no node between. Then the
    // last insert's predecessors are this key's too, and the new node's own
    // levels lead to it: two comparisons instead of a search from the top.
    const f = this.lastInserted;
    if (level >= 0 && f !== HEAD) {
      const c = this.compareNodeAt(f, key, ko, tlen, tp, tp2);
      if (c === 0) return this.found(f);
      if (c < 0) {
        const nx = nodes[f + N_NEXT]!;
        const c2 = nx === 0 ? 1 : this.compareNodeAt(nx, key, ko, tlen, tp, tp2);
        if (c2 === 0) return this.found(nx);
        if (c2 > 0) {
          const h = nodes[f + N_HEIGHT]!;
          for (let l = 0; l < h; l++) prev[l] = f; // levels above keep the last insert's predecessors
          return 0;
        }
        // Farther on (a sorted batch of scattered keys): climb from the last insert while the
        // next node one level up is still below the key, then descend from there: O(log
        // distance) instead of a search from the top. start(l), the last node at or before f
        // on level l, is f below f's height and f's predecessor (prev) above it.
        const hf = nodes[f + N_HEIGHT]!;
        let l = 0;
        while (l + 1 < this.height) {
          const s1 = l + 1 < hf ? f : prev[l + 1]!;
          const nx1 = nodes[s1 + N_NEXT + l + 1]!;
          if (nx1 === 0 || this.compareNodeAt(nx1, key, ko, tlen, tp, tp2) >= 0) break;
          l++;
        }
        // Above l the key's predecessors are start(l'); those above hf are already in prev.
        for (let i = l + 1; i < hf; i++) prev[i] = f;
        x = l < hf ? f : prev[l]!;
        level = l;
      }
    }
    for (; level >= 0; level--) {
      for (;;) {
        const nx = nodes[x + N_NEXT + level]!;
        if (nx === 0) break;
        // Inline comparison of node nx with the key (hot path).
        const np = nodes[nx + N_PREFIX]!;
        const np2 = nodes[nx + N_PREFIX2]!;
        let c: number;
        if (np !== tp) {
          c = np < tp ? -1 : 1;
        } else if (np2 !== tp2) {
          c = np2 < tp2 ? -1 : 1;
        } else {
          const chunk = chunks[nodes[nx + N_KCHUNK]!]!;
          const off = nodes[nx + N_KOFF]!;
          const len = nodes[nx + N_KLEN]!;
          const m = len < tlen ? len : tlen;
          let i = m < 8 ? m : 8; // the prefix words proved bytes [0, min(8, lens)) equal
          c = 0;
          for (; i < m; i++) {
            const d = chunk[off + i]! - key[ko + i]!;
            if (d !== 0) { c = d; break; }
          }
          if (c === 0) c = len - tlen;
        }
        if (c < 0) { x = nx; continue; }
        if (c === 0) return this.found(nx);
        break;
      }
      prev[level] = x;
    }
    return 0;
  }

  /** findInsert's answer for a key already present: `prev` is left part-written, so the finger is dropped. */
  private found(node: number): number {
    this.lastInserted = HEAD;
    return node;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    if (this.isFrozen) throw new FailedPreconditionError('memtable is frozen');
    const tp = keyPrefix(key, 0, key.length);
    const tp2 = keyPrefix2(key, 0, key.length);
    const found = this.findInsert(key, 0, key.length, tp, tp2);
    if (found !== 0) {
      this.replaceValue(found, value);
      return;
    }
    // Copy the entry into the arena already in export format (varint klen,
    // key, varint vlen, value), so exportSorted copies whole entries, and
    // whole runs of them when keys arrived in order.
    const tlen = key.length;
    const vlen = value.length;
    const entryLen = varintLength(tlen) + tlen + varintLength(vlen) + vlen;
    const start = this.reserve(entryLen);
    const c = this.chunk;
    const kvOff = writeVarint(c, start, tlen);
    if (tlen > 0) c.set(key, kvOff);
    const vOff = writeVarint(c, kvOff + tlen, vlen);
    if (vlen > 0) c.set(value, vOff);
    this.link(tp, tp2, this.chunkIdx, kvOff, tlen, vOff, vlen, entryLen);
  }

  reserveEncoded(size: number): { chunk: Buffer; ci: number; off: number } {
    if (this.isFrozen) throw new FailedPreconditionError('memtable is frozen');
    const off = this.reserve(size);
    this.reservedChunk = this.chunkIdx;
    this.reservedEnd = this.chunkPos;
    this.reservedFrom = off;
    return { chunk: this.chunk, ci: this.chunkIdx, off };
  }

  trimReserved(unused: number): void {
    if (this.chunkIdx !== this.reservedChunk || this.chunkPos !== this.reservedEnd || !(unused >= 0 && unused <= this.reservedEnd - this.reservedFrom)) {
      throw new FailedPreconditionError('trimReserved: not right after the reserveEncoded it trims, or more than it reserved');
    }
    this.chunkPos -= unused;
    this.reservedEnd = -1;
  }

  /**
   * The order to link a batch's entries in: by their 4-byte key prefixes (by
   * bytes 4..8 when all share the first 4) when they are not already
   * ascending (random keys), so each insert's finger
   * search starts near the last one; undefined to keep the batch's order.
   * Any order is correct: findInsert searches from the top when a key is not
   * after the last one. Sorts prefix * ORDER_SLOTS + index in a Float64Array
   * (exact below 2^53; a native numeric sort, no comparator calls).
   */
  private insertOrder(buf: Uint8Array, offsets: Int32Array, count: number): Float64Array | undefined {
    if (count < 64 || count > ORDER_SLOTS) return undefined;
    if (sampleAscends(buf, offsets, count)) return undefined; // sequential keys: no prefix passes
    let order = orderScratch;
    if (order.length < count) order = orderScratch = new Float64Array(Math.max(1024, 2 ** Math.ceil(Math.log2(count))));
    let flags = fillOrder(order, buf, offsets, count, false);
    // Every key starts with the same 4 bytes ("user…"): order them by the next 4.
    if (flags & ORDER_SHARED) flags = fillOrder(order, buf, offsets, count, true);
    if (flags & ORDER_ASCENDING) return undefined;
    const sorted = order.subarray(0, count);
    sorted.sort();
    return sorted;
  }

  putReserved(ci: number, offsets: Int32Array, count: number): void {
    if (this.isFrozen) throw new FailedPreconditionError('memtable is frozen');
    const buf = this.chunks[ci]!;
    const order = this.insertOrder(buf, offsets, count);
    for (let j = 0; j < count; j++) {
      const i = order === undefined ? j : order[j]! % ORDER_SLOTS;
      const ko = offsets[4 * i]!, kl = offsets[4 * i + 1]!, vo = offsets[4 * i + 2]!, vl = offsets[4 * i + 3]!;
      // The key is compared in place (no view per entry).
      const tp = keyPrefix(buf, ko, kl);
      const tp2 = keyPrefix2(buf, ko, kl);
      const found = this.findInsert(buf, ko, kl, tp, tp2);
      if (found !== 0) {
        this.replaceValue(found, buf.subarray(vo, vo + vl));
        continue;
      }
      this.link(tp, tp2, ci, ko, kl, vo, vl, vo + vl - (ko - varintLength(kl)));
    }
  }

  /** Links a new node for an entry at chunks[ci] (key at ko, value at vo, in export format) after `prev`. */
  private link(tp: number, tp2: number, ci: number, ko: number, tlen: number, vo: number, vlen: number, entryLen: number): void {
    const prev = this.prev;
    const tails = this.tails;
    const h = this.randomHeight();
    if (h > this.height) {
      for (let l = this.height; l < h; l++) prev[l] = HEAD;
      this.height = h;
    }

    const recLen = N_NEXT + h;
    let nn = this.nodes;
    if (this.nodesUsed + recLen > nn.length) nn = this.growNodes(recLen);
    const node = this.nodesUsed;
    this.nodesUsed += recLen;
    nn[node + N_PREFIX] = tp;
    nn[node + N_PREFIX2] = tp2;
    nn[node + N_KCHUNK] = ci;
    nn[node + N_KOFF] = ko;
    nn[node + N_KLEN] = tlen;
    nn[node + N_VCHUNK] = ci;
    nn[node + N_VOFF] = vo;
    nn[node + N_VLEN] = vlen;
    nn[node + N_HEIGHT] = h;
    for (let l = 0; l < h; l++) {
      const p = prev[l]! + N_NEXT + l;
      const after = nn[p]!;
      nn[node + N_NEXT + l] = after;
      nn[p] = node;
      if (after === 0) tails[l] = node;
    }
    this.lastInserted = node;
    this.n++;
    this.bytes += tlen + vlen + recLen * 4 + ENTRY_OVERHEAD;
    this.exportBytes += entryLen;
  }

  private replaceValue(node: number, value: Uint8Array): void {
    const nodes = this.nodes;
    const oldLen = nodes[node + N_VLEN]!;
    const vlen = value.length;
    const off = this.reserve(vlen);
    if (vlen > 0) this.chunk.set(value, off);
    nodes[node + N_VCHUNK] = this.chunkIdx | MOVED;
    nodes[node + N_VOFF] = off;
    nodes[node + N_VLEN] = vlen;
    this.bytes += vlen;
    this.exportBytes += varintLength(vlen) + vlen - varintLength(oldLen) - oldLen;
  }

  /** Reserves n bytes in the current chunk (starting a new one if needed); returns the offset. */
  private reserve(n: number): number {
    if (this.chunkPos + n <= this.chunk.length) {
      const off = this.chunkPos;
      this.chunkPos += n;
      return off;
    }
    // Big entries get a chunk of their own so they do not waste a shared one.
    const size = n > this.chunkSize >>> 2 ? n : this.chunkSize;
    this.chunk = sharedBytes(size);
    this.chunks.push(this.chunk);
    this.chunkIdx = this.chunks.length - 1;
    this.chunkPos = n;
    return 0;
  }

  private growNodes(extra: number): Int32Array {
    let cap = this.nodes.length * 2;
    while (cap < this.nodesUsed + extra) cap *= 2;
    const nn = sharedInts(cap);
    nn.set(this.nodes.subarray(0, this.nodesUsed));
    this.nodes = nn;
    return nn;
  }

  /** Height with P(h) = 4^-(h-1), capped at MAX_HEIGHT (xorshift32). */
  private randomHeight(): number {
    let r = this.rnd;
    r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
    this.rnd = r;
    // Two random bits per level: level up while both are zero (p = 1/4).
    let h = 1;
    let bits = r >>> 0;
    while (h < MAX_HEIGHT && (bits & 3) === 0) { h++; bits >>>= 2; }
    return h;
  }

  verify(): void {
    const nodes = this.nodes;
    for (let level = 0; level < MAX_HEIGHT; level++) {
      let x = HEAD;
      let n = 0;
      for (let nx = nodes[x + N_NEXT + level]!; nx !== 0; nx = nodes[nx + N_NEXT + level]!) {
        if (nodes[nx + N_HEIGHT]! <= level) throw new Error(`node ${nx} linked above its height at level ${level}`);
        if (x !== HEAD) {
          const k = this.nodeKey(nx);
          if (this.compareNode(x, k, keyPrefix(k, 0, k.length), keyPrefix2(k, 0, k.length)) >= 0) throw new Error(`level ${level} out of order at node ${nx}`);
        }
        x = nx;
        n++;
      }
      if (this.tails[level] !== x) throw new Error(`level ${level}: tail ${this.tails[level]} but last node ${x}`);
      if (level === 0 && n !== this.n) throw new Error(`count ${this.n} but ${n} nodes at level 0`);
      if (level >= this.height && n !== 0) throw new Error(`level ${level} in use above height ${this.height}`);
    }
  }

  /** Compares node's key with target (sign of node - target). */
  compareNode(node: number, target: Uint8Array, tp: number, tp2: number): number {
    return this.compareNodeAt(node, target, 0, target.length, tp, tp2);
  }

  /** compareNode with the target at t[to, to + tlen). */
  compareNodeAt(node: number, t: Uint8Array, to: number, tlen: number, tp: number, tp2: number): number {
    const nodes = this.nodes;
    const np = nodes[node + N_PREFIX]!;
    if (np !== tp) return np < tp ? -1 : 1;
    const np2 = nodes[node + N_PREFIX2]!;
    if (np2 !== tp2) return np2 < tp2 ? -1 : 1;
    const chunk = this.chunks[nodes[node + N_KCHUNK]!]!;
    const off = nodes[node + N_KOFF]!;
    const len = nodes[node + N_KLEN]!;
    const m = len < tlen ? len : tlen;
    for (let i = m < 8 ? m : 8; i < m; i++) {
      const d = chunk[off + i]! - t[to + i]!;
      if (d !== 0) return d;
    }
    return len - tlen;
  }

  /** First node with key >= target, or 0. */
  findGreaterOrEqual(target: Uint8Array): number {
    const tp = keyPrefix(target, 0, target.length);
    const tp2 = keyPrefix2(target, 0, target.length);
    let x = HEAD;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = this.nodes[x + N_NEXT + level]!;
        if (nx === 0) break;
        const c = this.compareNode(nx, target, tp, tp2);
        if (c < 0) { x = nx; continue; }
        if (c === 0) return nx;
        break;
      }
    }
    return this.nodes[x + N_NEXT]!;
  }

  /** Last node with key < target, or 0. */
  findLessThan(target: Uint8Array): number {
    const tp = keyPrefix(target, 0, target.length);
    const tp2 = keyPrefix2(target, 0, target.length);
    let x = HEAD;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = this.nodes[x + N_NEXT + level]!;
        if (nx === 0 || this.compareNode(nx, target, tp, tp2) >= 0) break;
        x = nx;
      }
    }
    return x;
  }

  /** Last node, or 0 when empty. */
  findLast(): number {
    const nodes = this.nodes;
    let x = HEAD;
    for (let level = this.height - 1; level >= 0; level--) {
      for (;;) {
        const nx = nodes[x + N_NEXT + level]!;
        if (nx === 0) break;
        x = nx;
      }
    }
    return x;
  }

  nextNode(node: number): number { return this.nodes[node + N_NEXT]!; }
  firstNode(): number { return this.nodes[HEAD + N_NEXT]!; }

  nodeKey(node: number): Buffer {
    const nodes = this.nodes;
    const off = nodes[node + N_KOFF]!;
    return this.chunks[nodes[node + N_KCHUNK]!]!.subarray(off, off + nodes[node + N_KLEN]!);
  }

  nodeValue(node: number): Buffer {
    const nodes = this.nodes;
    const off = nodes[node + N_VOFF]!;
    return this.chunks[nodes[node + N_VCHUNK]! & CHUNK_MASK]!.subarray(off, off + nodes[node + N_VLEN]!);
  }

  iterator(): KvIterator {
    return new MemtableIterator(this);
  }

  exportSize(): number {
    return this.exportBytes;
  }

  exportSorted(into?: Uint8Array): Uint8Array {
    // Synchronous, so it may run on a memtable still taking writes (a manifest tail).
    return exportNodes(this.nodes, this.chunks, this.exportBytes, into);
  }

  share(): SharedMemtable {
    if (!this.isFrozen) throw new FailedPreconditionError('share: the memtable must be frozen');
    return { chunks: this.chunks.slice(), nodes: this.nodes, exportBytes: this.exportBytes, count: this.n };
  }
}

/**
 * Copies a memtable's entries (its node records and arena chunks) in key
 * order into one flat buffer: `into` when it holds `size` bytes (the result
 * is a view of it at offset 0), else a new Uint8Array, which owns its
 * ArrayBuffer and can be transferred. Consecutive entries that also sit back
 * to back in one arena chunk (keys inserted in order) are copied as one run.
 */
function exportNodes(nodes: Int32Array, chunks: readonly Uint8Array[], size: number, into: Uint8Array | undefined): Uint8Array {
  const out = into && into.length >= size ? into.subarray(0, size) : new Uint8Array(size);
  let pos = 0;
  let runChunk = -1;
  let runStart = 0;
  let runEnd = 0;
  for (let x = nodes[HEAD + N_NEXT]!; x !== 0; x = nodes[x + N_NEXT]!) {
    const kc = nodes[x + N_KCHUNK]!;
    const koff = nodes[x + N_KOFF]!;
    const klen = nodes[x + N_KLEN]!;
    const vlen = nodes[x + N_VLEN]!;
    const voff = nodes[x + N_VOFF]!;
    const start = koff - varintLength(klen);
    const vc = nodes[x + N_VCHUNK]!;
    if ((vc & MOVED) === 0) {
      if (kc === runChunk && start === runEnd) {
        runEnd = voff + vlen;
        continue;
      }
      if (runChunk >= 0) pos = copyBytes(out, pos, chunks[runChunk]!, runStart, runEnd - runStart);
      runChunk = kc;
      runStart = start;
      runEnd = voff + vlen;
      continue;
    }
    if (runChunk >= 0) pos = copyBytes(out, pos, chunks[runChunk]!, runStart, runEnd - runStart);
    runChunk = -1;
    pos = writeVarint(out, pos, klen);
    pos = copyBytes(out, pos, chunks[kc]!, koff, klen);
    pos = writeVarint(out, pos, vlen);
    pos = copyBytes(out, pos, chunks[vc & CHUNK_MASK]!, voff, vlen);
  }
  if (runChunk >= 0) pos = copyBytes(out, pos, chunks[runChunk]!, runStart, runEnd - runStart);
  if (pos !== size) throw new Error(`memtable export size mismatch: ${pos} != ${size}`);
  return out;
}

/**
 * Iterator over a SkiplistMemtable. Holds a node offset; nodes never move or
 * disappear, so it survives interleaved puts. The key/value views are created
 * lazily and cached per position.
 */
class MemtableIterator implements KvIterator {
  private node = 0;
  private k: Buffer | undefined;
  private v: Buffer | undefined;
  private closed = false;

  constructor(private readonly mt: SkiplistMemtable) {}

  private at(node: number): void {
    this.node = node;
    this.k = undefined;
    this.v = undefined;
  }

  seek(target: Uint8Array): void { this.at(this.mt.findGreaterOrEqual(target)); }
  seekToFirst(): void { this.at(this.mt.firstNode()); }
  seekLT(target: Uint8Array): void { this.at(this.mt.findLessThan(target)); }
  seekToLast(): void { this.at(this.mt.findLast()); }
  next(): void {
    if (this.node === 0) throw new FailedPreconditionError('memtable iterator: next() on an invalid iterator');
    this.at(this.mt.nextNode(this.node));
  }
  valid(): boolean { return this.node !== 0; }
  key(): Uint8Array {
    if (this.node === 0) throw new FailedPreconditionError('memtable iterator: key() on an invalid iterator');
    return (this.k ??= this.mt.nodeKey(this.node));
  }
  value(): Uint8Array {
    if (this.node === 0) throw new FailedPreconditionError('memtable iterator: value() on an invalid iterator');
    return (this.v ??= this.mt.nodeValue(this.node));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.node = 0;
  }
}

/**
 * Opens an SSTable (FORMAT.md): reads and verifies the footer, index, bloom
 * filter and properties once and keeps them in memory; data blocks are read
 * on demand through the server's shared BlockCache.
 *
 * Every block's checksum is verified when it is read from storage; a
 * mismatch or any malformed structure throws CorruptionError naming the file
 * (and the block offset) — wrong data is never returned.
 */
import { checksum32 } from '../../base/checksum.js';
import { compareBytes } from '../../base/bytes.js';
import { CorruptionError, UnavailableError } from '../../base/errors.js';
import { readUint32LE, readVarint, varintEnd } from '../../base/varint.js';
import type { Storage, ReadableFile } from '../../storage/storage.js';
import type { BlockCache } from '../cache/block-cache.js';
import type { KvIterator } from '../iterator/kv-iterator.js';
import { BLOCK_TRAILER_SIZE, BlockType, FOOTER_SIZE } from './format.js';
import type { BlockHandle } from './block-builder.js';
import { newBlockIterator } from './block-iterator.js';
import { blockedBloomMayContainHash, bloomHash, bloomLayoutOf, bloomMayContainHash, type BloomHash } from './bloom-filter.js';
import { readFooter } from './footer.js';
import { readPropertiesBlock, type StoredProperties } from './table-properties.js';
import { newSstableIterator, type DataBlockSource, type RecyclableIterator } from './sstable-iterator.js';
import { ReadaheadBlocks } from './readahead-blocks.js';
import { SortedKeys } from './sorted-keys.js';
import { copyBytes } from '../../base/copy-bytes.js';

/**
 * What the builder stored (smallestKey and largestKey are empty for an empty
 * table; data blocks occupy [0, dataBytes)), without the bloom parameters,
 * which the reader keeps with its filter; plus the footer's format version
 * and the file's size.
 */
export interface SstableProperties extends Omit<StoredProperties, 'bloomBitsPerKey' | 'bloomKeyCount'> {
  formatVersion: number;
  fileSize: number;
}

export interface SstableReader {
  readonly name: string;
  readonly properties: SstableProperties;
  /** Bloom check on a bloom key (e.g. a row key); false = definitely absent. Always true without a filter. */
  mayContain(bloomKey: Uint8Array): boolean;
  /** mayContain with the key's hashes computed once by the caller (bloomHash), for probing many tables. */
  mayContainHash(h: BloomHash): boolean;
  /**
   * A KvIterator over all entries (see src/lsm/iterator/kv-iterator.ts: sync
   * when the block is cached, a Promise when it must be read). Also allows
   * next() after seekLT/seekToLast.
   */
  iterator(): KvIterator;
  /**
   * An iterator for one sequential pass over the table (compaction): it
   * reads runs of consecutive blocks of up to `readaheadBytes` at a time and
   * bypasses the block cache (readahead-blocks.ts).
   */
  sequentialIterator(readaheadBytes: number): KvIterator;
  /**
   * First key of every data block (from the index): used to pick split points
   * and answer SampleRowKeys. A fresh array; the keys are shared, do not mutate.
   */
  blockFirstKeys(): Uint8Array[];
  /** Approximate byte offset of key within the file (0 before the first key, dataBytes past the last). */
  approximateOffsetOf(key: Uint8Array): number;
  /**
   * Serves this table's data blocks from `fileBytes`, the writer's own copy
   * of the whole file (a flush's worker hands it over), until dropImage or
   * close: a block missing from the cache is copied from it into the cache
   * instead of read from storage. The copy is trusted as the memtable it came
   * from is (its checksums were computed from these very bytes moments ago).
   * A flush's blocks are about to be read and would otherwise all miss
   * (RocksDB's prepopulate_block_cache); copying only the blocks that are read
   * keeps a write-only load from copying every file it flushes (that was
   * ~12% of a bulk load's main thread, most of it faulting in fresh memory).
   * `release` is called once, when the image is dropped. A copy of the wrong
   * size is ignored (released at once).
   */
  adoptImage(fileBytes: Uint8Array, release: () => void): void;
  /** Stops serving from the image and releases it (no-op without one). */
  dropImage(): void;
  /** Bytes of the adopted image, 0 without one. */
  readonly imageBytes: number;
  /**
   * Closes the file. Blocks already cached stay in the cache (another reader
   * may share the file); call cache.evictFile when the file is deleted.
   * Iterators that then need a new block fail with UnavailableError.
   */
  close(): Promise<void>;
}

/** Opens `name` in `storage`. Rejects with CorruptionError naming the file if any metadata is bad. */
export async function openSstable(storage: Storage, name: string, cache: BlockCache): Promise<SstableReader> {
  const file = await storage.open(name);
  try {
    return await load(file, name, cache);
  } catch (e) {
    await file.close().catch(() => {});
    throw e;
  }
}

const TYPE_NAMES: Record<number, string> = {
  [BlockType.DATA]: 'data',
  [BlockType.INDEX]: 'index',
  [BlockType.BLOOM]: 'bloom',
  [BlockType.PROPERTIES]: 'properties',
};

/**
 * Checks the trailer of a raw block (contents + trailer) and returns the contents.
 * Throws CorruptionError naming the file and the block offset.
 */
/** `hash`: checksum32 of raw[0, h.size + 1) when the storage computed it (ReadableFile.readHashed). */
function verifyBlock(file: string, raw: Uint8Array, h: BlockHandle, type: BlockType, hash?: number): Uint8Array {
  const kind = TYPE_NAMES[type];
  if (raw.length !== h.size + BLOCK_TRAILER_SIZE) {
    throw new CorruptionError(file, `${kind} block at offset ${h.offset}: read ${raw.length} bytes, expected ${h.size + BLOCK_TRAILER_SIZE}`);
  }
  const stored = readUint32LE(raw, h.size + 1);
  if ((hash ?? checksum32(raw.subarray(0, h.size + 1))) !== stored) {
    throw new CorruptionError(file, `${kind} block at offset ${h.offset}: checksum mismatch`);
  }
  if (raw[h.size] !== type) {
    throw new CorruptionError(file, `${kind} block at offset ${h.offset}: block type ${raw[h.size]}, expected ${type}`);
  }
  return raw.subarray(0, h.size);
}

async function load(file: ReadableFile, name: string, cache: BlockCache): Promise<SstableReader> {
  const fileSize = file.size;
  if (fileSize < FOOTER_SIZE) throw new CorruptionError(name, `file too small for an SSTable (${fileSize} bytes)`);
  const footerStart = fileSize - FOOTER_SIZE;
  const footer = readFooter(name, await file.read(footerStart, FOOTER_SIZE));

  const hasBloom = footer.bloom.size > 0;
  const metaHandles = hasBloom ? [footer.bloom, footer.properties, footer.index] : [footer.properties, footer.index];
  for (const h of metaHandles) {
    if (h.offset + h.size + BLOCK_TRAILER_SIZE > footerStart) {
      throw new CorruptionError(name, `footer: block handle ${h.offset}+${h.size} beyond end of file`);
    }
  }
  // The metadata blocks are contiguous before the footer: one read.
  const metaStart = Math.min(...metaHandles.map((h) => h.offset));
  const meta = await file.read(metaStart, footerStart - metaStart);
  const metaBlock = (h: BlockHandle, type: BlockType): Uint8Array =>
    verifyBlock(name, meta.subarray(h.offset - metaStart, h.offset - metaStart + h.size + BLOCK_TRAILER_SIZE), h, type);

  const bloom = hasBloom ? metaBlock(footer.bloom, BlockType.BLOOM) : undefined;
  const stored = readPropertiesBlock(name, metaBlock(footer.properties, BlockType.PROPERTIES), footer.properties.offset);

  // Index: key = last key of block; value = varint offset, varint size, first key.
  const firstKeys: Uint8Array[] = [];
  const lastKeys: Uint8Array[] = [];
  const offsets: number[] = [];
  const sizes: number[] = [];
  const it = newBlockIterator(name);
  it.reset(metaBlock(footer.index, BlockType.INDEX), footer.index.offset);
  const bad = (msg: string): CorruptionError => new CorruptionError(name, `index block at offset ${footer.index.offset}: ${msg}`);
  let expectedOffset = 0;
  for (it.seekToFirst(); it.valid(); it.next()) {
    const v = it.value();
    let offset: number;
    let size: number;
    let p: number;
    try {
      offset = readVarint(v, 0);
      size = readVarint(v, varintEnd.pos);
      p = varintEnd.pos;
    } catch {
      throw bad(`bad block handle in entry ${offsets.length}`);
    }
    if (offset !== expectedOffset) throw bad(`data block ${offsets.length} at offset ${offset}, expected ${expectedOffset}`);
    expectedOffset = offset + size + BLOCK_TRAILER_SIZE;
    if (expectedOffset > metaStart) throw bad(`data block ${offsets.length} overlaps metadata`);
    const first = Buffer.from(v.subarray(p));
    const last = Buffer.from(it.key());
    if (compareBytes(first, last) > 0) throw bad(`block ${offsets.length} first key > last key`);
    if (lastKeys.length > 0 && compareBytes(lastKeys[lastKeys.length - 1]!, first) >= 0) {
      throw bad(`block ${offsets.length} overlaps the previous block`);
    }
    firstKeys.push(first);
    lastKeys.push(last);
    offsets.push(offset);
    sizes.push(size);
  }
  if (offsets.length !== stored.blockCount || expectedOffset !== stored.dataBytes || stored.dataBytes > metaStart) {
    throw new CorruptionError(name, `properties (blockCount ${stored.blockCount}, dataBytes ${stored.dataBytes}) disagree with the index (${offsets.length} blocks, ${expectedOffset} bytes)`);
  }

  const properties: SstableProperties = {
    formatVersion: footer.formatVersion,
    entryCount: stored.entryCount,
    smallestKey: stored.smallestKey,
    largestKey: stored.largestKey,
    minSeq: stored.minSeq,
    maxSeq: stored.maxSeq,
    dataBytes: stored.dataBytes,
    blockCount: stored.blockCount,
    fileSize,
  };
  return new SstableReaderImpl(name, file, cache, properties, bloom, new SortedKeys(firstKeys), new SortedKeys(lastKeys), offsets, sizes);
}

class SstableReaderImpl implements SstableReader, DataBlockSource {
  readonly blockCount: number;
  /** Reads in flight by block offset, and how many callers wait for each (each gets the block pinned). */
  private readonly inflight = new Map<number, { block: Promise<Uint8Array>; waiters: number }>();
  private closed = false;
  /** Closed iterators of this table, handed out again (saves an iterator, a block iterator and its key buffer per point read). */
  private readonly spareIterators: RecyclableIterator[] = [];
  /** The writer's copy of the file while adopted (adoptImage), and what releases it. */
  private image: Uint8Array | undefined;
  private releaseImage: (() => void) | undefined;

  constructor(
    readonly name: string,
    private readonly file: ReadableFile,
    private readonly cache: BlockCache,
    readonly properties: SstableProperties,
    private readonly bloom: Uint8Array | undefined,
    readonly firstKeys: SortedKeys,
    readonly lastKeys: SortedKeys,
    private readonly offsets: number[],
    private readonly sizes: number[],
  ) {
    this.blockCount = offsets.length;
    this.blockedBloom = bloomLayoutOf(properties.formatVersion) === 'blocked';
  }

  /** The bloom filter's layout is the blocked one (format version 2 on). */
  private readonly blockedBloom: boolean;

  mayContain(bloomKey: Uint8Array): boolean {
    return this.mayContainHash(bloomHash(bloomKey));
  }

  mayContainHash(h: BloomHash): boolean {
    if (this.bloom === undefined) return true;
    return this.blockedBloom ? blockedBloomMayContainHash(this.bloom, h) : bloomMayContainHash(this.bloom, h);
  }

  iterator(): KvIterator {
    const spare = this.spareIterators.pop();
    if (!spare) return newSstableIterator(this);
    spare.reopen();
    return spare;
  }

  sequentialIterator(readaheadBytes: number): KvIterator {
    return newSstableIterator(new ReadaheadBlocks({
      name: this.name, firstKeys: this.firstKeys, lastKeys: this.lastKeys, file: this.file, offsets: this.offsets, sizes: this.sizes,
      verify: (raw, offset, size) => verifyBlock(this.name, raw, { offset, size }, BlockType.DATA),
    }, readaheadBytes));
  }

  recycle(it: RecyclableIterator): void {
    // A few are enough: reads are synchronous when cached, so few overlap.
    if (!this.closed && this.spareIterators.length < 4) this.spareIterators.push(it);
  }

  blockFirstKeys(): Uint8Array[] {
    return this.firstKeys.keys.slice();
  }

  approximateOffsetOf(key: Uint8Array): number {
    const i = this.lastKeys.lowerBound(key);
    return i < this.offsets.length ? this.offsets[i]! : this.properties.dataBytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dropImage();
    await this.file.close();
  }

  blockOffset(i: number): number {
    return this.offsets[i]!;
  }

  dataBlock(i: number): Uint8Array | Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new UnavailableError(`${this.name}: sstable reader is closed`));
    const offset = this.offsets[i]!;
    const hit = this.cache.acquire(this.name, offset);
    if (hit !== undefined) return hit;
    if (this.image !== undefined) {
      // A copy: a cached block must not pin the image (released when dropped).
      const size = this.sizes[i]!;
      const block = this.cache.takeBuffer(size);
      copyBytes(block, 0, this.image, offset, size); // the block may be shared memory, unaligned with the image
      this.cache.put(this.name, offset, block, { recyclable: true, pins: 1 });
      return block;
    }
    // Concurrent misses on one block share a single read; each is handed the block pinned.
    let f = this.inflight.get(offset);
    if (f === undefined) {
      f = { block: this.fetch(offset, this.sizes[i]!), waiters: 0 };
      this.inflight.set(offset, f);
    }
    f.waiters++;
    return f.block;
  }

  release(i: number, block: Uint8Array): void {
    this.cache.release(this.name, this.offsets[i]!, block);
  }

  adoptImage(fileBytes: Uint8Array, release: () => void): void {
    this.dropImage();
    if (this.closed || fileBytes.length !== this.properties.fileSize) {
      release();
      return;
    }
    this.image = fileBytes;
    this.releaseImage = release;
  }

  get imageBytes(): number {
    return this.image?.length ?? 0;
  }

  dropImage(): void {
    const release = this.releaseImage;
    this.image = undefined;
    this.releaseImage = undefined;
    release?.();
  }

  private async fetch(offset: number, size: number): Promise<Uint8Array> {
    const buf = this.cache.takeBuffer(size + BLOCK_TRAILER_SIZE);
    let block: Uint8Array | undefined;
    try {
      const h = { offset, size };
      const length = size + BLOCK_TRAILER_SIZE;
      if (this.file.readHashed) {
        // The checksummed range is the contents and the type byte.
        const { bytes, hash } = await this.file.readHashed(offset, length, size + 1, buf);
        block = verifyBlock(this.name, bytes, h, BlockType.DATA, hash);
      } else {
        block = verifyBlock(this.name, await this.file.read(offset, length, buf), h, BlockType.DATA);
      }
      // Pinned for every caller waiting, as it is cached (from then on others' misses may evict it).
      // Recyclable only in the memory taken for it: a storage may answer with memory of its own.
      this.cache.put(this.name, offset, block, { recyclable: block.buffer === buf.buffer, pins: this.inflight.get(offset)!.waiters });
      return block;
    } finally {
      this.inflight.delete(offset);
      if (block?.buffer !== buf.buffer) this.cache.giveBack(buf); // failed, or the storage read into memory of its own
    }
  }
}

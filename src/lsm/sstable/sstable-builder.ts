/**
 * Builds a complete SSTable file in memory (layout in FORMAT.md). Entries
 * are added in strictly increasing compareBytes order; `finish` returns the
 * file bytes, which the caller writes with Storage.writeFile.
 *
 * The SSTable layer is generic: it knows byte keys and byte values only.
 */
import { compareRanges, printable } from '../../base/bytes.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../base/errors.js';
import { varintLength } from '../../base/varint.js';
import { BLOCK_TRAILER_SIZE, BlockType, FOOTER_SIZE, FORMAT_VERSION, SUPPORTED_FORMAT_VERSIONS } from './format.js';
import { ByteWriter } from './byte-writer.js';
import { newBlockBuilder, writeRawBlock, type BlockBuilder, type BlockHandle } from './block-builder.js';
import { bloomLayoutOf, newBloomFilterBuilder, type BloomFilterBuilder } from './bloom-filter.js';
import { writePropertiesBlock } from './table-properties.js';
import { writeFooter } from './footer.js';
import { encodeRun, type RunBloomKey, type RunSource } from './data-block-kernel.js';

export interface SstableBuilderOptions {
  /** Target size of a data block's contents in bytes (default 16 KiB). An entry larger than this gets a block of its own. */
  blockSize?: number;
  /**
   * A full key is stored every restartInterval entries of a data block
   * (default 4: a point read's seek then decodes at most 4 entries after its
   * binary search; with 16, cached point reads were ~15% slower).
   */
  restartInterval?: number;
  /** Bloom filter bits per key (default 10; 0 = no bloom filter). */
  bloomBitsPerKey?: number;
  /**
   * Maps an entry key to the key hashed into the bloom filter (the tablet
   * passes "row key of this cell key"); default identity. Consecutive equal
   * bloom keys are added once. Must return a value valid until the next add.
   */
  bloomKey?: (key: Uint8Array) => Uint8Array;
  /**
   * Instead of bloomKey, when the bloom key is a prefix of the entry key:
   * its length, for the key at k[off, off+len) (the tablet's row prefix).
   * Lets addParts hash without a view per entry.
   */
  bloomKeyLength?: (k: Uint8Array, off: number, len: number) => number;
  /** Expected file size in bytes, when known (a flush knows its input): the output buffer starts that big instead of doubling its way there. */
  sizeHint?: number;
  /**
   * A buffer to build the file in (e.g. the previous build's, see
   * base/spare-buffer.ts); it grows into a new one if too small. The result
   * of finish() is a view of whichever buffer holds the file (`buffer`).
   */
  buffer?: Buffer;
  /** The format version to write (default FORMAT_VERSION); an older one only for compatibility tests. */
  formatVersion?: number;
}

export interface SstableBuilder {
  /**
   * Appends an entry. key must be greater than the previous key (compareBytes),
   * else InvalidArgumentError. key and value are copied; the caller keeps ownership.
   */
  add(key: Uint8Array, value: Uint8Array): void;
  /** add() of key = k[kOff, kOff+kLen) and value = v[vOff, vOff+vLen), without views (a flush's hot loop). */
  addParts(k: Uint8Array, kOff: number, kLen: number, v: Uint8Array, vOff: number, vLen: number): void;
  /**
   * Adds a whole sorted run (the memtable export format: varint keyLength,
   * key, varint valueLength, value) through the data-block kernel, which
   * writes the same blocks add() would, several times faster. Only into an
   * empty builder; nothing can be added after it. `bloomKey` names the part
   * of each key the bloom filter hashes (the builder's bloomKey options are
   * functions the kernel cannot call). seqSuffix: keys end in MAX_U53 - seq
   * (big-endian); the sequence range is returned. A RunSource writes the
   * run straight into the kernel's memory.
   */
  addSortedRun(run: Uint8Array | RunSource, opts: { bloomKey: Exclude<RunBloomKey, 'none'>; seqSuffix: boolean }): { minSeq: number; maxSeq: number };
  readonly entryCount: number;
  /** Approximate size of the file if finished now. */
  readonly estimatedSize: number;
  /**
   * Writes the remaining blocks and the footer and returns the complete file
   * bytes (a view of the builder's buffer; the builder is done afterwards).
   */
  finish(props: { minSeq: number; maxSeq: number }): Uint8Array;
  /** The buffer the file is built in (its backing store, at least as big as the file). */
  readonly buffer: Buffer;
}

/** Index block restart interval (not persisted: readers take restarts from the block). */
const INDEX_RESTART_INTERVAL = 16;

export function newSstableBuilder(opts: SstableBuilderOptions = {}): SstableBuilder {
  const blockSize = opts.blockSize ?? 16 * 1024;
  const restartInterval = opts.restartInterval ?? 4;
  const bloomBitsPerKey = opts.bloomBitsPerKey ?? 10;
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new InvalidArgumentError(`blockSize: must be a positive integer, got ${blockSize}`);
  }
  if (!Number.isInteger(restartInterval) || restartInterval < 1) {
    throw new InvalidArgumentError(`restartInterval: must be a positive integer, got ${restartInterval}`);
  }
  if (!Number.isInteger(bloomBitsPerKey) || bloomBitsPerKey < 0 || bloomBitsPerKey > 100) {
    throw new InvalidArgumentError(`bloomBitsPerKey: must be an integer in [0, 100], got ${bloomBitsPerKey}`);
  }
  const formatVersion = opts.formatVersion ?? FORMAT_VERSION;
  if (!SUPPORTED_FORMAT_VERSIONS.includes(formatVersion)) {
    throw new InvalidArgumentError(`formatVersion: must be one of ${SUPPORTED_FORMAT_VERSIONS.join(', ')}, got ${formatVersion}`);
  }
  const initial = Math.min(Math.max(256 * 1024, Math.ceil(opts.sizeHint ?? 0)), 1 << 30);
  if (opts.bloomKey && opts.bloomKeyLength) throw new InvalidArgumentError('bloomKey, bloomKeyLength: give at most one');
  return new SstableBuilderImpl(blockSize, restartInterval, bloomBitsPerKey, opts.bloomKey, opts.bloomKeyLength, initial, opts.buffer, formatVersion);
}

class SstableBuilderImpl implements SstableBuilder {
  entryCount = 0;
  private readonly out: ByteWriter;
  private readonly data: BlockBuilder;
  private readonly bloom: BloomFilterBuilder | undefined;
  private readonly handles: BlockHandle[] = [];
  private readonly firstKeys: Uint8Array[] = [];
  private readonly lastKeys: Uint8Array[] = [];
  private indexEstimate = 0;
  private blockFirstKey: Uint8Array | undefined;
  private smallestKey: Uint8Array = Buffer.alloc(0);
  /** The last bloom key added (bytes [0, prevBloomLen) of a buffer reused from row to row; with bloomKeyLength only its length). */
  private prevBloomKey: Buffer = Buffer.allocUnsafe(64);
  private prevBloomLen = -1;
  private finished = false;
  /** Set by addSortedRun: the run's last key (the block builder never saw it). */
  private runLastKey: Uint8Array | undefined;

  constructor(
    private readonly blockSize: number,
    private readonly restartInterval: number,
    private readonly bloomBitsPerKey: number,
    private readonly bloomKey: ((key: Uint8Array) => Uint8Array) | undefined,
    private readonly bloomKeyLength: ((k: Uint8Array, off: number, len: number) => number) | undefined,
    initialCapacity: number,
    buffer: Buffer | undefined,
    private readonly formatVersion: number,
  ) {
    this.out = new ByteWriter(initialCapacity, buffer);
    this.data = newBlockBuilder(this.out, restartInterval);
    this.bloom = bloomBitsPerKey > 0 ? newBloomFilterBuilder(bloomBitsPerKey, bloomLayoutOf(formatVersion)) : undefined;
  }

  get buffer(): Buffer {
    return this.out.buf;
  }

  get estimatedSize(): number {
    return this.data.startOffset + this.data.sizeEstimate + BLOCK_TRAILER_SIZE + this.indexEstimate +
      (this.bloom ? this.bloom.sizeEstimate + BLOCK_TRAILER_SIZE : 0) + 256 + FOOTER_SIZE;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    this.addParts(key, 0, key.length, value, 0, value.length);
  }

  addSortedRun(run: Uint8Array | RunSource, opts: { bloomKey: Exclude<RunBloomKey, 'none'>; seqSuffix: boolean }): { minSeq: number; maxSeq: number } {
    if (this.finished) throw new FailedPreconditionError('sstable builder: add after finish');
    if (this.entryCount > 0) throw new FailedPreconditionError('sstable builder: addSortedRun into a builder that has entries');
    const enc = encodeRun(run, { blockSize: this.blockSize, restartInterval: this.restartInterval, bloomKey: this.bloom ? opts.bloomKey : 'none', seqSuffix: opts.seqSuffix });
    if (enc.entries === 0) return { minSeq: 0, maxSeq: 0 };
    const out = this.out;
    const base = out.length;
    out.bytes(enc.bytes);
    for (const b of enc.blocks) this.recordBlock({ offset: base + b.offset, size: b.size }, Buffer.from(b.firstKey), Buffer.from(b.lastKey));
    this.bloom?.addHashes(enc.hashes);
    this.smallestKey = this.firstKeys[0]!;
    // Any further add is refused, so the block builder (which never saw the run) is not used again.
    this.runLastKey = this.lastKeys[this.lastKeys.length - 1]!;
    this.entryCount = enc.entries;
    return { minSeq: enc.minSeq, maxSeq: enc.maxSeq };
  }

  addParts(k: Uint8Array, kOff: number, kLen: number, v: Uint8Array, vOff: number, vLen: number): void {
    if (this.finished) throw new FailedPreconditionError('sstable builder: add after finish');
    if (this.runLastKey) throw new FailedPreconditionError('sstable builder: add after addSortedRun');
    const data = this.data;
    const shared = this.entryCount > 0 ? data.sharedIfAfterLast(k, kOff, kLen) : 0;
    if (shared < 0) {
      throw new InvalidArgumentError(
        `key: sstable keys must be strictly increasing, got ${printable(k.subarray(kOff, kOff + kLen))} after ${printable(data.lastKey())}`,
      );
    }
    if (data.entryCount > 0) {
      // Flush before an entry would overflow the block, so an entry larger
      // than blockSize always ends up alone in its block.
      const entryEstimate = kLen + vLen + 3 + varintLength(vLen);
      if (data.sizeEstimate + entryEstimate + 4 > this.blockSize) this.flushBlock();
    }
    if (data.entryCount === 0) this.blockFirstKey = Buffer.from(k.subarray(kOff, kOff + kLen));
    data.addParts(k, kOff, kLen, v, vOff, vLen, shared);
    if (this.entryCount === 0) this.smallestKey = Buffer.from(k.subarray(kOff, kOff + kLen));
    this.entryCount++;
    const bloom = this.bloom;
    if (!bloom) return;
    // Consecutive equal bloom keys (the cells of one row) are added once.
    if (this.bloomKeyLength) {
      // The bloom key is a prefix of the entry key: it equals the previous one exactly
      // when it is as long and the key shares that many bytes with the previous key.
      const bLen = this.bloomKeyLength(k, kOff, kLen);
      if (bLen === this.prevBloomLen && shared >= bLen) return;
      bloom.addKeyRange(k, kOff, bLen);
      this.prevBloomLen = bLen;
      return;
    }
    const bk = k.subarray(kOff, kOff + kLen);
    if (!this.bloomKey) { bloom.addKey(bk); return; }
    const b = this.bloomKey(bk);
    if (this.prevBloomLen < 0 || compareRanges(b, 0, b.length, this.prevBloomKey, 0, this.prevBloomLen) !== 0) {
      bloom.addKey(b);
      if (b.length > this.prevBloomKey.length) this.prevBloomKey = Buffer.allocUnsafe(2 * b.length);
      this.prevBloomKey.set(b);
      this.prevBloomLen = b.length;
    }
  }

  finish(props: { minSeq: number; maxSeq: number }): Uint8Array {
    if (this.finished) throw new FailedPreconditionError('sstable builder: finish called twice');
    const { minSeq, maxSeq } = props;
    if (!Number.isSafeInteger(minSeq) || minSeq < 0) throw new InvalidArgumentError(`minSeq: must be a non-negative integer, got ${minSeq}`);
    if (!Number.isSafeInteger(maxSeq) || maxSeq < minSeq) throw new InvalidArgumentError(`maxSeq: must be an integer >= minSeq, got ${maxSeq}`);
    this.finished = true;
    if (this.data.entryCount > 0) this.flushBlock();
    const out = this.out;
    const dataBytes = out.length;
    const largestKey = this.runLastKey ?? (this.entryCount > 0 ? Buffer.from(this.data.lastKey()) : Buffer.alloc(0));

    const bloom: BlockHandle = this.bloom
      ? writeRawBlock(out, this.bloom.finish(), BlockType.BLOOM)
      : { offset: 0, size: 0 };
    const properties = writePropertiesBlock(out, {
      entryCount: this.entryCount,
      smallestKey: this.smallestKey,
      largestKey,
      minSeq,
      maxSeq,
      dataBytes,
      blockCount: this.handles.length,
      bloomBitsPerKey: this.bloomBitsPerKey,
      bloomKeyCount: this.bloom?.keyCount ?? 0,
    });
    const index = this.writeIndex();
    writeFooter(out, { formatVersion: this.formatVersion, index, bloom, properties });
    return out.result();
  }

  private flushBlock(): void {
    const h = this.data.finish(BlockType.DATA);
    this.recordBlock(h, this.blockFirstKey!, Buffer.from(this.data.lastKey()));
  }

  /** Notes a finished data block for the index (keys are the builder's own copies). */
  private recordBlock(h: BlockHandle, first: Uint8Array, last: Uint8Array): void {
    this.handles.push(h);
    this.firstKeys.push(first);
    this.lastKeys.push(last);
    this.indexEstimate += first.length + last.length + 24;
  }

  /** Index entry per data block: key = last key; value = varint offset, varint size, first key. */
  private writeIndex(): BlockHandle {
    const ib = newBlockBuilder(this.out, INDEX_RESTART_INTERVAL);
    const v = new ByteWriter(256);
    for (let i = 0; i < this.handles.length; i++) {
      const h = this.handles[i]!;
      v.length = 0;
      v.varint(h.offset);
      v.varint(h.size);
      v.bytes(this.firstKeys[i]!);
      ib.add(this.lastKeys[i]!, v.result());
    }
    return ib.finish(BlockType.INDEX);
  }
}

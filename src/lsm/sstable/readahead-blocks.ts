/**
 * Data blocks for one sequential pass over a table (compaction): instead of
 * one read per block, each read fetches a run of consecutive blocks of up to
 * `readaheadBytes` (at least one block), and the blocks are verified and
 * served from it in turn. The shared block cache is neither consulted nor
 * filled: a pass reads every block once, and caching them would only evict
 * what point reads need. Positioning backwards, or past the run, reads anew.
 */
import type { ReadableFile } from '../../storage/storage.js';
import { BLOCK_TRAILER_SIZE } from './format.js';
import type { SortedKeys } from './sorted-keys.js';
import type { DataBlockSource } from './sstable-iterator.js';

/** What the pass needs of an open table (SstableReaderImpl). */
export interface BlockLayout {
  readonly name: string;
  readonly firstKeys: SortedKeys;
  readonly lastKeys: SortedKeys;
  readonly file: ReadableFile;
  /** Offset and stored size (without trailer) of each data block; blocks are contiguous in the file. */
  readonly offsets: readonly number[];
  readonly sizes: readonly number[];
  /** Checks a block's trailer and returns its contents (CorruptionError naming the file otherwise). */
  verify(raw: Uint8Array, offset: number, size: number): Uint8Array;
}

export class ReadaheadBlocks implements DataBlockSource {
  readonly name: string;
  readonly blockCount: number;
  readonly firstKeys: SortedKeys;
  readonly lastKeys: SortedKeys;
  /** The run read last: blocks [first, end) starting at file offset `base`. */
  private run: { first: number; end: number; base: number; bytes: Uint8Array } | undefined;

  constructor(private readonly layout: BlockLayout, private readonly readaheadBytes: number) {
    this.name = layout.name;
    this.blockCount = layout.offsets.length;
    this.firstKeys = layout.firstKeys;
    this.lastKeys = layout.lastKeys;
  }

  blockOffset(i: number): number {
    return this.layout.offsets[i]!;
  }

  dataBlock(i: number): Uint8Array | Promise<Uint8Array> {
    const r = this.run;
    if (r !== undefined && i >= r.first && i < r.end) return this.slice(r.bytes, r.base, i);
    return this.readRun(i);
  }

  private async readRun(first: number): Promise<Uint8Array> {
    const { offsets, sizes } = this.layout;
    const base = offsets[first]!;
    let end = first + 1;
    while (end < offsets.length && offsets[end]! + sizes[end]! + BLOCK_TRAILER_SIZE - base <= this.readaheadBytes) end++;
    const last = end - 1;
    const bytes = await this.layout.file.read(base, offsets[last]! + sizes[last]! + BLOCK_TRAILER_SIZE - base);
    this.run = { first, end, base, bytes };
    return this.slice(bytes, base, first);
  }

  private slice(bytes: Uint8Array, base: number, i: number): Uint8Array {
    const offset = this.layout.offsets[i]!;
    const size = this.layout.sizes[i]!;
    return this.layout.verify(bytes.subarray(offset - base, offset - base + size + BLOCK_TRAILER_SIZE), offset, size);
  }
}

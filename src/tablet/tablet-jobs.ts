/**
 * The tablet's background jobs, runnable inline or in a worker thread
 * (lsm/compaction/job-runner.ts): inputs and outputs are plain, cloneable data.
 *
 * flush:   a frozen memtable (in shared memory), exported as one flat sorted
 *          buffer -> one SSTable.
 * compact: several SSTables (each maybe restricted to a key range) -> new
 *          SSTables of at most targetFileBytes. A full compaction (every table
 *          of the tablet) also applies visibility and GC rules and drops
 *          tombstones; a partial one only merges.
 */
import type { JobContext, JobTable } from '../lsm/compaction/job-runner.js';
import { newBlockCache } from '../lsm/cache/block-cache.js';
import { newMergingIterator } from '../lsm/iterator/merging-iterator.js';
import { newRangeIterator } from '../lsm/iterator/range-iterator.js';
import type { KvIterator } from '../lsm/iterator/kv-iterator.js';
import { newSstableBuilder, type SstableBuilder } from '../lsm/sstable/sstable-builder.js';
import { exportSharedMemtable, type SharedMemtable } from '../lsm/memtable/memtable.js';
import { giveBuffer, takeBuffer } from '../base/spare-buffer.js';
import { openSstable, type SstableReader } from '../lsm/sstable/sstable-reader.js';
import type { GcRule } from '../model/gc-rule.js';
import { compareRanges } from '../base/bytes.js';
import { writeVarint } from '../base/varint.js';
import { CellKeyView, bloomKeyLengthOf } from './cell-key.js';
import { Visibility } from './visibility.js';
import { Drops, type DropsData } from './drops.js';
import { PUT } from './cell-value.js';

export interface FlushInput {
  /** The frozen memtable, in shared memory: the job exports it (off the event loop when it runs in a worker). */
  memtable: SharedMemtable;
  file: string;
  blockSize: number;
  /** A buffer to build the SSTable in (the caller's spare, transferred); else the job takes its own. */
  out?: Uint8Array;
}

export interface OutputFile {
  file: string;
  size: number;
  entries: number;
  /** A flush hands back the buffer it built the file in (job-runner transfers it). */
  returned?: Uint8Array[];
  /** A flush's file bytes (a view into returned[0]): the caller warms its block cache from them. */
  built?: Uint8Array;
}

export interface CompactInput {
  inputs: Array<{ file: string; start?: Uint8Array; end?: Uint8Array }>;
  /** Output names: `${outputPrefix}-${n}.sst`, n = 0, 1, ... */
  outputPrefix: string;
  targetFileBytes: number;
  blockSize: number;
  full: boolean;
  schema: Array<[string, GcRule]>;
  nowMicros: number;
  drops?: DropsData;
}

export interface CompactOutput {
  files: OutputFile[];
  entriesIn: number;
}

function builder(blockSize: number, sizeHint?: number, into?: Uint8Array): SstableBuilder {
  // The previous build's buffer, when big enough: its pages are already faulted in.
  const buffer = into ? Buffer.from(into.buffer, into.byteOffset, into.byteLength) : sizeHint ? takeBuffer(Math.ceil(sizeHint)) : undefined;
  return newSstableBuilder({ blockSize, bloomKeyLength: bloomKeyLengthOf, sizeHint, ...(buffer ? { buffer } : {}) });
}

async function flush(ctx: JobContext, input: FlushInput): Promise<OutputFile> {
  const mem = input.memtable;
  // Prefix compression shrinks keys, restarts and index and bloom add a little: the input size is a close upper bound.
  const b = builder(input.blockSize, mem.exportBytes * 1.05, input.out);
  // The export format is the kernel's input as it is: the memtable is exported straight into the
  // kernel's memory and encoded in one call (rows are the bloom keys: a cell key's first escaped component).
  const run = { length: mem.exportBytes, writeTo: (into: Uint8Array) => void exportSharedMemtable(mem, into) };
  const { minSeq, maxSeq } = b.addSortedRun(run, { bloomKey: 'first-escaped-component', seqSuffix: true });
  const bytes = b.finish({ minSeq, maxSeq });
  await ctx.storage.writeFile(input.file, bytes);
  return { file: input.file, size: bytes.length, entries: b.entryCount, returned: [b.buffer], built: bytes };
}

/** Bytes a compaction reads from each input at a time (a block at a time cost one read per 16 KiB and left the job waiting on each). */
const COMPACTION_READAHEAD_BYTES = 1 << 20;

async function compact(ctx: JobContext, input: CompactInput): Promise<CompactOutput> {
  const cache = newBlockCache(8 << 20);
  const readers: SstableReader[] = [];
  const files: OutputFile[] = [];
  // One output is written while the next is merged (the job idled a fifth of its time on writes);
  // at most one write is in flight, so at most two outputs are held.
  let writing: Promise<void> | undefined;
  try {
    const children: KvIterator[] = [];
    for (const ref of input.inputs) {
      const r = await openSstable(ctx.storage, ref.file, cache);
      readers.push(r);
      const it = r.sequentialIterator(COMPACTION_READAHEAD_BYTES);
      children.push(ref.start || ref.end ? newRangeIterator(it, ref.start, ref.end) : it);
    }
    const it = newMergingIterator(children);
    const schema = new Map(input.schema);
    const vis = input.full ? new Visibility((f) => schema.get(f), Number.MAX_SAFE_INTEGER, input.nowMicros, Drops.from(input.drops)) : undefined;
    const view = new CellKeyView();
    // Merged entries collect in the flush's export format (one flat sorted run per output file), which
    // the data-block kernel turns into blocks as a flush's: the JavaScript builder cost a quarter of a compaction.
    // Sized once for the first output (the export format is about the SSTable's size plus its
    // prefix compression): growing it by doubling copied twice the data (6% of a compaction).
    const inputBytes = readers.reduce((n, r) => n + r.properties.fileSize, 0);
    const run = new RunWriter(Math.min(input.targetFileBytes * 1.1, inputBytes * 1.3, 1 << 30));
    let entriesIn = 0;
    /** The current row's esc(row) (a cell key's first component), kept in a reused buffer. */
    let rowKey = Buffer.allocUnsafe(256);
    let rowLen = -1;
    const finishFile = async () => {
      if (run.length === 0) return;
      const file = `${input.outputPrefix}-${files.length}.sst`;
      const b = builder(input.blockSize, run.length * 1.05);
      const { minSeq, maxSeq } = b.addSortedRun(run.bytes(), { bloomKey: 'first-escaped-component', seqSuffix: true });
      const bytes = b.finish({ minSeq, maxSeq });
      run.reset();
      files.push({ file, size: bytes.length, entries: b.entryCount });
      await writing;
      writing = ctx.storage.writeFile(file, bytes).then(() => giveBuffer(b.buffer));
      writing.catch(() => {}); // awaited by the next output or the end; marked handled until then
    };
    // An aggregate cell the visibility accepted, written once its older writes are combined in (see Visibility.aggValue).
    let pendingKey: Buffer | undefined;
    let pendingValue: Buffer | undefined;
    const writePending = () => {
      const v = Buffer.allocUnsafe(9);
      v[0] = PUT; // the combined state
      v.set(pendingValue!, 1);
      run.add(pendingKey!, v);
      pendingKey = pendingValue = undefined;
    };
    let r = it.seekToFirst();
    if (r) await r;
    while (it.valid()) {
      entriesIn++;
      const key = it.key();
      if (vis === undefined) {
        // A partial compaction passes entries through; where a row starts matters only once a file
        // may end (files split only between rows, so a row never spans two outputs of one job).
        if (run.length >= input.targetFileBytes && !run.lastRowIs(key)) await finishFile();
        run.add(key, it.value());
        r = it.next();
        if (r) await r;
        continue;
      }
      // Another coordinate (cell key up to its sequence number): the pending cell is complete.
      if (pendingKey !== undefined && compareRanges(key, 0, key.length - 8, pendingKey, 0, pendingKey.length - 8) !== 0) writePending();
      const len = bloomKeyLengthOf(key, 0, key.length);
      if (len !== rowLen || compareRanges(key, 0, len, rowKey, 0, len) !== 0) {
        if (run.length >= input.targetFileBytes) await finishFile();
        rowLen = len;
        if (len > rowKey.length) rowKey = Buffer.allocUnsafe(len * 2);
        rowKey.set(key.subarray(0, len));
        vis.startRow(key);
      }
      const value = it.value();
      view.decode(key);
      if (vis.accept(view, value)) {
        if (vis.aggValue !== undefined) {
          pendingKey = Buffer.from(key);
          pendingValue = vis.aggValue;
        } else {
          run.add(key, value);
        }
      }
      r = it.next();
      if (r) await r;
    }
    if (pendingKey !== undefined) writePending();
    await finishFile();
    await writing;
    it.close();
    return { files, entriesIn };
  } catch (e) {
    // Leave no half-written outputs behind (they are unreferenced anyway).
    await writing?.catch(() => {});
    await Promise.all(files.map((f) => ctx.storage.delete(f.file).catch(() => {})));
    throw e;
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

/** A growing buffer of entries in the memtable export format (varint keyLength, key, varint valueLength, value). */
class RunWriter {
  private buf: Buffer;
  length = 0;

  constructor(private readonly expectBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64 << 10, Math.ceil(expectBytes)));
  }

  /** Where the last added key starts and its length (-1: none since the last reset). */
  private lastKeyAt = -1;
  private lastKeyLen = 0;

  add(key: Uint8Array, value: Uint8Array): void {
    const need = this.length + key.length + value.length + 10;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, Math.min(this.buf.length * 2, this.expectBytes * 1.25 + need)));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    let p = writeVarint(this.buf, this.length, key.length);
    this.lastKeyAt = p;
    this.lastKeyLen = key.length;
    this.buf.set(key, p);
    p = writeVarint(this.buf, p + key.length, value.length);
    this.buf.set(value, p);
    this.length = p + value.length;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** True when the last added key is a cell of the same row as `key` (same esc(row) component). */
  lastRowIs(key: Uint8Array): boolean {
    if (this.lastKeyAt < 0) return false;
    const len = bloomKeyLengthOf(key, 0, key.length);
    return bloomKeyLengthOf(this.buf, this.lastKeyAt, this.lastKeyLen) === len && compareRanges(key, 0, len, this.buf, this.lastKeyAt, this.lastKeyAt + len) === 0;
  }

  reset(): void {
    this.length = 0;
    this.lastKeyAt = -1;
  }
}

export const tabletJobs: JobTable = { flush, compact };

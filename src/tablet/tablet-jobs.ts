/**
 * The tablet's background jobs, runnable inline or in a worker thread
 * (lsm/compaction/job-runner.ts): inputs and outputs are plain, cloneable data.
 *
 * flush:   a frozen memtable, exported as one flat sorted buffer -> one SSTable.
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
import { giveBuffer, takeBuffer } from '../base/spare-buffer.js';
import { openSstable, type SstableReader } from '../lsm/sstable/sstable-reader.js';
import type { GcRule } from '../model/gc-rule.js';
import { compareRanges } from '../base/bytes.js';
import { CellKeyView, bloomKeyLengthOf } from './cell-key.js';
import { Visibility } from './visibility.js';
import { Drops, type DropsData } from './drops.js';
import { PUT } from './cell-value.js';

export interface FlushInput {
  data: Uint8Array;
  file: string;
  blockSize: number;
  /** A buffer to build the SSTable in (the caller's spare, transferred); else the job takes its own. */
  out?: Uint8Array;
}

export interface OutputFile {
  file: string;
  size: number;
  entries: number;
  /**
   * A flush hands back its input buffer (for the next export) and the buffer
   * it built the file in (job-runner transfers both).
   */
  returned?: Uint8Array[];
  /** A flush's file bytes (a view into returned[1]): the caller warms its block cache from them. */
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
  // Prefix compression shrinks keys, restarts and index and bloom add a little: the input size is a close upper bound.
  const b = builder(input.blockSize, input.data.length * 1.05, input.out);
  // The export format is the kernel's input as it is: the whole memtable goes in one call
  // (rows are the bloom keys: a cell key's first escaped component).
  const { minSeq, maxSeq } = b.addSortedRun(input.data, { bloomKey: 'first-escaped-component', seqSuffix: true });
  const bytes = b.finish({ minSeq, maxSeq });
  await ctx.storage.writeFile(input.file, bytes);
  return { file: input.file, size: bytes.length, entries: b.entryCount, returned: [input.data, b.buffer], built: bytes };
}

async function compact(ctx: JobContext, input: CompactInput): Promise<CompactOutput> {
  const cache = newBlockCache(8 << 20);
  const readers: SstableReader[] = [];
  const files: OutputFile[] = [];
  try {
    const children: KvIterator[] = [];
    for (const ref of input.inputs) {
      const r = await openSstable(ctx.storage, ref.file, cache);
      readers.push(r);
      const it = r.iterator();
      children.push(ref.start || ref.end ? newRangeIterator(it, ref.start, ref.end) : it);
    }
    const it = newMergingIterator(children);
    const schema = new Map(input.schema);
    const vis = input.full ? new Visibility((f) => schema.get(f), Number.MAX_SAFE_INTEGER, input.nowMicros, Drops.from(input.drops)) : undefined;
    const view = new CellKeyView();
    let b = builder(input.blockSize);
    let minSeq = Number.MAX_SAFE_INTEGER;
    let maxSeq = 0;
    let entriesIn = 0;
    let rowKey: Buffer | undefined;
    const finishFile = async () => {
      if (b.entryCount === 0) return;
      const file = `${input.outputPrefix}-${files.length}.sst`;
      const bytes = b.finish({ minSeq, maxSeq });
      await ctx.storage.writeFile(file, bytes);
      giveBuffer(b.buffer);
      files.push({ file, size: bytes.length, entries: b.entryCount });
      b = builder(input.blockSize);
      minSeq = Number.MAX_SAFE_INTEGER;
      maxSeq = 0;
    };
    // An aggregate cell the visibility accepted, written once its older writes are combined in (see Visibility.aggValue).
    let pendingKey: Buffer | undefined;
    let pendingValue: Buffer | undefined;
    const writePending = () => {
      const v = Buffer.allocUnsafe(9);
      v[0] = PUT; // the combined state
      v.set(pendingValue!, 1);
      b.add(pendingKey!, v);
      pendingKey = pendingValue = undefined;
    };
    let r = it.seekToFirst();
    if (r) await r;
    while (it.valid()) {
      entriesIn++;
      const key = it.key();
      view.decode(key);
      // Another coordinate (cell key up to its sequence number): the pending cell is complete.
      if (pendingKey !== undefined && compareRanges(key, 0, key.length - 8, pendingKey, 0, pendingKey.length - 8) !== 0) writePending();
      const newRow = rowKey === undefined || compareRanges(key, 0, view.rowEnd, rowKey, 0, rowKey.length) !== 0;
      if (newRow) {
        // Files split only between rows, so a row never spans two outputs of one job.
        if (b.estimatedSize >= input.targetFileBytes) await finishFile();
        rowKey = Buffer.from(key.subarray(0, view.rowEnd));
        vis?.startRow(key);
      }
      const value = it.value();
      if (!vis || vis.accept(view, value)) {
        if (view.seq < minSeq) minSeq = view.seq;
        if (view.seq > maxSeq) maxSeq = view.seq;
        if (vis?.aggValue !== undefined) {
          pendingKey = Buffer.from(key);
          pendingValue = vis.aggValue;
        } else {
          b.add(key, value);
        }
      }
      r = it.next();
      if (r) await r;
    }
    if (pendingKey !== undefined) writePending();
    await finishFile();
    it.close();
    return { files, entriesIn };
  } catch (e) {
    // Leave no half-written outputs behind (they are unreferenced anyway).
    await Promise.all(files.map((f) => ctx.storage.delete(f.file).catch(() => {})));
    throw e;
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

export const tabletJobs: JobTable = { flush, compact };

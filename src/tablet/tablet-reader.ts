/**
 * The tablet read path over one version: merging iterator -> visibility and
 * GC (visibility.ts) -> row assembly. Rows come out in batches so callers
 * pay one await per batch, not per row or cell.
 */
import type { CancelSignal } from '../base/cancel-signal.js';
import { compareBytes, hasPrefix } from '../base/bytes.js';
import type { Cell, Row } from '../model/cell.js';
import type { KvIterator, MaybePromise } from '../lsm/iterator/kv-iterator.js';
import { isPromise } from '../lsm/iterator/maybe-promise.js';
import { copyBytes } from '../base/copy-bytes.js';
import { CellKeyView, bloomKeyOf, rowEndOfPrefix, rowOfCellKey, rowPrefix } from './cell-key.js';
import { Visibility, type SchemaLookup } from './visibility.js';
import type { Drops } from './drops.js';
import { versionIterator, type TabletVersion } from './tablet-version.js';

export interface ReadContext {
  version: TabletVersion;
  schema: SchemaLookup;
  snapshotSeq: number;
  nowMicros: number;
  drops: Drops;
}

export interface ScanOptions {
  /** Engine-key bounds [lower, upper); see cell-key.ts rowPrefix/rowEndKey. */
  lower?: Uint8Array;
  upper?: Uint8Array;
  reverse?: boolean;
  /** Stop after this many non-empty rows. */
  limit?: number;
  /** Rows per yielded batch (default 256). */
  batchRows?: number;
  signal?: CancelSignal;
}

/**
 * Reads the row whose first entry the iterator is positioned at; leaves the
 * iterator on the first entry after the row. Returns cells (maybe empty),
 * synchronously unless a block had to be fetched (no promise, no microtask
 * per row on the cached path).
 */
function readRowAt(it: KvIterator, prefix: Uint8Array, vis: Visibility, view: CellKeyView): MaybePromise<Cell[]> {
  if (it.valid()) vis.startRow(it.key());
  return collectRow(it, prefix, vis, view, []);
}

/** An entry's cell value (after its type byte), in memory of its own. */
function copyValue(v: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(v.length - 1);
  copyBytes(out, 0, v, 1, v.length - 1); // the block may be shared memory (BlockCacheOptions.sharedMemory)
  return out;
}

/** Appends the row's visible cells from the iterator's position on; continues asynchronously after a block fetch. */
function collectRow(it: KvIterator, prefix: Uint8Array, vis: Visibility, view: CellKeyView, cells: Cell[]): MaybePromise<Cell[]> {
  while (it.valid()) {
    const key = it.key();
    if (!hasPrefix(key, prefix)) break;
    view.decode(key);
    const value = it.value();
    if (vis.accept(view, value)) {
      // The value is copied: a block's memory is reused once its iterator
      // moves on and the cache evicts it (BlockCache, recycling). The key is
      // rebuilt by the block iterator in place, so it is decoded into copies too.
      cells.push({
        family: vis.family,
        qualifier: view.qualifier(),
        timestamp: view.ts,
        // An aggregate's value is its own buffer, completed as the row's later entries come.
        value: vis.aggValue ?? copyValue(value),
      });
    }
    const r = it.next();
    if (r) return r.then(() => collectRow(it, prefix, vis, view, cells));
  }
  return cells;
}

/** The row's visible cells as a Row (undefined when none); synchronous when every block it needs is cached. */
export function readRow(ctx: ReadContext, row: Buffer): MaybePromise<Row | undefined> {
  const prefix = rowPrefix(row);
  // Bounded above too: a table whose keys all sort after the row is skipped by its key range, not
  // by a bloom probe (a cache miss each, and now and then a false positive's block read).
  const it = versionIterator(ctx.version, prefix, rowEndOfPrefix(prefix), prefix);
  const toRow = (cells: Cell[]): Row | undefined => (cells.length ? { key: row, cells } : undefined);
  const rest = (): MaybePromise<Row | undefined> => {
    const cells = readRowAt(it, prefix, new Visibility(ctx.schema, ctx.snapshotSeq, ctx.nowMicros, ctx.drops), new CellKeyView());
    return isPromise(cells) ? cells.then(toRow) : toRow(cells);
  };
  let out: MaybePromise<Row | undefined>;
  try {
    const r = it.seek(prefix);
    out = r ? r.then(rest) : rest();
  } catch (e) {
    it.close();
    throw e;
  }
  if (!isPromise(out)) {
    it.close();
    return out;
  }
  return out.finally(() => it.close());
}

export async function* scanRows(ctx: ReadContext, opts: ScanOptions): AsyncGenerator<Row[]> {
  const { lower, upper } = opts;
  const limit = opts.limit ?? Infinity;
  const batchRows = opts.batchRows ?? 256;
  const it = versionIterator(ctx.version, lower, upper);
  const vis = new Visibility(ctx.schema, ctx.snapshotSeq, ctx.nowMicros, ctx.drops);
  const view = new CellKeyView();
  let batch: Row[] = [];
  let count = 0;
  try {
    if (!opts.reverse) {
      const r = lower ? it.seek(lower) : it.seekToFirst();
      if (r) await r;
    }
    // Reverse: rows below this key are still to be read (the last row read, at first the range's end).
    let pos = upper;
    while (count < limit) {
      // Position the iterator at the first cell of the next row in scan order.
      let prefix: Buffer;
      if (!opts.reverse) {
        // Reading a row leaves the iterator at the next row's first cell.
        if (!it.valid()) break;
        const key = it.key();
        if (upper && compareBytes(key, upper) >= 0) break;
        prefix = Buffer.from(bloomKeyOf(key));
      } else {
        let r = pos ? it.seekLT(pos) : it.seekToLast();
        if (r) await r;
        if (!it.valid()) break;
        const key = it.key();
        if (lower && compareBytes(key, lower) < 0) break;
        prefix = Buffer.from(bloomKeyOf(key));
        r = it.seek(prefix);
        if (r) await r;
        pos = prefix;
      }
      let cells = readRowAt(it, prefix, vis, view);
      if (isPromise(cells)) cells = await cells;
      if (cells.length === 0) continue;
      batch.push({ key: rowOfCellKey(prefix), cells });
      count++;
      if (batch.length >= batchRows) {
        if (opts.signal?.aborted) return;
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  } finally {
    it.close();
  }
}

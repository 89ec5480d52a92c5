/**
 * The internal protocol between the API frontend / master and tablet
 * servers. The embedded server calls these in-process; a cluster carries the
 * same calls over gRPC (proto/). Data calls name a tablet and carry already
 * validated model values; routing (which tablet holds a row) is the caller's
 * job, and a call for a tablet the server does not hold fails UNAVAILABLE so
 * the caller can refresh its routing and retry.
 */
import type { CancelSignal } from '../base/cancel-signal.js';
import type { TabulaError } from '../base/errors.js';
import type { Row } from '../model/cell.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Aggregator } from '../model/aggregate.js';
import type { KeyRange } from '../model/key-range.js';
import type { Mutation, RowMutation } from '../model/mutation.js';
import type { RowFilter } from '../model/row-filter.js';

/** Everything a server needs to open a tablet. */
export interface TabletDescriptor {
  id: string;
  /** Canonical table name projects/p/instances/i/tables/t. */
  table: string;
  /** Row range [startRow, endRow); empty = unbounded. */
  startRow: Buffer;
  endRow: Buffer;
  epoch: number;
  families: Array<[string, GcRule]>;
  /** The aggregate families among them, with their aggregators (model/aggregate.ts). */
  aggregates?: Array<[string, Aggregator]>;
  /** WAL directories of dead servers whose records for this tablet must be replayed. */
  recoverFrom?: string[];
  /** A backup's tablet directory whose manifest starts this tablet if it has none yet (RestoreTable). */
  seedFrom?: string;
}

export type ReadModifyWriteRule =
  | { type: 'append'; family: string; qualifier: Buffer; value: Buffer }
  | { type: 'increment'; family: string; qualifier: Buffer; amount: bigint };

export interface TabletReadOptions {
  reversed: boolean;
  limit?: number;
  filter?: RowFilter;
  signal?: CancelSignal;
  stats?: { rowsSeen: number; cellsSeen: number };
}

/** Data plane of a tablet server. */
export interface TabletDataService {
  /** Each entry atomically; one result per entry (undefined = applied). */
  mutate(tabletId: string, rms: RowMutation[]): Promise<Array<TabulaError | undefined>>;
  /** Rows of `ranges` (sorted, disjoint, inside the tablet) after GC and filter, in batches. */
  readRows(tabletId: string, ranges: KeyRange[], opts: TabletReadOptions): AsyncIterable<Row[]>;
  /**
   * Optional: one row (inside the tablet) after GC and filter, or undefined
   * when it has no cells left; what readRows of its point range yields,
   * without a stream (a local server's point reads).
   */
  readRow?(tabletId: string, key: Buffer, opts: TabletReadOptions): Promise<Row | undefined>;
  checkAndMutate(tabletId: string, row: Buffer, predicate: RowFilter | undefined, trueMutations: Mutation[], falseMutations: Mutation[]): Promise<boolean>;
  readModifyWrite(tabletId: string, row: Buffer, rules: ReadModifyWriteRule[]): Promise<Row>;
  /** Sample row keys inside the tablet with byte offsets from its start, and its total size. */
  sampleRowKeys(tabletId: string): Promise<{ samples: Array<{ rowKey: Buffer; offsetBytes: number }>; totalBytes: number }>;
}

/** Control plane of a tablet server (driven by the master). */
export interface TabletControlService {
  openTablet(desc: TabletDescriptor): Promise<void>;
  /**
   * Stops serving; with flush (a move) the tablet's data is all in its
   * manifest afterwards: in SSTables, and a small memtable as the manifest's
   * tail. handOffEpoch (with flush): the epoch the tablet moves under; the
   * manifest that carries a tail is written with it, so the next owner opens
   * that manifest without claiming it.
   */
  closeTablet(tabletId: string, opts: { flush: boolean; handOffEpoch?: number }): Promise<void>;
  updateSchema(tabletId: string, families: Array<[string, GcRule]>, aggregates?: Array<[string, Aggregator]>): Promise<void>;
  /** Deletes all data of a family (ModifyColumnFamilies drop). */
  dropFamily(tabletId: string, family: string): Promise<void>;
  /** Deletes all rows in [start, end) of the tablet cheaply (DropRowRange). */
  dropRange(tabletId: string, range: KeyRange): Promise<void>;
  /** Deletes the tablet's durable state (DeleteTable); the tablet must be closed. */
  destroyTablet(tabletId: string): Promise<void>;
  /**
   * First half of a split: picks the split row (`splitRow`, or the middle of
   * the tablet's data), stops serving the tablet after flushing it, and
   * writes the children's manifests, which reference the parent's SSTables
   * with row-range restrictions (no data copied). Resolves the split row, or
   * undefined (tablet left serving) when it is too small to split.
   */
  splitTablet(tabletId: string, splitRow: Buffer | undefined, childIds: [string, string]): Promise<Buffer | undefined>;
  /** Size and shape of every hosted tablet (split and balance decisions, introspection). */
  tabletStats(): Promise<TabletStatsEntry[]>;
  /** Runs a full (major) compaction of a tablet. */
  compactTablet(tabletId: string): Promise<void>;
  /**
   * A backup of a tablet: flushes it (it keeps serving) and writes its
   * current manifest (SSTable references, drops) as the first manifest of
   * tablets/<snapshotId>, sharing the SSTables (no data copied). `label`
   * goes into that manifest's meta. Resolves the tablet's approximate bytes.
   */
  snapshotTablet(tabletId: string, snapshotId: string, label: string): Promise<{ bytes: number }>;
  /**
   * Copies the snapshot directory tablets/<fromId> (its newest manifest)
   * into tablets/<toId>, sharing the SSTables (CopyBackup). Needs no tablet:
   * any server can do it. NotFoundError when the source has no manifest.
   */
  copySnapshot(fromId: string, toId: string, label: string): Promise<void>;
}

export interface TabletStatsEntry {
  id: string;
  /** Approximate bytes of data in the tablet's range (SSTables + memtables). */
  bytes: number;
  sstables: number;
  /** The SSTables as sorted runs (what compaction bounds; lsm/compaction/sorted-runs.ts). */
  sortedRuns: number;
  memtableBytes: number;
}

export interface TabletServerService extends TabletDataService, TabletControlService {
  readonly serverId: string;
}

/**
 * What the gRPC handlers need from the storage side, contract first. The API
 * layer validates and converts requests (limits, names, proto → model) and
 * maps thrown TabulaErrors to statuses; a backend implements Bigtable
 * semantics (DESIGN §3) over already-valid model values.
 *
 * Common rules for every method:
 * - Table arguments are parsed and syntactically valid; the backend answers
 *   NotFoundError for a table that does not exist and NotFoundError naming the
 *   family for a mutation on a family the table lacks.
 * - Errors are TabulaErrors (src/base/errors.ts); anything else becomes INTERNAL.
 * - Buffers passed in may be slices of request messages: copy what you keep.
 */
import type { CancelSignal } from '../base/cancel-signal.js';
import type { Row } from '../model/cell.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Aggregator } from '../model/aggregate.js';
import type { Mutation, RowMutation } from '../model/mutation.js';
import type { RowFilter } from '../model/row-filter.js';
import type { RowSet } from '../model/row-set.js';
import type { TabulaError } from '../base/errors.js';
import type { InstanceName, TableName } from './table-name.js';
import type { BackupName } from './backup-name.js';
import type { AuthorizedViewName } from './authorized-view-name.js';
import type { SubsetView } from '../model/authorized-view.js';

export type { InstanceName, TableName } from './table-name.js';
export type { BackupName } from './backup-name.js';
export type { AuthorizedViewName } from './authorized-view-name.js';

/** google.bigtable.v2.ReadModifyWriteRule. */
export type ReadModifyWriteRule =
  /** Appends `value` to the latest cell's value (or to "" when there is none). */
  | { type: 'append'; family: string; qualifier: Buffer; value: Buffer }
  /**
   * Adds `amount` to the latest cell's value read as a 64-bit big-endian
   * signed integer (missing cell = 0), wrapping on overflow. A latest value
   * that is not exactly 8 bytes → InvalidArgumentError.
   */
  | { type: 'increment'; family: string; qualifier: Buffer; amount: bigint };

/** Counters a backend may fill during readRows (ReadRows request stats). */
export interface ReadStats {
  rowsSeen: number;
  cellsSeen: number;
}

export interface ReadRowsOptions {
  /** Descending row-key order when true. */
  reversed: boolean;
  /** At most this many (non-empty) rows; undefined = no limit. */
  limit?: number;
  /** Applied per row after GC-rule visibility; undefined = pass all. */
  filter?: RowFilter;
  /** Aborted when the client cancels or the call ends; stop iterating promptly. */
  signal: CancelSignal;
  /** If present, add the rows and cells examined before filtering. */
  stats?: ReadStats;
}

export interface DataBackend {
  /** MutateRow: applies all mutations of one row atomically (timestamp -1 = server time). */
  mutateRow(table: TableName, rm: RowMutation): Promise<void>;

  /**
   * MutateRows: each entry atomically and independently; the result has one
   * slot per entry, undefined = success. Throws only for whole-request errors
   * (e.g. table not found).
   */
  mutateRows(table: TableName, rms: RowMutation[]): Promise<Array<TabulaError | undefined>>;

  /**
   * ReadRows: the rows of `rowSet` (union of keys and ranges; an empty RowSet
   * selects nothing) in key order (descending when reversed), each with its
   * cells in canonical order after GC visibility and `filter`. Rows left with
   * no cells are skipped and do not count toward `limit`. The iterable may be
   * abandoned early (return() is called); resources must be released then.
   */
  readRows(table: TableName, rowSet: RowSet, opts: ReadRowsOptions): AsyncIterable<Row>;

  /**
   * Optional: ReadRows of the single row `key` (undefined when it has no
   * cells after `filter`), without a stream: a point read is most reads.
   */
  readRow?(table: TableName, key: Buffer, opts: Omit<ReadRowsOptions, 'reversed' | 'limit'>): Promise<Row | undefined>;

  /**
   * CheckAndMutateRow: under the row lock, evaluates `predicate` on the row
   * (undefined = the row has any cell); applies trueMutations when it yields
   * a cell, else falseMutations. Returns whether the predicate matched.
   */
  checkAndMutateRow(
    table: TableName, row: Buffer, predicate: RowFilter | undefined,
    trueMutations: Mutation[], falseMutations: Mutation[],
  ): Promise<boolean>;

  /**
   * ReadModifyWriteRow: applies the rules in order atomically (a later rule
   * sees the result of an earlier one on the same column); each writes a cell
   * with timestamp max(now, latest cell's timestamp), replacing a cell of
   * that timestamp. Returns the written cells (one per distinct column, its
   * final value) as a Row in canonical order.
   */
  readModifyWriteRow(table: TableName, row: Buffer, rules: ReadModifyWriteRule[]): Promise<Row>;

  /**
   * SampleRowKeys: ascending sample keys with approximate byte offsets; the
   * last sample is the empty key (end of table) with the table's total size.
   */
  sampleRowKeys(table: TableName): Promise<Array<{ rowKey: Buffer; offsetBytes: number }>>;
}

/** A table's schema and settings as the admin API sees them. */
export interface TableInfo {
  name: TableName;
  families: Map<string, GcRule>;
  /** The aggregate families among them (model/aggregate.ts); absent when none. */
  aggregates?: Map<string, Aggregator>;
  deletionProtection: boolean;
  /** Set on a table made by RestoreTable (Table.restore_info). */
  restoredFrom?: { backup: BackupName; sourceTable: TableName; startMs: number; endMs: number };
}

/** A backup as the admin API sees it (google.bigtable.admin.v2.Backup); times in ms since the epoch. */
export interface BackupInfo {
  name: BackupName;
  sourceTable: TableName;
  /** Set on a copy (CopyBackup): the backup it was copied from. */
  sourceBackup?: BackupName;
  state: 'CREATING' | 'READY';
  /** No data written before this is missing from the backup. */
  startMs: number;
  /** When it became READY. */
  endMs?: number;
  expireMs: number;
  sizeBytes: number;
  /** HOT until hotToStandardMs (when set), then STANDARD. */
  backupType: 'STANDARD' | 'HOT';
  /** Only for a HOT backup: when it becomes STANDARD. */
  hotToStandardMs?: number;
}

/** What makes a backup hot (Backup.backup_type HOT, hot_to_standard_time). */
export interface HotBackup {
  /** When it becomes a standard backup (at least 24 hours after it starts); absent: it stays hot. */
  hotToStandardMs?: number;
}

/** An authorized view as the admin API sees it (google.bigtable.admin.v2.AuthorizedView). */
export interface AuthorizedViewInfo {
  name: AuthorizedViewName;
  subset: SubsetView;
  deletionProtection: boolean;
  /** Changes whenever the view does; an update or delete naming another etag is refused (AbortedError). */
  etag: string;
}

/** google.bigtable.admin.v2.ModifyColumnFamiliesRequest.Modification. */
export type ColumnFamilyModification =
  | { type: 'create'; family: string; gcRule: GcRule; aggregate?: Aggregator }
  /** `aggregate`: the value type the update names, if any (it must be the family's). */
  | { type: 'update'; family: string; gcRule: GcRule; aggregate?: Aggregator }
  | { type: 'drop'; family: string };

export interface AdminBackend {
  /**
   * CreateTable with column families and initial split keys (ascending,
   * distinct, non-empty). AlreadyExistsError when the table exists.
   */
  createTable(name: TableName, families: Map<string, GcRule>, splits: Buffer[], aggregates?: Map<string, Aggregator>): Promise<TableInfo>;

  /** NotFoundError when absent. */
  getTable(name: TableName): Promise<TableInfo>;

  /** Tables of an instance, ascending by table id. */
  listTables(instance: InstanceName): Promise<TableInfo[]>;

  /**
   * The instances of a project that hold a table or a backup, ascending by
   * id. (Instances are implicit: any name works, and one exists once it
   * holds something.)
   */
  listInstances(project: string): Promise<InstanceName[]>;

  /** How many tablet servers serve (a cluster's serve_nodes). */
  servingNodes(): Promise<number>;

  /**
   * FailedPreconditionError when deletion protection is on, for the table or
   * one of its authorized views; NotFoundError when absent. The table's
   * views go with it.
   */
  deleteTable(name: TableName): Promise<void>;

  /**
   * Applies the modifications in order, all or nothing: create of an existing
   * family → AlreadyExistsError; update/drop of a missing one → NotFoundError;
   * drop of a family an authorized view names → FailedPreconditionError.
   * Dropping a family deletes its data.
   */
  modifyColumnFamilies(name: TableName, modifications: ColumnFamilyModification[]): Promise<TableInfo>;

  /** Deletes every row with the prefix, or all rows. */
  dropRowRange(name: TableName, range: { prefix: Buffer } | { all: true }): Promise<void>;

  /** Changes the settings UpdateTable supports (deletion protection). */
  updateTable(name: TableName, changes: { deletionProtection?: boolean }): Promise<TableInfo>;

  /** An opaque token; checkConsistency(token) is true once writes before it are replicated. */
  generateConsistencyToken(name: TableName): Promise<string>;

  /** InvalidArgumentError for a token this table never issued. */
  checkConsistency(name: TableName, token: string): Promise<boolean>;

  /**
   * CreateBackup: a consistent-as-of-now copy of the table's data and
   * schema, kept until `expireMs` (checkBackupExpiry's bounds, else
   * InvalidArgumentError naming backup.expire_time). Resolves once READY.
   * AlreadyExistsError for a taken name; NotFoundError for a missing table.
   * `hot`: a hot backup (InvalidArgumentError naming
   * backup.hot_to_standard_time when that is less than 24 hours after the start).
   */
  createBackup(name: BackupName, source: TableName, expireMs: number, hot?: HotBackup): Promise<BackupInfo>;

  /** NotFoundError when absent. */
  getBackup(name: BackupName): Promise<BackupInfo>;

  /** Every backup of the instance, in any order (the API filters, sorts and pages). */
  listBackups(instance: InstanceName): Promise<BackupInfo[]>;

  /**
   * UpdateBackup: a new expire time (checkBackupExpiry's bounds from the
   * backup's start) and/or, for a hot backup, a new time to become standard
   * (at least 24 hours after its start; InvalidArgumentError naming
   * backup.hot_to_standard_time for a standard backup).
   */
  updateBackup(name: BackupName, changes: { expireMs?: number; hotToStandardMs?: number }): Promise<BackupInfo>;

  /** FailedPreconditionError while it is being created or a table is being restored from it. */
  deleteBackup(name: BackupName): Promise<void>;

  /**
   * RestoreTable: a new table `name` with the backup's schema and data.
   * AlreadyExistsError when the table exists; NotFoundError for a missing
   * backup; FailedPreconditionError when it is not READY.
   */
  restoreTable(name: TableName, backup: BackupName): Promise<TableInfo>;

  /**
   * CopyBackup: a new backup `name` holding what `source` holds, kept until
   * `expireMs` (6 hours to 30 days from now). NotFoundError for a missing
   * source; FailedPreconditionError when it is not READY or is a copy itself;
   * AlreadyExistsError for a taken name.
   */
  copyBackup(name: BackupName, source: BackupName, expireMs: number): Promise<BackupInfo>;

  /**
   * CreateAuthorizedView. NotFoundError for a missing table or a family of
   * the subset the table lacks (naming the field); AlreadyExistsError for a
   * taken name.
   */
  createAuthorizedView(name: AuthorizedViewName, subset: SubsetView, deletionProtection: boolean): Promise<AuthorizedViewInfo>;

  /** NotFoundError when the table or the view is absent. */
  getAuthorizedView(name: AuthorizedViewName): Promise<AuthorizedViewInfo>;

  /** The table's views, ascending by id. */
  listAuthorizedViews(table: TableName): Promise<AuthorizedViewInfo[]>;

  /**
   * UpdateAuthorizedView: replaces what `changes` names (families checked as
   * on create). `etag`, when given, must be the view's (else AbortedError).
   */
  updateAuthorizedView(
    name: AuthorizedViewName, changes: { subset?: SubsetView; deletionProtection?: boolean }, etag?: string,
  ): Promise<AuthorizedViewInfo>;

  /** FailedPreconditionError under deletion protection; AbortedError for another `etag`. */
  deleteAuthorizedView(name: AuthorizedViewName, etag?: string): Promise<void>;
}

/**
 * Data operations on one table (google.bigtable.v2.Bigtable): point reads,
 * resumable scans, puts and deletes, atomic read-modify-write (increment,
 * append), AddToCell into aggregate families, check-and-mutate, batches, a
 * buffered mutator and SampleRowKeys.
 * Every single-row operation is atomic on the server.
 *
 * The same handle goes through an authorized view of the table
 * (authorized-views.ts) when made with one: every request then names the view
 * (`authorized_view_name`) instead of the table, so reads see only the view's
 * rows and columns, and a write outside it — or a delete of a whole row or
 * family the view does not hold entirely — fails with PermissionDeniedError
 * (a batch or buffered mutator reports it for that row's entry).
 */
import { InvalidArgumentError } from '../base/errors.js';
import { checkAuthorizedViewId } from './authorized-views.js';
import { decodeCounter, toBigInt, toBytes, toRowKey, type Bytes } from './bytes-input.js';
import { createBatch, type Batch } from './batch.js';
import { createBufferedMutator, type BufferedMutator, type BufferedMutatorOptions } from './buffered-mutator.js';
import { createCheckAndMutate, type CheckAndMutate } from './check-and-mutate.js';
import { fromGrpcError } from './client-errors.js';
import { filters } from './filters.js';
import { addToCellMutation, deleteMutations, putMutations, type CellsInput, type DeleteOptions, type RowMutations } from './mutations.js';
import type { ReadOptions, ScanOptions } from './read-options.js';
import { collectStream, dataTarget, requestMetadata, unary, type ProtoObject, type RpcContext } from './rpc.js';
import { createScanner, type ScanRetryOptions, type Scanner } from './scanner.js';
import { Row, type Cell } from './row.js';

/** One ReadModifyWriteRow rule. */
export type ReadModifyWriteRule =
  | { family: string; qualifier: Bytes; append: Bytes }
  | { family: string; qualifier: Bytes; increment: bigint | number };

/** A SampleRowKeys answer: rows before `key` hold about `offsetBytes` bytes. */
export interface RowKeySample {
  key: Buffer;
  offsetBytes: bigint;
}

export interface Table {
  /** Table id. */
  readonly name: string;
  /** Full resource name `projects/…/instances/…/tables/…` (through a view: `…/tables/{t}/authorizedViews/{v}`). */
  readonly resourceName: string;
  /** Id of the authorized view every request goes through; undefined for the whole table. */
  readonly authorizedView?: string;
  /** One row, or undefined when no cell of it passes the options. */
  get(row: Bytes, opts?: ReadOptions): Promise<Row | undefined>;
  /** Several rows (absent ones left out), in key order. */
  getRows(rows: Bytes[], opts?: ReadOptions): Promise<Row[]>;
  /** True when the row has any cell. */
  exists(row: Bytes): Promise<boolean>;
  /** Writes cells to one row atomically. */
  put(row: Bytes, cells: CellsInput): Promise<void>;
  /** Deletes the whole row, or the given columns/families. */
  delete(row: Bytes, opts?: DeleteOptions): Promise<void>;
  /** Applies a list of mutations to one row atomically. */
  mutate(row: Bytes, m: RowMutations): Promise<void>;
  /** Rows in key order; resumes transparently after transient errors. */
  scan(opts?: ScanOptions, retry?: ScanRetryOptions): Scanner;
  /** Adds `amount` to a 64-bit big-endian counter (absent = 0); returns the new value. */
  increment(row: Bytes, family: string, qualifier: Bytes, amount?: bigint | number): Promise<bigint>;
  /** Appends bytes to the latest value (absent = empty); returns the new value. */
  append(row: Bytes, family: string, qualifier: Bytes, value: Bytes): Promise<Buffer>;
  /**
   * Adds the int64 `value` to the cell of an aggregate family (sum, min or max
   * by the family; see families.ts) at `timestamp` (microseconds, default now).
   * Unlike increment it reads nothing and returns nothing: a read returns the
   * combined value as an 8-byte counter (Row.counter).
   */
  addToCell(row: Bytes, family: string, qualifier: Bytes, value: bigint | number, timestamp?: number): Promise<void>;
  /** Several increment/append rules in one atomic ReadModifyWriteRow; returns the changed cells. */
  readModifyWrite(row: Bytes, rules: ReadModifyWriteRule[]): Promise<Row>;
  checkAndMutate(row: Bytes): CheckAndMutate;
  batch(): Batch;
  bufferedMutator(opts?: BufferedMutatorOptions): BufferedMutator;
  /** Row keys splitting the table into chunks of about equal size, with byte offsets. */
  sampleRowKeys(): Promise<RowKeySample[]>;
}

/** Converts a google.bigtable.v2.Row message into a Row. */
export function rowFromProto(p: ProtoObject): Row {
  const cells: Cell[] = [];
  for (const f of (p.families ?? []) as ProtoObject[]) {
    for (const c of (f.columns ?? []) as ProtoObject[]) {
      for (const cell of (c.cells ?? []) as ProtoObject[]) {
        const out: Cell = {
          family: String(f.name),
          qualifier: toBytes((c.qualifier as Buffer | undefined) ?? Buffer.alloc(0)),
          timestamp: Number(cell.timestampMicros ?? 0),
          value: toBytes((cell.value as Buffer | undefined) ?? Buffer.alloc(0)),
        };
        const labels = cell.labels as string[] | undefined;
        if (labels !== undefined && labels.length > 0) out.labels = labels;
        cells.push(out);
      }
    }
  }
  return new Row(toBytes((p.key as Buffer | undefined) ?? Buffer.alloc(0)), cells);
}

/**
 * A handle on table `name` (an id or a full name), or on its authorized view
 * `authorizedView` (an id); a full name `…/authorizedViews/{v}` names a view too.
 */
export function createTable(ctx: RpcContext, name: string, authorizedView?: string): Table {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('table: name must not be empty');
  let resourceName = name.includes('/') ? name : `${ctx.instanceName}/tables/${name}`;
  if (authorizedView !== undefined) {
    if (resourceName.includes('/authorizedViews/')) throw new InvalidArgumentError(`table: "${name}" already names an authorized view`);
    resourceName = `${resourceName}/authorizedViews/${checkAuthorizedViewId(authorizedView, 'viewId')}`;
  }
  const target = dataTarget(resourceName);
  const parts = resourceName.split('/');
  const isView = target.requestFields.authorizedViewName !== undefined;
  const md = () => requestMetadata(target.routing);
  const withProfile = (req: ProtoObject): ProtoObject => {
    if (ctx.appProfileId !== undefined) req.appProfileId = ctx.appProfileId;
    return req;
  };
  const mutateRow = async (row: Bytes, mutations: ProtoObject[]): Promise<void> => {
    await unary(ctx.data, 'MutateRow', withProfile({ ...target.requestFields, rowKey: toRowKey(row), mutations }), md(), ctx.timeoutMs);
  };
  const rmw = async (row: Bytes, rules: ReadModifyWriteRule[]): Promise<Row> => {
    if (rules.length === 0) throw new InvalidArgumentError('rules: at least one rule required');
    const protoRules = rules.map((r) => {
      const base = { familyName: r.family, columnQualifier: toBytes(r.qualifier, 'qualifier') };
      return 'append' in r
        ? { ...base, appendValue: toBytes(r.append, 'append') }
        : { ...base, incrementAmount: String(toBigInt(r.increment, 'increment')) };
    });
    const res = await unary(ctx.data, 'ReadModifyWriteRow', withProfile({ ...target.requestFields, rowKey: toRowKey(row), rules: protoRules }), md(), ctx.timeoutMs);
    return rowFromProto((res.row ?? {}) as ProtoObject);
  };

  const t: Table = {
    name: isView ? parts[parts.length - 3] ?? '' : parts[parts.length - 1]!,
    resourceName,
    ...(isView ? { authorizedView: parts[parts.length - 1]! } : {}),
    async get(row, opts = {}) {
      const rows = await createScanner(ctx, target, { ...opts, keys: [row] }).toArray();
      return rows[0];
    },
    async getRows(rows, opts = {}) {
      if (rows.length === 0) return [];
      return createScanner(ctx, target, { ...opts, keys: rows }).toArray();
    },
    async exists(row) {
      const r = await t.get(row, { filter: filters.chain(filters.cellsPerRowLimit(1), filters.stripValue()) });
      return r !== undefined;
    },
    async put(row, cells) { await mutateRow(row, putMutations(cells)); },
    async delete(row, opts) { await mutateRow(row, deleteMutations(opts)); },
    async mutate(row, m) {
      if (m.mutations.length === 0) throw new InvalidArgumentError('mutations: nothing to apply');
      await mutateRow(row, m.mutations);
    },
    scan: (opts = {}, retry = {}) => createScanner(ctx, target, opts, retry),
    async increment(row, family, qualifier, amount = 1n) {
      const r = await rmw(row, [{ family, qualifier, increment: amount }]);
      const v = r.value(family, qualifier);
      if (v === undefined) throw fromGrpcError(new Error('ReadModifyWriteRow returned no cell'));
      return decodeCounter(v);
    },
    async append(row, family, qualifier, value) {
      const r = await rmw(row, [{ family, qualifier, append: value }]);
      const v = r.value(family, qualifier);
      if (v === undefined) throw fromGrpcError(new Error('ReadModifyWriteRow returned no cell'));
      return v;
    },
    async addToCell(row, family, qualifier, value, timestamp) {
      await mutateRow(row, [addToCellMutation(family, qualifier, value, timestamp)]);
    },
    readModifyWrite: rmw,
    checkAndMutate: (row) => createCheckAndMutate(ctx, target, row),
    batch: () => createBatch(ctx, target),
    bufferedMutator: (opts) => createBufferedMutator(ctx, target, opts),
    async sampleRowKeys() {
      let res: ProtoObject[];
      try {
        res = await collectStream(ctx.data, 'SampleRowKeys', withProfile({ ...target.requestFields }), md(), ctx.timeoutMs);
      } catch (e) {
        throw fromGrpcError(e);
      }
      return res.map((r) => ({ key: toBytes((r.rowKey as Buffer | undefined) ?? Buffer.alloc(0)), offsetBytes: BigInt(String(r.offsetBytes ?? '0')) }));
    },
  };
  return t;
}


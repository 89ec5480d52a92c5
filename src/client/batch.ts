/**
 * A batch of mutations for many rows sent as one MutateRows request. All
 * mutations added for the same row form one entry (applied atomically, in
 * the order added); entries of different rows succeed or fail independently.
 * No retries: execute() reports each entry's status.
 */
import { toRowKey, type Bytes } from './bytes-input.js';
import { mutateRows } from './mutate-rows.js';
import {
  addToCellMutation, deleteMutations, putMutations, type CellsInput, type DeleteOptions, type MutationProto, type RowMutations,
} from './mutations.js';
import type { DataTarget, RpcContext } from './rpc.js';

/** Outcome of one row's entry. */
export interface BatchResult {
  row: Buffer;
  ok: boolean;
  /** gRPC status code (0 = OK). */
  code: number;
  message: string;
}

export interface Batch {
  put(row: Bytes, cells: CellsInput): Batch;
  delete(row: Bytes, opts?: DeleteOptions): Batch;
  /** AddToCell of the int64 `value` into an aggregate family (timestamp: microseconds, default now). */
  addToCell(row: Bytes, family: string, qualifier: Bytes, value: bigint | number, timestamp?: number): Batch;
  mutate(row: Bytes, m: RowMutations): Batch;
  /** Number of entries (distinct rows). */
  readonly size: number;
  /** Sends the batch; one result per distinct row, in first-added order. Rejects only if the whole call fails. */
  execute(): Promise<BatchResult[]>;
}

export function createBatch(ctx: RpcContext, target: DataTarget): Batch {
  const entries = new Map<string, { row: Buffer; mutations: MutationProto[] }>();
  const add = (row: Bytes, ms: MutationProto[]): void => {
    const key = toRowKey(row);
    const id = key.toString('latin1');
    const e = entries.get(id);
    if (e) e.mutations.push(...ms);
    else entries.set(id, { row: key, mutations: ms });
  };
  const b: Batch = {
    put(row, cells) { add(row, putMutations(cells)); return b; },
    delete(row, opts) { add(row, deleteMutations(opts)); return b; },
    addToCell(row, family, qualifier, value, timestamp) { add(row, [addToCellMutation(family, qualifier, value, timestamp)]); return b; },
    mutate(row, m) { add(row, m.mutations.slice()); return b; },
    get size() { return entries.size; },
    async execute() {
      const list = [...entries.values()];
      if (list.length === 0) return [];
      const statuses = await mutateRows(ctx, target, list);
      return list.map((e, i) => ({ row: e.row, ok: statuses[i]!.code === 0, code: statuses[i]!.code, message: statuses[i]!.message }));
    },
  };
  return b;
}

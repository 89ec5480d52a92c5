/**
 * CheckAndMutateRow as a builder: a condition on the row, mutations for when
 * it holds and for when it does not, executed atomically under one row lock.
 *
 *   await table.checkAndMutate('run#1')
 *     .ifEquals('meta', 'state', 'queued')
 *     .thenPut({ meta: { state: 'running' } })
 *     .execute();                        // true when the condition held
 *
 * ifEquals compares the latest cell of the column; ifAbsent holds when the
 * column has no cell; ifMatches holds when the filter outputs any cell of the
 * row. Without a condition the check is "the row has any cell".
 */
import { InvalidArgumentError } from '../base/errors.js';
import { counter, toBytes, toRowKey, type Bytes } from './bytes-input.js';
import { filters, type RowFilterProto } from './filters.js';
import { RowMutations, type CellsInput, type DeleteOptions } from './mutations.js';
import { requestMetadata, unary, type DataTarget, type ProtoObject, type RpcContext } from './rpc.js';

export interface CheckAndMutate {
  /** Holds when the latest cell of family:qualifier equals value. */
  ifEquals(family: string, qualifier: Bytes, value: Bytes | bigint): CheckAndMutate;
  /** Holds when family:qualifier has no cell. */
  ifAbsent(family: string, qualifier: Bytes): CheckAndMutate;
  /** Holds when `filter` outputs at least one cell of the row. */
  ifMatches(filter: RowFilterProto): CheckAndMutate;
  /** Puts applied when the condition holds. */
  thenPut(cells: CellsInput): CheckAndMutate;
  /** Deletes applied when the condition holds (no options = the whole row). */
  thenDelete(opts?: DeleteOptions): CheckAndMutate;
  /** Mutations applied when the condition does not hold: a RowMutations, or a function filling one. */
  otherwise(m: RowMutations | ((m: RowMutations) => void)): CheckAndMutate;
  otherwisePut(cells: CellsInput): CheckAndMutate;
  otherwiseDelete(opts?: DeleteOptions): CheckAndMutate;
  /** Runs the request; resolves to whether the condition held. */
  execute(): Promise<boolean>;
}

export function createCheckAndMutate(ctx: RpcContext, target: DataTarget, row: Bytes): CheckAndMutate {
  const key = toRowKey(row);
  let predicate: RowFilterProto | undefined;
  let negate = false;
  let conditioned = false;
  const onTrue = new RowMutations();
  const onFalse = new RowMutations();

  const setCondition = (p: RowFilterProto, neg: boolean): void => {
    if (conditioned) throw new InvalidArgumentError('checkAndMutate: only one condition (if…) per request');
    conditioned = true;
    predicate = p;
    negate = neg;
  };

  const b: CheckAndMutate = {
    ifEquals(family, qualifier, value) {
      const v = typeof value === 'bigint' ? counter(value) : toBytes(value, 'value');
      setCondition(filters.chain(filters.column(family, qualifier), filters.cellsPerColumnLimit(1), filters.valueEquals(v)), false);
      return b;
    },
    ifAbsent(family, qualifier) {
      setCondition(filters.chain(filters.column(family, qualifier), filters.cellsPerColumnLimit(1), filters.stripValue()), true);
      return b;
    },
    ifMatches(filter) {
      setCondition(filter, false);
      return b;
    },
    thenPut(cells) { onTrue.put(cells); return b; },
    thenDelete(opts) { onTrue.delete(opts); return b; },
    otherwise(m) {
      if (typeof m === 'function') m(onFalse);
      else onFalse.mutations.push(...m.mutations);
      return b;
    },
    otherwisePut(cells) { onFalse.put(cells); return b; },
    otherwiseDelete(opts) { onFalse.delete(opts); return b; },
    async execute() {
      const whenHolds = onTrue.mutations;
      const whenNot = onFalse.mutations;
      if (whenHolds.length === 0 && whenNot.length === 0) throw new InvalidArgumentError('checkAndMutate: no mutations');
      // "absent" = the predicate (column has a cell) did not match: swap the branches.
      const req: ProtoObject = {
        ...target.requestFields,
        rowKey: key,
        trueMutations: negate ? whenNot : whenHolds,
        falseMutations: negate ? whenHolds : whenNot,
      };
      if (predicate !== undefined) req.predicateFilter = predicate;
      if (ctx.appProfileId !== undefined) req.appProfileId = ctx.appProfileId;
      const res = await unary(ctx.data, 'CheckAndMutateRow', req, requestMetadata(target.routing), ctx.timeoutMs);
      const matched = res.predicateMatched === true;
      return negate ? !matched : matched;
    },
  };
  return b;
}

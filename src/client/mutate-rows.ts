/**
 * One MutateRows call: entries (row + mutations, each applied atomically) in,
 * one status per entry out. Entries the stream never reported (it broke off)
 * come back UNAVAILABLE so callers may retry them; a failure of the whole call
 * before any entry result rejects with a TabulaError.
 */
import { Code } from '../base/errors.js';
import { fromGrpcError, statusOf, type StatusLike } from './client-errors.js';
import type { MutationProto } from './mutations.js';
import { openStream, requestMetadata, type DataTarget, type ProtoObject, type RpcContext } from './rpc.js';

export interface MutateEntry {
  row: Buffer;
  mutations: MutationProto[];
}

export async function mutateRows(ctx: RpcContext, target: DataTarget, entries: MutateEntry[]): Promise<StatusLike[]> {
  const statuses: (StatusLike | undefined)[] = new Array(entries.length).fill(undefined);
  const req: ProtoObject = { ...target.requestFields, entries: entries.map((e) => ({ rowKey: e.row, mutations: e.mutations })) };
  if (ctx.appProfileId !== undefined) req.appProfileId = ctx.appProfileId;
  let got = 0;
  try {
    for await (const res of openStream(ctx.data, 'MutateRows', req, requestMetadata(target.routing), ctx.timeoutMs)) {
      for (const e of ((res as ProtoObject).entries ?? []) as ProtoObject[]) {
        const i = Number(e.index ?? 0);
        const st = (e.status ?? {}) as { code?: number; message?: string };
        if (i >= 0 && i < entries.length) {
          if (statuses[i] === undefined) got++;
          statuses[i] = { code: st.code ?? 0, message: st.message ?? '' };
        }
      }
    }
  } catch (err) {
    if (got === 0) throw fromGrpcError(err);
    const s = statusOf(err);
    return statuses.map((st) => st ?? s);
  }
  return statuses.map((st) => st ?? { code: Code.UNAVAILABLE, message: 'MutateRows ended without a status for this entry' });
}

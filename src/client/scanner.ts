/**
 * A resumable ReadRows scan. Rows are assembled with ChunkMerger and yielded
 * one at a time (the gRPC stream applies backpressure while the consumer is
 * busy). When the stream fails with a transient error (UNAVAILABLE,
 * DEADLINE_EXCEEDED, ABORTED, INTERNAL RST_STREAM) the scan reopens after
 * exponential backoff, asking only for rows after the last one delivered (or
 * scanned) and for the remaining row limit, so no row is lost or repeated.
 * Leaving a `for await` loop early cancels the call.
 */
import type * as grpc from '@grpc/grpc-js';
import { ChunkMerger, type CellChunkLike } from './chunk-merger.js';
import { backoffDelay, sleep, type BackoffOptions } from './backoff.js';
import { fromGrpcError, isRetryableReadError } from './client-errors.js';
import { readFilter, remainingRows, rowSetProto, scanRows, type ScanOptions, type ScanRows } from './read-options.js';
import { openStream, requestMetadata, REVERSE_SCANS_FEATURES, type DataTarget, type ProtoObject, type RpcContext } from './rpc.js';
import { Row } from './row.js';
import { InvalidArgumentError } from '../base/errors.js';

/** Options of the retry loop of a scan. */
export interface ScanRetryOptions extends BackoffOptions {
  /** Deadline of each ReadRows attempt, ms (default none). */
  attemptTimeoutMs?: number;
}

/** The rows of a scan, in key order (descending when reversed). */
export interface Scanner extends AsyncIterable<Row> {
  /** Reads all remaining rows. */
  toArray(): Promise<Row[]>;
  /** Number of times the stream was reopened after a transient error. */
  readonly retries: number;
}

export function createScanner(ctx: RpcContext, target: DataTarget, opts: ScanOptions, retry: ScanRetryOptions = {}): Scanner {
  if (opts.limit !== undefined && (!Number.isSafeInteger(opts.limit) || opts.limit < 0)) {
    throw new InvalidArgumentError(`limit: must be a non-negative integer, got ${opts.limit}`);
  }
  const rows = scanRows(opts);
  const filter = readFilter(opts);
  const reversed = opts.reversed === true;
  const state = { retries: 0 };

  async function* iterate(): AsyncGenerator<Row> {
    let remaining: ScanRows | undefined = rows;
    let left = opts.limit === undefined || opts.limit === 0 ? Infinity : opts.limit;
    let failures = 0;
    while (remaining !== undefined && left > 0) {
      const req: ProtoObject = { ...target.requestFields, rows: rowSetProto(remaining) };
      if (ctx.appProfileId !== undefined) req.appProfileId = ctx.appProfileId;
      if (filter !== undefined) req.filter = filter;
      if (left !== Infinity) req.rowsLimit = String(left);
      if (reversed) req.reversed = true;
      const md = requestMetadata(target.routing, reversed ? { 'bigtable-features': REVERSE_SCANS_FEATURES } : undefined);
      const call: grpc.ClientReadableStream<ProtoObject> = openStream(ctx.data, 'ReadRows', req, md, retry.attemptTimeoutMs);
      const merger = new ChunkMerger({ reversed });
      let last: Buffer | undefined;
      let ended = false;
      try {
        for await (const resp of call) {
          const chunks = (resp as ProtoObject).chunks as CellChunkLike[] | undefined;
          if (chunks !== undefined) {
            for (const chunk of chunks) {
              const r = merger.push(chunk);
              if (r === undefined) continue;
              last = r.key;
              failures = 0;
              left--;
              yield new Row(r.key, r.cells);
              if (left <= 0) return;
            }
          }
          const scanned = (resp as ProtoObject).lastScannedRowKey as Buffer | undefined;
          if (scanned !== undefined && scanned.length > 0) {
            merger.markScanned(scanned);
            last = merger.lastRowKey;
          }
        }
        merger.finish();
        ended = true;
        return;
      } catch (e) {
        if (!isRetryableReadError(e) || failures >= (retry.maxRetries ?? 10)) throw fromGrpcError(e);
        failures++;
        state.retries++;
        if (last !== undefined) remaining = remainingRows(remaining, last, reversed);
        await sleep(backoffDelay(failures, retry));
      } finally {
        if (!ended) call.cancel();
      }
    }
  }

  return {
    [Symbol.asyncIterator]: iterate,
    async toArray(): Promise<Row[]> {
      const out: Row[] = [];
      for await (const r of iterate()) out.push(r);
      return out;
    },
    get retries() { return state.retries; },
  };
}

/**
 * The TabletServer service over gRPC (proto/tabula_internal.proto): the
 * server side registers any TabletServerService (usually the in-process
 * tabletserver/tablet-server.ts) on a grpc-js server, and RemoteTabletServer
 * is the same interface as a client stub, so the master and API routers use
 * local and remote servers alike.
 *
 * Errors: a TabulaError thrown by the implementation arrives as a TabulaError
 * of the same class, code and message (per-entry Mutate results too); a
 * transport failure arrives as its gRPC code (UNAVAILABLE when the server
 * cannot be reached) with the address in the message.
 *
 * ReadRows streams batches of about 1 MiB; the server writes only as fast as
 * the client consumes (gRPC flow control), and stopping the iteration (break,
 * throw, abort signal) cancels the call, which aborts the scan on the server.
 */
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, type TabulaError } from '../base/errors.js';
import type { Row } from '../model/cell.js';
import type { GcRule } from '../model/gc-rule.js';
import type { Aggregator } from '../model/aggregate.js';
import type { KeyRange } from '../model/key-range.js';
import type { Mutation, RowMutation } from '../model/mutation.js';
import type { RowFilter } from '../model/row-filter.js';
import { filterFromMessage, filterToMessage, type RowFilterMessage } from './filter-message.js';
import { callUnary, serverStreamHandler, unaryHandler, waitForDrain, type CallDefaults } from './grpc-call.js';
import { INTERNAL_CHANNEL_OPTIONS, tabletServerServiceDefinition } from './internal-protos.js';
import {
  aggregatesFromMessage, descriptorFromMessage, descriptorToMessage, familiesFromMessage, familiesToMessage, keyRangeFromMessage, keyRangeToMessage,
  mutationFromMessage, mutationToMessage, num, rmwRuleFromMessage, rmwRuleToMessage, rowFromMessage, rowToMessage,
  tabletStatsFromMessage, tabletStatsToMessage,
  type ColumnFamilyMessage, type KeyRangeMessage, type Long, type MutationMessage, type RmwRuleMessage, type RowMessage,
  type TabletDescriptorMessage, type TabletStatsMessage,
} from './model-messages.js';
import { decodeMutateResponse, encodeMutateResponse, type MutateRequest, type ReceivedMutateRequest } from './mutate-codec.js';
import { fromServiceError } from './rpc-errors.js';
import { encodeRowBatches, type RowBatch } from './row-batch-codec.js';
import type {
  ReadModifyWriteRule, TabletDescriptor, TabletReadOptions, TabletServerService, TabletStatsEntry,
} from './tablet-service.js';

/** A server's tablet stats and their sums. */
export interface ServerStats {
  serverId: string;
  tablets: TabletStatsEntry[];
  totals: { tablets: number; bytes: number; sstables: number; memtableBytes: number };
}

/** Sums per-tablet stats. */
export function serverStats(serverId: string, tablets: TabletStatsEntry[]): ServerStats {
  const totals = { tablets: tablets.length, bytes: 0, sstables: 0, memtableBytes: 0 };
  for (const t of tablets) {
    totals.bytes += t.bytes;
    totals.sstables += t.sstables;
    totals.memtableBytes += t.memtableBytes;
  }
  return { serverId, tablets, totals };
}

/** ReadRows responses are cut at about this size. */
export const READ_ROWS_TARGET_BYTES = 1024 * 1024;

// ---- request shapes (proto-loader objects) ---------------------------------------------

interface TabletRequest { tabletId?: string }
interface ReadRowsRequest extends TabletRequest {
  ranges?: KeyRangeMessage[];
  reversed?: boolean;
  limit?: Long;
  filter?: RowFilterMessage;
  wantStats?: boolean;
}
interface CheckAndMutateRequest extends TabletRequest {
  row?: Buffer;
  predicate?: RowFilterMessage;
  trueMutations?: MutationMessage[];
  falseMutations?: MutationMessage[];
}
interface ReadModifyWriteRequest extends TabletRequest { row?: Buffer; rules?: RmwRuleMessage[] }
interface SplitTabletRequest extends TabletRequest { splitRow?: Buffer; childIds?: string[] }
interface ServerStatsMessage {
  serverId?: string; tablets?: TabletStatsMessage[]; tabletCount?: Long; bytes?: Long; sstables?: Long; memtableBytes?: Long;
}
interface SampleRowKeysResponse { samples?: Array<{ rowKey?: Buffer; offsetBytes?: Long }>; totalBytes?: Long }
type Empty = Record<string, never>;

const EMPTY: Buffer = Buffer.alloc(0);
const id = (r: TabletRequest): string => r.tabletId ?? '';

/**
 * Registers the TabletServer service for `impl` on `server`. The server must
 * have been created with INTERNAL_CHANNEL_OPTIONS (createInternalServer) so
 * that big values fit.
 */
export function serveTabletServer(server: grpc.Server, impl: TabletServerService): void {
  const handlers: grpc.UntypedServiceImplementation = {
    Mutate: unaryHandler(async (req: ReceivedMutateRequest) => {
      if ('malformed' in req) throw req.malformed;
      return encodeMutateResponse(await impl.mutate(req.tabletId, req.entries));
    }),

    ReadRows: serverStreamHandler(async (req: ReadRowsRequest, call, signal) => {
      const stats = req.wantStats ? { rowsSeen: 0, cellsSeen: 0 } : undefined;
      const reported = { rowsSeen: 0, cellsSeen: 0 };
      const delta = (): { rowsSeen: number; cellsSeen: number } | undefined => {
        if (!stats) return undefined;
        const d = { rowsSeen: stats.rowsSeen - reported.rowsSeen, cellsSeen: stats.cellsSeen - reported.cellsSeen };
        reported.rowsSeen = stats.rowsSeen;
        reported.cellsSeen = stats.cellsSeen;
        return d;
      };
      const opts: TabletReadOptions = { reversed: req.reversed ?? false, signal };
      if (req.limit !== undefined && req.limit !== null) opts.limit = num(req.limit);
      if (req.filter) opts.filter = filterFromMessage(req.filter);
      if (stats) opts.stats = stats;
      const it = impl.readRows(id(req), (req.ranges ?? []).map(keyRangeFromMessage), opts)[Symbol.asyncIterator]();
      let done = false;
      try {
        while (!signal.aborted) {
          const r = await it.next();
          if (r.done) { done = true; break; }
          for (const msg of encodeRowBatches(r.value, READ_ROWS_TARGET_BYTES, delta())) {
            if (signal.aborted) return;
            if (!call.write(msg)) await waitForDrain(call as grpc.ServerWritableStream<unknown, unknown>, signal);
          }
        }
        if (done && !signal.aborted) for (const msg of encodeRowBatches([], READ_ROWS_TARGET_BYTES, delta())) call.write(msg);
      } finally {
        if (!done) await it.return?.();
      }
    }),

    CheckAndMutate: unaryHandler(async (req: CheckAndMutateRequest) => ({
      predicateMatched: await impl.checkAndMutate(
        id(req), req.row ?? EMPTY, req.predicate ? filterFromMessage(req.predicate) : undefined,
        (req.trueMutations ?? []).map(mutationFromMessage), (req.falseMutations ?? []).map(mutationFromMessage),
      ),
    })),

    ReadModifyWrite: unaryHandler(async (req: ReadModifyWriteRequest) => ({
      row: rowToMessage(await impl.readModifyWrite(id(req), req.row ?? EMPTY, (req.rules ?? []).map(rmwRuleFromMessage))),
    })),

    SampleRowKeys: unaryHandler(async (req: TabletRequest): Promise<SampleRowKeysResponse> => {
      const { samples, totalBytes } = await impl.sampleRowKeys(id(req));
      return { samples: samples.map((s) => ({ rowKey: s.rowKey, offsetBytes: s.offsetBytes })), totalBytes };
    }),

    OpenTablet: unaryHandler(async (req: { tablet?: TabletDescriptorMessage }): Promise<Empty> => {
      await impl.openTablet(descriptorFromMessage(req.tablet));
      return {};
    }),
    CloseTablet: unaryHandler(async (req: TabletRequest & { flush?: boolean; handOffEpoch?: Long }): Promise<Empty> => {
      const handOffEpoch = num(req.handOffEpoch);
      await impl.closeTablet(id(req), { flush: req.flush ?? false, ...(handOffEpoch > 0 ? { handOffEpoch } : {}) });
      return {};
    }),
    UpdateSchema: unaryHandler(async (req: TabletRequest & { families?: ColumnFamilyMessage[] }): Promise<Empty> => {
      await impl.updateSchema(id(req), familiesFromMessage(req.families), aggregatesFromMessage(req.families));
      return {};
    }),
    DropFamily: unaryHandler(async (req: TabletRequest & { family?: string }): Promise<Empty> => {
      await impl.dropFamily(id(req), req.family ?? '');
      return {};
    }),
    DropRange: unaryHandler(async (req: TabletRequest & { range?: KeyRangeMessage }): Promise<Empty> => {
      await impl.dropRange(id(req), keyRangeFromMessage(req.range));
      return {};
    }),
    DestroyTablet: unaryHandler(async (req: TabletRequest): Promise<Empty> => {
      await impl.destroyTablet(id(req));
      return {};
    }),

    SplitTablet: unaryHandler(async (req: SplitTabletRequest): Promise<{ splitRow?: Buffer }> => {
      const ids = req.childIds ?? [];
      if (ids.length !== 2) throw new InvalidArgumentError(`child_ids: want 2 tablet ids, got ${ids.length}`);
      const row = await impl.splitTablet(id(req), req.splitRow ?? undefined, [ids[0]!, ids[1]!]);
      return row === undefined ? {} : { splitRow: row };
    }),
    CompactTablet: unaryHandler(async (req: TabletRequest): Promise<Empty> => {
      await impl.compactTablet(id(req));
      return {};
    }),
    CopySnapshot: unaryHandler(async (req: { fromId?: string; toId?: string; label?: string }): Promise<Empty> => {
      if (!req.fromId) throw new InvalidArgumentError('from_id: required');
      if (!req.toId) throw new InvalidArgumentError('to_id: required');
      await impl.copySnapshot(req.fromId, req.toId, req.label ?? '');
      return {};
    }),
    SnapshotTablet: unaryHandler(async (req: TabletRequest & { snapshotId?: string; label?: string }): Promise<{ bytes: number }> => {
      if (!req.snapshotId) throw new InvalidArgumentError('snapshot_id: required');
      return impl.snapshotTablet(id(req), req.snapshotId, req.label ?? '');
    }),

    Ping: unaryHandler(async () => ({ serverId: impl.serverId })),
    TabletStats: unaryHandler(async (): Promise<ServerStatsMessage> => {
      const s = serverStats(impl.serverId, await impl.tabletStats());
      return {
        serverId: s.serverId, tablets: s.tablets.map(tabletStatsToMessage),
        tabletCount: s.totals.tablets, bytes: s.totals.bytes, sstables: s.totals.sstables, memtableBytes: s.totals.memtableBytes,
      };
    }),
  };
  server.addService(tabletServerServiceDefinition, handlers);
}

export interface RemoteOptions extends CallDefaults {
  /** Extra grpc-js channel options (merged over INTERNAL_CHANNEL_OPTIONS). */
  channelOptions?: grpc.ChannelOptions;
  credentials?: grpc.ChannelCredentials;
}

type Method = keyof typeof tabletServerServiceDefinition & string;

/**
 * A client stub for the TabletServer service at `address` (host:port) that
 * implements TabletServerService. One HTTP/2 channel, connected lazily and
 * reconnected by grpc-js; close() releases it.
 */
export class RemoteTabletServer implements TabletServerService {
  private readonly client: grpc.Client;

  constructor(readonly address: string, readonly serverId: string, private readonly opts: RemoteOptions = {}) {
    this.client = new grpc.Client(address, opts.credentials ?? grpc.credentials.createInsecure(), {
      ...INTERNAL_CHANNEL_OPTIONS, ...opts.channelOptions,
    });
  }

  private call<Req, Res>(method: Method, req: Req): Promise<Res> {
    const def = tabletServerServiceDefinition[method] as grpc.MethodDefinition<Req, Res>;
    return callUnary(this.client, this.address, def, req, this.opts);
  }

  /** Closes the channel; calls in flight fail. */
  close(): void {
    this.client.close();
  }

  /** The remote server's id (fails UNAVAILABLE when unreachable). */
  async ping(): Promise<string> {
    const res = await this.call<Empty, { serverId?: string }>('Ping', {});
    return res.serverId ?? '';
  }

  async tabletStats(): Promise<TabletStatsEntry[]> {
    return (await this.serverStats()).tablets;
  }

  /** The server's tablet stats with their sums. */
  async serverStats(): Promise<ServerStats> {
    const m = await this.call<Empty, ServerStatsMessage>('TabletStats', {});
    return {
      serverId: m.serverId ?? '',
      tablets: (m.tablets ?? []).map(tabletStatsFromMessage),
      totals: { tablets: num(m.tabletCount), bytes: num(m.bytes), sstables: num(m.sstables), memtableBytes: num(m.memtableBytes) },
    };
  }

  // ---- data plane ----------------------------------------------------------------------

  async mutate(tabletId: string, rms: RowMutation[]): Promise<Array<TabulaError | undefined>> {
    const buf = await this.call<MutateRequest, Buffer>('Mutate', { tabletId, entries: rms });
    return decodeMutateResponse(buf, rms.length);
  }

  async *readRows(tabletId: string, ranges: KeyRange[], opts: TabletReadOptions): AsyncGenerator<Row[]> {
    if (opts.signal?.aborted) return;
    const req: ReadRowsRequest = { tabletId, ranges: ranges.map(keyRangeToMessage), reversed: opts.reversed, wantStats: opts.stats !== undefined };
    if (opts.limit !== undefined) req.limit = opts.limit;
    if (opts.filter) req.filter = filterToMessage(opts.filter);
    const def = tabletServerServiceDefinition.ReadRows as grpc.MethodDefinition<ReadRowsRequest, RowBatch>;
    const call = this.client.makeServerStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, req, new grpc.Metadata(), {});
    // grpc-js emits the CANCELLED status as an 'error' event after we cancel; keep it from being unhandled.
    call.on('error', () => {});
    const cancel = (): void => call.cancel();
    opts.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const batch of call as AsyncIterable<RowBatch>) {
        if (opts.stats) {
          opts.stats.rowsSeen += batch.rowsSeen;
          opts.stats.cellsSeen += batch.cellsSeen;
        }
        if (batch.rows.length) yield batch.rows;
      }
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw fromServiceError(e, this.address);
    } finally {
      opts.signal?.removeEventListener('abort', cancel);
      // No-op when the stream already ended; otherwise the consumer stopped early.
      call.cancel();
    }
  }

  async checkAndMutate(tabletId: string, row: Buffer, predicate: RowFilter | undefined, trueMutations: Mutation[], falseMutations: Mutation[]): Promise<boolean> {
    const req: CheckAndMutateRequest = {
      tabletId, row, trueMutations: trueMutations.map(mutationToMessage), falseMutations: falseMutations.map(mutationToMessage),
    };
    if (predicate) req.predicate = filterToMessage(predicate);
    const res = await this.call<CheckAndMutateRequest, { predicateMatched?: boolean }>('CheckAndMutate', req);
    return res.predicateMatched ?? false;
  }

  async readModifyWrite(tabletId: string, row: Buffer, rules: ReadModifyWriteRule[]): Promise<Row> {
    const res = await this.call<ReadModifyWriteRequest, { row?: RowMessage }>('ReadModifyWrite', { tabletId, row, rules: rules.map(rmwRuleToMessage) });
    return rowFromMessage(res.row);
  }

  async sampleRowKeys(tabletId: string): Promise<{ samples: Array<{ rowKey: Buffer; offsetBytes: number }>; totalBytes: number }> {
    const res = await this.call<TabletRequest, SampleRowKeysResponse>('SampleRowKeys', { tabletId });
    return {
      samples: (res.samples ?? []).map((s) => ({ rowKey: s.rowKey ?? EMPTY, offsetBytes: num(s.offsetBytes) })),
      totalBytes: num(res.totalBytes),
    };
  }

  // ---- control plane -------------------------------------------------------------------

  async openTablet(desc: TabletDescriptor): Promise<void> {
    await this.call('OpenTablet', { tablet: descriptorToMessage(desc) });
  }

  async closeTablet(tabletId: string, opts: { flush: boolean; handOffEpoch?: number }): Promise<void> {
    await this.call('CloseTablet', { tabletId, flush: opts.flush, handOffEpoch: opts.handOffEpoch ?? 0 });
  }

  async updateSchema(tabletId: string, families: Array<[string, GcRule]>, aggregates?: Array<[string, Aggregator]>): Promise<void> {
    await this.call('UpdateSchema', { tabletId, families: familiesToMessage(families, aggregates) });
  }

  async dropFamily(tabletId: string, family: string): Promise<void> {
    await this.call('DropFamily', { tabletId, family });
  }

  async dropRange(tabletId: string, range: KeyRange): Promise<void> {
    await this.call('DropRange', { tabletId, range: keyRangeToMessage(range) });
  }

  async destroyTablet(tabletId: string): Promise<void> {
    await this.call('DestroyTablet', { tabletId });
  }

  async splitTablet(tabletId: string, splitRow: Buffer | undefined, childIds: [string, string]): Promise<Buffer | undefined> {
    const req: SplitTabletRequest = { tabletId, childIds: [...childIds] };
    if (splitRow !== undefined) req.splitRow = splitRow;
    const res = await this.call<SplitTabletRequest, { splitRow?: Buffer }>('SplitTablet', req);
    return res.splitRow ?? undefined;
  }

  async compactTablet(tabletId: string): Promise<void> {
    await this.call('CompactTablet', { tabletId });
  }

  async copySnapshot(fromId: string, toId: string, label: string): Promise<void> {
    await this.call('CopySnapshot', { fromId, toId, label });
  }

  async snapshotTablet(tabletId: string, snapshotId: string, label: string): Promise<{ bytes: number }> {
    const res = await this.call<{ tabletId: string; snapshotId: string; label: string }, { bytes?: Long }>('SnapshotTablet', { tabletId, snapshotId, label });
    return { bytes: num(res.bytes) };
  }
}

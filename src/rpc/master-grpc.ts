/**
 * The Master service over gRPC (proto/tabula_internal.proto): serveMaster
 * registers any MasterService on a grpc-js server, RemoteMaster is the client
 * stub. Errors travel as in tablet-server-grpc.ts (same class, code and
 * message on the client; transport failures as UNAVAILABLE etc.).
 */
import * as grpc from '@grpc/grpc-js';
import { callUnary, unaryHandler, type CallDefaults } from './grpc-call.js';
import { INTERNAL_CHANNEL_OPTIONS, masterServiceDefinition } from './internal-protos.js';
import { UnimplementedError } from '../base/errors.js';
import type {
  ClusterControlService, ClusterStatus, HeartbeatReply, MasterService, ServerStatus, TabletLocation, TabletStatus,
} from './master-service.js';
import { num, tabletStatsFromMessage, tabletStatsToMessage, type Long, type TabletStatsMessage } from './model-messages.js';
import type { TabletStatsEntry } from './tablet-service.js';

export type { ClusterControlService, ClusterStatus, HeartbeatReply, MasterService, ServerStatus, TabletLocation, TabletStatus } from './master-service.js';

// ---- message shapes (proto-loader objects) ---------------------------------------------

interface RegisterRequest { serverId?: string; address?: string }
interface HeartbeatRequest { serverId?: string; tablets?: TabletStatsMessage[] }
interface HeartbeatResponse { ok?: boolean; tablets?: string[]; drop?: string[]; leaseMs?: Long }
interface LocationMessage {
  id?: string; startRow?: Buffer; endRow?: Buffer; serverId?: string; serverAddress?: string; epoch?: Long;
}
interface ServerStatusMessage {
  serverId?: string; address?: string; live?: boolean; lastHeartbeatMs?: Long;
  tabletCount?: Long; bytes?: Long; sstables?: Long; memtableBytes?: Long;
}
interface TabletStatusMessage {
  id?: string; table?: string; startRow?: Buffer; endRow?: Buffer; serverId?: string; epoch?: Long; state?: string;
  bytes?: Long; sstables?: Long; memtableBytes?: Long;
}
interface ClusterStatusMessage { servers?: ServerStatusMessage[]; tablets?: TabletStatusMessage[] }

const EMPTY: Buffer = Buffer.alloc(0);

function locationToMessage(t: TabletLocation): LocationMessage {
  return { id: t.id, startRow: t.startRow, endRow: t.endRow, serverId: t.server, serverAddress: t.serverAddress, epoch: t.epoch };
}

function locationFromMessage(m: LocationMessage): TabletLocation {
  return {
    id: m.id ?? '', startRow: m.startRow ?? EMPTY, endRow: m.endRow ?? EMPTY,
    server: m.serverId ?? '', serverAddress: m.serverAddress ?? '', epoch: num(m.epoch),
  };
}

function clusterToMessage(c: ClusterStatus): ClusterStatusMessage {
  return {
    servers: c.servers.map((s) => ({ ...s })),
    tablets: c.tablets.map(({ server, ...t }) => ({ ...t, serverId: server })),
  };
}

function clusterFromMessage(m: ClusterStatusMessage): ClusterStatus {
  return {
    servers: (m.servers ?? []).map((s): ServerStatus => ({
      serverId: s.serverId ?? '', address: s.address ?? '', live: s.live ?? false, lastHeartbeatMs: num(s.lastHeartbeatMs),
      tabletCount: num(s.tabletCount), bytes: num(s.bytes), sstables: num(s.sstables), memtableBytes: num(s.memtableBytes),
    })),
    tablets: (m.tablets ?? []).map((t): TabletStatus => ({
      id: t.id ?? '', table: t.table ?? '', startRow: t.startRow ?? EMPTY, endRow: t.endRow ?? EMPTY,
      server: t.serverId ?? '', epoch: num(t.epoch), state: t.state ?? '',
      bytes: num(t.bytes), sstables: num(t.sstables), memtableBytes: num(t.memtableBytes),
    })),
  };
}

/**
 * Registers the Master service for `impl` (create the server with
 * createInternalServer); without `control` the operator commands answer
 * UNIMPLEMENTED.
 */
export function serveMaster(server: grpc.Server, impl: MasterService, control?: ClusterControlService): void {
  const ctl = (): ClusterControlService => {
    if (!control) throw new UnimplementedError('this master does not accept operator commands');
    return control;
  };
  server.addService(masterServiceDefinition, {
    RegisterServer: unaryHandler(async (req: RegisterRequest) => impl.registerServer(req.serverId ?? '', req.address ?? '')),
    Heartbeat: unaryHandler(async (req: HeartbeatRequest): Promise<HeartbeatResponse> =>
      impl.heartbeat(req.serverId ?? '', (req.tablets ?? []).map(tabletStatsFromMessage))),
    LocateTable: unaryHandler(async (req: { table?: string }) => ({ tablets: (await impl.locateTable(req.table ?? '')).map(locationToMessage) })),
    ClusterStatus: unaryHandler(async () => clusterToMessage(await impl.clusterStatus())),
    MoveTablet: unaryHandler(async (req: { tabletId?: string; serverId?: string }) => {
      await ctl().moveTablet(req.tabletId ?? '', req.serverId ?? '');
      return {};
    }),
    SplitTable: unaryHandler(async (req: { table?: string; rowKey?: Buffer }) => ({ children: await ctl().splitTable(req.table ?? '', req.rowKey ?? EMPTY) })),
    CompactTable: unaryHandler(async (req: { table?: string }) => {
      await ctl().compactTable(req.table ?? '');
      return {};
    }),
    Balance: unaryHandler(async () => ({ moves: await ctl().balance() })),
  });
}

export interface RemoteMasterOptions extends CallDefaults {
  channelOptions?: grpc.ChannelOptions;
  credentials?: grpc.ChannelCredentials;
}

type Method = keyof typeof masterServiceDefinition & string;

/** Client stub of the Master service at `address` (host:port). */
export class RemoteMaster implements MasterService, ClusterControlService {
  private readonly client: grpc.Client;

  constructor(readonly address: string, private readonly opts: RemoteMasterOptions = {}) {
    this.client = new grpc.Client(address, opts.credentials ?? grpc.credentials.createInsecure(), {
      ...INTERNAL_CHANNEL_OPTIONS, ...opts.channelOptions,
    });
  }

  private call<Req, Res>(method: Method, req: Req): Promise<Res> {
    return callUnary(this.client, this.address, masterServiceDefinition[method] as grpc.MethodDefinition<Req, Res>, req, this.opts);
  }

  close(): void {
    this.client.close();
  }

  async registerServer(serverId: string, address: string): Promise<{ leaseMs: number }> {
    const res = await this.call<RegisterRequest, { leaseMs?: Long }>('RegisterServer', { serverId, address });
    return { leaseMs: num(res.leaseMs) };
  }

  async heartbeat(serverId: string, tablets: TabletStatsEntry[]): Promise<HeartbeatReply> {
    const res = await this.call<HeartbeatRequest, HeartbeatResponse>('Heartbeat', { serverId, tablets: tablets.map(tabletStatsToMessage) });
    return { ok: res.ok ?? false, tablets: res.tablets ?? [], drop: res.drop ?? [], leaseMs: num(res.leaseMs) };
  }

  async locateTable(table: string): Promise<TabletLocation[]> {
    const res = await this.call<{ table: string }, { tablets?: LocationMessage[] }>('LocateTable', { table });
    return (res.tablets ?? []).map(locationFromMessage);
  }

  async clusterStatus(): Promise<ClusterStatus> {
    return clusterFromMessage(await this.call<Record<string, never>, ClusterStatusMessage>('ClusterStatus', {}));
  }

  async moveTablet(tabletId: string, serverId: string): Promise<void> {
    await this.call('MoveTablet', { tabletId, serverId });
  }

  async splitTable(table: string, rowKey: Buffer): Promise<string[]> {
    return (await this.call<{ table: string; rowKey: Buffer }, { children?: string[] }>('SplitTable', { table, rowKey })).children ?? [];
  }

  async compactTable(table: string): Promise<void> {
    await this.call('CompactTable', { table });
  }

  async balance(): Promise<number> {
    return num((await this.call<Record<string, never>, { moves?: Long }>('Balance', {})).moves);
  }
}

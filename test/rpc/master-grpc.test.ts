/**
 * The Master service through a real gRPC server against a small fake
 * MasterService: every method round-trips, errors keep class, code and
 * message.
 */
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type * as grpc from '@grpc/grpc-js';
import { Code, InvalidArgumentError, NotFoundError, UnavailableError } from '../../src/base/errors.js';
import { RemoteMaster, serveMaster, type ClusterStatus, type HeartbeatReply, type MasterService, type TabletLocation } from '../../src/rpc/master-grpc.js';
import { bindInternalServer, createInternalServer, shutdownInternalServer } from '../../src/rpc/internal-server.js';
import type { TabletStatsEntry } from '../../src/rpc/tablet-service.js';

const TABLE = 'projects/p/instances/i/tables/t';

/** A toy master: servers register, heartbeats renew leases, one table with two tablets. */
class FakeMaster implements MasterService {
  readonly servers = new Map<string, { address: string; lastHeartbeatMs: number; tablets: TabletStatsEntry[] }>();
  readonly locations: TabletLocation[] = [
    { id: 'tb-1', startRow: Buffer.alloc(0), endRow: Buffer.from('m\x00\xff'), server: 's1', serverAddress: '', epoch: 3 },
    { id: 'tb-2', startRow: Buffer.from('m\x00\xff'), endRow: Buffer.alloc(0), server: '', serverAddress: '', epoch: 2 ** 40 },
  ];

  async registerServer(serverId: string, address: string): Promise<{ leaseMs: number }> {
    if (!serverId) throw new InvalidArgumentError('server_id: required');
    this.servers.set(serverId, { address, lastHeartbeatMs: 0, tablets: [] });
    for (const l of this.locations) if (l.server === serverId) l.serverAddress = address;
    return { leaseMs: 10_000 };
  }

  async heartbeat(serverId: string, tablets: TabletStatsEntry[]): Promise<HeartbeatReply> {
    const s = this.servers.get(serverId);
    if (!s) return { ok: false, tablets: [], drop: [], leaseMs: 0 };
    s.lastHeartbeatMs = 1_700_000_000_123;
    s.tablets = tablets;
    const mine = this.locations.filter((l) => l.server === serverId).map((l) => l.id);
    return { ok: true, tablets: mine, drop: tablets.map((t) => t.id).filter((id) => !mine.includes(id)), leaseMs: 10_000 };
  }

  async locateTable(table: string): Promise<TabletLocation[]> {
    if (table !== TABLE) throw new NotFoundError(`table "${table}" not found`);
    return this.locations;
  }

  async clusterStatus(): Promise<ClusterStatus> {
    return {
      servers: [...this.servers].map(([serverId, s]) => ({
        serverId, address: s.address, live: s.lastHeartbeatMs > 0, lastHeartbeatMs: s.lastHeartbeatMs, tabletCount: s.tablets.length,
        bytes: s.tablets.reduce((n, t) => n + t.bytes, 0), sstables: s.tablets.reduce((n, t) => n + t.sstables, 0),
        memtableBytes: s.tablets.reduce((n, t) => n + t.memtableBytes, 0),
      })),
      tablets: this.locations.map((l) => ({
        id: l.id, table: TABLE, startRow: l.startRow, endRow: l.endRow, server: l.server, epoch: l.epoch,
        state: l.server ? 'serving' : 'unassigned', bytes: 0, sstables: 0, memtableBytes: 0,
      })),
    };
  }
}

const fake = new FakeMaster();
let server: grpc.Server;
let remote: RemoteMaster;

beforeAll(async () => {
  server = createInternalServer();
  serveMaster(server, fake);
  remote = new RemoteMaster(`127.0.0.1:${await bindInternalServer(server, '127.0.0.1', 0)}`);
});

afterAll(async () => {
  remote?.close();
  await shutdownInternalServer(server);
});

describe('Master over gRPC', () => {
  it('register, heartbeat, locate and status round-trip', async () => {
    expect(await remote.heartbeat('s1', [])).toEqual({ ok: false, tablets: [], drop: [], leaseMs: 0 });
    expect(await remote.registerServer('s1', '127.0.0.1:7001')).toEqual({ leaseMs: 10_000 });
    const stats: TabletStatsEntry[] = [
      { id: 'tb-1', bytes: 2 ** 40 + 1, sstables: 3, sortedRuns: 2, memtableBytes: 4096 },
      { id: 'tb-old', bytes: 0, sstables: 0, sortedRuns: 0, memtableBytes: 0 },
    ];
    expect(await remote.heartbeat('s1', stats)).toEqual({ ok: true, tablets: ['tb-1'], drop: ['tb-old'], leaseMs: 10_000 });
    expect(fake.servers.get('s1')!.tablets).toEqual(stats);
    expect(await remote.locateTable(TABLE)).toEqual(fake.locations);
    expect(await remote.clusterStatus()).toEqual(await fake.clusterStatus());
  });

  it('errors keep class, code and message', async () => {
    const nf = await remote.locateTable('projects/p/instances/i/tables/none').catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(nf).toMatchObject({ code: Code.NOT_FOUND, message: 'table "projects/p/instances/i/tables/none" not found' });
    const ia = await remote.registerServer('', 'x').catch((e: unknown) => e);
    expect(ia).toBeInstanceOf(InvalidArgumentError);
    expect(ia).toMatchObject({ code: Code.INVALID_ARGUMENT, message: 'server_id: required' });
  });

  it('an unreachable master fails UNAVAILABLE', async () => {
    const dead = new RemoteMaster('127.0.0.1:1', { deadlineMs: 5000 });
    try {
      await expect(dead.clusterStatus()).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      dead.close();
    }
  });
});

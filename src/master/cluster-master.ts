/**
 * The master of a cluster (rpc/master-service.ts MasterService): tablet
 * servers register and heartbeat, each heartbeat renews a lease; a server
 * whose lease expires loses its tablets, which are reassigned with a new
 * epoch and replay the dead server's WAL (Master.serverLost/assignTablet).
 * Unassigned tablets are assigned to live servers on every tick.
 *
 * Heartbeats are also reconciled with the catalog: a tablet the catalog
 * gives to a server whose report does not list it (the server crashed and
 * came back with the same id, so it looks like the same server registering
 * again) is recovered from that server's WAL like a lost server's
 * (Master.reclaimUnserved), so a new incarnation never keeps, and never
 * loses, tablets whose WAL records it did not replay.
 *
 * Time is injected (`now`) so lease expiry is testable without sleeping.
 * After a master restart every server the catalog names gets a grace
 * period (restartGraceMs) to re-register and keep its tablets, so running servers are not
 * disturbed.
 */
import { InvalidArgumentError, NotFoundError } from '../base/errors.js';
import { logger } from '../base/log.js';
import type {
  ClusterControlService, ClusterStatus, HeartbeatReply, MasterService, ServerStatus, TabletLocation, TabletStatus,
} from '../rpc/master-service.js';
import type { TabletControlService, TabletStatsEntry } from '../rpc/tablet-service.js';
import type { Master } from './master.js';

const log = logger('assign');

export interface ClusterMasterOptions {
  master: Master;
  /** The same map the Master was opened with: live servers by id. */
  servers: Map<string, TabletControlService>;
  /** A control stub for a server at host:port. */
  connect: (address: string) => TabletControlService & { close?(): void };
  leaseMs: number;
  /** After a (re)start, how long servers named by the catalog have to re-register (default 3 leases). */
  restartGraceMs?: number;
  now?: () => number;
}

interface Lease {
  address: string;
  expiresMs: number;
  lastHeartbeatMs: number;
  stats: TabletStatsEntry[];
  /** false: known from the catalog only (master restart), not registered yet. */
  registered: boolean;
  /**
   * Master.changeSequence when the previous heartbeat of this registration
   * arrived (undefined before the first): a heartbeat's report was gathered
   * after that, so it must list every tablet settled by then.
   */
  beatSeq?: number;
  client?: { close?(): void };
}

export class ClusterMaster implements MasterService, ClusterControlService {
  private readonly leases = new Map<string, Lease>();
  private readonly now: () => number;
  private ticking?: Promise<void>;

  constructor(private readonly opts: ClusterMasterOptions) {
    this.now = opts.now ?? Date.now;
    const graceEnds = this.now() + (opts.restartGraceMs ?? 3 * opts.leaseMs);
    for (const t of opts.master.tabletRecords()) {
      if (t.server && !this.leases.has(t.server)) {
        this.leases.set(t.server, { address: '', expiresMs: graceEnds, lastHeartbeatMs: 0, stats: [], registered: false });
      }
    }
  }

  get master(): Master {
    return this.opts.master;
  }

  async registerServer(serverId: string, address: string): Promise<{ leaseMs: number }> {
    if (!serverId) throw new InvalidArgumentError('server_id: required');
    if (!address) throw new InvalidArgumentError('address: required');
    const old = this.leases.get(serverId);
    if (old?.client && old.address !== address) old.client.close?.();
    const client = old?.client && old.address === address ? old.client : this.opts.connect(address);
    const now = this.now();
    this.leases.set(serverId, { address, expiresMs: now + this.opts.leaseMs, lastHeartbeatMs: now, stats: [], registered: true, client });
    this.opts.servers.set(serverId, client as TabletControlService);
    log.info({ server: serverId, address }, 'register');
    void this.tick();
    return { leaseMs: this.opts.leaseMs };
  }

  async heartbeat(serverId: string, tablets: TabletStatsEntry[]): Promise<HeartbeatReply> {
    const lease = this.leases.get(serverId);
    const now = this.now();
    if (!lease || !lease.registered || now > lease.expiresMs) return { ok: false, tablets: [], drop: [], leaseMs: 0 };
    lease.expiresMs = now + this.opts.leaseMs;
    lease.lastHeartbeatMs = now;
    lease.stats = tablets;
    const seen = lease.beatSeq;
    lease.beatSeq = this.opts.master.changeSequence;
    const reported = new Set(tablets.map((t) => t.id));
    if (seen !== undefined) {
      // Tablets this server should serve but does not (it restarted with the same id) are recovered from its WAL.
      const reclaimed = await this.opts.master.reclaimUnserved(serverId, reported, seen)
        .catch((e) => { log.warn({ server: serverId, err: String(e) }, 'reclaiming unserved tablets failed'); return []; });
      if (reclaimed.length) void this.tick().catch((e) => log.warn({ err: String(e) }, 'tick failed'));
    }
    const mine = this.opts.master.tabletRecords().filter((t) => t.server === serverId).map((t) => t.id);
    const owned = new Set(mine);
    return { ok: true, tablets: mine, drop: tablets.map((t) => t.id).filter((id) => !owned.has(id)), leaseMs: this.opts.leaseMs };
  }

  private live(serverId: string | undefined): Lease | undefined {
    const l = serverId ? this.leases.get(serverId) : undefined;
    return l && l.registered && this.now() <= l.expiresMs ? l : undefined;
  }

  async locateTable(table: string): Promise<TabletLocation[]> {
    return this.opts.master.locate(table).map((t) => ({ ...t, serverAddress: this.live(t.server)?.address ?? '' }));
  }

  async clusterStatus(): Promise<ClusterStatus> {
    const stats = new Map<string, TabletStatsEntry>();
    for (const l of this.leases.values()) for (const s of l.stats) stats.set(s.id, s);
    const records = this.opts.master.tabletRecords();
    const servers: ServerStatus[] = [...this.leases].map(([serverId, l]) => {
      const mine = records.filter((t) => t.server === serverId);
      const sum = (f: (s: TabletStatsEntry) => number) => mine.reduce((n, t) => n + (stats.has(t.id) ? f(stats.get(t.id)!) : 0), 0);
      return {
        serverId, address: l.address, live: !!this.live(serverId), lastHeartbeatMs: l.lastHeartbeatMs, tabletCount: mine.length,
        bytes: sum((s) => s.bytes), sstables: sum((s) => s.sstables), memtableBytes: sum((s) => s.memtableBytes),
      };
    });
    const tablets: TabletStatus[] = records
      .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : Buffer.compare(Buffer.from(a.startRow, 'base64'), Buffer.from(b.startRow, 'base64'))))
      .map((t) => {
        const s = stats.get(t.id);
        return {
          id: t.id, table: t.table, startRow: Buffer.from(t.startRow, 'base64'), endRow: Buffer.from(t.endRow, 'base64'),
          server: t.server ?? '', epoch: t.epoch,
          state: !t.server ? 'unassigned' : this.live(t.server) ? 'serving' : 'owner-unreachable',
          bytes: s?.bytes ?? 0, sstables: s?.sstables ?? 0, memtableBytes: s?.memtableBytes ?? 0,
        };
      });
    return { servers, tablets };
  }

  /**
   * Expires leases and assigns tablets nobody serves. Concurrent calls share
   * one run. Resolves when the run is over.
   */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    const now = this.now();
    for (const [id, l] of [...this.leases]) {
      if (now <= l.expiresMs) continue;
      this.leases.delete(id);
      this.opts.servers.delete(id);
      l.client?.close?.();
      await this.opts.master.serverLost(id);
    }
    const open = this.opts.master.tabletRecords().filter((t) => !t.server || !this.leases.has(t.server));
    const live = [...this.opts.servers.keys()].filter((id) => this.live(id));
    if (!open.length || !live.length) return;
    // Targets are planned up front (fewest tablets first) because the assignments run in parallel.
    const counts = new Map(live.map((id) => [id, 0]));
    for (const t of this.opts.master.tabletRecords()) if (t.server && counts.has(t.server)) counts.set(t.server, counts.get(t.server)! + 1);
    const targets = open.map(() => {
      let best = live[0]!;
      for (const id of live) if (counts.get(id)! < counts.get(best)!) best = id;
      counts.set(best, counts.get(best)! + 1);
      return best;
    });
    await Promise.all(open.map((t, i) => this.opts.master.assignTablet(t.id, targets[i])
      .catch((e) => log.warn({ tablet: t.id, err: String(e) }, 'assignment failed; retrying on the next tick'))));
  }

  // ---- operator commands -----------------------------------------------------------------

  async moveTablet(tabletId: string, serverId: string): Promise<void> {
    if (!tabletId) throw new InvalidArgumentError('tablet_id: required');
    if (!this.live(serverId)) throw new NotFoundError(`server_id: no live tablet server "${serverId}"`);
    await this.opts.master.moveTablet(tabletId, serverId);
  }

  async splitTable(table: string, rowKey: Buffer): Promise<string[]> {
    if (!rowKey.length) throw new InvalidArgumentError('row_key: required');
    return (await this.opts.master.splitTableAt(table, rowKey)) ?? [];
  }

  async compactTable(table: string): Promise<void> {
    this.opts.master.locate(table); // NotFoundError for an unknown table
    await this.opts.master.compactTable(table);
  }

  /**
   * One balancing round over the live servers with the bytes of their last
   * heartbeats (Master.balance). Resolves the number of tablets moved.
   */
  async balance(): Promise<number> {
    const live = [...this.leases.keys()].filter((id) => this.live(id) && this.opts.servers.has(id));
    const bytes = new Map<string, number>();
    for (const l of this.leases.values()) for (const s of l.stats) bytes.set(s.id, s.bytes);
    return this.opts.master.balance(live, bytes);
  }

  /** Ticks every `intervalMs` until the returned function is called. */
  start(intervalMs: number): () => void {
    const timer = setInterval(() => void this.tick().catch((e) => log.warn({ err: String(e) }, 'tick failed')), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  close(): void {
    for (const l of this.leases.values()) l.client?.close?.();
  }
}

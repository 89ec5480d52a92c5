/**
 * The master's internal protocol as seen by tablet servers and API frontends
 * in a cluster (DESIGN §6): registration and heartbeats (leases), routing
 * lookups, and cluster introspection. src/master implements it; the gRPC
 * transport is master-grpc.ts.
 */
import type { TabletStatsEntry } from './tablet-service.js';

/** Where a tablet is served, for request routing (shape-compatible with api/router.ts RouteEntry). */
export interface TabletLocation {
  id: string;
  startRow: Buffer;
  /** Empty = unbounded. */
  endRow: Buffer;
  /** Id of the serving server; empty = not assigned right now. */
  server: string;
  /** host:port of the serving server's TabletServer service (empty when unassigned/unknown). */
  serverAddress: string;
  epoch: number;
}

export interface HeartbeatReply {
  /** false = the master does not know this server (its lease expired): it must re-register. */
  ok: boolean;
  /** Tablets the master believes the server holds. */
  tablets: string[];
  /** Tablets the server holds but must close (assigned elsewhere or deleted). */
  drop: string[];
  /** The lease renewed by this heartbeat, in ms (0 when !ok). */
  leaseMs: number;
}

/** One tablet server as the master sees it. */
export interface ServerStatus {
  serverId: string;
  address: string;
  /** Holds an unexpired lease. */
  live: boolean;
  /** Wall-clock ms of the last heartbeat (0 = never). */
  lastHeartbeatMs: number;
  tabletCount: number;
  /** Sums over the server's tablets from its last heartbeat. */
  bytes: number;
  sstables: number;
  memtableBytes: number;
}

/** One tablet as the master sees it. */
export interface TabletStatus {
  id: string;
  table: string;
  startRow: Buffer;
  endRow: Buffer;
  /** Owner server id; empty = unassigned. */
  server: string;
  epoch: number;
  /** The master's word for the tablet's state (e.g. "serving", "opening", "unassigned"). */
  state: string;
  /** From the owner's last heartbeat (0 when unknown). */
  bytes: number;
  sstables: number;
  memtableBytes: number;
}

export interface ClusterStatus {
  servers: ServerStatus[];
  tablets: TabletStatus[];
}

export interface MasterService {
  /** A tablet server announces itself at `address`; the reply says how often it must heartbeat. */
  registerServer(serverId: string, address: string): Promise<{ leaseMs: number }>;
  /** Renews the server's lease and reports its tablets' sizes. */
  heartbeat(serverId: string, tablets: TabletStatsEntry[]): Promise<HeartbeatReply>;
  /** Tablets of a table sorted by start row; NotFoundError for an unknown table. */
  locateTable(table: string): Promise<TabletLocation[]>;
  clusterStatus(): Promise<ClusterStatus>;
}

/** Operator commands of the master (tabula cluster move|split|compact|balance). */
export interface ClusterControlService {
  /** Moves a tablet to a live server (by id); a pointer change, no SSTable data is copied. */
  moveTablet(tabletId: string, serverId: string): Promise<void>;
  /** Splits the tablet of `table` holding `rowKey` at that row; resolves the children ([] = already a boundary). */
  splitTable(table: string, rowKey: Buffer): Promise<string[]>;
  /** Major-compacts every tablet of the table. */
  compactTable(table: string): Promise<void>;
  /** One balancing round; resolves the number of tablets moved. */
  balance(): Promise<number>;
}

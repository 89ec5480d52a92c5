/**
 * Composition root of `tabula master`: the catalog (DIR/master), the cluster
 * master (leases, assignment, recovery) and, on one port, both the internal
 * Master service for tablet servers and the public Bigtable API (table admin
 * here; data requests routed to the tablets' owners).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Master } from '../master/master.js';
import { ClusterMaster } from '../master/cluster-master.js';
import { Router } from '../api/router.js';
import { createApiGrpcServer } from '../api/api-server.js';
import { serveMaster } from '../rpc/master-grpc.js';
import { RemoteTabletServer } from '../rpc/tablet-server-grpc.js';
import { bindInternalServer, shutdownInternalServer } from '../rpc/internal-server.js';
import { RouteCache } from '../rpc/route-cache.js';
import { ServerPool } from '../rpc/server-pool.js';
import type { TabletControlService } from '../rpc/tablet-service.js';

export interface MasterProcessOptions {
  data: string;
  host: string;
  port: number;
  leaseMs: number;
  /** How often leases are checked and unassigned tablets assigned. */
  tickMs: number;
  /** Split tablets larger than this (bytes); 0 = never. */
  splitBytes: number;
  /** How often the balancer runs (ms); 0 = only on request (tabula cluster balance). */
  balanceMs: number;
}

export interface RunningMaster {
  port: number;
  cluster: ClusterMaster;
  close(): Promise<void>;
}

/** Deadline of the master's control calls (opening a tablet may replay a WAL). */
const CONTROL_DEADLINE_MS = 60_000;
const DATA_DEADLINE_MS = 30_000;

export async function startMasterProcess(opts: MasterProcessOptions): Promise<RunningMaster> {
  const data = resolve(opts.data);
  mkdirSync(join(data, 'master'), { recursive: true });
  const servers = new Map<string, TabletControlService>();
  const master = await Master.open({ dir: join(data, 'master'), servers, assignOnOpen: false });
  const cluster = new ClusterMaster({
    master, servers, leaseMs: opts.leaseMs,
    connect: (address) => new RemoteTabletServer(address, address, { deadlineMs: CONTROL_DEADLINE_MS }),
  });
  const pool = new ServerPool({ remote: { deadlineMs: DATA_DEADLINE_MS } });
  const router = new Router(new RouteCache(cluster), pool);
  const server = createApiGrpcServer(router, master);
  serveMaster(server, cluster, cluster);
  const port = await bindInternalServer(server, opts.host, opts.port);
  const stopTicks = cluster.start(opts.tickMs);
  const balancer = opts.balanceMs > 0 ? setInterval(() => void cluster.balance().catch(() => {}), opts.balanceMs) : undefined;
  balancer?.unref();
  const stopSplits = opts.splitBytes > 0 ? master.startAutoSplit({ splitBytes: opts.splitBytes, intervalMs: Math.max(opts.tickMs, 1000) }) : () => {};
  return {
    port, cluster,
    close: async () => {
      stopTicks();
      stopSplits();
      clearInterval(balancer);
      await shutdownInternalServer(server);
      pool.close();
      cluster.close();
      await master.close();
    },
  };
}

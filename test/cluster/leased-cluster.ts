/**
 * An in-process cluster with leases and an injected clock, for tests of what
 * happens when servers stop heartbeating: a master, a ClusterMaster, servers
 * started (and restarted) on demand at addresses addr-<id>, and a router.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { TabletServer } from '../../src/tabletserver/tablet-server.js';
import { ClusterMember } from '../../src/tabletserver/cluster-member.js';
import { Master } from '../../src/master/master.js';
import { ClusterMaster } from '../../src/master/cluster-master.js';
import { Router } from '../../src/api/router.js';
import { RouteCache } from '../../src/rpc/route-cache.js';
import type { TabletControlService } from '../../src/rpc/tablet-service.js';

export const LEASE = 10_000;

/** `onClose` receives the cluster's clean-up (servers, then the master). */
export async function leasedCluster(onClose: (close: () => Promise<void>) => void, storage: Storage = new MemoryStorage()) {
  let now = 1_000_000;
  const clock = () => now;
  const byAddress = new Map<string, TabletServer>();
  const open: TabletServer[] = [];
  const servers = new Map<string, TabletControlService>();
  const master = await Master.open({ dir: mkdtempSync(join(tmpdir(), 'tabula-leased-')), servers, assignOnOpen: false });
  // Like a gRPC stub, a connection reaches whatever process listens at the address now; closing it closes no server.
  const connect = (a: string) => new Proxy({}, {
    get: (_, method: string) => (method === 'close' ? () => {} : (...args: unknown[]) =>
      (byAddress.get(a) as unknown as Record<string, (...x: unknown[]) => unknown>)[method]!(...args)),
  }) as TabletControlService;
  const cm = new ClusterMaster({ master, servers, leaseMs: LEASE, now: clock, connect });
  /** Starts (or, after a crash, restarts) server `id` at address addr-<id>. */
  const start = async (id: string) => {
    const ts = await TabletServer.open({ storage, serverId: id, jobs: 'inline' });
    open.push(ts);
    byAddress.set(`addr-${id}`, ts);
    return { ts, member: new ClusterMember({ server: ts, master: cm, address: `addr-${id}`, heartbeatMs: 1000, now: clock }) };
  };
  const router = new Router(new RouteCache(cm), { server: (a) => byAddress.get(a)! });
  onClose(async () => {
    for (const s of open) await s.close().catch(() => {});
    await master.close();
  });
  return { cm, master, router, start, advance: (ms: number) => { now += ms; } };
}

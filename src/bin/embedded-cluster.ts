/**
 * A whole cluster in one process: N tablet servers over one storage root,
 * each with its own WAL (wal/<id>), a master that assigns and balances
 * their tablets, and a router that calls the owners in-process. `tabula
 * serve` runs one (N = --tablet-servers); tests build theirs with it too.
 *
 * Server ids are derived from the index (embeddedServerId), so a restart
 * with the same N gives every WAL to the server that wrote it, and the
 * master (assigning everything again on open) keeps each tablet on its
 * owner; with fewer servers than before, the tablets of a missing id move
 * to a present one, which replays that id's WAL.
 */
import type { Storage } from '../storage/storage.js';
import { NotServingError } from '../base/errors.js';
import { TabletServer } from '../tabletserver/tablet-server.js';
import type { TabletHostOptions } from '../tabletserver/tablet-host.js';
import { Master } from '../master/master.js';
import { Router } from '../api/router.js';

/** The id of server `i`: "embedded" for the first (the one-server layout of `tabula serve`), then embedded-1, embedded-2, … */
export function embeddedServerId(i: number): string {
  return i === 0 ? 'embedded' : `embedded-${i}`;
}

export interface EmbeddedClusterOptions {
  storage: Storage;
  /** Directory of the master's catalog. */
  masterDir: string;
  /** How many tablet servers (default 1). */
  tabletServers?: number;
  /** Server ids by index (default embeddedServerId). */
  serverId?: (i: number) => string;
  /** Options of every tablet server (cacheBytes is per server). */
  server?: Omit<TabletHostOptions, 'storage' | 'serverId'>;
  /** The master's clock in ms (backup times and expiry; default Date.now). */
  now?: () => number;
}

export interface EmbeddedCluster {
  servers: TabletServer[];
  master: Master;
  router: Router;
  /** Every tablet of every server (readiness, metrics). */
  tabletStats(): ReturnType<TabletServer['tabletStats']>;
  /** Stops the servers (flushing memtables when asked), then the master. */
  close(opts?: { flush?: boolean }): Promise<void>;
}

export async function openEmbeddedCluster(opts: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
  const n = opts.tabletServers ?? 1;
  const idOf = opts.serverId ?? embeddedServerId;
  const servers: TabletServer[] = [];
  let master: Master | undefined;
  try {
    // Each server replays its own WAL; they do so in parallel.
    const opened = await Promise.allSettled(Array.from({ length: n }, (_, i) => TabletServer.open({ ...opts.server, storage: opts.storage, serverId: idOf(i) })));
    for (const r of opened) if (r.status === 'fulfilled') servers.push(r.value);
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const byId = new Map(servers.map((s) => [s.serverId, s]));
    master = await Master.open({ dir: opts.masterDir, servers: new Map(byId), ...(opts.now ? { now: opts.now } : {}) });
    const router = new Router(master, {
      server: (id) => {
        const s = byId.get(id);
        if (!s) throw new NotServingError(`tablet server ${id} is not running`);
        return s;
      },
    });
    const m = master;
    return {
      servers, master: m, router,
      tabletStats: async () => (await Promise.all(servers.map((s) => s.tabletStats()))).flat(),
      close: async (o = {}) => {
        await Promise.all(servers.map((s) => s.close(o)));
        await m.close();
      },
    };
  } catch (e) {
    await Promise.all(servers.map((s) => s.close().catch(() => {})));
    await master?.close().catch(() => {});
    throw e;
  }
}

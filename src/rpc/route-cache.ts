/**
 * Routing for an API frontend in a cluster: where each table's tablets are
 * served, asked of the master (MasterService.locateTable) and cached until a
 * request finds a route stale (the router then calls invalidate()).
 *
 * Entries name the owner by its address (host:port), so a ServerPool can
 * reach it; an unassigned tablet has server "" and fails UNAVAILABLE until
 * it is assigned.
 */
import type { MasterService } from './master-service.js';

/** Shape-compatible with api/router.ts RouteEntry. */
export interface AddressedRoute {
  id: string;
  startRow: Buffer;
  endRow: Buffer;
  /** host:port of the owner, "" while unassigned. */
  server: string;
  epoch: number;
}

export class RouteCache {
  private readonly cache = new Map<string, Promise<AddressedRoute[]>>();

  constructor(private readonly master: Pick<MasterService, 'locateTable'>) {}

  locate(table: string): Promise<AddressedRoute[]> {
    let p = this.cache.get(table);
    if (!p) {
      p = this.master.locateTable(table).then((ts) => ts.map((t) => ({
        id: t.id, startRow: t.startRow, endRow: t.endRow, server: t.serverAddress, epoch: t.epoch,
      })));
      const mine = p;
      this.cache.set(table, mine);
      // A failed lookup (unknown table, master unreachable) is not cached (nor does it drop a newer lookup).
      mine.catch(() => { if (this.cache.get(table) === mine) this.cache.delete(table); });
    }
    return p;
  }

  invalidate(): void {
    this.cache.clear();
  }
}

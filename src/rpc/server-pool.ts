/**
 * Data-plane stubs of tablet servers by address, created on first use and
 * kept for the pool's lifetime. The server this process hosts itself (if
 * any) is called in-process. Asking for "" (an unassigned tablet) fails
 * UNAVAILABLE, which routers retry after refreshing their routes.
 */
import { UnavailableError } from '../base/errors.js';
import { RemoteTabletServer, type RemoteOptions } from './tablet-server-grpc.js';
import type { TabletDataService } from './tablet-service.js';

export class ServerPool {
  private readonly remotes = new Map<string, RemoteTabletServer>();

  constructor(private readonly opts: { local?: { address: string; server: TabletDataService }; remote?: RemoteOptions } = {}) {}

  server(address: string): TabletDataService {
    if (!address) throw new UnavailableError('tablet is not assigned to a server right now');
    if (this.opts.local && address === this.opts.local.address) return this.opts.local.server;
    let r = this.remotes.get(address);
    if (!r) this.remotes.set(address, (r = new RemoteTabletServer(address, address, this.opts.remote)));
    return r;
  }

  close(): void {
    for (const r of this.remotes.values()) r.close();
    this.remotes.clear();
  }
}

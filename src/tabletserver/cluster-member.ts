/**
 * A tablet server's membership in a cluster: registers with the master,
 * heartbeats every `heartbeatMs`, closes the tablets the master says are no
 * longer its own, and keeps the server's write gate shut while it holds no
 * valid lease.
 *
 * The local lease runs from when a heartbeat was *sent*, the master's from
 * when it was *received*, and the local one is shortened by a margin, so the
 * server stops serving before the master can give its tablets to anyone
 * else. A server that was paused (SIGSTOP) past its lease therefore refuses
 * every call on resume, re-registers, drops the tablets that moved, and only
 * then serves again.
 */
import { UnavailableError } from '../base/errors.js';
import { logger } from '../base/log.js';
import type { MasterService } from '../rpc/master-service.js';
import type { TabletServer } from './tablet-server.js';

const log = logger('tablet-server');

export interface ClusterMemberOptions {
  server: TabletServer;
  master: MasterService;
  /** host:port where this server's internal service listens. */
  address: string;
  heartbeatMs: number;
  now?: () => number;
}

/** Fraction of the lease the server trusts locally. */
const LOCAL_LEASE_FRACTION = 0.8;

export class ClusterMember {
  private validUntil = 0;
  private registered = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly opts: ClusterMemberOptions) {
    this.now = opts.now ?? Date.now;
    opts.server.setGate(() => {
      if (this.now() > this.validUntil) throw new UnavailableError(`tablet server ${opts.server.serverId} holds no valid lease`);
    });
  }

  /** True while the server may serve. */
  get leaseValid(): boolean {
    return this.now() <= this.validUntil;
  }

  /** Registers and heartbeats until stop(). Resolves after the first successful heartbeat attempt. */
  async start(): Promise<void> {
    await this.beat();
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = this.beat().finally(loop);
      }, this.opts.heartbeatMs);
    };
    loop();
  }

  /** One registration (when needed) and heartbeat; never throws. */
  async beat(again = true): Promise<void> {
    const { server, master } = this.opts;
    try {
      if (!this.registered) {
        await master.registerServer(server.serverId, this.opts.address);
        this.registered = true;
      }
      const sent = this.now();
      const reply = await master.heartbeat(server.serverId, await server.heartbeatReport());
      if (!reply.ok) {
        // The master does not know us (lease expired or master restarted): stop serving, re-register next.
        this.validUntil = 0;
        this.registered = false;
        log.warn({ server: server.serverId }, 'lease lost; re-registering');
        if (again) return this.beat(false);
        return;
      }
      // Tablets owned elsewhere now are closed before the gate opens again.
      for (const id of reply.drop) {
        await server.closeTablet(id, { flush: false }).catch((e) => log.warn({ tablet: id, err: String(e) }, 'close failed'));
      }
      this.validUntil = sent + reply.leaseMs * LOCAL_LEASE_FRACTION;
    } catch (e) {
      log.warn({ server: server.serverId, err: String(e) }, 'heartbeat failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

/**
 * A tablet server's view of its link to the master, for /readyz: wraps the
 * MasterService the ClusterMember heartbeats through and remembers how the
 * last registration or heartbeat went and which tablets the master says the
 * server holds.
 */
import type { HeartbeatReply, MasterService } from '../rpc/master-service.js';

export interface MasterLinkState {
  /** The last registration/heartbeat reached the master and was accepted. */
  ok: boolean;
  /** Why not, when !ok. */
  problem?: string;
  /** Tablet ids the master assigned to this server at the last accepted heartbeat. */
  assigned: string[];
}

export function watchMasterLink(master: MasterService): { master: MasterService; state: () => MasterLinkState } {
  const s: MasterLinkState = { ok: false, problem: 'not registered yet', assigned: [] };
  const failed = (what: string) => (e: unknown): never => {
    s.ok = false;
    s.problem = `${what} failed: ${e instanceof Error ? e.message : String(e)}`;
    throw e;
  };
  const wrapped: MasterService = {
    registerServer: (id, address) => master.registerServer(id, address).catch(failed('register')),
    async heartbeat(id, tablets): Promise<HeartbeatReply> {
      const r = await master.heartbeat(id, tablets).catch(failed('heartbeat'));
      s.ok = r.ok;
      s.problem = r.ok ? undefined : 'the master does not know this server (lease expired); re-registering';
      if (r.ok) s.assigned = r.tablets;
      return r;
    },
    locateTable: (table) => master.locateTable(table),
    clusterStatus: () => master.clusterStatus(),
  };
  return { master: wrapped, state: () => ({ ...s, assigned: [...s.assigned] }) };
}

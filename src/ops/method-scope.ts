/**
 * The scope each public RPC needs. Data reads need read-only, data writes
 * read-write, and admin RPCs admin — except admin lookups (Get*, List*),
 * which read-only tokens may call so dashboards and `cbt ls` work.
 * Unknown methods need admin (deny by default). undefined = no token needed.
 *
 * Internal services (tabula.internal.*: TabletServer, Master) need the
 * cluster scope, which no user scope covers — except the master's operator
 * commands (`tabula cluster status|move|split|compact|balance`), which an
 * operator calls with an admin token.
 */
import type { Scope } from './auth-tokens.js';

const DATA_READS = new Set(['ReadRows', 'SampleRowKeys', 'PingAndWarm', 'ExecuteQuery', 'PrepareQuery', 'GenerateInitialChangeStreamPartitions', 'ReadChangeStream']);
const DATA_WRITES = new Set(['MutateRow', 'MutateRows', 'CheckAndMutateRow', 'ReadModifyWriteRow']);
const OPERATOR_COMMANDS = new Set(['ClusterStatus', 'MoveTablet', 'SplitTable', 'CompactTable', 'Balance']);

/** path is the gRPC method path, e.g. /google.bigtable.v2.Bigtable/ReadRows. */
export function requiredScope(path: string): Scope | undefined {
  const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return 'admin';
  const [, service, method] = m as unknown as [string, string, string];
  if (service === 'grpc.health.v1.Health' || service.startsWith('grpc.reflection.')) return undefined;
  if (service.startsWith('tabula.internal.')) {
    return service.endsWith('.Master') && OPERATOR_COMMANDS.has(method) ? 'admin' : 'cluster';
  }
  if (service === 'google.bigtable.v2.Bigtable') {
    if (DATA_READS.has(method)) return 'read-only';
    if (DATA_WRITES.has(method)) return 'read-write';
    return 'admin';
  }
  if (/^(Get|List)/.test(method)) return 'read-only';
  return 'admin';
}

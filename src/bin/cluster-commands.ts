/**
 * `tabula master`, `tabula tablet-server` and `tabula cluster …` (cluster mode).
 * The two server roles take their options through one validated schema each
 * (MASTER_OPTIONS, TABLET_SERVER_OPTIONS: flags, TABULA_* env vars, --config
 * JSON file), with the ops options of `tabula serve` and the TLS options of
 * their internal calls.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { startMasterProcess } from './master-process.js';
import { startTabletServerProcess } from './tablet-server-process.js';
import { clusterStatusText } from './cluster-status.js';
import { bytes, duration, port } from './option-parsers.js';
import { FILE_GC_OPTION_SPECS } from './file-gc-timer.js';
import { SPLIT_SIZE_OPTION } from './serve-command.js';
import { registerServerCommand } from './server-command.js';
import { RemoteMaster } from '../rpc/master-grpc.js';
import { ConfigError, parsers, type OptionSpec } from '../ops/config-options.js';
import { bearerTokenInterceptor } from '../ops/internal-clients.js';
import { internalClientOptionSpecs, opsOptionSpecs, type InternalClientOptions, type OpsOptions } from '../ops/ops-options.js';

function millis(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of milliseconds');
  return n;
}

function hostPort(v: unknown): string {
  if (typeof v !== 'string' || (!/^[^\s:]+:\d{1,5}$/.test(v) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(v))) {
    throw new InvalidArgumentError('must be HOST:PORT, e.g. 127.0.0.1:8090');
  }
  return v;
}

const CLUSTER_OPS_OPTIONS: OptionSpec[] = [...opsOptionSpecs({ bytes, duration }), ...internalClientOptionSpecs()];

export const MASTER_OPTIONS: OptionSpec[] = [
  { flag: '--data <dir>', description: 'shared-storage root (the catalog lives in DIR/master)', env: 'TABULA_DATA', default: './data', parse: parsers.string },
  { flag: '--host <host>', description: 'address to listen on', env: 'TABULA_HOST', default: '127.0.0.1', parse: parsers.string },
  { flag: '--port <port>', description: 'port of the master and Bigtable API (0 = any free port)', env: 'TABULA_PORT', default: 8090, parse: port },
  { flag: '--lease-ms <ms>', description: 'tablet-server lease', env: 'TABULA_LEASE_MS', default: 10_000, parse: millis },
  { flag: '--tick-ms <ms>', description: 'how often leases are checked and tablets assigned', env: 'TABULA_TICK_MS', default: 500, parse: millis },
  SPLIT_SIZE_OPTION,
  {
    flag: '--balance-ms <ms>', description: 'how often the balancer evens out tablets and bytes (0 = only on `tabula cluster balance`)', env: 'TABULA_BALANCE_MS',
    default: 30_000, parse: (v) => (v === '0' || v === 0 ? 0 : millis(v)),
  },
  ...FILE_GC_OPTION_SPECS,
  ...CLUSTER_OPS_OPTIONS,
];

export const TABLET_SERVER_OPTIONS: OptionSpec[] = [
  { flag: '--master <host:port>', description: 'address of the master (required)', env: 'TABULA_MASTER', parse: hostPort },
  { flag: '--data <dir>', description: 'shared-storage root (the same directory as the master\'s)', env: 'TABULA_DATA', default: './data', parse: parsers.string },
  { flag: '--host <host>', description: 'address to listen on', env: 'TABULA_HOST', default: '127.0.0.1', parse: parsers.string },
  { flag: '--port <port>', description: 'port of the tablet server and Bigtable API (0 = any free port)', env: 'TABULA_PORT', default: 8091, parse: port },
  {
    flag: '--advertise-host <host>', description: 'host the master and other servers dial to reach this one (when --host is 0.0.0.0: the pod IP or DNS name)',
    env: 'TABULA_ADVERTISE_HOST', defaultText: 'same as --host', parse: parsers.string,
  },
  { flag: '--id <id>', description: 'server id', env: 'TABULA_ID', defaultText: 'a new random id per start', parse: parsers.string },
  { flag: '--heartbeat-ms <ms>', description: 'heartbeat interval (keep well below the master\'s lease)', env: 'TABULA_HEARTBEAT_MS', default: 2000, parse: millis },
  { flag: '--cache <size>', description: 'block cache size', env: 'TABULA_CACHE', default: 256 << 20, defaultText: '256m', parse: bytes },
  { flag: '--no-wal-sync', description: 'do not fsync the write-ahead log (benchmarks only: acknowledged writes may be lost); config file key walSync: false', parse: parsers.boolean },
  { flag: '--no-read-worker', description: 'read SSTable blocks through libuv\'s threadpool instead of the read worker thread (which polls 50 µs after each batch of reads); config file key readWorker: false', parse: parsers.boolean },
  ...CLUSTER_OPS_OPTIONS,
];

type ClusterOps = OpsOptions & InternalClientOptions;
type MasterCommandOptions = ClusterOps & {
  data: string; host: string; port: number; leaseMs: number; tickMs: number; splitSize: number; balanceMs: number; fileGcInterval: number; fileGcMinAge: number;
};
type TabletServerCommandOptions = ClusterOps & {
  master?: string; data: string; host: string; port: number; advertiseHost?: string; id?: string; heartbeatMs: number; cache: number; walSync: boolean; readWorker: boolean;
};

const env = process.env;

export function registerClusterCommands(program: Command): void {
  registerServerCommand<MasterCommandOptions>(program, {
    name: 'master',
    description: 'run the cluster master (catalog, assignment, recovery) and the Bigtable API on one port',
    options: MASTER_OPTIONS,
    start: async (o, onMetricsListening) => {
      const m = await startMasterProcess({
        data: o.data, host: o.host, port: o.port, leaseMs: o.leaseMs, tickMs: o.tickMs, splitBytes: o.splitSize, balanceMs: o.balanceMs,
        fileGc: { intervalMs: o.fileGcInterval, minAgeMs: o.fileGcMinAge }, ops: o, onMetricsListening,
      });
      return { line: `tabula master listening on ${o.host}:${m.port}`, close: m.close };
    },
  });

  registerServerCommand<TabletServerCommandOptions>(program, {
    name: 'tablet-server',
    description: 'run a tablet server of the cluster at --master, also serving the Bigtable API',
    options: TABLET_SERVER_OPTIONS,
    start: async (o, onMetricsListening) => {
      if (!o.master) throw new ConfigError('--master: required (HOST:PORT of the master; env TABULA_MASTER)');
      const s = await startTabletServerProcess({
        data: o.data, master: o.master, host: o.host, port: o.port, advertiseHost: o.advertiseHost, id: o.id,
        heartbeatMs: o.heartbeatMs, cacheBytes: o.cache, walSync: o.walSync, readWorker: o.readWorker, ops: o, onMetricsListening,
      });
      return { line: `tabula tablet-server ${s.id} listening on ${o.host}:${s.port}`, close: s.close };
    },
  });

  const cluster = program.command('cluster').description('inspect and steer a running cluster');
  // How to reach the master: address, and for a secured cluster TLS and an admin bearer token.
  const conn = (c: Command) => c
    .option('--master <host:port>', 'address of the master', hostPort, env.TABULA_MASTER ?? '127.0.0.1:8090')
    .option('--tls-ca <file>', 'talk TLS, verifying the master with this PEM CA bundle', env.TABULA_TLS_CA)
    .option('--tls-server-name <name>', 'name the master\'s certificate must carry (default: the host dialled)', env.TABULA_TLS_SERVER_NAME)
    .option('--tls-cert <file>', 'client certificate (PEM) to present when the master requires one (mTLS), with --tls-key', env.TABULA_TLS_CERT)
    .option('--tls-key <file>', 'private key of --tls-cert', env.TABULA_TLS_KEY)
    .option('--token-file <file>', 'file holding an admin bearer token (needed when the cluster runs with --auth-token-file; env TABULA_TOKEN gives the token itself)', env.TABULA_TOKEN_FILE);
  const tableOpts = (c: Command) => conn(c)
    .option('--project <id>', 'project of TABLE when TABLE is a bare table id', env.TABULA_PROJECT)
    .option('--instance <id>', 'instance of TABLE when TABLE is a bare table id', env.TABULA_INSTANCE);

  conn(cluster.command('status'))
    .description('list tablet servers (address, tablets, bytes, liveness) and tablets (table, range, bytes, SSTables, owner, epoch)')
    .action((o: MasterConn) => withMaster('status', o, async (m) => {
      process.stdout.write(clusterStatusText(await m.clusterStatus()));
    }));
  conn(cluster.command('move <tablet> <server>'))
    .description('move TABLET to the live tablet server SERVER (by id); no SSTable data is copied')
    .action((tablet: string, server: string, o: MasterConn) => withMaster('move', o, async (m) => {
      await m.moveTablet(tablet, server);
      process.stdout.write(`moved ${tablet} to ${server}\n`);
    }));
  tableOpts(cluster.command('split <table> <rowkey>'))
    .description('split the tablet of TABLE holding ROWKEY at ROWKEY (children reference the parent\'s SSTables)')
    .action((table: string, rowKey: string, o: TableOpts) => withMaster('split', o, async (m) => {
      const children = await m.splitTable(canonicalTable(table, o), Buffer.from(rowKey, 'utf8'));
      process.stdout.write(children.length ? `split into ${children.join(' ')}\n` : `"${rowKey}" already is a tablet boundary\n`);
    }));
  tableOpts(cluster.command('compact <table>'))
    .description('major-compact every tablet of TABLE')
    .action((table: string, o: TableOpts) => withMaster('compact', o, async (m) => {
      await m.compactTable(canonicalTable(table, o));
      process.stdout.write(`compacted ${canonicalTable(table, o)}\n`);
    }));
  conn(cluster.command('balance'))
    .description('run one balancing round now')
    .action((o: MasterConn) => withMaster('balance', o, async (m) => {
      process.stdout.write(`moved ${await m.balance()} tablets\n`);
    }));
}

interface MasterConn { master: string; tlsCa?: string; tlsServerName?: string; tlsCert?: string; tlsKey?: string; tokenFile?: string }
interface TableOpts extends MasterConn { project?: string; instance?: string }

/** TABLE as given (canonical) or built from --project/--instance. */
function canonicalTable(table: string, o: TableOpts): string {
  if (table.startsWith('projects/')) {
    if (!/^projects\/[^/]+\/instances\/[^/]+\/tables\/[^/]+$/.test(table)) throw new CliFailure('TABLE must be projects/P/instances/I/tables/T or a bare table id');
    return table;
  }
  if (!o.project) throw new CliFailure('--project is required when TABLE is a bare table id');
  if (!o.instance) throw new CliFailure('--instance is required when TABLE is a bare table id');
  return `projects/${o.project}/instances/${o.instance}/tables/${table}`;
}

class CliFailure extends Error {}

/** A stub of the master per --tls-ca, --tls-server-name and the admin token (--token-file or TABULA_TOKEN). */
function masterStub(o: MasterConn): RemoteMaster {
  const channelOptions: grpc.ChannelOptions = {};
  const token = o.tokenFile ? readFileSync(o.tokenFile, 'utf8').trim() : env.TABULA_TOKEN;
  if (token) channelOptions.interceptors = [bearerTokenInterceptor(token)];
  if (o.tlsServerName) channelOptions['grpc.ssl_target_name_override'] = o.tlsServerName;
  if (!o.tlsCa && (o.tlsCert || o.tlsKey)) throw new CliFailure('--tls-cert/--tls-key: need --tls-ca');
  if (!o.tlsCert !== !o.tlsKey) throw new CliFailure('--tls-cert and --tls-key go together');
  const credentials = !o.tlsCa ? undefined : o.tlsCert && o.tlsKey
    ? grpc.credentials.createSsl(readFileSync(o.tlsCa), readFileSync(o.tlsKey), readFileSync(o.tlsCert))
    : grpc.credentials.createSsl(readFileSync(o.tlsCa));
  return new RemoteMaster(o.master, { deadlineMs: 120_000, credentials, channelOptions });
}

/** Runs one command against the master; failures print one line and exit 1. */
async function withMaster(name: string, o: MasterConn, fn: (m: RemoteMaster) => Promise<void>): Promise<void> {
  let m: RemoteMaster | undefined;
  try {
    m = masterStub(o);
    await fn(m);
  } catch (e) {
    process.stderr.write(`tabula cluster ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  } finally {
    m?.close();
  }
}

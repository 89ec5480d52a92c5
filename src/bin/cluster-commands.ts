/** `tabula master`, `tabula tablet-server` and `tabula cluster …` (cluster mode). */
import { InvalidArgumentError, type Command } from 'commander';
import { startMasterProcess } from './master-process.js';
import { startTabletServerProcess } from './tablet-server-process.js';
import { clusterStatusText } from './cluster-status.js';
import { bytes, port } from './option-parsers.js';
import { RemoteMaster } from '../rpc/master-grpc.js';

function millis(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of milliseconds');
  return n;
}

function hostPort(v: string): string {
  if (!/^[^\s:]+:\d{1,5}$/.test(v) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(v)) throw new InvalidArgumentError('must be HOST:PORT, e.g. 127.0.0.1:8090');
  return v;
}

/** Runs until SIGINT/SIGTERM, then closes cleanly. */
function runUntilSignal(name: string, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`tabula ${name}: ${signal}, shutting down\n`);
    close().then(() => process.exit(0), (e) => {
      process.stderr.write(`tabula ${name}: shutdown failed: ${String(e)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const env = process.env;

export function registerClusterCommands(program: Command): void {
  program.command('master')
    .description('run the cluster master (catalog, assignment, recovery) and the Bigtable API on one port')
    .option('--data <dir>', 'shared-storage root (the catalog lives in DIR/master)', env.TABULA_DATA ?? './data')
    .option('--host <host>', 'address to listen on', env.TABULA_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port of the master and Bigtable API (0 = any free port)', port, 8090)
    .option('--lease-ms <ms>', 'tablet-server lease', millis, env.TABULA_LEASE_MS ? millis(env.TABULA_LEASE_MS) : 10_000)
    .option('--tick-ms <ms>', 'how often leases are checked and tablets assigned', millis, 500)
    .option('--split-size <size>', 'split tablets larger than this (0 = never)', bytes, 256 << 20)
    .option('--balance-ms <ms>', 'how often the balancer evens out tablets and bytes (0 = only on `tabula cluster balance`)', (v: string) => (v === '0' ? 0 : millis(v)), 30_000)
    .action(async (o: { data: string; host: string; port: number; leaseMs: number; tickMs: number; splitSize: number; balanceMs: number }) => {
      const m = await startMasterProcess({
        data: o.data, host: o.host, port: o.port, leaseMs: o.leaseMs, tickMs: o.tickMs, splitBytes: o.splitSize, balanceMs: o.balanceMs,
      });
      process.stdout.write(`tabula master listening on ${o.host}:${m.port}\n`);
      runUntilSignal('master', m.close);
    });

  program.command('tablet-server')
    .description('run a tablet server of the cluster at --master, also serving the Bigtable API')
    .requiredOption('--master <host:port>', 'address of the master', hostPort)
    .option('--data <dir>', 'shared-storage root (the same directory as the master\'s)', env.TABULA_DATA ?? './data')
    .option('--host <host>', 'address to listen on', env.TABULA_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port of the tablet server and Bigtable API (0 = any free port)', port, 8091)
    .option('--id <id>', 'server id (default: a new random id per start)')
    .option('--heartbeat-ms <ms>', 'heartbeat interval (keep well below the master\'s lease)', millis, env.TABULA_HEARTBEAT_MS ? millis(env.TABULA_HEARTBEAT_MS) : 2000)
    .option('--cache <size>', 'block cache size', bytes, 256 << 20)
    .option('--no-wal-sync', 'do not fsync the write-ahead log (benchmarks only)')
    .action(async (o: { master: string; data: string; host: string; port: number; id?: string; heartbeatMs: number; cache: number; walSync: boolean }) => {
      const s = await startTabletServerProcess({
        data: o.data, master: o.master, host: o.host, port: o.port, id: o.id, heartbeatMs: o.heartbeatMs, cacheBytes: o.cache, walSync: o.walSync,
      });
      process.stdout.write(`tabula tablet-server ${s.id} listening on ${o.host}:${s.port}\n`);
      runUntilSignal('tablet-server', s.close);
    });

  const cluster = program.command('cluster').description('inspect and steer a running cluster');
  const masterOpt = ['--master <host:port>', 'address of the master', hostPort, env.TABULA_MASTER ?? '127.0.0.1:8090'] as const;
  const tableOpts = (c: Command) => c
    .option('--project <id>', 'project of TABLE when TABLE is a bare table id', env.TABULA_PROJECT)
    .option('--instance <id>', 'instance of TABLE when TABLE is a bare table id', env.TABULA_INSTANCE);

  cluster.command('status')
    .description('list tablet servers (address, tablets, bytes, liveness) and tablets (table, range, bytes, SSTables, owner, epoch)')
    .option(...masterOpt)
    .action((o: { master: string }) => withMaster('status', o.master, async (m) => {
      process.stdout.write(clusterStatusText(await m.clusterStatus()));
    }));
  cluster.command('move <tablet> <server>')
    .description('move TABLET to the live tablet server SERVER (by id); no SSTable data is copied')
    .option(...masterOpt)
    .action((tablet: string, server: string, o: { master: string }) => withMaster('move', o.master, async (m) => {
      await m.moveTablet(tablet, server);
      process.stdout.write(`moved ${tablet} to ${server}\n`);
    }));
  tableOpts(cluster.command('split <table> <rowkey>'))
    .description('split the tablet of TABLE holding ROWKEY at ROWKEY (children reference the parent\'s SSTables)')
    .option(...masterOpt)
    .action((table: string, rowKey: string, o: TableOpts) => withMaster('split', o.master, async (m) => {
      const children = await m.splitTable(canonicalTable(table, o), Buffer.from(rowKey, 'utf8'));
      process.stdout.write(children.length ? `split into ${children.join(' ')}\n` : `"${rowKey}" already is a tablet boundary\n`);
    }));
  tableOpts(cluster.command('compact <table>'))
    .description('major-compact every tablet of TABLE')
    .option(...masterOpt)
    .action((table: string, o: TableOpts) => withMaster('compact', o.master, async (m) => {
      await m.compactTable(canonicalTable(table, o));
      process.stdout.write(`compacted ${canonicalTable(table, o)}\n`);
    }));
  cluster.command('balance')
    .description('run one balancing round now')
    .option(...masterOpt)
    .action((o: { master: string }) => withMaster('balance', o.master, async (m) => {
      process.stdout.write(`moved ${await m.balance()} tablets\n`);
    }));
}

interface TableOpts { master: string; project?: string; instance?: string }

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

/** Runs one command against the master; failures print one line and exit 1. */
async function withMaster(name: string, address: string, fn: (m: RemoteMaster) => Promise<void>): Promise<void> {
  const m = new RemoteMaster(address, { deadlineMs: 120_000 });
  try {
    await fn(m);
  } catch (e) {
    process.stderr.write(`tabula cluster ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  } finally {
    m.close();
  }
}

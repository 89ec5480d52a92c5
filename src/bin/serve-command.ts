/**
 * `tabula serve`: the embedded server (master, tablet servers and API in one
 * process). Options come from flags, TABULA_* env vars and an optional JSON
 * config file, validated by one schema (SERVE_OPTIONS); a bad value stops
 * start-up with one line naming the option.
 */
import type { Command } from 'commander';
import { addOptions, ConfigError, resolveOptions, parsers, type OptionSpec } from '../ops/config-options.js';
import { opsOptionSpecs, type OpsOptions } from '../ops/ops-options.js';
import { DEFAULT_SPLIT_BYTES, serve } from './serve.js';
import { runUntilSignal } from './server-command.js';
import { bytes, duration, port } from './option-parsers.js';
import { FILE_GC_OPTION_SPECS } from './file-gc-timer.js';

/** `--split-size`, of `tabula serve` and `tabula master` (whichever runs the master). */
export const SPLIT_SIZE_OPTION: OptionSpec = {
  flag: '--split-size <size>', description: 'split tablets larger than this, by pointer (0 = never)', env: 'TABULA_SPLIT_SIZE',
  default: DEFAULT_SPLIT_BYTES, defaultText: '256m', parse: bytes,
};

export const SERVE_OPTIONS: OptionSpec[] = [
  { flag: '--data <dir>', description: 'data directory', env: 'TABULA_DATA', default: './data', parse: parsers.string },
  { flag: '--host <host>', description: 'address to listen on', env: 'TABULA_HOST', default: '127.0.0.1', parse: parsers.string },
  { flag: '--port <port>', description: 'port of the Bigtable API (0 = any free port)', env: 'TABULA_PORT', default: 8086, parse: port },
  { flag: '--cache <size>', description: 'block cache size (shared out among the tablet servers)', env: 'TABULA_CACHE', default: 256 << 20, defaultText: '256m', parse: bytes },
  {
    flag: '--tablet-servers <n>',
    description: 'tablet servers in this process (1 to 64), each with its own WAL in DATA/wal/ID; the master assigns and balances tablets across them',
    env: 'TABULA_TABLET_SERVERS', default: 1, parse: parsers.integer(1, 64),
  },
  { flag: '--no-wal-sync', description: 'do not fsync the write-ahead log (benchmarks only: acknowledged writes may be lost); config file key walSync: false', parse: parsers.boolean },
  { flag: '--no-read-worker', description: 'read SSTable blocks through libuv\'s threadpool instead of the read worker thread (which polls 50 µs after each batch of reads); config file key readWorker: false', parse: parsers.boolean },
  SPLIT_SIZE_OPTION,
  ...FILE_GC_OPTION_SPECS,
  ...opsOptionSpecs({ bytes, duration }),
];

type ServeCommandOptions = OpsOptions & { data: string; host: string; port: number; cache: number; tabletServers: number; walSync: boolean; readWorker: boolean; splitSize: number; fileGcInterval: number; fileGcMinAge: number };

export function registerServeCommand(program: Command): void {
  const cmd = program.command('serve').description('run master, tablet servers and the Bigtable API in one process');
  addOptions(cmd, SERVE_OPTIONS);
  cmd.action(async () => {
    let s: Awaited<ReturnType<typeof serve>>;
    try {
      const o = resolveOptions<ServeCommandOptions>(cmd, SERVE_OPTIONS);
      s = await serve({
        data: o.data, host: o.host, port: o.port, cacheBytes: o.cache, tabletServers: o.tabletServers, walSync: o.walSync, readWorker: o.readWorker, splitBytes: o.splitSize, ops: o,
        fileGc: { intervalMs: o.fileGcInterval, minAgeMs: o.fileGcMinAge },
        onMetricsListening: (p) => process.stdout.write(`tabula metrics on ${o.metricsHost ?? o.host}:${p} (/metrics /healthz /readyz)\n`),
      });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`tabula serve: ${e.message}\n`);
      process.exit(2);
    }
    process.stdout.write(`tabula listening on ${s.host}:${s.port}, data in ${s.data}\n`);
    runUntilSignal('tabula', s.close, 'draining calls, flushing and shutting down');
  });
}

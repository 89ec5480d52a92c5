/** `tabula serve`: the embedded server (master, tablet server and API in one process). */
import type { Command } from 'commander';
import { serve } from './serve.js';
import { bytes, port } from './option-parsers.js';

export function registerServeCommand(program: Command): void {
  program.command('serve')
    .description('run master, tablet server and the Bigtable API in one process')
    .option('--data <dir>', 'data directory', process.env.TABULA_DATA ?? './data')
    .option('--host <host>', 'address to listen on', process.env.TABULA_HOST ?? '127.0.0.1')
    .option('--port <port>', 'port of the Bigtable API (0 = any free port)', port, process.env.TABULA_PORT ? port(process.env.TABULA_PORT) : 8086)
    .option('--cache <size>', 'block cache size', bytes, 256 << 20)
    .option('--no-wal-sync', 'do not fsync the write-ahead log (benchmarks only: acknowledged writes may be lost)')
    .action(async (o: { data: string; host: string; port: number; cache: number; walSync: boolean }) => {
      const s = await serve({ data: o.data, host: o.host, port: o.port, cacheBytes: o.cache, walSync: o.walSync });
      process.stdout.write(`tabula listening on ${s.host}:${s.port}, data in ${s.data}\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`tabula: ${signal}, flushing and shutting down\n`);
        s.close().then(() => process.exit(0), (e) => {
          process.stderr.write(`tabula: shutdown failed: ${String(e)}\n`);
          process.exit(1);
        });
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}

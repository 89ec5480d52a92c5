#!/usr/bin/env node
/**
 * The `tabula` command. `tabula serve` runs the embedded server (master,
 * tablet server and Bigtable API in one process).
 */
import { Command, InvalidArgumentError } from 'commander';
import { serve } from './serve.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535 (0 = any free port)');
  return n;
}

function bytes(v: string): number {
  const m = /^(\d+)([kmg]i?b?)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('must be a size such as 268435456, 256m or 1g');
  const mult = { k: 1 << 10, m: 1 << 20, g: 1 << 30 }[(m[2] ?? '').charAt(0).toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * mult;
}

const program = new Command('tabula')
  .description('Tabula: a persistent wide-column store that speaks the Cloud Bigtable v2 API')
  .showHelpAfterError();

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

await program.parseAsync(process.argv);

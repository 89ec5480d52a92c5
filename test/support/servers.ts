/**
 * Real servers for end-to-end tests: `tabula serve` as a child process (its
 * TypeScript source run through tsx) and Google's Bigtable emulator. Both
 * listen on a free loopback port; stop() ends them gracefully, kill() with
 * SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EMULATOR_BIN = '/usr/lib/google-cloud-sdk/platform/bigtable-emulator/cbtemulator';
export const CBT_BIN = '/usr/bin/cbt';
const TABULA_MAIN = fileURLToPath(new URL('../../src/bin/tabula.ts', import.meta.url));
const TABULA_BIN = fileURLToPath(new URL('../../bin/tabula.js', import.meta.url));

export interface RunningServer {
  host: string;
  port: number;
  /** host:port, as BIGTABLE_EMULATOR_HOST wants it. */
  endpoint: string;
  /** Tabula only: the data directory. */
  dataDir: string;
  process: ChildProcess;
  /** SIGTERM and wait for exit (Tabula flushes and exits cleanly). */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function wrap(child: ChildProcess, host: string, port: number, dataDir: string): RunningServer {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { host, port, endpoint: `${host}:${port}`, dataDir, process: child, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** Waits until a line of the child's output matches `re`; rejects if it exits first. */
function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${out}`));
    });
  });
}

/**
 * Starts `tabula serve --host 127.0.0.1 --port 0 --data DIR` (a fresh temp dir
 * unless given) and resolves once it logs where it listens.
 */
export async function startTabula(opts: { dataDir?: string; args?: string[]; env?: NodeJS.ProcessEnv; compiled?: boolean } = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tabula-e2e-'));
  // compiled: the shipped build (bin/tabula.js over dist/, as `npm start` runs it), for benchmarks.
  const main = opts.compiled ? [TABULA_BIN] : ['--import', 'tsx', TABULA_MAIN];
  const child = spawn(process.execPath, [...main, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  const m = await waitForLine(child, /listening on ([\d.]+):(\d+)/, 30_000);
  return wrap(child, m[1]!, Number(m[2]), dataDir);
}

/**
 * Starts bench/ycsb/canned-server.ts (the YCSB harness ceiling: canned
 * answers, no storage) on a free port.
 */
export async function startCannedServer(): Promise<RunningServer> {
  const script = fileURLToPath(new URL('../../bench/ycsb/canned-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await waitForLine(child, /listening on ([\d.]+):(\d+)/, 30_000);
  return wrap(child, m[1]!, Number(m[2]), '');
}

/** Starts Google's in-memory Bigtable emulator on a free port. */
export async function startEmulator(): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(EMULATOR_BIN, ['-host', '127.0.0.1', '-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(child, /running on|started|listening/i, 15_000);
  return wrap(child, '127.0.0.1', port, '');
}

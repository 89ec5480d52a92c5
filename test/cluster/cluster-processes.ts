/**
 * Real cluster processes for tests: `tabula master` and `tabula tablet-server`
 * as children (TypeScript source through tsx) on free loopback ports over one
 * shared data directory, with short leases. Every process started here is
 * killed by stopAll().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TABULA_MAIN = fileURLToPath(new URL('../../src/bin/tabula.ts', import.meta.url));

export interface ClusterProcess {
  endpoint: string;
  /** Port of /metrics /healthz /readyz when started with --metrics-port. */
  metricsPort?: number;
  /** Server id (tablet servers). */
  id: string;
  process: ChildProcess;
  output(): string;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

function startChild(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; m: RegExpMatchArray; out: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', TABULA_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let out = '';
  const onData = (d: Buffer) => { out = (out + d.toString()).slice(-200_000); };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start in 60 s: tabula ${args.join(' ')}\n${out}`)), 60_000);
    const check = () => {
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve({ child, m, out: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before starting: tabula ${args.join(' ')}\n${out}`));
    });
  });
}

function wrap(child: ChildProcess, endpoint: string, id: string, out: () => string): ClusterProcess {
  const metrics = /tabula metrics on \S+:(\d+)/.exec(out());
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    endpoint, id, metricsPort: metrics ? Number(metrics[1]) : undefined, process: child, output: out,
    kill: () => end('SIGKILL'), stop: () => end('SIGTERM'),
  };
}

export interface ClusterOptions {
  leaseMs?: number;
  heartbeatMs?: number;
  tickMs?: number;
  /** Balancer interval; default 0 (off) so tests decide when tablets move. */
  balanceMs?: number;
  /** --split-size of the master; default 0 (no automatic splits). */
  splitSize?: string;
  /** Extra arguments of every process (e.g. --metrics-port 0, --tls-cert …, --auth-token-file …). */
  args?: string[];
  /** Extra arguments of the master only (e.g. --file-gc-interval). */
  masterArgs?: string[];
}

export class ProcessCluster {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'tabula-cluster-'));
  readonly all: ClusterProcess[] = [];
  master!: ClusterProcess;
  masterPort = 0;

  constructor(readonly opts: ClusterOptions = {}) {}

  /** Starts the master (on its previous port when restarted). */
  async startMaster(): Promise<ClusterProcess> {
    const { child, m, out } = await startChild([
      'master', '--data', this.dataDir, '--host', '127.0.0.1', '--port', String(this.masterPort),
      '--lease-ms', String(this.opts.leaseMs ?? 1500), '--tick-ms', String(this.opts.tickMs ?? 200), '--split-size', this.opts.splitSize ?? '0',
      '--balance-ms', String(this.opts.balanceMs ?? 0), ...(this.opts.args ?? []), ...(this.opts.masterArgs ?? []),
    ], /tabula master listening on ([\d.]+):(\d+)/);
    this.masterPort = Number(m[2]);
    this.master = wrap(child, `${m[1]}:${m[2]}`, 'master', out);
    this.all.push(this.master);
    return this.master;
  }

  async startTabletServer(): Promise<ClusterProcess> {
    const { child, m, out } = await startChild([
      'tablet-server', '--master', this.master.endpoint, '--data', this.dataDir, '--host', '127.0.0.1', '--port', '0',
      '--heartbeat-ms', String(this.opts.heartbeatMs ?? 300), ...(this.opts.args ?? []),
    ], /tabula tablet-server (\S+) listening on ([\d.]+):(\d+)/);
    const p = wrap(child, `${m[2]}:${m[3]}`, m[1]!, out);
    this.all.push(p);
    return p;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((p) => {
      if (p.process.signalCode === 'SIGSTOP' || p.process.exitCode === null) p.process.kill('SIGCONT');
      return p.kill();
    }));
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Runs `tabula ARGS` to completion (bounded by 60 s); resolves exit code and output. */
export function runTabula(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', TABULA_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls `cond` every 100 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

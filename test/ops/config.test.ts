/**
 * Configuration of `tabula serve` as an operator meets it: real processes
 * started with flags, TABULA_* env vars and JSON config files. Bad values stop
 * start-up with exit code 2 and one line naming the option; --help documents
 * every option with its default; precedence is flag > env > file > default.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bigtable } from '@google-cloud/bigtable';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVE_OPTIONS } from '../../src/bin/serve-command.js';
import { optionKey } from '../../src/ops/config-options.js';
import { freePort, startTabula, type RunningServer } from '../support/servers.js';
import { sample, scrape } from './ops-support.js';

const TABULA_MAIN = fileURLToPath(new URL('../../src/bin/tabula.ts', import.meta.url));

let dir: string;
const running: RunningServer[] = [];

/** Runs `tabula serve …` expecting it to exit by itself (within 30 s). */
function runServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', TABULA_MAIN, 'serve', '--port', '0', '--data', join(dir, 'data'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`tabula serve did not exit:\n${stdout}${stderr}`)); }, 30_000);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tabula-config-'));
});

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('bad configuration fails at start-up naming the option', () => {
  it('a malformed value in the config file', async () => {
    const r = await runServe(['--config', file('bad-port.json', '{"metricsPort": "ninety"}')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^tabula serve: --config .*bad-port\.json: option "metricsPort": must be a port number/);
    expect(r.stdout).not.toContain('listening');
  }, 40_000);

  it('a config file that is not JSON, an unknown key, a wrong type', async () => {
    const notJson = await runServe(['--config', file('broken.json', '{"port": 80,')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/--config .*broken\.json: cannot read it as JSON/);
    const unknown = await runServe(['--config', file('unknown.json', '{"metricPort": 9090}')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option "metricPort" \(known: .*metricsPort/);
    const type = await runServe(['--config', file('type.json', '{"logLevel": "loud"}')]);
    expect(type.code).toBe(2);
    expect(type.stderr).toMatch(/option "logLevel": must be one of trace, debug, info, warn, error, fatal, silent/);
  }, 90_000);

  it('a bad env var or flag names it, a broken token file names --auth-token-file', async () => {
    const env = await runServe([], { TABULA_MAX_CONCURRENT_STREAMS: '0' });
    expect(env.code).not.toBe(0);
    expect(env.stderr).toMatch(/--max-concurrent-streams .*TABULA_MAX_CONCURRENT_STREAMS.*must be an integer 1-1000000/);
    const tokens = await runServe(['--auth-token-file', file('tokens.json', '{"tokens":[{"token":"long-enough-token","scope":"root"}]}')]);
    expect(tokens.code).toBe(2);
    expect(tokens.stderr).toMatch(/--auth-token-file .*tokens\.json: tokens\[0\]\.scope must be one of read-only, read-write, admin, cluster/);
    const tls = await runServe(['--tls-cert', file('c.pem', 'x')]);
    expect(tls.code).toBe(2);
    expect(tls.stderr).toMatch(/--tls-key: required with --tls-cert/);
  }, 90_000);
});

describe('--help and precedence', () => {
  it('--help documents every option of the schema with its env var, and defaults', async () => {
    const r = await runServe(['--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const spec of SERVE_OPTIONS) {
      expect(help).toContain(spec.flag.split(' ')[0]);
      if (spec.env) expect(help).toContain(`env: ${spec.env}`);
      if (spec.default !== undefined || spec.defaultText) expect(help).toMatch(new RegExp(`${spec.flag.split(' ')[0]}[^-]*default: `));
    }
    expect(help).toContain('--metrics-port <port>');
    expect(optionKey('--tls-client-ca <file>')).toBe('tlsClientCa');
  }, 40_000);

  it('flag > env > config file: the metrics endpoint and limits follow the winning source', async () => {
    const metricsPort = await freePort();
    const cfg = file('ok.json', JSON.stringify({ metricsPort, maxMessageSize: '1m', logLevel: 'warn', cache: '8m' }));
    const s = await startTabula({ args: ['--config', cfg], env: { TABULA_LOG_LEVEL: 'error' } });
    running.push(s);
    // The file's 1 MiB message limit is in force: a 2 MiB value is refused, a small one accepted.
    const bt = new Bigtable({ projectId: 'p', apiEndpoint: `127.0.0.1:${s.port}`, metricsEnabled: false, universeDomain: 'googleapis.com' } as ConstructorParameters<typeof Bigtable>[0]);
    try {
      const [table] = await bt.instance('i').createTable('t', { families: ['f'] });
      await table.row('small').save({ f: { q: 'v' } });
      const err = await table.row('big').save({ f: { q: Buffer.alloc(2 << 20) } }).then(() => undefined, (e: { code?: number }) => e);
      expect(err?.code).toBe(8); // RESOURCE_EXHAUSTED
      const text = await scrape(metricsPort);
      expect(sample(text, 'tabula_block_cache_capacity_bytes')).toBe(8 << 20);
      expect(sample(text, 'tabula_rpc_total', { method: '/google.bigtable.v2.Bigtable/MutateRows', code: 'OK' })).toBe(1); // the Node client saves a row with MutateRows
      // The refused one is counted by its status, not as CANCELLED.
      expect(sample(text, 'tabula_rpc_total', { method: '/google.bigtable.v2.Bigtable/MutateRows', code: 'RESOURCE_EXHAUSTED' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'tabula_rpc_total', { method: '/google.bigtable.v2.Bigtable/MutateRows', code: 'CANCELLED' }, 0)).toBe(0);
    } finally {
      await bt.close().catch(() => undefined);
    }
    // A flag beats the env var and the file.
    const over = await runServe(['--config', cfg, '--max-concurrent-streams', 'zero'], { TABULA_MAX_CONCURRENT_STREAMS: '5' });
    expect(over.stderr).toMatch(/--max-concurrent-streams <n>' argument 'zero' is invalid/);
  }, 90_000);
});

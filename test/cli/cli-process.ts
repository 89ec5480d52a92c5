/**
 * Runs `tabula …` (src/bin/tabula.ts through tsx, as test/support/servers.ts
 * does) and the real `/usr/bin/cbt` as child processes against one endpoint,
 * with TZ=UTC, a private HOME and no ~/.cbtrc unless a test gives one.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CBT_BIN } from '../support/servers.js';

export const TABULA_MAIN = fileURLToPath(new URL('../../src/bin/tabula.ts', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunResult { code: number; stdout: string; stderr: string }

const home = mkdtempSync(join(tmpdir(), 'tabula-cli-home-'));

export function cliEnv(endpoint: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, TZ: 'UTC', BIGTABLE_EMULATOR_HOST: endpoint, TABULA_CBTRC: join(home, 'no-cbtrc'), ...extra };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function tabula(endpoint: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(process.execPath, ['--import', 'tsx', TABULA_MAIN, ...args], cliEnv(endpoint, extraEnv), 60_000);
}

/**
 * Runs the real cbt. An empty PATH keeps it from running `gcloud config
 * config-helper` for credentials, as it does whenever -creds is unset: 1.2 s
 * per call on an idle machine, and on a loaded CI run now and then past the
 * 30 s limit (a `set` killed mid-run, exit -1, in stops 21 and 22); without
 * gcloud on PATH it logs "-creds flag unset" and goes on (0.02 s).
 */
export function cbt(endpoint: string, args: string[]): Promise<RunResult> {
  return run(CBT_BIN, args, { ...cliEnv(endpoint), PATH: '' }, 30_000);
}

/** Replaces wall-clock timestamps (not the 1970 ones tests set explicitly) by a placeholder. */
export function withoutTimestamps(s: string): string {
  return s.replace(/@ (?!1970)\d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d\.\d{6}/g, '@ <now>');
}

/** A get… command's output (one `Field<TAB>value` line each) as field → value. */
export function tabFields(out: string): Record<string, string> {
  return Object.fromEntries(out.trimEnd().split('\n').map((l) => {
    const [k, ...v] = l.split(/\t+/);
    return [k!, v.join('\t')];
  }));
}

/**
 * The ~/.cbtrc config file cbt reads: `key = value` lines (project, instance,
 * creds, admin-endpoint, data-endpoint); `#` starts a comment. The path is
 * $TABULA_CBTRC when set (tests), else ~/.cbtrc. A missing file is no config.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error.js';

export function cbtrcPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TABULA_CBTRC ?? join(homedir(), '.cbtrc');
}

export function loadCbtrc(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.replace(/#.*/, '').trim();
    if (t === '') return;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new CliError(`${path}:${i + 1}: bad line "${line}" (want key = value)`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  });
  return out;
}

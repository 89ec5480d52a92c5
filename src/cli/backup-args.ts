/**
 * When a backup expires, as createbackup and updatebackup take it:
 * `ttl=<duration>` from now (cbt's maxage durations: 6h, 7d, 1d12h, 90m) or
 * `expire=<time>` in RFC 3339 (2030-01-02T15:04:05Z, with an optional
 * fraction and a Z or ±hh:mm offset). The server wants it 6 hours to 90 days
 * after the backup's creation.
 */
import { parseDuration, type BackupExpiry } from '../client/index.js';
import { CliError } from './cli-error.js';

const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time; CliError naming `what` otherwise. */
export function parseRfc3339(s: string, what: string): Date {
  const ms = RFC3339_RE.test(s) ? Date.parse(s.toUpperCase()) : NaN;
  if (Number.isNaN(ms)) throw new CliError(`${what}: bad expire "${s}" (want an RFC 3339 time like 2030-01-02T15:04:05Z)`);
  return new Date(ms);
}

/** A positive duration in milliseconds; CliError naming `what` otherwise. */
export function parseTtl(s: string, what: string): number {
  let ms: number;
  try {
    ms = parseDuration(s);
  } catch {
    throw new CliError(`${what}: bad ttl "${s}" (use e.g. 7d, 12h, 1d12h, 90m)`);
  }
  if (ms <= 0) throw new CliError(`${what}: ttl must be more than zero, got "${s}"`);
  return ms;
}

/** The expiry given by `ttl=` / `expire=` options (at most one), else `dflt` (undefined: one is required). */
export function backupExpiry(opts: Map<string, string>, what: string, dflt?: BackupExpiry): BackupExpiry {
  const ttl = opts.get('ttl');
  const expire = opts.get('expire');
  if (ttl !== undefined && expire !== undefined) throw new CliError(`${what}: give ttl= or expire=, not both`);
  if (ttl !== undefined) return { ttlMs: parseTtl(ttl, what) };
  if (expire !== undefined) return { expireTime: parseRfc3339(expire, what) };
  if (dflt === undefined) throw new CliError(`${what}: give ttl=<duration> or expire=<time>`);
  return dflt;
}

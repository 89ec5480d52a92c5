/**
 * Parsers for option values, shared by the `tabula` subcommands. They take a
 * flag/env string or a JSON value from a config file.
 */
import { InvalidArgumentError } from 'commander';

export function port(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535 (0 = any free port)');
  return n;
}

export function bytes(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+)([kmg]i?b?)?$/i.exec(v.trim()) : null;
  if (!m) throw new InvalidArgumentError('must be a size such as 268435456, 256m or 1g');
  const mult = { k: 1 << 10, m: 1 << 20, g: 1 << 30 }[(m[2] ?? '').charAt(0).toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * mult;
}

/** Milliseconds from 1500, '1500ms', '10s' or '2m'. */
export function duration(v: unknown): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+)(ms|s|m)?$/.exec(v.trim()) : null;
  if (!m) throw new InvalidArgumentError('must be a duration such as 500ms, 10s or 2m');
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'] ?? 1);
}

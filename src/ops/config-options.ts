/**
 * One validated option schema per command, with three sources:
 * command-line flag > TABULA_* environment variable > config file (--config,
 * JSON) > default. Each option is declared once (OptionSpec); the same parser
 * validates flag, env and file values, and every error names the option and
 * where its value came from. `--help` lists every option with env and default.
 *
 * Config file format: a JSON object whose keys are the options' camelCase
 * names (as in `--help`, e.g. {"port": 8086, "metricsPort": 9090,
 * "authTokenFile": "/etc/tabula/tokens.json"}). Unknown keys are errors.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';

export interface OptionSpec<T = unknown> {
  /** Flag as commander spells it: '--metrics-port <port>'. */
  flag: string;
  description: string;
  /** Environment variable, e.g. TABULA_METRICS_PORT. */
  env?: string;
  default?: T;
  /** Shown in --help instead of the default value (e.g. '256m', 'off'). */
  defaultText?: string;
  /** Validates a string (flag/env) or a JSON value (config file); throws InvalidArgumentError. */
  parse?: (v: unknown) => T;
}

export class ConfigError extends Error {}

/** camelCase key commander uses for a flag: '--tls-client-ca <file>' → 'tlsClientCa'. */
export function optionKey(flag: string): string {
  const long = /--(?:no-)?([a-z0-9-]+)/.exec(flag)![1]!;
  return long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function addOptions(cmd: Command, specs: OptionSpec[]): Command {
  for (const s of specs) {
    // commander prints no default for undefined ones; say it in the description.
    const o = new Option(s.flag, s.default === undefined && s.defaultText ? `${s.description} (default: ${s.defaultText})` : s.description);
    if (s.env) o.env(s.env);
    if (s.default !== undefined) o.default(s.default, s.defaultText);
    if (s.parse && o.required) {
      const parse = s.parse;
      o.argParser((v: string) => parse(v));
    }
    cmd.addOption(o);
  }
  return cmd;
}

/**
 * Final option values for a parsed command: reads the config file named by
 * `configKey` (if any) and fills every option that neither a flag nor an
 * environment variable set. Throws ConfigError naming the bad option.
 */
export function resolveOptions<T extends object>(cmd: Command, specs: OptionSpec[], configKey = 'config'): T {
  const values = { ...cmd.opts() } as Record<string, unknown>;
  const file = values[configKey];
  if (typeof file !== 'string' || file === '') return values as unknown as T;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError(`--config ${file}: cannot read it as JSON: ${why}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(`--config ${file}: must be a JSON object of option names to values`);
  const byKey = new Map(specs.map((s) => [optionKey(s.flag), s]));
  for (const [key, raw] of Object.entries(doc)) {
    const spec = byKey.get(key);
    if (!spec || key === configKey) throw new ConfigError(`--config ${file}: unknown option "${key}" (known: ${[...byKey.keys()].filter((k) => k !== configKey).join(', ')})`);
    const source = cmd.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') continue; // flags and env override the file
    try {
      values[key] = spec.parse ? spec.parse(raw) : typeof raw === 'string' ? raw : fail('must be a string');
    } catch (e) {
      throw new ConfigError(`--config ${file}: option "${key}": ${(e as Error).message}`);
    }
  }
  return values as unknown as T;
}

function fail(msg: string): never {
  throw new InvalidArgumentError(msg);
}

/** Helpers for parse functions: accept a JSON value or a flag string. */
export const parsers = {
  string(v: unknown): string {
    if (typeof v !== 'string' || v === '') fail('must be a non-empty string');
    return v;
  },
  boolean(v: unknown): boolean {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    return fail('must be true or false');
  },
  integer(min: number, max: number) {
    return (v: unknown): number => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) fail(`must be an integer ${min}-${max}`);
      return n;
    };
  },
  oneOf<T extends string>(values: readonly T[]) {
    return (v: unknown): T => {
      if (!values.includes(v as T)) fail(`must be one of ${values.join(', ')}`);
      return v as T;
    };
  },
};

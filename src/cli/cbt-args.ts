/**
 * Argument syntax shared by cbt and `tabula`: single-dash global flags before
 * the command (`-project p`, `-instance=i`) and `key=value` options after it.
 */
import { CliError } from './cli-error.js';

/** Global flags understood (cbt's names); unknown ones are an error. */
export const GLOBAL_FLAGS = ['project', 'instance', 'data-endpoint', 'admin-endpoint', 'creds', 'timeout'] as const;
export type GlobalFlag = (typeof GLOBAL_FLAGS)[number];

export interface ParsedInvocation {
  flags: Partial<Record<GlobalFlag, string>>;
  /** The command and its arguments. */
  rest: string[];
}

/** Splits leading `-flag value` / `-flag=value` / `--flag value` pairs off argv. */
export function parseGlobalFlags(argv: string[]): ParsedInvocation {
  const flags: Partial<Record<GlobalFlag, string>> = {};
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '-' ) {
    const raw = argv[i]!.replace(/^--?/, '');
    const eq = raw.indexOf('=');
    const name = eq >= 0 ? raw.slice(0, eq) : raw;
    if (!(GLOBAL_FLAGS as readonly string[]).includes(name)) throw new CliError(`unknown flag -${name} (known: ${GLOBAL_FLAGS.map((f) => `-${f}`).join(', ')})`);
    let value: string | undefined;
    if (eq >= 0) value = raw.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
      if (value === undefined) throw new CliError(`flag -${name} needs a value`);
    }
    flags[name as GlobalFlag] = value;
    i++;
  }
  return { flags, rest: argv.slice(i) };
}

/**
 * Splits `key=value` options (keys from `allowed`) from positional arguments.
 * cbt treats every `known-key=…` word as an option wherever it appears; other
 * `word=…` arguments are an error unless `unknownIsPositional` (set's cells).
 */
export function parseOptions(args: string[], allowed: readonly string[], command: string, unknownIsPositional = false): { positional: string[]; opts: Map<string, string> } {
  const positional: string[] = [];
  const opts = new Map<string, string>();
  for (const a of args) {
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(0, eq) : '';
    if (key !== '' && allowed.includes(key)) opts.set(key, a.slice(eq + 1));
    else if (!unknownIsPositional && key !== '' && /^[a-z][a-z-]*$/.test(key) && !a.includes(':')) throw new CliError(`${command}: unknown option "${key}" (known: ${allowed.join(', ') || 'none'})`);
    else positional.push(a);
  }
  return { positional, opts };
}

/** A non-negative integer option value. */
export function intOption(opts: Map<string, string>, key: string, command: string): number | undefined {
  const v = opts.get(key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CliError(`${command}: bad ${key} "${v}" (want a non-negative integer)`);
  return Number(v);
}

/** A true/false option value. */
export function boolOption(opts: Map<string, string>, key: string, command: string): boolean {
  const v = opts.get(key);
  if (v === undefined) return false;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new CliError(`${command}: bad ${key} "${v}" (want true or false)`);
}

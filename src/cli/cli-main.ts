/**
 * The cbt-vocabulary commands of `tabula` (createtable, ls, read, set, …) and
 * `tabula shell`. Uses src/client only.
 *
 * Settings, highest first: global flags (-project, -instance, -data-endpoint),
 * the ~/.cbtrc file (see cbtrc.ts), the environment (BIGTABLE_EMULATOR_HOST
 * for the server, BIGTABLE_PROJECT / BIGTABLE_INSTANCE), the client's defaults.
 */
import { connect, type Connection } from '../client/index.js';
import { parseGlobalFlags } from './cbt-args.js';
import { cbtrcPath, loadCbtrc } from './cbtrc.js';
import { CliError } from './cli-error.js';
import { findCommand, type CommandContext } from './commands.js';
import { errorLine, runCommand } from './run-command.js';
import { runShell } from './shell.js';

/** Subcommands of src/bin (commander), never handled here. */
const SERVER_COMMANDS = new Set(['serve', 'master', 'tablet-server', 'cluster']);

/** True when argv (after `node tabula`) is a cbt-style invocation handled here. */
export function isCliInvocation(args: string[]): boolean {
  const first = args[0];
  if (first === undefined) return false;
  return !SERVER_COMMANDS.has(first) && !['-h', '--help', '-V', '--version'].includes(first);
}

/** Opens a connection from flags, ~/.cbtrc and the environment. */
export function connectFromSettings(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): Connection {
  const rc = loadCbtrc(cbtrcPath(env));
  const endpoint = flags['data-endpoint'] ?? rc['data-endpoint'] ?? env.BIGTABLE_EMULATOR_HOST;
  const project = flags.project ?? rc.project;
  const instance = flags.instance ?? rc.instance;
  return connect(endpoint, { ...(project ? { project } : {}), ...(instance ? { instance } : {}) });
}

/** Command-line argument → byte string (see shell-words.ts). */
const argBytes = (a: string): string => Buffer.from(a, 'utf8').toString('latin1');

/** Runs a cbt-style invocation; resolves the process exit code. */
export async function runCli(args: string[]): Promise<number> {
  let conn: Connection | undefined;
  try {
    const { flags, rest } = parseGlobalFlags(args);
    if (rest.length === 0) rest.push('help');
    if (rest[0] === 'help' || (rest[0] !== 'shell' && !findCommand(rest[0]!))) {
      await runCommand(plainContext(undefined), rest.map(argBytes));
      return 0;
    }
    conn = connectFromSettings(flags);
    if (rest[0] === 'shell') {
      if (rest.length > 1) throw new CliError(`shell: unexpected argument "${rest[1]}"`);
      return await runShell(conn);
    }
    await runCommand(plainContext(conn), rest.map(argBytes));
    return 0;
  } catch (e) {
    process.stderr.write(`tabula: ${errorLine(e)}\n`);
    return 1;
  } finally {
    conn?.close();
  }
}

function plainContext(conn: Connection | undefined): CommandContext {
  return {
    get conn(): Connection {
      if (!conn) throw new CliError('no connection');
      return conn;
    },
    out: (s) => { process.stdout.write(s); },
    err: (s) => { process.stderr.write(s); },
    progress: process.stdout,
  };
}

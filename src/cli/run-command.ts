/** Dispatch of one command line (already split into words) and one-line error messages; shared by the CLI and the shell. */
import { TabulaError } from '../client/index.js';
import { CliError } from './cli-error.js';
import { allCommands, findCommand, type CommandContext } from './commands.js';

/** The message of an error as one line. */
export function errorLine(e: unknown): string {
  if (e instanceof CliError || e instanceof TabulaError) return e.message.split('\n')[0]!;
  const err = e as { details?: string; message?: string };
  return String(err.details || err.message || e).split('\n')[0]!;
}

/** Runs one command (already split into byte-string words); errors propagate. */
export async function runCommand(ctx: CommandContext, words: string[]): Promise<void> {
  const [name, ...args] = words;
  if (name === undefined) return;
  const cmd = findCommand(name);
  if (!cmd) throw new CliError(`unknown command "${name}" (commands: ${allCommands().map((c) => c.name).join(', ')})`);
  await cmd.run(ctx, args);
}


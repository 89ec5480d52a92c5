/**
 * `tabula shell`: the cbt commands at a prompt (node:readline) with
 * - history across sessions in $TABULA_HISTORY (default ~/.tabula_history),
 *   one command per line, oldest first, at most HISTORY_SIZE kept;
 * - tab completion of command names, of table (or backup) names for a
 *   command's first argument and of a table's authorized view ids for a view
 *   command's second (listed from the server at each completion);
 * - shell-like words with \xNN escapes for binary keys (shell-words.ts);
 * - errors printed as one line; only `exit`, `quit` or Ctrl-D end the shell.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Completer } from 'node:readline';
import type { Connection } from '../client/index.js';
import { allCommands, type CommandContext } from './commands.js';
import { errorLine, runCommand } from './run-command.js';
import { splitWords } from './shell-words.js';

const HISTORY_SIZE = 1000;
const EXIT_WORDS = ['exit', 'quit'];
/** Commands whose first argument is a table. */
const TABLE_COMMANDS = new Set([
  'addtocell', 'count', 'createauthorizedview', 'createbackup', 'createfamily', 'deleteallrows', 'deleteauthorizedview', 'deletecolumn', 'deletefamily',
  'deleterow', 'deletetable', 'getauthorizedview', 'import', 'listauthorizedviews', 'lookup', 'ls', 'read', 'set', 'setgcpolicy', 'updateauthorizedview',
]);
/** Commands whose first argument is a backup id. */
const BACKUP_COMMANDS = new Set(['copybackup', 'deletebackup', 'getbackup', 'restoretable', 'updatebackup']);
/** Commands whose second argument is an authorized view id of the table named first. */
const VIEW_COMMANDS = new Set(['deleteauthorizedview', 'getauthorizedview', 'updateauthorizedview']);

export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TABULA_HISTORY ?? join(homedir(), '.tabula_history');
}

function loadHistory(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistoryLine(path: string, line: string, all: string[]): void {
  try {
    if (all.length > HISTORY_SIZE * 2) writeFileSync(path, all.slice(-HISTORY_SIZE).join('\n') + '\n');
    else appendFileSync(path, line + '\n');
  } catch {
    // An unwritable history file must not break the shell.
  }
}

/**
 * Completions of the last word of `line`: command names, table (backup) names after a table (backup) command,
 * view ids after a view command and its table.
 */
export async function complete(
  line: string, listTables: () => Promise<string[]>, listBackups: () => Promise<string[]> = async () => [],
  listViews: (table: string) => Promise<string[]> = async () => [],
): Promise<[string[], string]> {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  const before = words.slice(0, -1).filter((w) => w !== '');
  let candidates: string[] = [];
  if (before.length === 0) candidates = [...allCommands().map((c) => c.name), ...EXIT_WORDS];
  else if (before.length === 1 && (TABLE_COMMANDS.has(before[0]!) || before[0] === 'help')) {
    candidates = before[0] === 'help' ? allCommands().map((c) => c.name) : await listTables().catch(() => []);
  } else if (before.length === 1 && BACKUP_COMMANDS.has(before[0]!)) {
    candidates = await listBackups().catch(() => []);
  } else if (before.length === 2 && VIEW_COMMANDS.has(before[0]!)) {
    candidates = await listViews(before[1]!).catch(() => []);
  }
  const hits = candidates.filter((c) => c.startsWith(last)).sort();
  return [hits.map((h) => (hits.length === 1 ? `${h} ` : h)), last];
}

/** Runs the interactive shell until exit; resolves the exit code. */
export async function runShell(conn: Connection, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Promise<number> {
  const path = historyPath();
  const history = loadHistory(path);
  const completer: Completer = ((line: string, cb: (err: Error | null, result: [string[], string]) => void) => {
    complete(line, () => conn.admin.listTables(), async () => (await conn.admin.listBackups()).map((b) => b.id),
      async (table) => (await conn.admin.listAuthorizedViews(table)).map((v) => v.id)).then((r) => cb(null, r), () => cb(null, [[], line]));
  }) as unknown as Completer;
  const rl = createInterface({ input, output, terminal: output.isTTY === true, history: history.slice().reverse(), historySize: HISTORY_SIZE, removeHistoryDuplicates: false, completer, prompt: 'tabula> ' });
  const ctx: CommandContext = {
    conn,
    out: (s) => { output.write(s); },
    err: (s) => { output.write(s); },
    progress: output,
  };
  output.write(`Tabula shell on ${conn.endpoint} (project ${conn.project}, instance ${conn.instance}). "help" lists commands, "exit" leaves.\n`);
  rl.prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (trimmed !== '') {
      history.push(trimmed);
      saveHistoryLine(path, trimmed, history);
    }
    if (EXIT_WORDS.includes(trimmed)) break;
    try {
      await runCommand(ctx, splitWords(line));
    } catch (e) {
      output.write(`error: ${errorLine(e)}\n`);
    }
    rl.prompt();
  }
  rl.close();
  return 0;
}

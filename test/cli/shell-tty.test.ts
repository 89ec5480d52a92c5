/**
 * `tabula shell` in a real pseudo-terminal (tmux): typed commands and their
 * output on screen, tab completion of commands and table names, history
 * across sessions (TABULA_HISTORY), one-line errors that do not end the
 * shell, \x escapes for binary keys.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTabula, type RunningServer } from '../support/servers.js';
import { cliEnv, cbt, REPO_ROOT, TABULA_MAIN } from './cli-process.js';
import { TmuxSession } from './tmux-session.js';

let server: RunningServer;
const sessions: TmuxSession[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tabula-shell-'));
const historyFile = join(dir, 'history');
const P = ['-project', 'p', '-instance', 'i'];

beforeAll(async () => {
  server = await startTabula();
}, 60_000);
afterEach(() => {
  for (const s of sessions.splice(0)) s.kill();
});
afterAll(async () => {
  for (const s of sessions.splice(0)) s.kill();
  await server?.stop();
});

function openShell(): TmuxSession {
  const env = cliEnv(server.endpoint, { TABULA_HISTORY: historyFile });
  const s = new TmuxSession(['sh', '-c', `cd ${REPO_ROOT} && exec ${process.execPath} --import tsx ${TABULA_MAIN} ${P.join(' ')} shell`],
    Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)));
  sessions.push(s);
  return s;
}

const prompts = (screen: string) => screen.split('\n').filter((l) => l.startsWith('tabula>')).length;

describe('tabula shell in a terminal', () => {
  it('runs commands, completes commands and tables, reports bad commands in one line', async () => {
    const sh = openShell();
    await sh.waitFor((s) => /^tabula>/m.test(s), 'the first prompt', 60_000);
    sh.type('createtable shell_table families=cf'); sh.press('Enter');
    await sh.waitFor((s) => prompts(s) >= 2, 'prompt after createtable');
    sh.type('set shell_table \\x00\\xffkey cf:q=hi'); sh.press('Enter');
    await sh.waitFor((s) => prompts(s) >= 3, 'prompt after set');

    sh.type('bogus thing'); sh.press('Enter');
    let screen = await sh.waitFor((s) => prompts(s) >= 4, 'prompt after a bad command');
    const errLines = screen.split('\n').filter((l) => l.startsWith('error:'));
    expect(errLines).toEqual([expect.stringContaining('unknown command "bogus"')]);
    sh.type('read nosuchtable'); sh.press('Enter');
    screen = await sh.waitFor((s) => prompts(s) >= 5, 'prompt after a NOT_FOUND error');
    expect(screen.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(2);

    // Command completion: "deletet" + Tab → "deletetable ".
    sh.type('deletet'); sh.press('Tab');
    await sh.waitFor((s) => /tabula> deletetable\s*$/m.test(s), 'completion of "deletet"');
    sh.press('C-u');
    // Table completion: "count shell_" + Tab → "count shell_table ".
    sh.type('count shell_'); sh.press('Tab');
    await sh.waitFor((s) => /tabula> count shell_table\s*$/m.test(s), 'completion of the table name');
    sh.press('Enter');
    // (capture-pane drops trailing blanks, so the prompt is matched as "tabula>".)
    screen = await sh.waitFor((s) => /^1$/m.test(s) && prompts(s) >= 6, 'count output');

    sh.type('lookup shell_table \\x00\\xffkey'); sh.press('Enter');
    screen = await sh.waitFor((s) => s.includes('"hi"'), 'lookup of the binary key');
    sh.type('exit'); sh.press('Enter');
    await sh.waitFor(() => !sh.alive(), 'the shell to exit', 20_000).catch(() => undefined);
    expect(sh.alive()).toBe(false);

    // The binary key really is \x00\xff "key": cbt sees the same row.
    const r = await cbt(server.endpoint, [...P, 'read', 'shell_table']);
    expect(r.stdout).toContain('cf:q');
    expect(Buffer.from(r.stdout, 'latin1').includes(Buffer.from([0x0a, 0x00]))).toBe(true);
  }, 180_000);

  it('keeps history across sessions', async () => {
    const first = openShell();
    await first.waitFor((s) => /^tabula>/m.test(s), 'the first prompt', 60_000);
    first.type('help ls'); first.press('Enter');
    await first.waitFor((s) => s.includes('tabula ls [<table>]'), 'help output');
    first.type('ls shell_table'); first.press('Enter');
    await first.waitFor((s) => s.includes('Family Name'), 'ls output');
    first.press('C-d');
    await first.waitFor(() => !first.alive(), 'exit on Ctrl-D', 20_000).catch(() => undefined);
    expect(first.alive()).toBe(false);
    expect(readFileSync(historyFile, 'utf8').trim().split('\n').pop()).toBe('ls shell_table');

    const second = openShell();
    await second.waitFor((s) => /^tabula>/m.test(s), 'the prompt of the second session', 60_000);
    second.press('Up');
    await second.waitFor((s) => /tabula> ls shell_table$/m.test(s), 'the last command of the previous session');
    second.press('Up');
    await second.waitFor((s) => /tabula> help ls$/m.test(s), 'the command before it');
  }, 180_000);

  it('draws a progress bar for import on a terminal and clears it at the end', async () => {
    const csv = join(dir, 'big.csv');
    writeFileSync(csv, `,cf\n,q\n${Array.from({ length: 1500 }, (_, i) => `row${String(i).padStart(5, '0')},v${i}`).join('\n')}\n`);
    const env = cliEnv(server.endpoint, {});
    const importer = new TmuxSession(['sh', '-c', `cd ${REPO_ROOT} && ${process.execPath} --import tsx ${TABULA_MAIN} ${P.join(' ')} createtable progress families=cf && ${process.execPath} --import tsx ${TABULA_MAIN} ${P.join(' ')} import progress ${csv} batch-size=1; echo EXIT=$?; sleep 60`],
      Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)));
    sessions.push(importer);
    const during = await importer.waitFor((s) => /importing \[#* *\] \d+\/1500/.test(s) || s.includes('EXIT='), 'the progress bar', 120_000);
    expect(during).toMatch(/importing \[#* *\] \d+\/1500 \d+%/);
    const after = await importer.waitFor((s) => s.includes('EXIT='), 'the import to finish', 180_000);
    expect(after).toContain('Done importing 1500 rows.');
    expect(after).toContain('EXIT=0');
    expect(after).not.toMatch(/importing \[/);
  }, 360_000);
});

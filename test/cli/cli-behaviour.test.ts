/**
 * The `tabula` command line as a user meets it: ~/.cbtrc defaults (path from
 * TABULA_CBTRC) and flags over them, one-line errors naming the bad option
 * with exit code 1, help, plain output when piped, import refusing unknown
 * families before writing anything.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTabula, type RunningServer } from '../support/servers.js';
import { cbt, tabula } from './cli-process.js';

let server: RunningServer;
const dir = mkdtempSync(join(tmpdir(), 'tabula-cli-'));
const P = ['-project', 'p', '-instance', 'i'];

beforeAll(async () => {
  server = await startTabula();
  const r = await tabula(server.endpoint, [...P, 'createtable', 'beh', 'families=cf']);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

function oneLineError(r: { code: number; stdout: string; stderr: string }, mention: string): void {
  expect(r.code).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tabula: /);
  expect(lines[0]).toContain(mention);
}

describe('tabula command line', () => {
  it('takes project and instance from the cbtrc file, flags win', async () => {
    const rc = join(dir, 'cbtrc');
    writeFileSync(rc, '# defaults\nproject = rcproj\ninstance = rcinst\n');
    expect((await cbt(server.endpoint, ['-project', 'rcproj', '-instance', 'rcinst', 'createtable', 'from_rc'])).code).toBe(0);
    const viaRc = await tabula(server.endpoint, ['ls'], { TABULA_CBTRC: rc });
    expect(viaRc.code, viaRc.stderr).toBe(0);
    expect(viaRc.stdout).toBe('from_rc\n');
    const viaFlags = await tabula(server.endpoint, [...P, 'ls'], { TABULA_CBTRC: rc });
    expect(viaFlags.stdout).toBe('beh\n');
    writeFileSync(join(dir, 'badrc'), 'project rcproj\n');
    oneLineError(await tabula(server.endpoint, ['ls'], { TABULA_CBTRC: join(dir, 'badrc') }), 'want key = value');
  }, 120_000);

  it('reports bad input in one line naming what is wrong', async () => {
    const cases: [string[], string][] = [
      [['read'], 'usage: tabula read <table>'],
      [['read', 'beh', 'count=x'], 'count'],
      [['read', 'beh', 'colour=red'], 'unknown option "colour"'],
      [['set', 'beh', 'r', 'nocolon=1'], 'nocolon=1'],
      [['setgcpolicy', 'beh', 'cf', 'maxage=soon'], 'maxage'],
      [['setgcpolicy', 'beh', 'cf', 'maxage=1d', 'and', 'maxversions=1', 'or', 'maxversions=2'], 'mix'],
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['read', 'nosuchtable'], 'nosuchtable'],
      [['set', 'beh', 'r', 'nofam:q=1'], 'nofam'],
      [['addtocell', 'beh', 'r', 'cf:q=ten'], 'Only int values are supported by addtocell: "ten" in "cf:q=ten"'],
      [['addtocell', 'beh', 'r', 'cf:q=1'], 'column family "cf" is not an aggregate family'],
      [['createtable', 'agg', 'families=a:never:intavg'], 'unknown type "intavg"'],
    ];
    for (const [args, mention] of cases) oneLineError(await tabula(server.endpoint, [...P, ...args]), mention);
    oneLineError(await tabula(server.endpoint, ['-colour', 'red', 'ls']), '-colour');
  }, 300_000);

  it('prints help for all commands and for one', async () => {
    const all = await tabula(server.endpoint, ['help']);
    expect(all.code).toBe(0);
    for (const c of ['addtocell', 'createtable', 'read', 'lookup', 'import', 'setgcpolicy', 'serve', 'shell']) expect(all.stdout).toMatch(new RegExp(`^tabula ${c}\\t`, 'm'));
    const one = await tabula(server.endpoint, ['help', 'read']);
    expect(one.stdout).toMatch(/^tabula read <table> \[authorized-view=<authorized-view-id>\] \[start=<row-key>\]/);
    oneLineError(await tabula(server.endpoint, ['help', 'nope']), 'unknown command "nope"');
  }, 120_000);

  it('imports nothing when the CSV names a family the table lacks; plain output when piped', async () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, ',cf,nofam\n,a,b\nk1,1,2\nk2,3,4\n');
    oneLineError(await tabula(server.endpoint, [...P, 'import', 'beh', csv]), 'nofam');
    const rows = Array.from({ length: 300 }, (_, i) => `k${String(i).padStart(4, '0')},v${i}`).join('\n');
    writeFileSync(join(dir, 'ok.csv'), `,a\n${rows}\n`);
    const imp = await tabula(server.endpoint, [...P, 'import', 'beh', join(dir, 'ok.csv'), 'column-family=cf', 'batch-size=100']);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toBe('');
    expect(imp.stderr).toBe('Done importing 300 rows.\n');
    const count = await tabula(server.endpoint, [...P, 'count', 'beh']);
    expect(count.stdout).toBe('300\n');
  }, 120_000);
});

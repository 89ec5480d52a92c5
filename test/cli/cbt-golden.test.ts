/**
 * Golden tests: the same commands through `tabula` and through Google's real
 * `cbt` against the same running `tabula serve` print the same output
 * (wall-clock timestamps aside). Writes go through both tools into twin
 * tables; reads of each table through both tools must agree byte for byte.
 * The suite runs against `tabula serve` and against Google's emulator.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, startTabula, type RunningServer } from '../support/servers.js';
import { cbt, tabula, withoutTimestamps, type RunResult } from './cli-process.js';

const P = ['-project', 'p', '-instance', 'i'];
let server: RunningServer;

function ok(r: RunResult, what: string): string {
  expect(r.stderr.split('\n').filter((l) => !/creds flag unset|^$|Done importing|Writing batch/.test(l)), `${what}: ${r.stderr}`).toEqual([]);
  expect(r.code, `${what} exit code; stderr: ${r.stderr}`).toBe(0);
  return withoutTimestamps(r.stdout);
}

/** Runs `args` (with TABLE replaced) through both tools on their own table, then compares. */
async function both(args: string[], tables: { tab: string; cbt: string }): Promise<{ tab: string; cbt: string }> {
  const sub = (t: string) => args.map((a) => a.replaceAll('TABLE', t));
  const [a, b] = await Promise.all([tabula(server.endpoint, [...P, ...sub(tables.tab)]), cbt(server.endpoint, [...P, ...sub(tables.cbt)])]);
  return { tab: ok(a, `tabula ${args.join(' ')}`), cbt: ok(b, `cbt ${args.join(' ')}`) };
}

/** Reads the same table through both tools; returns the (equal) output. */
async function sameRead(args: string[]): Promise<string> {
  const [a, b] = await Promise.all([tabula(server.endpoint, [...P, ...args]), cbt(server.endpoint, [...P, ...args])]);
  const out = ok(a, `tabula ${args.join(' ')}`);
  expect(out, `tabula vs cbt: ${args.join(' ')}`).toBe(ok(b, `cbt ${args.join(' ')}`));
  return out;
}

describe.each([
  ['tabula serve', () => startTabula()],
  ['the emulator', () => startEmulator()],
] as const)('tabula and cbt print the same against %s', (name, start) => {
  // Named emulator divergence: the emulator refuses reverse scans (UNIMPLEMENTED).
  const reverseScans = name === 'tabula serve';
  beforeAll(async () => {
    server = await start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  const tables = { tab: 'gold_tab', cbt: 'gold_cbt' };

  it('creates tables, families and GC policies the same way', async () => {
    await both(['createtable', 'TABLE', 'families=cf:maxversions=2,cf2:never,cf3:maxage=36h||maxversions=1', 'splits=m,t'], tables);
    await both(['createfamily', 'TABLE', 'extra'], tables);
    await both(['setgcpolicy', 'TABLE', 'extra', 'maxage=1d', 'and', 'maxversions=5'], tables);
    await both(['createfamily', 'TABLE', 'gone'], tables);
    await both(['deletefamily', 'TABLE', 'gone'], tables);
    const lsTab = await sameRead(['ls', tables.tab]);
    expect(lsTab).toContain('(age() > 1d && versions() > 5)');
    expect(lsTab).toContain('(age() > 36h || versions() > 1)');
    expect(lsTab).not.toContain('gone');
    expect(await sameRead(['ls', tables.cbt])).toBe(lsTab);
    const ls = await sameRead(['ls']);
    expect(ls.split('\n')).toEqual(expect.arrayContaining([tables.tab, tables.cbt]));
  }, 240_000);

  it('writes cells the same way and reads them back identically', async () => {
    await both(['set', 'TABLE', 'r1', 'cf:a=hello', 'cf:b=world@1000', 'cf2:x=1', 'cf:u=héllo "q" \\ end'], tables);
    // (cbt cuts an argument at its first newline; tabula keeps it, so no \n in values here.)
    await both(['set', 'TABLE', 'r2', 'cf:a=\x01bin\ttab\x7f', 'cf:a=v2@2000', 'cf:a=v3@3000', 'cf:a=v1@1000'], tables);
    await both(['set', 'TABLE', 'row3', 'cf2:y=yes', 'extra:e=€ and 😀'], tables);
    await both(['set', 'TABLE', 'zz', 'cf:del=x', 'cf:keep=y'], tables);
    // cbt's parsing: Go integers for timestamps (0x7d0 = 2000), cut to milliseconds (4321 -> 4000);
    // an @ that is no integer stays in the value; the family is what precedes the first ':' that has '=' after it.
    await both(['set', 'TABLE', 'ts', 'cf:h=hex@0x7d0', 'cf:m=ms@4321', 'cf:n=mail@example.com', 'cf2:k=a=b:c@1_000'], tables);
    await both(['deletecolumn', 'TABLE', 'zz', 'cf', 'del'], tables);
    await both(['set', 'TABLE', 'gone', 'cf:a=1'], tables);
    await both(['deleterow', 'TABLE', 'gone'], tables);
    const reads = [
      ['read', 'T'], ['read', 'T', 'start=r2'], ['read', 'T', 'end=row3'], ['read', 'T', 'prefix=r'], ['read', 'T', 'regex=r.*[0-9]'],
      ['read', 'T', 'count=2'], ['read', 'T', 'cells-per-column=1'], ['read', 'T', 'columns=cf:a,cf2:x'], ['read', 'T', 'keys-only=true'],
      ...(reverseScans ? [['read', 'T', 'reversed=true', 'count=3']] : []), ['lookup', 'T', 'r2'], ['lookup', 'T', 'r2', 'cells-per-column=2'], ['lookup', 'T', 'missing'],
      ['count', 'T'], ['count', 'T', 'prefix=r'],
    ];
    for (const r of reads) {
      const a = await sameRead(r.map((w) => (w === 'T' ? tables.tab : w)));
      const b = await sameRead(r.map((w) => (w === 'T' ? tables.cbt : w)));
      expect(a, `${r.join(' ')}: table written by tabula vs by cbt`).toBe(b);
    }
    if (!reverseScans) {
      // tabula reports it as a one-line error (cbt's own handling of it is not compared).
      const a = await tabula(server.endpoint, [...P, 'read', tables.tab, 'reversed=true']);
      expect(a.code).toBe(1);
      expect(a.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining('UNIMPLEMENTED')]);
    }
    const all = await sameRead(['read', tables.tab]);
    expect(all).toContain('"\\x01bin\\ttab\\x7f"');
    expect(all).toContain('"héllo \\"q\\" \\\\ end"');
    expect(all).not.toContain('gone');
    expect(all).not.toContain('cf:del');
    // What cbt made of the parsing cases above (the whole read already matched cbt's).
    const ts = await sameRead(['lookup', tables.tab, 'ts']);
    expect(ts).toContain('"a=b:c"');
    expect(ts).toContain('"mail@example.com"');
    expect(await sameRead(['count', tables.tab])).toBe('5\n');
  }, 600_000);

  it('imports a CSV file the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabula-import-'));
    const csv = join(dir, 'd.csv');
    writeFileSync(csv, ',cf,,cf2\n,c1,c2,c3\na,TRUE,,x\nb,,"y, quoted",z\nc,1,2,3\n');
    const imp = { tab: 'imp_tab', cbt: 'imp_cbt' };
    await both(['createtable', 'TABLE', 'families=cf,cf2'], imp);
    await both(['import', 'TABLE', csv], imp);
    const a = await sameRead(['read', imp.tab]);
    expect(a).toBe(await sameRead(['read', imp.cbt]));
    expect(a).toContain('"y, quoted"');
    expect(await sameRead(['count', imp.tab])).toBe('3\n');
  }, 240_000);

  it('creates aggregate families, adds to their cells and lists their value types the same way', async () => {
    const agg = { tab: 'agg_tab', cbt: 'agg_cbt' };
    await both(['createtable', 'TABLE', 'families=s:never:intsum,mn:maxversions=2:intmin,mx:never:INTMAX,p'], agg);
    const ls = await sameRead(['ls', agg.tab]);
    expect(await sameRead(['ls', agg.cbt])).toBe(ls);
    expect(ls).toContain('\t{"aggregateType":{"inputType":{"int64Type":{"encoding":{"bigEndianBytes":{}}}}, "sum":{}}}\n');
    expect(ls).toMatch(/^p\t+\{\}$/m);
    await both(['addtocell', 'TABLE', 'r1', 's:c=5@1000', 's:c=0x10@1000', 's:c=-1_0@1234', 'mn:c=9@1000', 'mn:c=3@1000', 'mx:c=4@2000', 'mx:c=-4@2000'], agg);
    await both(['addtocell', 'TABLE', 'r1', 's:c=7@1000', 's:now=1'], agg);
    await both(['addtocell', 'TABLE', 'r2', 's:=9223372036854775807@3000', 's:=1@3000', 'mn:c=1@5000'], agg);
    for (const r of [['read', 'T'], ['lookup', 'T', 'r1'], ['read', 'T', 'columns=s:c'], ['count', 'T']]) {
      const a = await sameRead(r.map((w) => (w === 'T' ? agg.tab : w)));
      expect(await sameRead(r.map((w) => (w === 'T' ? agg.cbt : w))), `${r.join(' ')}: table written by tabula vs by cbt`).toBe(a);
    }
    const r1 = await sameRead(['lookup', agg.tab, 'r1', 'columns=s:c']);
    expect(r1).toContain('"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x12"'); // 5 + 16 - 10 + 7 = 18
    expect(await sameRead(['lookup', agg.tab, 'r2', 'columns=s:'])).toContain('"\\x80\\x00\\x00\\x00\\x00\\x00\\x00\\x00"'); // wraps at 64 bits
    // Both refuse what is not an int before sending anything, and a family that does not aggregate.
    const [tab, cbtRun] = await Promise.all([tabula(server.endpoint, [...P, 'addtocell', agg.tab, 'r3', 's:c=1', 's:c=1.5']), cbt(server.endpoint, [...P, 'addtocell', agg.cbt, 'r3', 's:c=1', 's:c=1.5'])]);
    expect([tab.code, cbtRun.code]).toEqual([1, 1]);
    expect(tab.stderr).toContain('Only int values are supported by addtocell: "1.5" in "s:c=1.5"');
    expect(cbtRun.stderr).toContain('Only int values are supported by addtocell.');
    expect(await sameRead(['lookup', agg.tab, 'r3'])).toBe(await sameRead(['lookup', agg.cbt, 'r3']));
    expect(await sameRead(['count', agg.tab])).toBe('2\n');
    const plain = await tabula(server.endpoint, [...P, 'addtocell', agg.tab, 'r3', 'p:c=1']);
    expect(plain.code).toBe(1);
    expect((await cbt(server.endpoint, [...P, 'addtocell', agg.cbt, 'r3', 'p:c=1'])).code).toBe(1);
    await both(['deletetable', 'TABLE'], agg);
  }, 240_000);

  it('deletes rows and tables the same way', async () => {
    await both(['deleteallrows', 'TABLE'], tables);
    expect(await sameRead(['count', tables.tab])).toBe('0\n');
    expect(await sameRead(['read', tables.cbt])).toBe('');
    await both(['deletetable', 'TABLE'], tables);
    const ls = await sameRead(['ls']);
    expect(ls).not.toContain('gold_');
  }, 240_000);
});

/**
 * Authorized views on the command line: `read … authorized-view=` and
 * `set … authorized-view=` compared with Google's real `cbt` against one
 * `tabula serve` (same output byte for byte, same placement rules, writes
 * outside the view refused with exit code 1 and one `tabula: …` line), and
 * the view commands cbt has none of (createauthorizedview, getauthorizedview,
 * listauthorizedviews, updateauthorizedview, deleteauthorizedview): real
 * processes, one-line errors, help. Then their pure pieces: rows= and
 * columns= parsing, the listing formats, shell completion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizedViewInfo } from '../../src/client/index.js';
import { formatAuthorizedView, formatAuthorizedViewList } from '../../src/cli/cbt-format.js';
import { complete } from '../../src/cli/shell.js';
import { formatViewColumns, formatViewRows, parseViewColumns, parseViewRows } from '../../src/cli/view-args.js';
import { cell, parseCbtRows, row, rows } from '../e2e/cbt-runner.js';
import { startTabula, type RunningServer } from '../support/servers.js';
import { cbt, tabFields, tabula, type RunResult } from './cli-process.js';

const P = ['-project', 'p', '-instance', 'i'];
let server: RunningServer;

const run = (...args: string[]): Promise<RunResult> => tabula(server.endpoint, [...P, ...args]);
const runCbt = (...args: string[]): Promise<RunResult> => cbt(server.endpoint, [...P, ...args]);

function ok(r: RunResult, what = ''): string {
  // cbt logs that it runs without credentials; nothing else may appear.
  expect(r.stderr.split('\n').filter((l) => l !== '' && !/creds flag unset/.test(l)), `${what}: ${r.stderr}`).toEqual([]);
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function oneLineError(r: RunResult, ...mentions: string[]): void {
  expect(r.code, r.stdout).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tabula: /);
  for (const m of mentions) expect(lines[0]).toContain(m);
}

const fields = tabFields;

/** listauthorizedviews' rows (after the header and the dashes) as cells. */
function listing(out: string): string[][] {
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^View\t+Deletion protection\t+Rows\t+Columns$/);
  expect(lines[1]).toMatch(/^----\t+-------------------\t+----\t+-------$/);
  return lines.slice(2).map((l) => l.split(/\t+/));
}

const keys = (out: string): string[] => parseCbtRows(out).map((r) => r.key);

beforeAll(async () => {
  server = await startTabula();
  ok(await run('createtable', 'av', 'families=pub,priv,n'));
  ok(await run('set', 'av', 'u1', 'pub:name=Ada@1000', 'pub:nick1=A@1000', 'pub:names=hidden@1000', 'priv:ssn=hidden@1000', 'n:x=nx@1000'));
  ok(await run('set', 'av', 'u2', 'priv:ssn=hidden@1000'));
  ok(await run('set', 'av', 'u3', 'pub:name=old@1000', 'pub:name=Bob "the" b\\ld\tr@2000'));
  ok(await run('set', 'av', 'x1', 'pub:name=hidden row@1000'));
  ok(await run('createauthorizedview', 'av', 'public', 'rows=u', 'columns=pub:name,pub:nick*'));
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('read and set with authorized-view=, as cbt', () => {
  it('read … authorized-view= prints exactly what cbt prints: only the view\'s rows and columns', async () => {
    const viewRead = ok(await run('read', 'av', 'authorized-view=public'));
    expect(viewRead).toBe(rows(
      row('u1', cell('pub:name', 1000, 'Ada'), cell('pub:nick1', 1000, 'A')),
      row('u3', cell('pub:name', 2000, 'Bob "the" b\\ld\tr'), cell('pub:name', 1000, 'old')),
    ));
    const tableRead = ok(await run('read', 'av'));
    expect(keys(tableRead)).toEqual(['u1', 'u2', 'u3', 'x1']);
    expect(tableRead).toContain('priv:ssn');

    const variants = [
      ['authorized-view=public'],
      ['prefix=u3', 'authorized-view=public'],
      ['authorized-view=public', 'count=1'],
      ['authorized-view=public', 'columns=pub:name'],
      ['authorized-view=public', 'cells-per-column=1'],
      ['authorized-view=public', 'keys-only=true'],
      ['authorized-view=public', 'reversed=true'],
      ['authorized-view=public', 'regex=u[23]'],
      ['start=u2', 'authorized-view=public', 'end=x9'],
      ['prefix=x', 'authorized-view=public'],
      ['authorized-view='], // empty: the table, as cbt
    ];
    const outs = await Promise.all(variants.map(async (v) => {
      const [t, c] = await Promise.all([run('read', 'av', ...v), runCbt('read', 'av', ...v)]);
      const out = ok(t, `tabula read av ${v.join(' ')}`);
      expect(out, `tabula vs cbt: read av ${v.join(' ')}`).toBe(ok(c, `cbt read av ${v.join(' ')}`));
      return out;
    }));
    expect(outs[0]).toBe(viewRead);
    expect(keys(outs[1]!)).toEqual(['u3']);
    expect(keys(outs[2]!)).toEqual(['u1']);
    expect(keys(outs[6]!)).toEqual(['u3', 'u1']);
    expect(keys(outs[7]!)).toEqual(['u3']);
    expect(outs[9]).toBe('');
    expect(outs[10]).toBe(tableRead);
  }, 180_000);

  it('set … authorized-view= writes inside the view; outside it exits 1 with one line', async () => {
    // Inside, before or after the cells (cbt reads options anywhere after the row).
    ok(await run('set', 'av', 'u4', 'authorized-view=public', 'pub:name=Cy@3000'));
    ok(await run('set', 'av', 'u5', 'pub:name=Di@3000', 'authorized-view=public', 'pub:nick=D@3000'));
    ok(await runCbt('set', 'av', 'u6', 'pub:name=Ed@3000', 'authorized-view=public'));
    const after = ok(await run('read', 'av', 'authorized-view=public', 'start=u4'));
    expect(after).toBe(rows(
      row('u4', cell('pub:name', 3000, 'Cy')),
      row('u5', cell('pub:name', 3000, 'Di'), cell('pub:nick', 3000, 'D')),
      row('u6', cell('pub:name', 3000, 'Ed')),
    ));
    expect(ok(await runCbt('read', 'av', 'authorized-view=public', 'start=u4'))).toBe(after);

    // Outside the rows, outside the columns: refused, by both tools, and nothing is written.
    const outside = [
      ['set', 'av', 'x4', 'authorized-view=public', 'pub:name=no@3000'],
      ['set', 'av', 'u4', 'pub:name=no@3000', 'authorized-view=public', 'priv:ssn=no@3000'],
      ['set', 'av', 'u4', 'authorized-view=public', 'pub:names=no@3000'],
    ];
    const [t0, t1, t2] = await Promise.all(outside.map((a) => run(...a)));
    oneLineError(t0!, 'PERMISSION_DENIED', 'x4', 'authorizedViews/public');
    oneLineError(t1!, 'PERMISSION_DENIED', 'priv:ssn');
    oneLineError(t2!, 'PERMISSION_DENIED', 'pub:names');
    for (const r of await Promise.all(outside.map((a) => runCbt(...a)))) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('PermissionDenied');
    }
    const table = ok(await run('read', 'av'));
    expect(keys(table)).not.toContain('x4');
    expect(table).not.toContain('"no"');
  }, 180_000);

  it('places the option as cbt does: the table and the row come first, the value ends at a further =', async () => {
    // Third word onwards only: here the row key is "authorized-view=public" and "u7" is a bad cell.
    const [t, c] = await Promise.all([
      run('set', 'av', 'authorized-view=public', 'u7', 'pub:name=x@3000'),
      runCbt('set', 'av', 'authorized-view=public', 'u7', 'pub:name=x@3000'),
    ]);
    oneLineError(t, 'u7');
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('u7');
    // cbt reads set's value up to the next '=' (strings.Split): "public=x" is the view "public".
    ok(await run('set', 'av', 'u8', 'authorized-view=public=x', 'pub:name=t@3000'));
    ok(await runCbt('set', 'av', 'u9', 'authorized-view=public=x', 'pub:name=c@3000'));
    expect(keys(ok(await run('read', 'av', 'authorized-view=public', 'start=u8')))).toEqual(['u8', 'u9']);
    // An empty value: the table itself, so rows outside the view can be written.
    await Promise.all([
      run('set', 'av', 'xt', 'authorized-view=', 'pub:name=t@3000').then((r) => ok(r, 'tabula set xt')),
      runCbt('set', 'av', 'xc', 'authorized-view=', 'pub:name=c@3000').then((r) => ok(r, 'cbt set xc')),
    ]);
    expect(keys(ok(await run('read', 'av', 'prefix=x')))).toEqual(['x1', 'xc', 'xt']);
    expect(keys(ok(await run('read', 'av', 'prefix=auth')))).toEqual([]);
    // read's value is the whole rest, as cbt's: "public=x" is no view id.
    oneLineError(await run('read', 'av', 'authorized-view=public=x'), 'authorized view id "public=x"');
    expect((await runCbt('read', 'av', 'authorized-view=public=x')).code).toBe(1);
    // Like cbt, only read and set take it.
    oneLineError(await run('lookup', 'av', 'u1', 'authorized-view=public'), 'unknown option "authorized-view"');
    oneLineError(await run('count', 'av', 'authorized-view=public'), 'unknown option "authorized-view"');
    expect((await runCbt('lookup', 'av', 'u1', 'authorized-view=public')).code).toBe(1);
  }, 180_000);
});

describe('view commands', () => {
  it('createauthorizedview, getauthorizedview, listauthorizedviews, updateauthorizedview, deleteauthorizedview', async () => {
    expect(ok(await run('createauthorizedview', 'av', 'wide', 'deletion-protection=true', 'rows=u1,x*', 'columns=pub:name,priv:*,n'))).toBe('');
    const f = fields(ok(await run('getauthorizedview', 'av', 'wide')));
    expect(Object.keys(f)).toEqual(['View', 'Table', 'Deletion protection', 'Rows', 'Columns', 'Etag']);
    expect(f).toMatchObject({ 'View': 'wide', 'Table': 'av', 'Deletion protection': 'true', 'Rows': 'u1*,x*', 'Columns': 'n:*,priv:*,pub:name' });
    expect(f.Etag).toMatch(/^\S+$/);
    expect(listing(ok(await run('listauthorizedviews', 'av')))).toEqual([
      ['public', 'false', 'u*', 'pub:name,pub:nick*'],
      ['wide', 'true', 'u1*,x*', 'n:*,priv:*,pub:name'],
    ]);

    // What the view holds, as real cbt reads it.
    const [t, c] = await Promise.all([run('read', 'av', 'authorized-view=wide'), runCbt('read', 'av', 'authorized-view=wide')]);
    expect(ok(t)).toBe(ok(c));
    expect(keys(ok(t))).toEqual(['u1', 'x1', 'xc', 'xt']);
    expect(ok(t)).toContain('priv:ssn');
    expect(ok(t)).not.toContain('pub:nick1');

    oneLineError(await run('deleteauthorizedview', 'av', 'wide'), 'FAILED_PRECONDITION');
    expect(ok(await run('updateauthorizedview', 'av', 'wide', 'deletion-protection=false'))).toBe('');
    expect(ok(await run('updateauthorizedview', 'av', 'wide', 'rows=*'))).toBe('');
    expect(fields(ok(await run('getauthorizedview', 'av', 'wide')))).toMatchObject({ 'Deletion protection': 'false', 'Rows': '*', 'Columns': 'n:*,priv:*,pub:name' });
    expect(ok(await run('updateauthorizedview', 'av', 'wide', 'columns=pub:nick*'))).toBe('');
    const g = fields(ok(await run('getauthorizedview', 'av', 'wide')));
    expect(g).toMatchObject({ Rows: '*', Columns: 'pub:nick*' });
    expect(g.Etag).not.toBe(f.Etag);
    expect(keys(ok(await run('read', 'av', 'authorized-view=wide')))).toEqual(['u1', 'u5']);

    expect(ok(await run('deleteauthorizedview', 'av', 'wide'))).toBe('');
    oneLineError(await run('getauthorizedview', 'av', 'wide'), 'NOT_FOUND');
    oneLineError(await run('read', 'av', 'authorized-view=wide'), 'NOT_FOUND');
    expect(listing(ok(await run('listauthorizedviews', 'av'))).map((r) => r[0])).toEqual(['public']);
  }, 180_000);

  it('reports bad input and server refusals in one line', async () => {
    const cases: [string[], string][] = [
      [['createauthorizedview', 'av'], 'usage: tabula createauthorizedview <table> <view-id> [deletion-protection=<true|false>] rows=<prefix>,... columns=<family>:<qualifier>,...'],
      [['createauthorizedview', 'av', 'v', 'columns=pub:name'], 'createauthorizedview: give rows=<prefix>,...'],
      [['createauthorizedview', 'av', 'v', 'rows=u'], 'createauthorizedview: give columns=<family>:<qualifier>,...'],
      [['createauthorizedview', 'av', 'v', 'rows=', 'columns=pub:name'], 'rows= needs at least one row-key prefix'],
      [['createauthorizedview', 'av', 'v', 'rows=u', 'columns=:q'], 'createauthorizedview: bad column ":q"'],
      [['createauthorizedview', 'av', 'v', 'rows=u', 'columns=pub:name', 'deletion-protection=maybe'], 'createauthorizedview: bad deletion-protection "maybe"'],
      [['createauthorizedview', 'av', 'v', 'rows=u', 'columns=pub:name', 'extra'], 'createauthorizedview: unexpected argument "extra"'],
      [['createauthorizedview', 'av', 'v', 'rows=u', 'columns=pub:name', 'protect=true'], 'createauthorizedview: unknown option "protect"'],
      [['createauthorizedview', 'av', 'bad/id', 'rows=u', 'columns=pub:name'], 'authorized view id "bad/id" must match'],
      [['createauthorizedview', 'nosuchtable', 'v', 'rows=u', 'columns=pub:name'], 'NOT_FOUND'],
      [['createauthorizedview', 'av', 'public', 'rows=u', 'columns=pub:name'], 'ALREADY_EXISTS'],
      [['createauthorizedview', 'av', 'v', 'rows=u', 'columns=nofam:q'], 'nofam'],
      [['getauthorizedview', 'av'], 'usage: tabula getauthorizedview <table> <view-id>'],
      [['getauthorizedview', 'av', 'nosuchview'], 'NOT_FOUND'],
      [['getauthorizedview', 'av', 'public', 'x'], 'getauthorizedview: unexpected argument "x"'],
      [['listauthorizedviews'], 'usage: tabula listauthorizedviews <table>'],
      [['listauthorizedviews', 'nosuchtable'], 'NOT_FOUND'],
      [['updateauthorizedview', 'av', 'public'], 'usage: tabula updateauthorizedview <table> <view-id>'],
      [['updateauthorizedview', 'av', 'public', 'extra'], 'updateauthorizedview: unexpected argument "extra"'],
      [['updateauthorizedview', 'av', 'public', 'deletion-protection=yes'], 'bad deletion-protection "yes"'],
      [['updateauthorizedview', 'av', 'nosuchview', 'deletion-protection=true'], 'NOT_FOUND'],
      [['deleteauthorizedview', 'av'], 'usage: tabula deleteauthorizedview <table> <view-id>'],
      [['deleteauthorizedview', 'av', 'nosuchview'], 'NOT_FOUND'],
      [['read', 'av', 'authorized-view=nosuchview'], 'NOT_FOUND'],
      [['read', 'av', 'authorized-view=bad/id'], 'authorized view id "bad/id" must match'],
      [['set', 'av', 'u1', 'authorized-view=nosuchview', 'pub:name=x'], 'NOT_FOUND'],
      [['set', 'av', 'u1', 'authorized-view=public'], 'usage: tabula set <table> <row> [authorized-view=<authorized-view-id>]'],
    ];
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    results.forEach((r, i) => oneLineError(r, cases[i]![1]));
    // None of them made a view.
    expect(listing(ok(await run('listauthorizedviews', 'av'))).map((r) => r[0])).toEqual(['public']);
  }, 300_000);

  it('lists the commands in help, with details for one; read and set explain authorized-view=', async () => {
    const all = ok(await tabula(server.endpoint, ['help']));
    for (const c of ['createauthorizedview', 'deleteauthorizedview', 'getauthorizedview', 'listauthorizedviews', 'updateauthorizedview']) expect(all).toMatch(new RegExp(`^tabula ${c}\\t`, 'm'));
    const [one, read, set] = await Promise.all([['createauthorizedview'], ['read'], ['set']].map((c) => tabula(server.endpoint, ['help', ...c])));
    expect(ok(one!)).toMatch(/^tabula createauthorizedview <table> <view-id> \[deletion-protection=<true\|false>\] rows=<prefix>,\.\.\. columns=<family>:<qualifier>,\.\.\.\n\n {2}Create an authorized view of a table\n/);
    expect(ok(one!)).toContain('<family>:<prefix>* a qualifier prefix');
    expect(ok(read!)).toMatch(/^tabula read <table> \[authorized-view=<authorized-view-id>\] \[start=<row-key>\]/);
    expect(ok(set!)).toMatch(/^tabula set <table> <row> \[authorized-view=<authorized-view-id>\] <family>:<column>=<val>\[@<timestamp>\] \.\.\./);
    for (const r of [read!, set!]) expect(ok(r)).toContain('PERMISSION_DENIED');
  }, 120_000);
});

describe('view command pieces', () => {
  const b = (s: string): Buffer => Buffer.from(s, 'latin1');

  it('parse rows= as prefixes (a trailing * allowed) and columns= as qualifiers, prefixes and whole families', () => {
    expect(parseViewRows('u,x*,*', 'c')).toEqual([b('u'), b('x'), b('')]);
    expect(parseViewRows('a\xff,,b', 'c')).toEqual([b('a\xff'), b('b')]);
    expect(() => parseViewRows(',', 'createauthorizedview')).toThrow('createauthorizedview: rows= needs at least one row-key prefix (rows=* for every row)');
    expect(parseViewColumns('pub:name,pub:nick*,priv:*,n,pub:a:b', 'c')).toEqual({
      pub: { qualifiers: [b('name'), b('a:b')], qualifierPrefixes: [b('nick')] },
      priv: { qualifiers: [], qualifierPrefixes: [b('')] },
      n: { qualifiers: [], qualifierPrefixes: [b('')] },
    });
    expect(parseViewColumns('f:', 'c')).toEqual({ f: { qualifiers: [b('')], qualifierPrefixes: [] } });
    expect(() => parseViewColumns('', 'c')).toThrow('c: columns= needs at least one <family>:<qualifier>');
    expect(() => parseViewColumns('pub:a,:b', 'updateauthorizedview')).toThrow('updateauthorizedview: bad column ":b"');
  });

  it('format rows and columns back in that syntax, escaping what a word cannot hold', () => {
    expect(formatViewRows({ rowPrefixes: [b('u'), b('a b\\,\x00')] })).toBe('u*,a\\x20b\\x5c\\x2c\\x00*');
    expect(formatViewRows({ rowPrefixes: [b('u'), b('')] })).toBe('*');
    expect(formatViewRows({ rowPrefixes: [] })).toBe('');
    expect(formatViewColumns({ families: { n: { qualifiers: [], qualifierPrefixes: [b('')] }, pub: { qualifiers: [b('name'), b('\xff')], qualifierPrefixes: [b('nick')] } } }))
      .toBe('n:*,pub:name,pub:\\xff,pub:nick*');
    const text = 'u*,x*';
    expect(formatViewRows({ rowPrefixes: parseViewRows(text, 'c') })).toBe(text);
  });

  it('format one view and the listing as ls does (tabwriter 10, 8, 4)', () => {
    const v: AuthorizedViewInfo = {
      id: 'public', table: 'users', rowPrefixes: [b('u')], deletionProtection: false, etag: 'e1',
      families: { pub: { qualifiers: [b('name')], qualifierPrefixes: [] } },
    };
    expect(formatAuthorizedView(v)).toBe('View\t\t\tpublic\nTable\t\t\tusers\nDeletion protection\tfalse\nRows\t\t\tu*\nColumns\t\t\tpub:name\nEtag\t\t\te1\n');
    expect(formatAuthorizedViewList([v, { ...v, id: 'a-much-longer-view-id', deletionProtection: true, rowPrefixes: [b('')] }])).toBe(
      'View\t\t\t\tDeletion protection\tRows\t\tColumns\n' +
      '----\t\t\t\t-------------------\t----\t\t-------\n' +
      'public\t\t\t\tfalse\t\t\tu*\t\tpub:name\n' +
      'a-much-longer-view-id\t\ttrue\t\t\t*\t\tpub:name\n');
    expect(formatAuthorizedViewList([])).toBe('View\t\tDeletion protection\tRows\t\tColumns\n----\t\t-------------------\t----\t\t-------\n');
  });

  it('the shell completes tables after a view command, then the table\'s view ids', async () => {
    const tables = async () => ['users', 'orders'];
    const backups = async () => ['mon'];
    const asked: string[] = [];
    const views = async (t: string) => { asked.push(t); return t === 'users' ? ['public', 'private', 'audit'] : []; };
    expect(await complete('getauthorizedview us', tables, backups, views)).toEqual([['users '], 'us']);
    expect(await complete('createauthorizedview o', tables, backups, views)).toEqual([['orders '], 'o']);
    expect(await complete('listauthorizedviews ', tables, backups, views)).toEqual([['orders', 'users'], '']);
    expect(await complete('getauthorizedview users p', tables, backups, views)).toEqual([['private', 'public'], 'p']);
    expect(await complete('deleteauthorizedview users a', tables, backups, views)).toEqual([['audit '], 'a']);
    expect(await complete('updateauthorizedview users ', tables, backups, views)).toEqual([['audit', 'private', 'public'], '']);
    expect(asked).toEqual(['users', 'users', 'users']);
    expect(await complete('createauthorizedview users p', tables, backups, views)).toEqual([[], 'p']); // a new id: nothing to complete
    expect(await complete('getauthorizedview users public x', tables, backups, views)).toEqual([[], 'x']);
    expect(await complete('getauthorizedview users p', tables, backups, async () => { throw new Error('down'); })).toEqual([[], 'p']);
    expect(await complete('listauth', tables, backups, views)).toEqual([['listauthorizedviews '], 'listauth']);
  });
});

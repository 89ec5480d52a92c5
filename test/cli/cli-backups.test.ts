/**
 * The backup commands of `tabula` (createbackup, listbackups, getbackup,
 * updatebackup, deletebackup, restoretable; cbt has none): real processes
 * against a real server, output in `ls`'s tabwriter style, one-line usage
 * and server errors with exit code 1, help. Then their pure pieces: ttl= and
 * expire= parsing, the listing formats, shell completion of backup ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRfc3339, parseTtl, backupExpiry } from '../../src/cli/backup-args.js';
import { formatBackup, formatBackupList, formatBackupTime } from '../../src/cli/cbt-format.js';
import { complete } from '../../src/cli/shell.js';
import { startTabula, type RunningServer } from '../support/servers.js';
import { tabFields, tabula, type RunResult } from './cli-process.js';

const DAY = 86_400_000;
const P = ['-project', 'p', '-instance', 'i'];
let server: RunningServer;

const run = (...args: string[]): Promise<RunResult> => tabula(server.endpoint, [...P, ...args]);

function ok(r: RunResult): string {
  expect(r.stderr, r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

function oneLineError(r: RunResult, mention: string): void {
  expect(r.code, r.stdout).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tabula: /);
  expect(lines[0]).toContain(mention);
}

const fields = tabFields;

/** listbackups' rows (after the header and the dashes) as cells. */
function listing(out: string): string[][] {
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^Backup\t+Source table\t+State\t+Size\t+Expires$/);
  expect(lines[1]).toMatch(/^------\t+------------\t+-----\t+----\t+-------$/);
  return lines.slice(2).map((l) => l.split(/\t+/));
}

const near = (iso: string, ms: number): void => {
  expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(Math.abs(Date.parse(iso) - ms)).toBeLessThan(60_000);
};

beforeAll(async () => {
  server = await startTabula();
  ok(await run('createtable', 'bk_src', 'families=cf,n:never:intsum'));
  ok(await run('set', 'bk_src', 'r1', 'cf:a=one@1000', 'cf:b=two@2000'));
  ok(await run('addtocell', 'bk_src', 'r2', 'n:c=7@0'));
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('tabula backup commands', () => {
  it('createbackup (7 days by default, ttl=, expire=), listbackups and getbackup', async () => {
    const t0 = Date.now();
    expect(ok(await run('createbackup', 'bk_src', 'first'))).toBe('');
    expect(ok(await run('createbackup', 'bk_src', 'second', 'ttl=1d12h'))).toBe('');
    const at = new Date(t0 + 20 * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(ok(await run('createbackup', 'bk_src', 'third', `expire=${at}`))).toBe('');

    const rows = listing(ok(await run('listbackups')));
    expect(rows.map((r) => r[0])).toEqual(['third', 'second', 'first']); // newest first
    for (const r of rows) {
      expect(r.slice(1, 3)).toEqual(['bk_src', 'READY']);
      expect(Number(r[3])).toBeGreaterThan(0);
    }
    near(rows[2]![4]!, t0 + 7 * DAY);
    near(rows[1]![4]!, t0 + 1.5 * DAY);
    expect(rows[0]![4]).toBe(at);

    const byName = listing(ok(await run('listbackups', 'order-by=name asc')));
    expect(byName.map((r) => r[0])).toEqual(['first', 'second', 'third']);
    const filtered = listing(ok(await run('listbackups', 'filter=name:sec')));
    expect(filtered.map((r) => r[0])).toEqual(['second']);

    const f = fields(ok(await run('getbackup', 'first')));
    expect(Object.keys(f)).toEqual(['Backup', 'Source table', 'State', 'Size', 'Started', 'Finished', 'Expires']);
    expect(f).toMatchObject({ 'Backup': 'first', 'Source table': 'bk_src', 'State': 'READY', 'Size': rows[2]![3], 'Expires': rows[2]![4] });
    near(f.Started!, t0);
    near(f.Finished!, t0);
  }, 120_000);

  it('updatebackup sets a new expiry; restoretable copies the data; deletebackup removes it', async () => {
    ok(await run('createbackup', 'bk_src', 'keep', 'ttl=2d'));
    const t0 = Date.now();
    expect(ok(await run('updatebackup', 'keep', 'ttl=10d'))).toBe('');
    near(fields(ok(await run('getbackup', 'keep'))).Expires!, t0 + 10 * DAY);
    const at = new Date(t0 + 5 * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
    ok(await run('updatebackup', 'keep', `expire=${at}`));
    expect(fields(ok(await run('getbackup', 'keep'))).Expires).toBe(at);

    // Written after the backup: not in the restored table.
    const backedUp = ok(await run('read', 'bk_src'));
    ok(await run('set', 'bk_src', 'r3', 'cf:a=later@3000'));
    expect(ok(await run('restoretable', 'keep', 'bk_copy'))).toBe('');
    const copy = ok(await run('read', 'bk_copy'));
    expect(copy).toContain('"one"');
    expect(copy).toBe(backedUp);
    expect(ok(await run('read', 'bk_src'))).toContain('r3');
    expect(ok(await run('ls', 'bk_copy'))).toBe(ok(await run('ls', 'bk_src')));
    expect(ok(await run('ls')).split('\n')).toContain('bk_copy');

    // A copy (here kept the default 7 days) outlives the backup it was copied from; a copy of a copy is refused.
    const t1 = Date.now();
    expect(ok(await run('copybackup', 'keep', 'keep2'))).toBe('');
    near(fields(ok(await run('getbackup', 'keep2'))).Expires!, t1 + 7 * DAY);
    oneLineError(await run('copybackup', 'keep2', 'keep3'), 'FAILED_PRECONDITION');
    expect(ok(await run('deletebackup', 'keep'))).toBe('');
    expect(listing(ok(await run('listbackups'))).map((r) => r[0])).not.toContain('keep');
    oneLineError(await run('getbackup', 'keep'), 'NOT_FOUND');
    expect(ok(await run('restoretable', 'keep2', 'bk_copy2'))).toBe('');
    expect(ok(await run('read', 'bk_copy2'))).toBe(backedUp);
    expect(ok(await run('deletebackup', 'keep2'))).toBe('');
  }, 120_000);

  it('reports bad input and server refusals in one line', async () => {
    ok(await run('createbackup', 'bk_src', 'dup'));
    const cases: [string[], string][] = [
      [['createbackup'], 'usage: tabula createbackup <table> <backup-id> [ttl=<duration> | expire=<time>]'],
      [['createbackup', 'bk_src'], 'usage: tabula createbackup'],
      [['createbackup', 'bk_src', 'b', 'extra'], 'createbackup: unexpected argument "extra"'],
      [['createbackup', 'bk_src', 'b', 'ttl=soon'], 'createbackup: bad ttl "soon"'],
      [['createbackup', 'bk_src', 'b', 'ttl=0d'], 'createbackup: ttl must be more than zero'],
      [['createbackup', 'bk_src', 'b', 'expire=tomorrow'], 'createbackup: bad expire "tomorrow"'],
      [['createbackup', 'bk_src', 'b', 'ttl=1d', 'expire=2030-01-01T00:00:00Z'], 'give ttl= or expire=, not both'],
      [['createbackup', 'bk_src', 'b', 'keep=1d'], 'createbackup: unknown option "keep"'],
      [['createbackup', 'bk_src', 'b', 'ttl=1h'], 'INVALID_ARGUMENT: backup.expire_time'],
      [['createbackup', 'bk_src', 'b', 'ttl=91d'], 'backup.expire_time'],
      [['createbackup', 'bk_src', 'bad/id'], 'backup id "bad/id" must match'],
      [['createbackup', 'nosuchtable', 'b'], 'NOT_FOUND'],
      [['createbackup', 'bk_src', 'dup'], 'ALREADY_EXISTS'],
      [['getbackup'], 'usage: tabula getbackup <backup-id>'],
      [['getbackup', 'nosuchbackup'], 'NOT_FOUND'],
      [['getbackup', 'a', 'b'], 'getbackup: unexpected argument "b"'],
      [['updatebackup', 'dup'], 'usage: tabula updatebackup <backup-id> (ttl=<duration> | expire=<time>)'],
      [['updatebackup', 'dup', 'extra', 'ttl=1d'], 'updatebackup: unexpected argument "extra"'],
      [['updatebackup', 'dup', 'ttl=2h'], 'INVALID_ARGUMENT: backup.expire_time'],
      [['updatebackup', 'nosuchbackup', 'ttl=2d'], 'NOT_FOUND'],
      [['deletebackup'], 'usage: tabula deletebackup <backup-id>'],
      [['deletebackup', 'nosuchbackup'], 'NOT_FOUND'],
      [['restoretable', 'dup'], 'usage: tabula restoretable <backup-id> <new-table>'],
      [['restoretable', 'dup', 'bk_src'], 'ALREADY_EXISTS'],
      [['restoretable', 'nosuchbackup', 'fresh'], 'NOT_FOUND'],
      [['listbackups', 'colour=red'], 'listbackups: unknown option "colour"'],
      [['listbackups', 'filter=colour=red'], 'INVALID_ARGUMENT: filter'],
      [['listbackups', 'stray'], 'listbackups: unexpected argument "stray"'],
    ];
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    results.forEach((r, i) => oneLineError(r, cases[i]![1]));
  }, 300_000);

  it('lists the commands in help, with details for one', async () => {
    const all = ok(await tabula(server.endpoint, ['help']));
    for (const c of ['copybackup', 'createbackup', 'deletebackup', 'getbackup', 'listbackups', 'restoretable', 'updatebackup']) expect(all).toMatch(new RegExp(`^tabula ${c}\\t`, 'm'));
    const one = ok(await tabula(server.endpoint, ['help', 'createbackup']));
    expect(one).toMatch(/^tabula createbackup <table> <backup-id> \[ttl=<duration> \| expire=<time>\]\n\n {2}Create a backup of a table\n/);
    expect(one).toContain('kept 7 days');
  }, 120_000);
});

describe('backup command pieces', () => {
  it('parse ttl= as maxage= durations and expire= as RFC 3339', () => {
    expect(parseTtl('7d', 'x')).toBe(7 * DAY);
    expect(parseTtl('1d12h', 'x')).toBe(1.5 * DAY);
    expect(() => parseTtl('7 days', 'createbackup')).toThrow('createbackup: bad ttl "7 days" (use e.g. 7d, 12h, 1d12h, 90m)');
    expect(() => parseTtl('0s', 'x')).toThrow(/more than zero/);
    expect(parseRfc3339('2030-01-02T15:04:05Z', 'x').toISOString()).toBe('2030-01-02T15:04:05.000Z');
    expect(parseRfc3339('2030-01-02t15:04:05.25+02:00', 'x').toISOString()).toBe('2030-01-02T13:04:05.250Z');
    for (const bad of ['2030-01-02', '2030-01-02T15:04:05', '2030-13-02T15:04:05Z', 'now']) expect(() => parseRfc3339(bad, 'x'), bad).toThrow(/bad expire/);
    expect(backupExpiry(new Map(), 'x', { ttlMs: 1 })).toEqual({ ttlMs: 1 });
    expect(backupExpiry(new Map([['ttl', '2h']]), 'x')).toEqual({ ttlMs: 2 * 3_600_000 });
    expect(() => backupExpiry(new Map(), 'updatebackup')).toThrow('updatebackup: give ttl=<duration> or expire=<time>');
  });

  it('format the listing and one backup as ls does (tabwriter 10, 8, 4)', () => {
    const b = { id: 'b1', table: 'users', state: 'READY' as const, sizeBytes: 1234, startTime: new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)), endTime: new Date(Date.UTC(2030, 0, 2, 3, 4, 6)), expireTime: new Date(Date.UTC(2030, 0, 9)) };
    expect(formatBackupTime(b.startTime)).toBe('2030-01-02T03:04:05Z');
    expect(formatBackupList([b, { ...b, id: 'a-much-longer-backup-id', state: 'CREATING' }])).toBe(
      'Backup\t\t\t\tSource table\tState\t\tSize\t\tExpires\n' +
      '------\t\t\t\t------------\t-----\t\t----\t\t-------\n' +
      'b1\t\t\t\tusers\t\tREADY\t\t1234\t\t2030-01-09T00:00:00Z\n' +
      'a-much-longer-backup-id\t\tusers\t\tCREATING\t1234\t\t2030-01-09T00:00:00Z\n');
    expect(formatBackupList([])).toBe('Backup\t\tSource table\tState\t\tSize\t\tExpires\n------\t\t------------\t-----\t\t----\t\t-------\n');
    const { endTime: _e, ...creating } = b;
    expect(formatBackup(creating)).toBe(
      'Backup\t\tb1\nSource table\tusers\nState\t\tREADY\nSize\t\t1234\nStarted\t\t2030-01-02T03:04:05Z\nFinished\t\nExpires\t\t2030-01-09T00:00:00Z\n');
  });

  it('the shell completes backup ids after a backup command, tables after createbackup', async () => {
    const tables = async () => ['users', 'orders'];
    const backups = async () => ['mon', 'monday', 'tue'];
    expect(await complete('getbackup mo', tables, backups)).toEqual([['mon', 'monday'], 'mo']);
    expect(await complete('restoretable t', tables, backups)).toEqual([['tue '], 't']);
    expect(await complete('deletebackup ', tables, backups)).toEqual([['mon', 'monday', 'tue'], '']);
    expect(await complete('updatebackup tu', tables, backups)).toEqual([['tue '], 'tu']);
    expect(await complete('createbackup us', tables, backups)).toEqual([['users '], 'us']);
    expect(await complete('getbackup mon x', tables, backups)).toEqual([[], 'x']);
    expect(await complete('listb', tables, backups)).toEqual([['listbackups '], 'listb']);
    expect(await complete('getbackup m', tables, async () => { throw new Error('down'); })).toEqual([[], 'm']);
  });
});

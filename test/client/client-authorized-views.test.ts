/**
 * Authorized views through the client against a real `tabula serve`: the
 * admin calls (src/client/authorized-views.ts: create, get, list over pages,
 * update with and without an etag, delete under deletion protection), then
 * every data operation of a Table made with connection.authorizedView(): reads
 * see only the view's cells, writes outside it are refused with
 * PermissionDeniedError (code 7), batches and the buffered mutator report it
 * per entry. Then the client's own argument checks, and Google's emulator,
 * which has no authorized views (UnimplementedError).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError, AlreadyExistsError, Code, connect, FailedPreconditionError, InvalidArgumentError, MutationsFailedError, NotFoundError,
  PermissionDeniedError, UnimplementedError, type Connection, type MutationFailure, type Row, type Table,
} from '../../src/client/index.js';
import { startEmulator, startTabula, type RunningServer } from '../support/servers.js';

const b = (s: string): Buffer => Buffer.from(s);

/** Rows as "row/family:qualifier=value" strings, in order. */
function flat(rows: Row[]): string[] {
  return rows.flatMap((r) => r.cells.map((c) => `${r.keyString}/${c.family}:${c.qualifier.toString()}=${c.value.toString()}`));
}

/** Awaits a rejection and returns it. */
async function refusal(p: Promise<unknown>): Promise<Error & { code?: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: number };
  }
  throw new Error('expected a rejection');
}

describe('client authorized views against tabula serve', () => {
  let server: RunningServer;
  let conn: Connection;
  const T = 'people';
  /** Rows "u…", columns pub:name exactly and pub:nick… by prefix; the whole family n. */
  const PUBLIC = { rowPrefixes: ['u'], families: { pub: { qualifiers: ['name'], qualifierPrefixes: ['nick'] }, n: { qualifierPrefixes: [''] } } };

  beforeAll(async () => {
    server = await startTabula();
    conn = connect(server.endpoint, { project: 'p', instance: 'i' });
    await conn.admin.createTable(T, { families: { pub: undefined, priv: undefined, n: undefined } });
    const t = conn.table(T);
    await t.put('u1', [
      { family: 'pub', qualifier: 'name', value: 'Ada', timestamp: 1000 },
      { family: 'pub', qualifier: 'nick1', value: 'A', timestamp: 1000 },
      { family: 'pub', qualifier: 'names', value: 'hidden: not exactly name', timestamp: 1000 },
      { family: 'priv', qualifier: 'ssn', value: 'hidden', timestamp: 1000 },
      { family: 'n', qualifier: 'x', value: 'nx', timestamp: 1000 },
    ]);
    await t.put('u2', [{ family: 'priv', qualifier: 'ssn', value: 'hidden', timestamp: 1000 }]);
    await t.put('u3', [{ family: 'pub', qualifier: 'name', value: 'Bob', timestamp: 1000 }]);
    await t.put('x1', [{ family: 'pub', qualifier: 'name', value: 'hidden row', timestamp: 1000 }]);
    await conn.admin.createAuthorizedView(T, 'public', PUBLIC);
  }, 60_000);

  afterAll(async () => {
    conn?.close();
    await server?.stop();
  });

  describe('admin', () => {
    it('createAuthorizedView answers the full view; getAuthorizedView describes it the same way', async () => {
      const v = await conn.admin.createAuthorizedView(T, 'crud', {
        rowPrefixes: ['a', Buffer.from([0x00, 0xff]), new Uint8Array([0x62])],
        families: { pub: { qualifiers: ['name'] }, priv: { qualifierPrefixes: [''] } },
        deletionProtection: true,
      });
      expect(v).toEqual({
        id: 'crud', table: T,
        rowPrefixes: [b('a'), Buffer.from([0x00, 0xff]), b('b')],
        families: { priv: { qualifiers: [], qualifierPrefixes: [b('')] }, pub: { qualifiers: [b('name')], qualifierPrefixes: [] } },
        deletionProtection: true,
        etag: expect.stringMatching(/.+/),
      });
      expect(await conn.admin.getAuthorizedView(T, 'crud')).toEqual(v);
      await expect(conn.admin.createAuthorizedView(T, 'crud', PUBLIC)).rejects.toBeInstanceOf(AlreadyExistsError);

      // Deletion protection holds until it is turned off.
      await expect(conn.admin.deleteAuthorizedView(T, 'crud')).rejects.toBeInstanceOf(FailedPreconditionError);
      const off = await conn.admin.updateAuthorizedView(T, 'crud', { deletionProtection: false });
      expect(off).toEqual({ ...v, deletionProtection: false, etag: expect.any(String) });
      expect(off.etag).not.toBe(v.etag);
      await conn.admin.deleteAuthorizedView(T, 'crud');
      await expect(conn.admin.getAuthorizedView(T, 'crud')).rejects.toBeInstanceOf(NotFoundError);
      await expect(conn.admin.deleteAuthorizedView(T, 'crud')).rejects.toMatchObject({ code: Code.NOT_FOUND });
      await expect(conn.admin.createAuthorizedView('nosuchtable', 'v', PUBLIC)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('listAuthorizedViews returns every view in full, by id, over pages of one', async () => {
      for (const id of ['list-c', 'list-a', 'list-b']) await conn.admin.createAuthorizedView(T, id, { rowPrefixes: [id], families: { pub: { qualifiers: ['name'] } } });
      const all = await conn.admin.listAuthorizedViews(T);
      const ids = all.map((v) => v.id);
      expect(ids).toEqual([...ids].sort());
      expect(ids).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c', 'public']));
      expect(all.find((v) => v.id === 'list-b')).toEqual(await conn.admin.getAuthorizedView(T, 'list-b'));
      expect(all.find((v) => v.id === 'list-b')!.rowPrefixes).toEqual([b('list-b')]);
      expect(await conn.admin.listAuthorizedViews(T, { pageSize: 1 })).toEqual(all);
      for (const id of ['list-a', 'list-b', 'list-c']) await conn.admin.deleteAuthorizedView(T, id);
      expect((await conn.admin.listAuthorizedViews(T)).map((v) => v.id)).not.toContain('list-a');
      await expect(conn.admin.listAuthorizedViews('nosuchtable')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('updateAuthorizedView replaces rows or columns (keeping the other half), honours etags', async () => {
      const v0 = await conn.admin.createAuthorizedView(T, 'upd', { rowPrefixes: ['u1'], families: { pub: { qualifiers: ['name'] } } });
      const v1 = await conn.admin.updateAuthorizedView(T, 'upd', { rowPrefixes: ['u3'] });
      expect(v1.rowPrefixes).toEqual([b('u3')]);
      expect(v1.families).toEqual(v0.families);
      expect(flat(await conn.authorizedView(T, 'upd').scan().toArray())).toEqual(['u3/pub:name=Bob']);

      const v2 = await conn.admin.updateAuthorizedView(T, 'upd', { families: { priv: { qualifiers: ['ssn'] } } }, { etag: v1.etag });
      expect(v2).toMatchObject({ rowPrefixes: [b('u3')], families: { priv: { qualifiers: [b('ssn')], qualifierPrefixes: [] } } });
      // v1's etag is stale now: a conditional update or delete is refused, and nothing changes.
      const stale = await refusal(conn.admin.updateAuthorizedView(T, 'upd', { deletionProtection: true }, { etag: v1.etag }));
      expect(stale).toBeInstanceOf(AbortedError);
      expect(stale.code).toBe(Code.ABORTED);
      await expect(conn.admin.deleteAuthorizedView(T, 'upd', { etag: v1.etag })).rejects.toBeInstanceOf(AbortedError);
      expect(await conn.admin.getAuthorizedView(T, 'upd')).toEqual(v2);

      const v3 = await conn.admin.updateAuthorizedView(T, 'upd', { rowPrefixes: [''], families: { pub: { qualifierPrefixes: ['nick'] } }, deletionProtection: true });
      expect(v3).toMatchObject({ rowPrefixes: [b('')], families: { pub: { qualifiers: [], qualifierPrefixes: [b('nick')] } }, deletionProtection: true });
      expect(flat(await conn.authorizedView(T, 'upd').scan().toArray())).toEqual(['u1/pub:nick1=A']);
      await conn.admin.updateAuthorizedView(T, 'upd', { deletionProtection: false });
      await conn.admin.deleteAuthorizedView(T, 'upd', { etag: (await conn.admin.getAuthorizedView(T, 'upd')).etag });
      await expect(conn.admin.updateAuthorizedView(T, 'upd', { deletionProtection: true })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('checks ids and options before calling', async () => {
      const cases: [() => Promise<unknown>, RegExp][] = [
        [() => conn.admin.createAuthorizedView(T, 'bad/id', PUBLIC), /^viewId: authorized view id "bad\/id" must match/],
        [() => conn.admin.createAuthorizedView(T, '', PUBLIC), /^viewId: authorized view id must not be empty/],
        [() => conn.admin.createAuthorizedView(T, 'v'.repeat(51), PUBLIC), /^viewId: authorized view id longer than 50/],
        [() => conn.admin.createAuthorizedView('-bad', 'v', PUBLIC), /^table: table id "-bad"/],
        [() => conn.admin.createAuthorizedView(T, 'v', { rowPrefixes: 'u' } as never), /^opts\.rowPrefixes: expected an array, got string/],
        [() => conn.admin.createAuthorizedView(T, 'v', { rowPrefixes: [7] } as never), /^opts\.rowPrefixes\[0\]: expected a string or Uint8Array/],
        [() => conn.admin.createAuthorizedView(T, 'v', { rowPrefixes: [''] } as never), /^opts\.families: expected/],
        [() => conn.admin.createAuthorizedView(T, 'v', { rowPrefixes: [''], families: { pub: { prefixes: ['a'] } } } as never), /^opts\.families\.pub: unknown option "prefixes"/],
        [() => conn.admin.createAuthorizedView(T, 'v', { rowPrefixes: [''], families: { pub: true } } as never), /^opts\.families\.pub: expected/],
        [() => conn.admin.createAuthorizedView(T, 'v', { ...PUBLIC, rows: ['u'] } as never), /^opts: unknown option "rows"/],
        [() => conn.admin.createAuthorizedView(T, 'v', { ...PUBLIC, deletionProtection: 'yes' } as never), /^opts\.deletionProtection: expected true or false/],
        [() => conn.admin.getAuthorizedView(T, 42 as never), /^viewId: expected a string, got number/],
        [() => conn.admin.updateAuthorizedView(T, 'public', {}), /^changes: nothing to change/],
        [() => conn.admin.updateAuthorizedView(T, 'public', { deletionProtection: true }, { etag: 5 } as never), /^opts\.etag: expected a string/],
        [() => conn.admin.deleteAuthorizedView(T, 'public', { tag: 'x' } as never), /^opts: unknown option "tag"/],
      ];
      for (const [call, re] of cases) {
        const p = call();
        await expect(p).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(p).rejects.toThrow(re);
      }
      expect(() => conn.authorizedView(T, 'bad id')).toThrow(/^viewId: authorized view id "bad id"/);
      expect(() => conn.authorizedView(`projects/p/instances/i/tables/${T}/authorizedViews/public`, 'x')).toThrow(InvalidArgumentError);
      // Nothing was created by the refused calls.
      expect((await conn.admin.listAuthorizedViews(T)).map((v) => v.id)).not.toContain('v');
    });
  });

  describe('data through a view', () => {
    let view: Table;
    let table: Table;
    beforeAll(() => {
      view = conn.authorizedView(T, 'public');
      table = conn.table(T);
    });

    it('names the view in every request; the handle says so', () => {
      expect(view.name).toBe(T);
      expect(view.authorizedView).toBe('public');
      expect(view.resourceName).toBe(`projects/p/instances/i/tables/${T}/authorizedViews/public`);
      expect(table.authorizedView).toBeUndefined();
      const byName = conn.table(view.resourceName);
      expect([byName.name, byName.authorizedView, byName.resourceName]).toEqual([T, 'public', view.resourceName]);
    });

    it('scan and get see only the view\'s rows and columns', async () => {
      const whole = flat(await table.scan().toArray());
      expect(whole).toContain('x1/pub:name=hidden row');
      expect(whole).toContain('u1/priv:ssn=hidden');
      const seen = flat(await view.scan().toArray());
      expect(seen).toEqual(['u1/n:x=nx', 'u1/pub:name=Ada', 'u1/pub:nick1=A', 'u3/pub:name=Bob']);
      expect(flat(await conn.table(view.resourceName).scan().toArray())).toEqual(seen);
      // Options apply within the view.
      expect(flat(await view.scan({ prefix: 'u3' }).toArray())).toEqual(['u3/pub:name=Bob']);
      expect(flat(await view.scan({ columns: ['pub:name'] }).toArray())).toEqual(['u1/pub:name=Ada', 'u3/pub:name=Bob']);
      expect((await view.scan({ reversed: true, limit: 1 }).toArray()).map((r) => r.keyString)).toEqual(['u3']);
      expect(flat(await view.scan({ start: 'a', stop: 'z' }).toArray())).toEqual(seen);

      expect((await view.get('u1'))?.toObject()).toEqual({ n: { x: 'nx' }, pub: { name: 'Ada', nick1: 'A' } });
      expect(await view.get('u2')).toBeUndefined();    // only hidden cells
      expect(await view.get('x1')).toBeUndefined();    // outside the rows
      expect(await table.get('x1')).toBeDefined();
      expect((await view.getRows(['x1', 'u3', 'u1'])).map((r) => r.keyString)).toEqual(['u1', 'u3']);
      expect(await view.exists('u3')).toBe(true);
      expect(await view.exists('u2')).toBe(false);
      const samples = await view.sampleRowKeys();
      expect(samples.length).toBeGreaterThan(0);
      expect(samples.every((s) => s.key.length === 0 || s.key[0] === 0x75)).toBe(true);
    });

    it('put, delete and read-modify-write inside the view go through; outside they are PermissionDeniedError', async () => {
      await view.put('u4', { pub: { name: 'Cy', nickname: 'C' } });
      expect((await table.get('u4'))?.toObject()).toEqual({ pub: { name: 'Cy', nickname: 'C' } });

      const outsideRow = await refusal(view.put('x4', { pub: { name: 'no' } }));
      expect(outsideRow).toBeInstanceOf(PermissionDeniedError);
      expect(outsideRow.code).toBe(Code.PERMISSION_DENIED);
      expect(outsideRow.code).toBe(7);
      expect(outsideRow.message).toMatch(/^PERMISSION_DENIED: .*x4/);
      const outsideColumn = await refusal(view.put('u4', { priv: { ssn: 'no' } }));
      expect(outsideColumn).toBeInstanceOf(PermissionDeniedError);
      expect(outsideColumn.message).toContain('priv:ssn');
      await expect(view.put('u4', { pub: { names: 'no: not exactly name' } })).rejects.toBeInstanceOf(PermissionDeniedError);
      expect(await table.get('x4')).toBeUndefined();
      expect((await table.get('u4'))?.toObject()).toEqual({ pub: { name: 'Cy', nickname: 'C' } });

      expect(await view.increment('u4', 'n', 'hits', 5)).toBe(5n);
      expect(await view.increment('u4', 'n', 'hits')).toBe(6n);
      expect((await view.append('u4', 'pub', 'nickname', '!')).toString()).toBe('C!');
      await expect(view.increment('u4', 'priv', 'hits', 1)).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(view.append('x4', 'pub', 'name', '!')).rejects.toBeInstanceOf(PermissionDeniedError);

      await view.delete('u4', { columns: ['pub:nickname'] });
      expect((await table.get('u4', { versions: 1 }))?.cells.map((c) => `${c.family}:${c.qualifier.toString()}`)).toEqual(['n:hits', 'pub:name']);
      await view.delete('u4', { families: ['n'] });   // n is wholly in the view
      await expect(view.delete('u4', { families: ['pub'] })).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(view.delete('u4')).rejects.toBeInstanceOf(PermissionDeniedError); // the row has families the view lacks
      expect((await table.get('u4'))?.toObject()).toEqual({ pub: { name: 'Cy' } });
    });

    it('checkAndMutate: the predicate sees only the view; mutations outside it are refused', async () => {
      // u2 has only a hidden cell: through the view the row looks empty.
      expect(await view.checkAndMutate('u2').thenPut({ pub: { name: 'seen' } }).execute()).toBe(false);
      expect(await table.checkAndMutate('u2').thenPut({ pub: { name: 'seen' } }).execute()).toBe(true);
      await table.delete('u2', { columns: ['pub:name'] });
      expect(await view.checkAndMutate('u3').ifEquals('pub', 'name', 'Bob').thenPut({ pub: { nick: 'B' } }).execute()).toBe(true);
      expect((await view.get('u3'))?.string('pub', 'nick')).toBe('B');
      await expect(view.checkAndMutate('u3').thenPut({ priv: { x: '1' } }).execute()).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(view.checkAndMutate('x1').thenPut({ pub: { name: '1' } }).execute()).rejects.toBeInstanceOf(PermissionDeniedError);
    });

    it('batch and buffered mutator report the entries outside the view with code 7, apply the rest', async () => {
      const res = await view.batch()
        .put('u5', { pub: { name: 'in' } })
        .put('x5', { pub: { name: 'out' } })
        .put('u6', { priv: { ssn: 'out' } })
        .execute();
      expect(res.map((r) => [r.row.toString(), r.ok, r.code])).toEqual([['u5', true, 0], ['x5', false, 7], ['u6', false, 7]]);
      expect(await table.get('u5')).toBeDefined();
      expect(await table.get('x5')).toBeUndefined();
      expect(await table.get('u6')).toBeUndefined();

      const failures: MutationFailure[] = [];
      const m = view.bufferedMutator({ onError: (f) => failures.push(f), flushIntervalMs: 0 });
      await m.put('u7', { pub: { name: 'in' } });
      await m.put('x7', { pub: { name: 'out' } });
      await m.close();
      expect(failures.map((f) => [f.row.toString(), f.code, f.attempts])).toEqual([['x7', 7, 1]]);
      expect(m.stats).toMatchObject({ succeeded: 1, failed: 1, retried: 0 });
      expect((await table.get('u7'))?.string('pub', 'name')).toBe('in');

      const strict = view.bufferedMutator({ flushIntervalMs: 0 });
      await strict.put('x8', { pub: { name: 'out' } });
      const err = await refusal(strict.close());
      expect(err).toBeInstanceOf(MutationsFailedError);
      expect(err.code).toBe(Code.PERMISSION_DENIED);
    });

    it('a view that does not exist is NotFoundError; a deleted view stops working', async () => {
      await expect(conn.authorizedView(T, 'nosuchview').scan().toArray()).rejects.toBeInstanceOf(NotFoundError);
      await expect(conn.authorizedView(T, 'nosuchview').put('u1', { pub: { name: 'x' } })).rejects.toBeInstanceOf(NotFoundError);
      await conn.admin.createAuthorizedView(T, 'brief', { rowPrefixes: ['u3'], families: { pub: { qualifiers: ['name'] } } });
      const brief = conn.authorizedView(T, 'brief');
      expect(flat(await brief.scan().toArray())).toEqual(['u3/pub:name=Bob']);
      await conn.admin.deleteAuthorizedView(T, 'brief');
      await expect(brief.get('u3')).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});

describe('client authorized views against the emulator', () => {
  let server: RunningServer;
  let conn: Connection;
  beforeAll(async () => {
    server = await startEmulator();
    conn = connect(server.endpoint, { project: 'p', instance: 'i' });
    await conn.admin.createTable('t', { families: { cf: undefined } });
  }, 60_000);
  afterAll(async () => {
    conn?.close();
    await server?.stop();
  });

  it('has none: the admin calls are UnimplementedError', async () => {
    await expect(conn.admin.createAuthorizedView('t', 'v', { rowPrefixes: [''], families: { cf: { qualifierPrefixes: [''] } } })).rejects.toBeInstanceOf(UnimplementedError);
    await expect(conn.admin.getAuthorizedView('t', 'v')).rejects.toBeInstanceOf(UnimplementedError);
    await expect(conn.admin.listAuthorizedViews('t')).rejects.toBeInstanceOf(UnimplementedError);
    await expect(conn.admin.deleteAuthorizedView('t', 'v')).rejects.toBeInstanceOf(UnimplementedError);
  });
});

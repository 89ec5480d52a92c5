/**
 * Authorized views end to end: the admin RPCs over raw gRPC, and data
 * requests through a view with the official Node client (`instance.view()`)
 * and raw gRPC. Run against the in-memory reference backend
 * (api-server.test.ts) and against `tabula serve` (official-client.test.ts).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Bigtable } from '@google-cloud/bigtable';
import { messages, TYPE_URL_PREFIX } from '../../src/api/protos.js';
import type { Row } from '../../src/model/cell.js';
import { callStream, callUnary, failure, rawClients, readRowsRaw, type RawClients } from './api-clients.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const TABLE = 'projects/p/instances/i/tables/views';
const V = (id: string): string => `${TABLE}/authorizedViews/${id}`;
const b = (s: string): Buffer => Buffer.from(s);
/** The view most tests use: rows "a…", columns cf1:q1 and cf1:p…. */
const SUBSET = { rowPrefixes: [b('a')], familySubsets: { cf1: { qualifiers: [b('q1')], qualifierPrefixes: [b('p')] } } };

/** Row → "row/family:qualifier=value" strings. */
function flat(rows: Row[]): string[] {
  return rows.flatMap((r) => r.cells.map((c) => `${r.key.toString()}/${c.family}:${c.qualifier.toString()}=${c.value.toString()}`));
}

function setCell(family: string, qualifier: string, value: string): object {
  return { setCell: { familyName: family, columnQualifier: b(qualifier), timestampMicros: '1000', value: b(value) } };
}

export function defineAuthorizedViewSuite(label: string, start: () => Promise<{ port: number; close(): Promise<void> }>): void {
  describe(label, () => {
    let server: { port: number; close(): Promise<void> };
    let raw: RawClients;
    let bt: Bigtable;

    const admin = (method: string, req: object) => callUnary(raw.tableAdmin, method, req);
    const data = (method: string, req: object) => callUnary(raw.data, method, req);
    const readView = (view: string, req: object = {}) => readRowsRaw(raw.data, { authorizedViewName: V(view), ...req });
    const readTable = (req: object = {}) => readRowsRaw(raw.data, { tableName: TABLE, ...req });
    const createView = (id: string, subset: object, deletionProtection = false) =>
      admin('CreateAuthorizedView', { parent: TABLE, authorizedViewId: id, authorizedView: { subsetView: subset, deletionProtection } });

    beforeAll(async () => {
      server = await start();
      raw = rawClients(server.port);
      bt = new Bigtable({ projectId: 'p', apiEndpoint: `127.0.0.1:${server.port}`, metricsEnabled: false, universeDomain: 'googleapis.com' } as ConstructorParameters<typeof Bigtable>[0]);
      await admin('CreateTable', { parent: 'projects/p/instances/i', tableId: 'views', table: { columnFamilies: { cf1: {}, cf2: {} } } });
      await callStream(raw.data, 'MutateRows', {
        tableName: TABLE,
        entries: [
          { rowKey: b('a1'), mutations: [setCell('cf1', 'a0', 'hidden'), setCell('cf1', 'p1', 'x'), setCell('cf1', 'q1', 'y'), setCell('cf1', 'q2', 'hidden'), setCell('cf2', 'q1', 'hidden')] },
          { rowKey: b('a2'), mutations: [setCell('cf1', 'q1', 'z')] },
          { rowKey: b('a3'), mutations: [setCell('cf2', 'x', 'hidden')] },
          { rowKey: b('b1'), mutations: [setCell('cf1', 'q1', 'hidden')] },
        ],
      });
      await createView('v1', SUBSET);
    });

    afterAll(async () => {
      raw?.close();
      await bt?.close().catch(() => undefined);
      await server?.close();
    });

    describe('admin', () => {
      it('creates a view: a done operation with its metadata and the full view', async () => {
        const op = await createView('created', SUBSET);
        expect(op.done).toBe(true);
        const response = op.response as { type_url: string; value: Buffer };
        expect(response.type_url).toBe(`${TYPE_URL_PREFIX}google.bigtable.admin.v2.AuthorizedView`);
        const view = messages.AuthorizedView.deserialize(response.value) as Record<string, unknown>;
        expect(view.name).toBe(V('created'));
        expect(view.subsetView).toEqual({ rowPrefixes: [b('a')], familySubsets: { cf1: { qualifiers: [b('q1')], qualifierPrefixes: [b('p')] } } });
        expect((op.metadata as { type_url: string }).type_url).toBe(`${TYPE_URL_PREFIX}google.bigtable.admin.v2.CreateAuthorizedViewMetadata`);
        const meta = messages.CreateAuthorizedViewMetadata.deserialize((op.metadata as { value: Buffer }).value) as Record<string, { authorizedViewId?: string }>;
        expect(meta.originalRequest?.authorizedViewId).toBe('created');
        await admin('DeleteAuthorizedView', { name: V('created') });
      });

      it('gets a view in each response view (BASIC by default)', async () => {
        const basic = await admin('GetAuthorizedView', { name: V('v1') });
        expect(basic.name).toBe(V('v1'));
        expect(typeof basic.etag).toBe('string');
        expect((basic.etag as string).length).toBeGreaterThan(0);
        expect(basic.subsetView).toBeUndefined();
        const full = await admin('GetAuthorizedView', { name: V('v1'), view: 'FULL' });
        expect(full.subsetView).toEqual(SUBSET);
        expect(full.etag).toBe(basic.etag);
        const nameOnly = await admin('GetAuthorizedView', { name: V('v1'), view: 'NAME_ONLY' });
        expect(nameOnly.etag ?? '').toBe('');
        const missing = await failure(admin('GetAuthorizedView', { name: V('nope') }));
        expect(missing.code).toBe(5);
      });

      it('lists a table\'s views in id order, in pages', async () => {
        await createView('l2', SUBSET);
        await createView('l1', SUBSET);
        const first = await admin('ListAuthorizedViews', { parent: TABLE, pageSize: 2 });
        const names = (first.authorizedViews as Array<{ name: string }>).map((v) => v.name);
        expect(names).toEqual([V('l1'), V('l2')]);
        expect(first.nextPageToken).toBe('l2');
        const rest = await admin('ListAuthorizedViews', { parent: TABLE, pageToken: first.nextPageToken, view: 'FULL' });
        expect((rest.authorizedViews as Array<{ name: string; subsetView: unknown }>).map((v) => v.name)).toEqual([V('v1')]);
        expect((rest.authorizedViews as Array<{ subsetView: unknown }>)[0]!.subsetView).toEqual(SUBSET);
        expect(rest.nextPageToken).toBe('');
        for (const id of ['l1', 'l2']) await admin('DeleteAuthorizedView', { name: V(id) });
      });

      it('refuses bad creates with the right code, naming the field', async () => {
        const cases: Array<[object, number, string]> = [
          [{ parent: TABLE, authorizedViewId: 'v1', authorizedView: { subsetView: SUBSET } }, 6, 'already exists'],
          [{ parent: 'projects/p/instances/i/tables/nope', authorizedViewId: 'x', authorizedView: { subsetView: SUBSET } }, 5, 'nope'],
          [{ parent: TABLE, authorizedViewId: 'x', authorizedView: { subsetView: { rowPrefixes: [], familySubsets: { nofam: {} } } } }, 5, 'authorized_view.subset_view.family_subsets["nofam"]'],
          [{ parent: TABLE, authorizedViewId: 'x', authorizedView: {} }, 3, 'authorized_view.subset_view'],
          [{ parent: TABLE, authorizedViewId: 'bad id!', authorizedView: { subsetView: SUBSET } }, 3, 'authorized_view_id'],
          [{ parent: TABLE, authorizedViewId: '', authorizedView: { subsetView: SUBSET } }, 3, 'authorized_view_id'],
          [{ parent: TABLE, authorizedViewId: 'x', authorizedView: { subsetView: { rowPrefixes: [Buffer.alloc(4097)] } } }, 3, 'authorized_view.subset_view.row_prefixes[0]'],
          [{ parent: TABLE, authorizedViewId: 'x', authorizedView: { subsetView: { familySubsets: { 'bad fam': {} } } } }, 3, 'family_subsets["bad fam"]'],
          [{ parent: 'tables/views', authorizedViewId: 'x', authorizedView: { subsetView: SUBSET } }, 3, 'parent'],
        ];
        for (const [req, code, field] of cases) {
          const err = await failure(admin('CreateAuthorizedView', req));
          expect([err.code, err.details]).toEqual([code, expect.stringContaining(field)]);
        }
        const bad = await failure(admin('GetAuthorizedView', { name: `${TABLE}/views/v1` }));
        expect([bad.code, bad.details]).toEqual([3, expect.stringContaining('name')]);
      });

      it('updates by mask, checks the etag, and names bad paths', async () => {
        await createView('upd', SUBSET);
        const { etag } = await admin('GetAuthorizedView', { name: V('upd') });
        // (Empty repeated fields do not come back: proto3 does not tell them from absent ones.)
        const narrower = { rowPrefixes: [b('a2')], familySubsets: { cf1: { qualifiers: [b('q1')] } } };
        const op = await admin('UpdateAuthorizedView', { authorizedView: { name: V('upd'), subsetView: narrower, etag }, updateMask: { paths: ['subset_view'] } });
        expect(op.done).toBe(true);
        const after = await admin('GetAuthorizedView', { name: V('upd'), view: 'FULL' });
        expect(after.subsetView).toEqual(narrower);
        expect(after.etag).not.toBe(etag);
        // The old etag is stale now.
        const stale = await failure(admin('UpdateAuthorizedView', { authorizedView: { name: V('upd'), deletionProtection: true, etag }, updateMask: { paths: ['deletion_protection'] } }));
        expect(stale.code).toBe(10);
        expect((await failure(admin('DeleteAuthorizedView', { name: V('upd'), etag }))).code).toBe(10);
        const badPath = await failure(admin('UpdateAuthorizedView', { authorizedView: { name: V('upd') }, updateMask: { paths: ['name'] } }));
        expect([badPath.code, badPath.details]).toEqual([3, expect.stringContaining('update_mask.paths')]);
        // No mask: the fields the request sets.
        await admin('UpdateAuthorizedView', { authorizedView: { name: V('upd'), deletionProtection: true } });
        expect((await admin('GetAuthorizedView', { name: V('upd'), view: 'FULL' })).subsetView).toEqual(narrower);
        expect((await admin('GetAuthorizedView', { name: V('upd') })).deletionProtection).toBe(true);
        const missing = await failure(admin('UpdateAuthorizedView', { authorizedView: { name: V('nope'), deletionProtection: true }, updateMask: { paths: ['deletion_protection'] } }));
        expect(missing.code).toBe(5);
        await admin('UpdateAuthorizedView', { authorizedView: { name: V('upd'), deletionProtection: false }, updateMask: { paths: ['deletion_protection'] } });
        await admin('DeleteAuthorizedView', { name: V('upd') });
      });

      it('protects from deletion the view and its table; a view keeps its families from being dropped', async () => {
        await admin('CreateTable', { parent: 'projects/p/instances/i', tableId: 'guarded', table: { columnFamilies: { f: {}, g: {} } } });
        const G = 'projects/p/instances/i/tables/guarded';
        await admin('CreateAuthorizedView', { parent: G, authorizedViewId: 'kept', authorizedView: { subsetView: { rowPrefixes: [b('')], familySubsets: { f: { qualifierPrefixes: [b('')] } } }, deletionProtection: true } });
        const del = await failure(admin('DeleteAuthorizedView', { name: `${G}/authorizedViews/kept` }));
        expect(del.code).toBe(9);
        const delTable = await failure(admin('DeleteTable', { name: G }));
        expect([delTable.code, delTable.details]).toEqual([9, expect.stringContaining('kept')]);
        const drop = await failure(admin('ModifyColumnFamilies', { name: G, modifications: [{ id: 'f', drop: true }] }));
        expect([drop.code, drop.details]).toEqual([9, expect.stringContaining('modifications[0].drop')]);
        await admin('ModifyColumnFamilies', { name: G, modifications: [{ id: 'g', drop: true }] });
        await admin('UpdateAuthorizedView', { authorizedView: { name: `${G}/authorizedViews/kept`, deletionProtection: false }, updateMask: { paths: ['deletion_protection'] } });
        await admin('DeleteTable', { name: G });
        // The views went with the table.
        await admin('CreateTable', { parent: 'projects/p/instances/i', tableId: 'guarded', table: { columnFamilies: { f: {} } } });
        expect((await admin('ListAuthorizedViews', { parent: G })).authorizedViews ?? []).toEqual([]);
        await admin('DeleteTable', { name: G });
      });
    });

    describe('data through a view', () => {
      it('reads only the view\'s rows and columns (official client)', async () => {
        const [rows] = await bt.instance('i').view('views', 'v1').getRows();
        const got = rows.map((r) => [r.id, Object.fromEntries(Object.entries(r.data as Record<string, Record<string, Array<{ value: string }>>>)
          .map(([f, cols]) => [f, Object.fromEntries(Object.entries(cols).map(([q, cells]) => [q, cells.map((c) => c.value)]))]))]);
        expect(got).toEqual([['a1', { cf1: { p1: ['x'], q1: ['y'] } }], ['a2', { cf1: { q1: ['z'] } }]]);
      });

      it('applies the request\'s filter to the view\'s cells only', async () => {
        // Through the table the first cell of a1 is cf1:a0; through the view it is cf1:p1.
        expect(flat(await readView('v1', { filter: { cellsPerRowLimitFilter: 1 } }))).toEqual(['a1/cf1:p1=x', 'a2/cf1:q1=z']);
        expect(flat(await readTable({ rows: { rowKeys: [b('a1')] }, filter: { cellsPerRowLimitFilter: 1 } }))).toEqual(['a1/cf1:a0=hidden']);
        // A filter that would select hidden cells finds none.
        expect(await readView('v1', { filter: { valueRegexFilter: b('hidden') } })).toEqual([]);
      });

      it('intersects row keys and ranges with the view\'s rows', async () => {
        expect(flat(await readView('v1', { rows: { rowKeys: [b('b1'), b('a2')] } }))).toEqual(['a2/cf1:q1=z']);
        expect(flat(await readView('v1', { rows: { rowRanges: [{ startKeyOpen: b('a1') }] } }))).toEqual(['a2/cf1:q1=z']);
        expect(await readView('v1', { rows: { rowRanges: [{ startKeyClosed: b('b') }] } })).toEqual([]);
        expect(flat(await readView('v1', { rowsLimit: 1 }))).toEqual(['a1/cf1:p1=x', 'a1/cf1:q1=y']);
      });

      it('names the request\'s filter field in filter errors', async () => {
        const err = await failure(readView('v1', { filter: { applyLabelTransformer: 'Not A Label' } }));
        expect(err.code).toBe(3);
        expect(err.details).toMatch(/^filter\.apply_label_transformer/);
      });

      it('writes inside the view and refuses writes outside it with PERMISSION_DENIED', async () => {
        await data('MutateRow', { authorizedViewName: V('v1'), rowKey: b('a9'), mutations: [setCell('cf1', 'q1', 'in'), setCell('cf1', 'pz', 'in')] });
        expect(flat(await readTable({ rows: { rowKeys: [b('a9')] } }))).toEqual(['a9/cf1:pz=in', 'a9/cf1:q1=in']);
        const cases: Array<[Buffer, object[], string]> = [
          [b('b9'), [setCell('cf1', 'q1', 'out')], 'row_key'],
          [b('a9'), [setCell('cf1', 'q1', 'in'), setCell('cf1', 'q2', 'out')], 'mutations[1]'],
          [b('a9'), [setCell('cf2', 'q1', 'out')], 'mutations[0]'],
          [b('a9'), [{ deleteFromColumn: { familyName: 'cf1', columnQualifier: b('zz') } }], 'mutations[0]'],
          [b('a9'), [{ deleteFromFamily: { familyName: 'cf1' } }], 'mutations[0].delete_from_family'],
          [b('a9'), [{ deleteFromRow: {} }], 'mutations[0].delete_from_row'],
        ];
        for (const [rowKey, mutations, field] of cases) {
          const err = await failure(data('MutateRow', { authorizedViewName: V('v1'), rowKey, mutations }));
          expect([err.code, err.details]).toEqual([7, expect.stringContaining(field)]);
        }
        // Nothing of the refused writes was applied (the first mutation of the second case was inside).
        expect(flat(await readTable({ rows: { rowKeys: [b('a9'), b('b9')] } }))).toEqual(['a9/cf1:pz=in', 'a9/cf1:q1=in']);
      });

      it('refuses MutateRows entries outside the view one by one', async () => {
        const res = await callStream(raw.data, 'MutateRows', {
          authorizedViewName: V('v1'),
          entries: [
            { rowKey: b('a7'), mutations: [setCell('cf1', 'q1', 'ok')] },
            { rowKey: b('c7'), mutations: [setCell('cf1', 'q1', 'no')] },
            { rowKey: b('a8'), mutations: [setCell('cf1', 'p', 'ok')] },
          ],
        });
        const codes = res.flatMap((r) => (r.entries as Array<{ index: string; status: { code: number } }>)).sort((x, y) => Number(x.index) - Number(y.index)).map((e) => e.status.code);
        expect(codes).toEqual([0, 7, 0]);
        expect(flat(await readTable({ rows: { rowKeys: [b('a7'), b('c7'), b('a8')] } }))).toEqual(['a7/cf1:q1=ok', 'a8/cf1:p=ok']);
        // The official client's insert through the view reports the refused entry.
        const err = await failure(bt.instance('i').view('views', 'v1').insert([{ key: 'zz', data: { cf1: { q1: 'no' } } }]));
        expect(JSON.stringify((err as unknown as { errors?: Array<{ code: number }> }).errors?.map((e) => e.code))).toBe('[7]');
      });

      it('lets family and row deletes through only a view that holds all of them', async () => {
        await createView('wholecf1', { rowPrefixes: [b('d')], familySubsets: { cf1: { qualifierPrefixes: [b('')] } } });
        await createView('wholerow', { rowPrefixes: [b('d')], familySubsets: { cf1: { qualifierPrefixes: [b('')] }, cf2: { qualifierPrefixes: [b('')] } } });
        await data('MutateRow', { tableName: TABLE, rowKey: b('d1'), mutations: [setCell('cf1', 'q', 'v'), setCell('cf2', 'q', 'v')] });
        await data('MutateRow', { authorizedViewName: V('wholecf1'), rowKey: b('d1'), mutations: [{ deleteFromFamily: { familyName: 'cf1' } }] });
        expect(flat(await readTable({ rows: { rowKeys: [b('d1')] } }))).toEqual(['d1/cf2:q=v']);
        expect((await failure(data('MutateRow', { authorizedViewName: V('wholecf1'), rowKey: b('d1'), mutations: [{ deleteFromRow: {} }] }))).code).toBe(7);
        await data('MutateRow', { authorizedViewName: V('wholerow'), rowKey: b('d1'), mutations: [{ deleteFromRow: {} }] });
        expect(await readTable({ rows: { rowKeys: [b('d1')] } })).toEqual([]);
      });

      it('CheckAndMutateRow: the predicate sees the view\'s cells only; the row and mutations must be in it', async () => {
        // a3 holds only cf2:x, outside the view: to the view the row is empty.
        const r1 = await data('CheckAndMutateRow', { authorizedViewName: V('v1'), rowKey: b('a3'), trueMutations: [setCell('cf1', 'q1', 'seen')], falseMutations: [setCell('cf1', 'q1', 'empty')] });
        expect(r1.predicateMatched).toBe(false);
        const r2 = await data('CheckAndMutateRow', { authorizedViewName: V('v1'), rowKey: b('a1'), predicateFilter: { valueRegexFilter: b('hidden') }, trueMutations: [setCell('cf1', 'q1', 'y2')], falseMutations: [setCell('cf1', 'p2', 'nohidden')] });
        expect(r2.predicateMatched).toBe(false);
        expect(flat(await readView('v1', { rows: { rowKeys: [b('a1'), b('a3')] } }))).toEqual(['a1/cf1:p1=x', 'a1/cf1:p2=nohidden', 'a1/cf1:q1=y', 'a3/cf1:q1=empty']);
        expect((await failure(data('CheckAndMutateRow', { authorizedViewName: V('v1'), rowKey: b('b1'), trueMutations: [setCell('cf1', 'q1', 'x')] }))).code).toBe(7);
        const outside = await failure(data('CheckAndMutateRow', { authorizedViewName: V('v1'), rowKey: b('a1'), falseMutations: [setCell('cf2', 'q1', 'x')] }));
        expect([outside.code, outside.details]).toEqual([7, expect.stringContaining('false_mutations[0]')]);
        const badPredicate = await failure(data('CheckAndMutateRow', { authorizedViewName: V('v1'), rowKey: b('a1'), predicateFilter: { chain: { filters: [{ passAllFilter: true }] } }, trueMutations: [setCell('cf1', 'q1', 'x')] }));
        expect([badPredicate.code, badPredicate.details]).toEqual([3, expect.stringMatching(/^predicate_filter\.chain\.filters: /)]);
      });

      it('ReadModifyWriteRow needs the row and every rule\'s column in the view', async () => {
        const res = await data('ReadModifyWriteRow', { authorizedViewName: V('v1'), rowKey: b('a5'), rules: [{ familyName: 'cf1', columnQualifier: b('pcount'), incrementAmount: '3' }] });
        expect(((res.row as { families: Array<{ name: string }> }).families[0]!).name).toBe('cf1');
        expect((await failure(data('ReadModifyWriteRow', { authorizedViewName: V('v1'), rowKey: b('b5'), rules: [{ familyName: 'cf1', columnQualifier: b('q1'), appendValue: b('x') }] }))).code).toBe(7);
        const col = await failure(data('ReadModifyWriteRow', { authorizedViewName: V('v1'), rowKey: b('a5'), rules: [{ familyName: 'cf1', columnQualifier: b('pcount'), incrementAmount: '1' }, { familyName: 'cf2', columnQualifier: b('c'), appendValue: b('x') }] }));
        expect([col.code, col.details]).toEqual([7, expect.stringContaining('rules[1]')]);
        expect(flat(await readTable({ rows: { rowKeys: [b('a5')] } })).map((s) => s.split('=')[0])).toEqual(['a5/cf1:pcount']);
      });

      it('samples row keys within the view, ending with the empty key', async () => {
        const [samples] = await bt.instance('i').view('views', 'v1').sampleRowKeys();
        expect(samples.length).toBeGreaterThan(0);
        expect(String(samples[samples.length - 1]!.key)).toBe('');
        for (const s of samples.slice(0, -1)) expect(String(s.key).startsWith('a')).toBe(true);
      });

      it('answers NOT_FOUND for an unknown view and INVALID_ARGUMENT for two targets', async () => {
        expect((await failure(readView('nope'))).code).toBe(5);
        expect((await failure(data('MutateRow', { authorizedViewName: V('nope'), rowKey: b('a1'), mutations: [setCell('cf1', 'q1', 'x')] }))).code).toBe(5);
        const both = await failure(data('MutateRow', { tableName: TABLE, authorizedViewName: V('v1'), rowKey: b('a1'), mutations: [setCell('cf1', 'q1', 'x')] }));
        expect([both.code, both.details]).toEqual([3, expect.stringContaining('authorized_view_name')]);
        const malformed = await failure(readRowsRaw(raw.data, { authorizedViewName: `${TABLE}/views/v1` }));
        expect([malformed.code, malformed.details]).toEqual([3, expect.stringContaining('authorized_view_name')]);
      });

      it('sees a view\'s update at once', async () => {
        await createView('moving', { rowPrefixes: [b('a1')], familySubsets: { cf1: { qualifiers: [b('q1')] } } });
        expect(flat(await readView('moving'))).toEqual(['a1/cf1:q1=y']);
        await admin('UpdateAuthorizedView', { authorizedView: { name: V('moving'), subsetView: { rowPrefixes: [b('a2')], familySubsets: { cf1: { qualifiers: [b('q1')] } } } }, updateMask: { paths: ['subset_view'] } });
        expect(flat(await readView('moving'))).toEqual(['a2/cf1:q1=z']);
        await admin('DeleteAuthorizedView', { name: V('moving') });
        expect((await failure(readView('moving'))).code).toBe(5);
      });
    });
  });
}

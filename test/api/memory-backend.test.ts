import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../src/base/clock.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../src/base/errors.js';
import { MemoryBackend } from './memory-backend.js';
import type { ReadRowsOptions } from '../../src/api/backend.js';
import type { Row } from '../../src/model/cell.js';
import type { Mutation } from '../../src/model/mutation.js';
import type { RowSet } from '../../src/model/row-set.js';

const T = { project: 'p', instance: 'i', table: 't' };
const b = (s: string): Buffer => Buffer.from(s);
const ALL: RowSet = { rowKeys: [], rowRanges: [{}] };
const set = (family: string, q: string, ts: number, v: string): Mutation => ({ type: 'setCell', family, qualifier: b(q), timestamp: ts, value: b(v) });

async function read(be: MemoryBackend, opts: Partial<ReadRowsOptions> = {}, rs: RowSet = ALL): Promise<Row[]> {
  const out: Row[] = [];
  for await (const r of be.readRows(T, rs, { reversed: false, signal: new AbortController().signal, ...opts })) out.push(r);
  return out;
}
const cellsOf = (r: Row | undefined): string[] => (r?.cells ?? []).map((c) => `${c.family}:${c.qualifier}@${c.timestamp}=${c.value}`);

async function setup(clock = new ManualClock()): Promise<MemoryBackend> {
  const be = new MemoryBackend({ clock });
  await be.createTable(T, new Map([
    ['a', { kind: 'never' }],
    ['v2', { kind: 'maxVersions', maxVersions: 2 }],
    ['age', { kind: 'maxAge', maxAgeMicros: 60_000_000 }],
  ]), [b('m')]);
  return be;
}

describe('MemoryBackend', () => {
  it('applies mutations in order and keeps canonical cell order', async () => {
    const be = await setup();
    await be.mutateRow(T, { row: b('r'), mutations: [set('a', 'q2', 1000, 'x'), set('a', 'q1', 1000, 'y'), set('a', 'q1', 3000, 'z'), set('a', 'q1', 1000, 'y2')] });
    expect(cellsOf((await read(be))[0])).toEqual(['a:q1@3000=z', 'a:q1@1000=y2', 'a:q2@1000=x']);
    await be.mutateRow(T, { row: b('r'), mutations: [{ type: 'deleteFromColumn', family: 'a', qualifier: b('q1'), start: 2000, end: undefined }] });
    expect(cellsOf((await read(be))[0])).toEqual(['a:q1@1000=y2', 'a:q2@1000=x']);
    await be.mutateRow(T, { row: b('r'), mutations: [{ type: 'deleteFromFamily', family: 'a' }] });
    expect(await read(be)).toEqual([]);
  });

  it('is atomic: a mutation on a missing family changes nothing', async () => {
    const be = await setup();
    await expect(be.mutateRow(T, { row: b('r'), mutations: [set('a', 'q', 1000, 'x'), set('zz', 'q', 1000, 'x')] })).rejects.toThrow(NotFoundError);
    expect(await read(be)).toEqual([]);
    const res = await be.mutateRows(T, [{ row: b('x'), mutations: [set('a', 'q', 1000, 'x')] }, { row: b('y'), mutations: [set('nope', 'q', 1000, 'x')] }]);
    expect(res[0]).toBeUndefined();
    expect(res[1]).toBeInstanceOf(NotFoundError);
  });

  it('uses server time for timestamp -1 and hides cells condemned by GC rules', async () => {
    const clock = new ManualClock(1_000_000);
    const be = await setup(clock);
    await be.mutateRow(T, { row: b('r'), mutations: [set('v2', 'q', 1000, '1'), set('v2', 'q', 2000, '2'), set('v2', 'q', 3000, '3'), set('age', 'q', -1, 'young')] });
    expect(cellsOf((await read(be))[0])).toEqual(['age:q@1000000000=young', 'v2:q@3000=3', 'v2:q@2000=2']);
    clock.advance(61_000);
    expect(cellsOf((await read(be))[0])).toEqual(['v2:q@3000=3', 'v2:q@2000=2']);
  });

  it('reads ranges, keys, reversed, limits and filters', async () => {
    const be = await setup();
    for (const k of ['a', 'b', 'c', 'd', 'e']) await be.mutateRow(T, { row: b(k), mutations: [set('a', 'q', 1000, k), set('a', 'q', 2000, k + '2')] });
    const keys = async (o: Partial<ReadRowsOptions>, rs: RowSet = ALL): Promise<string[]> => (await read(be, o, rs)).map((r) => r.key.toString());
    expect(await keys({}, { rowKeys: [b('e'), b('a')], rowRanges: [{ start: { key: b('b'), closed: false }, end: { key: b('d'), closed: true } }] }))
      .toEqual(['a', 'c', 'd', 'e']);
    expect(await keys({ reversed: true, limit: 2 })).toEqual(['e', 'd']);
    const filtered = await read(be, { filter: { kind: 'chain', filters: [{ kind: 'cellsPerColumnLimit', n: 1 }, { kind: 'valueRegex', regex: b('[ace]2') }] } });
    expect(filtered.map((r) => cellsOf(r))).toEqual([['a:q@2000=a2'], ['a:q@2000=c2'], ['a:q@2000=e2']]);
    const stats = { rowsSeen: 0, cellsSeen: 0 };
    await read(be, { filter: { kind: 'blockAll' }, stats });
    expect(stats).toEqual({ rowsSeen: 5, cellsSeen: 10 });
  });

  it('check-and-mutate picks the branch from the predicate', async () => {
    const be = await setup();
    expect(await be.checkAndMutateRow(T, b('r'), undefined, [set('a', 't', 1000, 'T')], [set('a', 'f', 1000, 'F')])).toBe(false);
    expect(await be.checkAndMutateRow(T, b('r'), undefined, [set('a', 't', 1000, 'T')], [])).toBe(true);
    expect(await be.checkAndMutateRow(T, b('r'), { kind: 'valueRegex', regex: b('nomatch') }, [], [set('a', 'n', 1000, 'N')])).toBe(false);
    expect(cellsOf((await read(be))[0])).toEqual(['a:f@1000=F', 'a:n@1000=N', 'a:t@1000=T']);
  });

  it('read-modify-write: append, increment, timestamps and errors', async () => {
    const clock = new ManualClock(5_000);
    const be = await setup(clock);
    const r1 = await be.readModifyWriteRow(T, b('r'), [
      { type: 'append', family: 'a', qualifier: b('s'), value: b('x') },
      { type: 'increment', family: 'a', qualifier: b('n'), amount: 5n },
      { type: 'append', family: 'a', qualifier: b('s'), value: b('y') },
    ]);
    expect(r1.cells.map((c) => [c.qualifier.toString(), c.timestamp])).toEqual([['n', 5_000_000], ['s', 5_000_000]]);
    expect(r1.cells[1]!.value.toString()).toBe('xy');
    // A latest cell in the future keeps its timestamp (and is replaced).
    const max = Buffer.alloc(8);
    max.writeBigInt64BE(2n ** 63n - 1n);
    await be.mutateRow(T, { row: b('r'), mutations: [{ type: 'setCell', family: 'a', qualifier: b('n'), timestamp: 9_000_000_000, value: max }] });
    const r2 = await be.readModifyWriteRow(T, b('r'), [{ type: 'increment', family: 'a', qualifier: b('n'), amount: 1n }]);
    expect(r2.cells[0]!.timestamp).toBe(9_000_000_000);
    expect(r2.cells[0]!.value.readBigInt64BE()).toBe(-(2n ** 63n));
    await expect(be.readModifyWriteRow(T, b('r'), [{ type: 'increment', family: 'a', qualifier: b('s'), amount: 1n }])).rejects.toThrow(InvalidArgumentError);
    await expect(be.readModifyWriteRow(T, b('r'), [{ type: 'append', family: 'zz', qualifier: b('s'), value: b('') }])).rejects.toThrow(NotFoundError);
  });

  it('admin: families, drop row range, protection, listing, samples', async () => {
    const be = await setup();
    await be.mutateRows(T, ['ab', 'ac', 'b', 'z'].map((k) => ({ row: b(k), mutations: [set('a', 'q', 1000, 'v'), set('v2', 'q', 1000, 'w')] })));
    const samples = await be.sampleRowKeys(T);
    expect(samples.map((s) => s.rowKey.toString())).toEqual(['m', '']);
    expect(samples[1]!.offsetBytes).toBeGreaterThan(samples[0]!.offsetBytes);
    await be.dropRowRange(T, { prefix: b('a') });
    expect((await read(be)).map((r) => r.key.toString())).toEqual(['b', 'z']);
    const info = await be.modifyColumnFamilies(T, [{ type: 'drop', family: 'a' }, { type: 'create', family: 'n', gcRule: { kind: 'never' } }]);
    expect([...info.families.keys()].sort()).toEqual(['age', 'n', 'v2']);
    expect(cellsOf((await read(be))[0])).toEqual(['v2:q@1000=w']);
    await expect(be.modifyColumnFamilies(T, [{ type: 'create', family: 'x', gcRule: { kind: 'never' } }, { type: 'drop', family: 'missing' }])).rejects.toThrow(NotFoundError);
    expect((await be.getTable(T)).families.has('x')).toBe(false);
    await be.updateTable(T, { deletionProtection: true });
    await expect(be.deleteTable(T)).rejects.toThrow(FailedPreconditionError);
    await be.createTable({ ...T, table: 'a-first' }, new Map(), []);
    expect((await be.listTables({ project: 'p', instance: 'i' })).map((t) => t.name.table)).toEqual(['a-first', 't']);
    await be.updateTable(T, { deletionProtection: false });
    await be.deleteTable(T);
    await expect(be.getTable(T)).rejects.toThrow(NotFoundError);
  });
});

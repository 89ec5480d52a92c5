/**
 * Fault tolerance of the client against a real `tabula serve`:
 *  - scans resume after transient errors injected by a proxy (flaky-proxy.ts)
 *    mid-row, mid-value and between rows, without losing or repeating rows,
 *    asking only for the remaining rows and row limit;
 *  - non-retryable errors and exhausted retries surface;
 *  - a scan survives the server being killed (SIGKILL) and restarted;
 *  - the buffered mutator retries failed entries and whole calls, and reports
 *    entries that fail for good.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { Code, connect, MutationsFailedError, type Connection, type MutationFailure, type Row, type Table } from '../../src/client/index.js';
import { freePort, startTabula, type RunningServer } from '../support/servers.js';
import { startFlakyProxy, type FlakyProxy } from './flaky-proxy.js';
import { tableId } from './client-suite.js';

const FAST = { initialBackoffMs: 1, maxBackoffMs: 5 };

let server: RunningServer;
let direct: Connection;
let proxy: FlakyProxy;
let viaProxy: Connection;

beforeAll(async () => {
  server = await startTabula();
  direct = connect(server.endpoint, { project: 'p', instance: 'i' });
  proxy = await startFlakyProxy(server.endpoint);
  viaProxy = connect(proxy.endpoint, { project: 'p', instance: 'i' });
});

afterAll(async () => {
  viaProxy?.close();
  direct?.close();
  await proxy?.close();
  await server?.stop();
});

const keysOf = (rows: Row[]): string[] => rows.map((r) => r.keyString);

/** Row ranges of the recorded ReadRows requests as [startKeyClosed|startKeyOpen, end] strings. */
function ranges(reqs: Record<string, unknown>[]): unknown[] {
  return reqs.map((r) => {
    const rows = r.rows as { rowKeys?: Buffer[]; rowRanges?: Record<string, Buffer>[] };
    if (rows.rowKeys?.length) return { keys: rows.rowKeys.map((k) => k.toString()), limit: r.rowsLimit };
    const rr = rows.rowRanges![0]!;
    return {
      start: rr.startKeyClosed?.toString().replace(/\0/g, '\\0'),
      end: rr.endKeyOpen?.toString(),
      limit: r.rowsLimit,
    };
  });
}

describe('scan resumption (proxy-injected failures)', () => {
  let name: string;
  let expected: string[];
  let expectedCells: string[];

  beforeAll(async () => {
    name = tableId('resume');
    await direct.admin.createTable(name, { families: { cf: undefined, g: undefined } });
    const b = direct.table(name).batch();
    expected = [];
    for (let i = 0; i < 60; i++) {
      const k = `row${String(i).padStart(3, '0')}`;
      expected.push(k);
      // Three cells per row, one of them large enough to be split across chunks by Tabula.
      b.put(k, [
        { family: 'cf', qualifier: 'a', value: `a${i}`, timestamp: 1000 },
        { family: 'cf', qualifier: 'b', value: i % 10 === 0 ? Buffer.alloc(300_000, i) : `b${i}`, timestamp: 1000 },
        { family: 'g', qualifier: 'c', value: `c${i}`, timestamp: 2000 },
      ]);
    }
    expect((await b.execute()).every((r) => r.ok)).toBe(true);
    expectedCells = (await direct.table(name).scan().toArray()).flatMap((r) => r.cells.map((c) => `${r.keyString}/${c.family}:${c.qualifier}=${c.value.length}:${c.value.subarray(0, 4).toString('hex')}`));
  });

  const cellsOf = (rows: Row[]): string[] => rows.flatMap((r) => r.cells.map((c) => `${r.keyString}/${c.family}:${c.qualifier}=${c.value.length}:${c.value.subarray(0, 4).toString('hex')}`));

  it('resumes after UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED and INTERNAL RST_STREAM without losing or repeating rows', async () => {
    proxy.readRequests.length = 0;
    proxy.readFailures.push(
      { afterChunks: 7, code: grpc.status.UNAVAILABLE, details: 'injected' }, // inside row 2
      { afterChunks: 0, code: grpc.status.ABORTED, details: 'injected' }, // before any row
      { afterChunks: 31, code: grpc.status.INTERNAL, details: 'Received RST_STREAM with code 2 (Internal server error)' },
      { afterChunks: 4, code: grpc.status.DEADLINE_EXCEEDED, details: 'injected' },
    );
    const scanner = viaProxy.table(name).scan({}, FAST);
    const rows = await scanner.toArray();
    expect(keysOf(rows)).toEqual(expected);
    expect(cellsOf(rows)).toEqual(expectedCells);
    expect(scanner.retries).toBe(4);
    expect(proxy.readRequests).toHaveLength(5);
    // Each retry starts strictly after the last row delivered (k + \0) and keeps the open end.
    const r = ranges(proxy.readRequests) as Array<{ start?: string; end?: string }>;
    expect(r[0]).toEqual({ start: undefined, end: undefined, limit: undefined });
    expect(r[1]!.start).toBe('row001\\0');
    expect(r[2]!.start).toBe('row001\\0');
    for (const x of r) expect(x.end).toBeUndefined();
  });

  it('adjusts the remaining row limit and the range end on resume', async () => {
    proxy.readRequests.length = 0;
    // Chunks per row: 3, but the 300 kB values of row010 and row020 are split.
    proxy.readFailures.push({ afterChunks: 12, code: grpc.status.UNAVAILABLE, details: 'injected' });
    const rows = await viaProxy.table(name).scan({ start: 'row005', stop: 'row040', limit: 20 }, FAST).toArray();
    expect(keysOf(rows)).toEqual(expected.slice(5, 25));
    const r = ranges(proxy.readRequests) as Array<{ start: string; end: string; limit: string }>;
    expect(r[0]).toEqual({ start: 'row005', end: 'row040', limit: '20' });
    expect(r[1]!.end).toBe('row040');
    const delivered = Number(r[1]!.start.slice(3, 6)) - 5 + 1; // rows up to the resume key
    expect(r[1]!.limit).toBe(String(20 - delivered));
    expect(r[1]!.start).toBe(`${expected[4 + delivered]}\\0`);
  });

  it('resumes a key-set scan with only the keys not yet delivered', async () => {
    proxy.readRequests.length = 0;
    proxy.readFailures.push({ afterChunks: 6, code: grpc.status.UNAVAILABLE, details: 'injected' });
    const want = ['row003', 'row007', 'row011', 'row050'];
    const rows = await viaProxy.table(name).scan({ keys: want }, FAST).toArray();
    expect(keysOf(rows)).toEqual(want);
    expect(ranges(proxy.readRequests)).toEqual([
      { keys: want, limit: undefined },
      { keys: ['row011', 'row050'], limit: undefined },
    ]);
  });

  it('resumes a reversed scan below the last row delivered', async () => {
    proxy.readRequests.length = 0;
    proxy.readFailures.push({ afterChunks: 5, code: grpc.status.UNAVAILABLE, details: 'injected' });
    const rows = await viaProxy.table(name).scan({ reversed: true, start: 'row030', stop: 'row045' }, FAST).toArray();
    expect(keysOf(rows)).toEqual(expected.slice(30, 45).reverse());
    const r = ranges(proxy.readRequests) as Array<{ start: string; end: string }>;
    expect(r[0]).toMatchObject({ start: 'row030', end: 'row045' });
    expect(r[1]).toMatchObject({ start: 'row030', end: 'row044' }); // row044 delivered (3 chunks), row043 cut after 2
  });

  it('does not retry other errors, and gives up after maxRetries', async () => {
    proxy.readFailures.push({ afterChunks: 4, code: grpc.status.INTERNAL, details: 'not a stream reset' });
    const seen: string[] = [];
    const err = await (async () => {
      try {
        for await (const r of viaProxy.table(name).scan({}, FAST)) seen.push(r.keyString);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toMatchObject({ code: Code.INTERNAL });
    expect(seen).toEqual(['row000']);
    proxy.readFailures.length = 0;
    for (let i = 0; i < 4; i++) proxy.readFailures.push({ afterChunks: 0, code: grpc.status.UNAVAILABLE, details: 'injected' });
    await expect(viaProxy.table(name).scan({}, { ...FAST, maxRetries: 3 }).toArray()).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    proxy.readFailures.length = 0;
  });
});

describe('scan across a server kill -9 and restart', () => {
  it('resumes after the server comes back, without losing or repeating rows', async () => {
    const port = await freePort();
    let s = await startTabula({ args: ['--port', String(port)] });
    const conn = connect(s.endpoint, { project: 'p', instance: 'i' });
    try {
      const id = tableId('restart');
      await conn.admin.createTable(id, { families: { cf: undefined } });
      const t: Table = conn.table(id);
      const N = 2500;
      const value = Buffer.alloc(4096, 7);
      for (let start = 0; start < N; start += 500) {
        const b = t.batch();
        for (let i = start; i < start + 500; i++) b.put(`k${String(i).padStart(5, '0')}`, { cf: { v: value } });
        expect((await b.execute()).every((r) => r.ok)).toBe(true);
      }
      const scanner = t.scan({}, { initialBackoffMs: 50, maxBackoffMs: 400, maxRetries: 60 });
      const seen: string[] = [];
      for await (const r of scanner) {
        seen.push(r.keyString);
        expect(r.value('cf', 'v')?.length).toBe(4096);
        if (seen.length === 50) {
          await s.kill();
          s = await startTabula({ dataDir: s.dataDir, args: ['--port', String(port)] });
        }
      }
      expect(seen.length).toBe(N);
      expect(new Set(seen).size).toBe(N);
      expect(seen).toEqual([...seen].sort());
      expect(scanner.retries).toBeGreaterThanOrEqual(1);
    } finally {
      conn.close();
      await s.stop();
    }
  });
});

describe('buffered mutator retries', () => {
  let name: string;
  let t: Table;

  beforeAll(async () => {
    name = tableId('bm');
    await direct.admin.createTable(name, { families: { cf: undefined } });
    t = viaProxy.table(name);
  });

  it('retries entries that failed with UNAVAILABLE once, with backoff, until all are applied', async () => {
    proxy.mutateRequests.length = 0;
    proxy.failEntriesOnce = true;
    const m = t.bufferedMutator({ maxMutations: 40, flushIntervalMs: 0, ...FAST });
    for (let i = 0; i < 100; i++) await m.put(`once${String(i).padStart(3, '0')}`, { cf: { q: String(i) } });
    await m.close();
    proxy.failEntriesOnce = false;
    expect(m.stats).toMatchObject({ succeeded: 100, retried: 100, failed: 0 });
    // Each group of entries went twice: the first attempt and the retry of exactly the failed entries.
    expect(proxy.mutateRequests.length).toBe(6);
    expect(proxy.mutateRequests.map((r) => (r.entries as unknown[]).length).sort()).toEqual([20, 20, 40, 40, 40, 40]);
    const rows = await direct.table(name).scan({ prefix: 'once' }).toArray();
    expect(rows.map((r) => r.string('cf', 'q'))).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it('retries whole calls that failed with UNAVAILABLE', async () => {
    proxy.failWholeMutateRows = 2;
    const m = t.bufferedMutator({ flushIntervalMs: 0, ...FAST });
    await m.put('whole1', { cf: { q: '1' } });
    await m.put('whole2', { cf: { q: '2' } });
    await m.flush();
    expect(m.stats).toMatchObject({ requests: 3, succeeded: 2, retried: 4, failed: 0 });
    expect((await direct.table(name).get('whole2'))?.string('cf', 'q')).toBe('2');
    await m.close();
  });

  it('reports entries that fail for good: non-retryable codes at once, retryable ones after maxRetries', async () => {
    proxy.failEntriesOnce = true;
    proxy.alwaysFailPrefix = 'always';
    const failures: MutationFailure[] = [];
    const m = t.bufferedMutator({ flushIntervalMs: 0, maxRetries: 3, ...FAST, onError: (f) => failures.push(f) });
    await m.put('good', { cf: { q: '1' } });
    await m.put('nofam', { missing: { q: '1' } });
    await m.put('always1', { cf: { q: '1' } });
    await m.close();
    proxy.failEntriesOnce = false;
    failures.sort((a, b) => a.row.toString().localeCompare(b.row.toString()));
    expect(failures.map((f) => [f.row.toString(), f.code, f.attempts])).toEqual([
      ['always1', Code.UNAVAILABLE, 4],
      ['nofam', Code.NOT_FOUND, 2], // UNAVAILABLE once (injected), then NOT_FOUND from Tabula
    ]);
    expect(m.stats.succeeded).toBe(1);
    // Without a handler, flush() throws them.
    const m2 = t.bufferedMutator({ flushIntervalMs: 0, maxRetries: 1, ...FAST });
    await m2.put('always2', { cf: { q: '1' } });
    await expect(m2.flush()).rejects.toBeInstanceOf(MutationsFailedError);
    await m2.close();
    proxy.alwaysFailPrefix = undefined;
  });
});

/**
 * The router retries a request that meets a moved or recovering tablet, but
 * a non-idempotent operation (ReadModifyWriteRow, CheckAndMutateRow, a write
 * with server timestamps) must never be applied twice: it is retried only on
 * NotServingError (the owner refused before applying), never when the
 * outcome is unknown (applied, then UNAVAILABLE: a lost connection, a lease
 * that ran out during the write).
 *
 * Two kinds of servers fail after applying here: a fake data service that
 * applies to a map and then throws, and real tablet servers whose lease
 * gate (the check a cluster member installs) fails right after the write,
 * called in-process and over real gRPC.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { Code, NotServingError, TabulaError, UnavailableError, isNotServing } from '../../src/base/errors.js';
import { Router, type RouteEntry, isIdempotent } from '../../src/api/router.js';
import type { TabletDataService } from '../../src/rpc/tablet-service.js';
import type { Mutation, RowMutation } from '../../src/model/mutation.js';
import type { Row } from '../../src/model/cell.js';
import type { KeyRange } from '../../src/model/key-range.js';
import { compareBytes } from '../../src/base/bytes.js';
import { fromWireStatus, toWireStatus } from '../../src/rpc/rpc-errors.js';
import { RemoteTabletServer, serveTabletServer } from '../../src/rpc/tablet-server-grpc.js';
import { bindInternalServer, createInternalServer, shutdownInternalServer } from '../../src/rpc/internal-server.js';
import type { TabletServer } from '../../src/tabletserver/tablet-server.js';
import { scanAll, startCluster, TABLE, type TestCluster } from '../cluster/in-process-cluster.js';

const ROW = Buffer.from('r');
const Q = Buffer.from('q');
const inc = [{ type: 'increment' as const, family: 'f', qualifier: Q, amount: 1n }];
const serverTime = (v: string): RowMutation => ({ row: ROW, mutations: [{ type: 'setCell', family: 'f', qualifier: Q, timestamp: -1, value: Buffer.from(v) }] });
const fixedTime = (row: string, v: string): RowMutation => ({ row: Buffer.from(row), mutations: [{ type: 'setCell', family: 'f', qualifier: Q, timestamp: 1000, value: Buffer.from(v) }] });

type Failure = 'none' | 'refuse' | 'after-apply';

/**
 * One tablet over the whole table on a fake server that counts what it
 * applied. `plan` says how each call fails: refuse (NotServingError before
 * applying) or after-apply (apply, then a plain UnavailableError).
 */
function fakeServer(plan: Failure[]) {
  const applied: string[] = [];
  let calls = 0;
  const step = async (what: string, apply: () => void) => {
    const f = plan[calls++] ?? 'none';
    if (f === 'refuse') throw new NotServingError('tablet t1 is not served here');
    apply();
    applied.push(what);
    if (f === 'after-apply') throw new UnavailableError('127.0.0.1:1: Connection dropped');
  };
  let counter = 0n;
  const server: Partial<TabletDataService> = {
    async readModifyWrite(_t, row) {
      await step('rmw', () => { counter++; });
      const value = Buffer.alloc(8);
      value.writeBigInt64BE(counter);
      return { key: row, cells: [{ family: 'f', qualifier: Q, timestamp: 1000, value }] };
    },
    async checkAndMutate() {
      await step('cam', () => {});
      return true;
    },
    async mutate(_t, rms) {
      const out: Array<TabulaError | undefined> = [];
      for (const rm of rms) {
        try {
          await step(rm.mutations.map((m) => (m.type === 'setCell' ? m.value.toString() : m.type)).join(','), () => {});
          out.push(undefined);
        } catch (e) {
          out.push(e as TabulaError);
        }
      }
      return out;
    },
  };
  const route: RouteEntry = { id: 't1', startRow: Buffer.alloc(0), endRow: Buffer.alloc(0), server: 's1' };
  let invalidations = 0;
  const router = new Router({ locate: () => [route], invalidate: () => { invalidations++; } }, { server: () => server as TabletDataService });
  return { router, applied, calls: () => calls, invalidations: () => invalidations };
}

async function rejection(p: Promise<unknown>): Promise<TabulaError> {
  try {
    await p;
  } catch (e) {
    return e as TabulaError;
  }
  throw new Error('expected a rejection');
}

describe('router retries with a fake server', () => {
  it('classifies mutations: only server timestamps make one non-idempotent', () => {
    expect(isIdempotent(fixedTime('a', 'x'))).toBe(true);
    expect(isIdempotent({ row: ROW, mutations: [{ type: 'deleteFromRow' }] })).toBe(true);
    expect(isIdempotent(serverTime('x'))).toBe(false);
  });

  it('ReadModifyWriteRow applied and then failed is not retried: applied once, the client sees UNAVAILABLE', async () => {
    const f = fakeServer(['after-apply']);
    const e = await rejection(f.router.readModifyWriteRow(TABLE, ROW, inc));
    expect(e.code).toBe(Code.UNAVAILABLE);
    expect(f.applied).toEqual(['rmw']);
    expect(f.calls()).toBe(1);
  });

  it('ReadModifyWriteRow refused before applying is retried and applied exactly once', async () => {
    const f = fakeServer(['refuse', 'refuse']);
    const row = await f.router.readModifyWriteRow(TABLE, ROW, inc);
    expect(row.cells[0]!.value.readBigInt64BE(0)).toBe(1n);
    expect(f.applied).toEqual(['rmw']);
    expect(f.calls()).toBe(3);
    expect(f.invalidations()).toBe(2); // each retry routes afresh
  });

  it('CheckAndMutateRow: not retried after applying, retried after a refusal', async () => {
    const a = fakeServer(['after-apply']);
    expect((await rejection(a.router.checkAndMutateRow(TABLE, ROW, undefined, [], []))).code).toBe(Code.UNAVAILABLE);
    expect(a.applied).toEqual(['cam']);
    const b = fakeServer(['refuse']);
    expect(await b.router.checkAndMutateRow(TABLE, ROW, undefined, [], [])).toBe(true);
    expect(b.applied).toEqual(['cam']);
  });

  it('MutateRow with a server timestamp is not retried after applying; with explicit timestamps it is', async () => {
    const a = fakeServer(['after-apply']);
    expect((await rejection(a.router.mutateRow(TABLE, serverTime('v')))).code).toBe(Code.UNAVAILABLE);
    expect(a.applied).toEqual(['v']);
    const b = fakeServer(['after-apply']);
    await b.router.mutateRow(TABLE, fixedTime('r', 'v'));
    expect(b.applied).toEqual(['v', 'v']); // applying it twice is harmless, and the client gets success
    const c = fakeServer(['refuse']);
    await c.router.mutateRow(TABLE, serverTime('v'));
    expect(c.applied).toEqual(['v']);
  });

  it('MutateRows retries per entry: a server-timestamp entry only after a refusal', async () => {
    // Entries are applied in order: e1 fails after applying, e2 is refused, e3 (explicit timestamps) fails after applying.
    const f = fakeServer(['after-apply', 'refuse', 'after-apply']);
    const results = await f.router.mutateRows(TABLE, [serverTime('e1'), serverTime('e2'), fixedTime('r', 'e3')]);
    expect(results[0]?.code).toBe(Code.UNAVAILABLE);
    expect(results[1]).toBeUndefined();
    expect(results[2]).toBeUndefined();
    expect(f.applied.filter((x) => x === 'e1')).toHaveLength(1);
    expect(f.applied.filter((x) => x === 'e2')).toHaveLength(1);
    expect(f.applied.filter((x) => x === 'e3')).toHaveLength(2);
  });

  it('an unassigned tablet (no owner) is refused before sending, so even ReadModifyWriteRow waits for the owner', async () => {
    const route: RouteEntry = { id: 't1', startRow: Buffer.alloc(0), endRow: Buffer.alloc(0), server: '' };
    let applied = 0;
    const server: Partial<TabletDataService> = { async readModifyWrite(_t, row): Promise<Row> { applied++; return { key: row, cells: [] }; } };
    let lookups = 0;
    const router = new Router({ locate: () => (++lookups < 3 ? [route] : [{ ...route, server: 's1' }]) }, { server: () => server as TabletDataService });
    await router.readModifyWriteRow(TABLE, ROW, inc);
    expect(applied).toBe(1);
    expect(lookups).toBe(3);
  });

  it('NotServingError keeps its identity across the internal RPC error encoding; other UNAVAILABLEs do not become it', () => {
    expect(isNotServing(fromWireStatus(toWireStatus(new NotServingError('x'))))).toBe(true);
    expect(isNotServing(fromWireStatus(toWireStatus(new UnavailableError('x'))))).toBe(false);
  });
});

/**
 * A real tablet server whose lease gate fails exactly at its `failAt`-th
 * check from now on (1 = the check before a request, 2 = the one after a
 * write was applied), then passes again.
 */
function flakyGate(s: TabletServer) {
  let checks = 0;
  let failAt = 0;
  s.setGate(() => {
    if (++checks !== failAt) return;
    // Let the clock move past this millisecond, so a repeated server-timestamp write would add a second version.
    const until = Date.now() + 3;
    while (Date.now() < until) { /* spin */ }
    throw new UnavailableError(`tablet server ${s.serverId} holds no valid lease`);
  });
  return (n: number) => { checks = 0; failAt = n; };
}

async function counterValue(router: Router): Promise<bigint | undefined> {
  const rows = await scanAll(router);
  const c = rows.find((r) => r.key.equals(ROW))?.cells.find((x) => x.qualifier.equals(Q));
  return c?.value.readBigInt64BE(0);
}

describe('router ReadRows resumes after a mid-scan failure', () => {
  /** Rows r0..r9 on one tablet; the first call delivers `before` rows in two batches, then fails. */
  function flakyScan(before: number) {
    const keys = Array.from({ length: 10 }, (_, i) => Buffer.from(`r${i}`));
    const asked: KeyRange[][] = [];
    const server: Partial<TabletDataService> = {
      async *readRows(_t, ranges, opts) {
        asked.push(ranges);
        const inRange = keys.filter((k) => ranges.some((r) => compareBytes(k, r.start) >= 0 && (r.end === undefined || compareBytes(k, r.end) < 0)));
        const rows = (opts.reversed ? inRange.reverse() : inRange).map((k): Row => ({ key: k, cells: [{ family: 'f', qualifier: Q, timestamp: 1000, value: k }] }));
        if (asked.length === 1) {
          yield rows.slice(0, 1);
          yield rows.slice(1, before);
          throw new NotServingError('tablet t1 moved');
        }
        yield rows;
      },
    };
    const route: RouteEntry = { id: 't1', startRow: Buffer.alloc(0), endRow: Buffer.alloc(0), server: 's1' };
    const router = new Router({ locate: () => [route] }, { server: () => server as TabletDataService });
    return { router, asked };
  }

  for (const reversed of [false, true]) {
    it(`${reversed ? 'reversed' : 'forward'}: every row once, in order, and the retry asks only for what is left`, async () => {
      const { router, asked } = flakyScan(4);
      const got: string[] = [];
      for await (const row of router.readRows(TABLE, { rowKeys: [], rowRanges: [{}] }, { reversed, signal: new AbortController().signal })) got.push(row.key.toString());
      const all = Array.from({ length: 10 }, (_, i) => `r${i}`);
      expect(got).toEqual(reversed ? all.reverse() : all);
      expect(asked).toHaveLength(2);
      const retry = asked[1]!;
      if (reversed) expect(retry.map((r) => r.end?.toString())).toEqual(['r6']);
      else expect(retry.map((r) => r.start.toString())).toEqual(['r3\0']);
    });
  }
});

describe('router retries against real tablet servers', () => {
  let cluster: TestCluster | undefined;
  let grpcServer: grpc.Server | undefined;
  let remote: RemoteTabletServer | undefined;
  afterEach(async () => {
    remote?.close();
    if (grpcServer) await shutdownInternalServer(grpcServer);
    await cluster?.close();
    cluster = grpcServer = remote = undefined;
  });

  async function setup(): Promise<{ fail: (n: number) => void; router: Router; direct: Router }> {
    cluster = await startCluster({ servers: 1 });
    await cluster.master.createTable(TABLE, new Map([['f', { kind: 'never' as const }]]), []);
    return { fail: flakyGate(cluster.servers[0]!), router: cluster.router, direct: cluster.router };
  }

  async function setupGrpc(): Promise<{ fail: (n: number) => void; router: Router; direct: Router }> {
    const s = await setup();
    grpcServer = createInternalServer();
    serveTabletServer(grpcServer, cluster!.servers[0]!);
    const port = await bindInternalServer(grpcServer, '127.0.0.1', 0);
    remote = new RemoteTabletServer(`127.0.0.1:${port}`, 's0', { deadlineMs: 10_000 });
    const r = remote;
    return { ...s, router: new Router(cluster!.master, { server: () => r }) };
  }

  it('over gRPC: a call to an address nobody listens on was never sent, so even an increment is retried once routes change', async () => {
    const s = await setupGrpc();
    // A port that was just free: connecting fails, grpc-js sends nothing.
    const probe = createInternalServer();
    const deadPort = await bindInternalServer(probe, '127.0.0.1', 0);
    await shutdownInternalServer(probe);
    const dead = new RemoteTabletServer(`127.0.0.1:${deadPort}`, 'gone', { deadlineMs: 10_000 });
    try {
      const e = await rejection(dead.readModifyWrite('t', ROW, inc));
      expect(e.code).toBe(Code.UNAVAILABLE);
      expect(isNotServing(e)).toBe(true);
      // Routes that first name the dead server (a stale cache), then the live one.
      let lookups = 0;
      const live = remote!;
      const routes = {
        locate: async (t: string) => (await cluster!.master.locate(t)).map((r) => ({ ...r, server: ++lookups <= 2 ? 'gone' : 'live' })),
      };
      const router = new Router(routes, { server: (id) => (id === 'gone' ? dead : live) });
      const row = await router.readModifyWriteRow(TABLE, ROW, inc);
      expect(row.cells[0]!.value.readBigInt64BE(0)).toBe(1n);
      expect(await counterValue(s.direct)).toBe(1n);
    } finally {
      dead.close();
    }
  });

  it('a write refused by a tablet that is closing (a move or split) is a NotServingError; one refused for a row outside it too', async () => {
    await setup();
    const s0 = cluster!.servers[0]!;
    const id = cluster!.master.tabletRecords()[0]!.id;
    await s0.host.tablet(id).close({ flush: true }); // still registered with the host, as during closeTablet
    for (const call of [
      () => s0.readModifyWrite(id, ROW, inc),
      () => s0.checkAndMutate(id, ROW, undefined, [], [{ type: 'deleteFromRow' }]),
    ]) {
      const e = await rejection(call());
      expect(e.message).toMatch(/is closed/);
      expect(isNotServing(e)).toBe(true);
    }
    const [perEntry] = await s0.mutate(id, [fixedTime('x', 'v')]);
    expect(isNotServing(perEntry)).toBe(true);
  });

  for (const [name, make] of [['in-process', setup], ['over gRPC', setupGrpc]] as const) {
    it(`${name}: point reads (readRow) find every row while its tablet splits under them`, async () => {
      const { router } = await make();
      const keys = Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i));
      for (const k of keys) await router.mutateRow(TABLE, fixedTime(k, `v${k}`));
      const signal = new AbortController().signal;
      let reading = true;
      let reads = 0;
      const reader = (async () => {
        while (reading) {
          const k = keys[reads++ % keys.length]!;
          const row = await router.readRow(TABLE, Buffer.from(k), { signal });
          expect(row?.cells[0]?.value.toString()).toBe(`v${k}`);
          if (reads % 8 === 0) await new Promise((r) => setImmediate(r)); // cached reads never leave the microtask queue
        }
      })();
      for (const at of ['m', 'f', 't', 'c', 'p', 'x']) {
        await cluster!.master.splitTableAt('projects/p/instances/i/tables/t', Buffer.from(at));
        await new Promise((r) => setTimeout(r, 5));
      }
      reading = false;
      await reader;
      expect(cluster!.master.locate('projects/p/instances/i/tables/t').length).toBe(7);
      expect(reads).toBeGreaterThan(6);
    });

    it(`${name}: an increment whose lease check fails after the write is applied once and reported UNAVAILABLE`, async () => {
      const { fail, router, direct } = await make();
      await router.readModifyWriteRow(TABLE, ROW, inc);
      fail(2);
      const e = await rejection(router.readModifyWriteRow(TABLE, ROW, inc));
      expect(e.code).toBe(Code.UNAVAILABLE);
      expect(isNotServing(e)).toBe(false);
      expect(await counterValue(direct)).toBe(2n); // applied once, not retried into 3
    });

    it(`${name}: an increment refused by the lease check before applying is retried and applied once`, async () => {
      const { fail, router, direct } = await make();
      fail(1);
      const row = await router.readModifyWriteRow(TABLE, ROW, inc);
      expect(row.cells[0]!.value.readBigInt64BE(0)).toBe(1n);
      expect(await counterValue(direct)).toBe(1n);
    });

    it(`${name}: check-and-mutate and server-timestamp writes failing after applying are not repeated`, async () => {
      const { fail, router, direct } = await make();
      const append: Mutation = { type: 'setCell', family: 'f', qualifier: Buffer.from('log'), timestamp: -1, value: Buffer.from('x') };
      // A repeated check-and-mutate would find the row it wrote and take the true branch.
      const retried: Mutation = { type: 'setCell', family: 'f', qualifier: Buffer.from('retried'), timestamp: 1000, value: Buffer.from('!') };
      fail(2);
      expect((await rejection(router.checkAndMutateRow(TABLE, ROW, undefined, [retried], [append]))).code).toBe(Code.UNAVAILABLE);
      fail(2);
      expect((await rejection(router.mutateRow(TABLE, { row: ROW, mutations: [append] }))).code).toBe(Code.UNAVAILABLE);
      const rows = await scanAll(direct);
      expect(rows[0]!.cells.filter((c) => c.qualifier.toString() === 'retried')).toEqual([]);
      const versions = rows[0]!.cells.filter((c) => c.qualifier.toString() === 'log');
      expect(versions).toHaveLength(2); // one per request: neither was applied twice
    });
  }
});

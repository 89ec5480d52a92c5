/**
 * The TabletServer service through a real gRPC server on 127.0.0.1: a
 * TabletServer called through RemoteTabletServer must behave exactly like an
 * identical TabletServer called in-process (results and errors), for random
 * operation sequences and for every control call.
 */
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { ManualClock } from '../../src/base/clock.js';
import { Code, InvalidArgumentError, NotFoundError, TabulaError, UnavailableError } from '../../src/base/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { TabletServer } from '../../src/tabletserver/tablet-server.js';
import { RemoteTabletServer, serveTabletServer } from '../../src/rpc/tablet-server-grpc.js';
import { bindInternalServer, createInternalServer, shutdownInternalServer } from '../../src/rpc/internal-server.js';
import { internalMessage } from '../../src/rpc/internal-protos.js';
import type { ReadModifyWriteRule, TabletDescriptor, TabletReadOptions, TabletServerService } from '../../src/rpc/tablet-service.js';
import type { Row } from '../../src/model/cell.js';
import type { KeyRange } from '../../src/model/key-range.js';
import type { Mutation, RowMutation } from '../../src/model/mutation.js';
import type { RowFilter } from '../../src/model/row-filter.js';
import { filterArb, keyArb, mutationArb, qualifierArb, rangesArb, rowMutationArb } from './arbitraries.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const clock = new ManualClock();

function descriptor(id: string, start = '', end = ''): TabletDescriptor {
  return {
    id, table: 'projects/p/instances/i/tables/t', startRow: b(start), endRow: b(end), epoch: 1,
    families: [['a', { kind: 'never' }], ['b', { kind: 'maxVersions', maxVersions: 2 }]],
  };
}

let local: TabletServer;
let served: TabletServer;
let server: grpc.Server;
let remote: RemoteTabletServer;
let address: string;

beforeAll(async () => {
  local = await TabletServer.open({ storage: new MemoryStorage(), serverId: 's1', jobs: 'inline', clock });
  served = await TabletServer.open({ storage: new MemoryStorage(), serverId: 's1', jobs: 'inline', clock });
  server = createInternalServer();
  serveTabletServer(server, served);
  const port = await bindInternalServer(server, '127.0.0.1', 0);
  address = `127.0.0.1:${port}`;
  remote = new RemoteTabletServer(address, 's1');
  await local.openTablet(descriptor('t1'));
  await remote.openTablet(descriptor('t1'));
});

afterAll(async () => {
  remote?.close();
  await shutdownInternalServer(server);
  await local?.close();
  await served?.close();
});

type Outcome = { ok: unknown } | { err: [string, number, string] };

/** A result or error in comparable form (errors by class name, code and message). */
async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: normalize(await p) };
  } catch (e) {
    if (!(e instanceof TabulaError)) throw e;
    return { err: [e.name, e.code, e.message] };
  }
}

/** Cells with labels: [] and without labels are the same answer. */
function normalize(v: unknown): unknown {
  if (v instanceof TabulaError) return [v.name, v.code, v.message];
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'labels' && Array.isArray(x) && x.length === 0) continue;
      if (x !== undefined) out[k] = normalize(x);
    }
    return out;
  }
  return v;
}

async function readAll(s: TabletServerService, id: string, ranges: KeyRange[], opts: TabletReadOptions): Promise<Row[]> {
  const out: Row[] = [];
  for await (const batch of s.readRows(id, ranges, opts)) out.push(...batch);
  return out;
}

type Op =
  | { op: 'mutate'; rms: RowMutation[] }
  | { op: 'read'; ranges: KeyRange[]; reversed: boolean; limit?: number; filter?: RowFilter }
  | { op: 'checkAndMutate'; row: Buffer; predicate?: RowFilter; t: Mutation[]; f: Mutation[] }
  | { op: 'rmw'; row: Buffer; rules: ReadModifyWriteRule[] }
  | { op: 'sample' }
  | { op: 'compact' }
  | { op: 'dropRange'; range: KeyRange }
  | { op: 'dropFamily'; family: string };

const rmwRuleArb: fc.Arbitrary<ReadModifyWriteRule> = fc.oneof(
  fc.record({ family: fc.constantFrom('a', 'b', 'nope'), qualifier: qualifierArb, value: fc.constantFrom('x', '', 'yz').map(b) })
    .map((r): ReadModifyWriteRule => ({ type: 'append', ...r })),
  fc.record({ family: fc.constantFrom('a', 'b'), qualifier: fc.constantFrom(b('cnt'), b('q')), amount: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) })
    .map((r): ReadModifyWriteRule => ({ type: 'increment', ...r })),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.array(rowMutationArb(['a', 'b', 'a', 'b', 'zz']), { minLength: 1, maxLength: 5 }).map((rms): Op => ({ op: 'mutate', rms })), weight: 5 },
  { arbitrary: fc.record({
    ranges: rangesArb, reversed: fc.boolean(),
    limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    filter: fc.option(filterArb(), { nil: undefined, freq: 2 }),
  }).map((r): Op => ({ op: 'read', ...r })), weight: 4 },
  { arbitrary: fc.record({
    row: keyArb, predicate: fc.option(filterArb(), { nil: undefined }),
    t: fc.array(mutationArb(), { maxLength: 3 }), f: fc.array(mutationArb(), { maxLength: 3 }),
  }).map((r): Op => ({ op: 'checkAndMutate', ...r })), weight: 2 },
  { arbitrary: fc.record({ row: keyArb, rules: fc.array(rmwRuleArb, { minLength: 1, maxLength: 3 }) }).map((r): Op => ({ op: 'rmw', ...r })), weight: 2 },
  { arbitrary: fc.constant<Op>({ op: 'sample' }), weight: 1 },
  { arbitrary: fc.constant<Op>({ op: 'compact' }), weight: 1 },
  { arbitrary: rangesArb.map((r): Op => ({ op: 'dropRange', range: r[0]! })), weight: 1 },
  { arbitrary: fc.constantFrom('b', 'missing').map((family): Op => ({ op: 'dropFamily', family })), weight: 1 },
);

async function apply(s: TabletServerService, op: Op): Promise<unknown> {
  switch (op.op) {
    case 'mutate': return s.mutate('t1', op.rms);
    case 'read': {
      const stats = { rowsSeen: 0, cellsSeen: 0 };
      const opts: TabletReadOptions = { reversed: op.reversed, stats };
      if (op.limit !== undefined) opts.limit = op.limit;
      if (op.filter) opts.filter = op.filter;
      const rows = await readAll(s, 't1', op.ranges, opts);
      return { rows, stats };
    }
    case 'checkAndMutate': return s.checkAndMutate('t1', op.row, op.predicate, op.t, op.f);
    case 'rmw': return s.readModifyWrite('t1', op.row, op.rules);
    case 'sample': return s.sampleRowKeys('t1');
    case 'compact': return s.compactTablet('t1');
    case 'dropRange': return s.dropRange('t1', op.range);
    case 'dropFamily': return s.dropFamily('t1', op.family);
  }
}

describe('RemoteTabletServer against an in-process TabletServer', () => {
  it('answers random operation sequences exactly like the local server', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
      for (const op of ops) {
        const want = (await outcome(apply(local, op) as Promise<unknown>));
        const got = (await outcome(apply(remote, op) as Promise<unknown>));
        expect(got).toEqual(want);
        clock.advance(1);
      }
      // Keep the family dropped by dropFamily usable for later runs.
      await local.updateSchema('t1', descriptor('t1').families);
      await remote.updateSchema('t1', descriptor('t1').families);
    }), { numRuns: 150 });
  });

  it('really exercised reads with data', async () => {
    await local.mutate('t1', [{ row: b('k1'), mutations: [{ type: 'setCell', family: 'a', qualifier: b('q'), timestamp: 1000, value: b('v') }] }]);
    await remote.mutate('t1', [{ row: b('k1'), mutations: [{ type: 'setCell', family: 'a', qualifier: b('q'), timestamp: 1000, value: b('v') }] }]);
    const rows = await readAll(remote, 't1', [{ start: b('k1'), end: b('k2') }], { reversed: false });
    expect(rows.length).toBe(1);
    expect(rows).toEqual(await readAll(local, 't1', [{ start: b('k1'), end: b('k2') }], { reversed: false }));
  });
});

describe('control plane over gRPC', () => {
  it('open, schema, split, stats, close and destroy behave like the local server', async () => {
    const both = async <T>(f: (s: TabletServerService) => Promise<T>): Promise<unknown> => {
      const want = (await outcome(f(local)));
      const got = (await outcome(f(remote)));
      expect(got).toEqual(want);
      return got;
    };
    const d = descriptor('c1', 'm', 'x');
    await both((s) => s.openTablet({ ...d, recoverFrom: ['wal/gone'] }));
    // Opening twice is ALREADY_EXISTS on both.
    expect(await both((s) => s.openTablet(d))).toMatchObject({ err: ['AlreadyExistsError', Code.ALREADY_EXISTS, expect.any(String)] });
    const rows: RowMutation[] = [];
    for (let i = 0; i < 200; i++) rows.push({ row: b(`n${String(i).padStart(3, '0')}`), mutations: [{ type: 'setCell', family: 'a', qualifier: b('q'), timestamp: 1000, value: Buffer.alloc(100, i) }] });
    await both((s) => s.mutate('c1', rows));
    // A row outside the tablet: UNAVAILABLE per entry (NotServingError: refused before applying, so safe to retry).
    expect(await both((s) => s.mutate('c1', [{ row: b('a'), mutations: [{ type: 'deleteFromRow' }] }]))).toMatchObject({ ok: [['NotServingError', Code.UNAVAILABLE, expect.any(String)]] });
    await both((s) => s.updateSchema('c1', [['a', { kind: 'union', rules: [{ kind: 'maxAge', maxAgeMicros: 5e9 }, { kind: 'maxVersions', maxVersions: 1 }] }], ['z', { kind: 'never' }]]));
    await both((s) => s.mutate('c1', [{ row: b('n999'), mutations: [{ type: 'setCell', family: 'z', qualifier: b(''), timestamp: -1, value: b('zz') }] }]));
    await both((s) => s.compactTablet('c1'));
    // A snapshot (backup) and a tablet seeded from it: same rows, written after it are not in it.
    await both((s) => s.mutate('c1', [{ row: b('n997'), mutations: [{ type: 'setCell', family: 'a', qualifier: b('q'), timestamp: -1, value: b('early') }] }]));
    await both((s) => s.snapshotTablet('c1', 'c1-snap', 'bk'));
    await both((s) => s.mutate('c1', [{ row: b('n998'), mutations: [{ type: 'setCell', family: 'a', qualifier: b('q'), timestamp: -1, value: b('late') }] }]));
    await both((s) => s.openTablet({ ...d, id: 'c1r', seedFrom: 'c1-snap' }));
    const seeded = await both((s) => readAll(s, 'c1r', [{ start: b('n990'), end: b('o') }], { reversed: false }));
    expect((seeded as { ok: Row[] }).ok.map((r) => r.key.toString())).toEqual(['n997']);
    // A copy of the snapshot (CopyBackup) seeds the same rows; a missing source is NOT_FOUND.
    await both((s) => s.copySnapshot('c1-snap', 'c1-snap-copy', 'bk2'));
    await both((s) => s.openTablet({ ...d, id: 'c1rc', seedFrom: 'c1-snap-copy' }));
    expect(await both((s) => readAll(s, 'c1rc', [{ start: b('n990'), end: b('o') }], { reversed: false }))).toEqual(seeded);
    expect(await both((s) => s.copySnapshot('no-such-snap', 'x', 'bk3'))).toMatchObject({ err: ['NotFoundError', Code.NOT_FOUND, expect.any(String)] });
    // A seed directory with no manifest: NOT_FOUND on both.
    expect(await both((s) => s.openTablet({ ...d, id: 'c1q', seedFrom: 'no-such-snap' }))).toMatchObject({ err: ['NotFoundError', Code.NOT_FOUND, expect.any(String)] });
    await both((s) => s.sampleRowKeys('c1'));
    await both(async (s) => (await s.tabletStats()).filter((t) => t.id === 'c1'));
    await both((s) => s.splitTablet('c1', b('n100'), ['c1a', 'c1b']));
    // The parent stopped serving after the split (refused before doing anything: NotServingError).
    expect(await both((s) => s.sampleRowKeys('c1'))).toMatchObject({ err: ['NotServingError', Code.UNAVAILABLE, expect.any(String)] });
    await both((s) => s.openTablet({ ...d, id: 'c1b', startRow: b('n100') }));
    await both((s) => readAll(s, 'c1b', [{ start: b('n100'), end: b('n105') }], { reversed: true }));
    await both((s) => s.splitTablet('c1b', undefined, ['c2a', 'c2b']));
    await both((s) => s.closeTablet('c1b', { flush: true }));
    await both((s) => s.destroyTablet('c1b'));
    await both((s) => s.destroyTablet('c1'));
  });

  it('ping and stats', async () => {
    expect(await remote.ping()).toBe('s1');
    const st = await remote.serverStats();
    expect(st.serverId).toBe('s1');
    expect(st.tablets).toEqual(await served.tabletStats());
    expect(st.totals.tablets).toBe(st.tablets.length);
    expect(st.totals.bytes).toBe(st.tablets.reduce((s, t) => s + t.bytes, 0));
  });
});

describe('errors across the wire', () => {
  it('UNAVAILABLE for a tablet the server does not hold (class, code and message kept)', async () => {
    const err = await remote.mutate('nope', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ code: Code.UNAVAILABLE, message: 'tablet nope is not served by s1' });
    await expect(readAll(remote, 'nope', [{ start: b('') }], { reversed: false })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('NOT_FOUND per mutate entry for an unknown family, other entries applied', async () => {
    const res = await remote.mutate('t1', [
      { row: b('e1'), mutations: [{ type: 'setCell', family: 'a', qualifier: b('q'), timestamp: 1000, value: b('ok') }] },
      { row: b('e2'), mutations: [{ type: 'setCell', family: 'nope', qualifier: b('q'), timestamp: 1000, value: b('x') }] },
    ]);
    expect(res[0]).toBeUndefined();
    expect(res[1]).toBeInstanceOf(NotFoundError);
    expect(res[1]!.message).toBe('mutations[0].family_name: column family "nope" not found');
  });

  it('INVALID_ARGUMENT for an invalid filter, as locally', async () => {
    const bad: RowFilter = { kind: 'cellsPerRowLimit', n: 0 };
    const want = await readAll(local, 't1', [{ start: b('') }], { reversed: false, filter: bad }).catch((e: unknown) => e);
    const got = await readAll(remote, 't1', [{ start: b('') }], { reversed: false, filter: bad }).catch((e: unknown) => e);
    expect(want).toBeInstanceOf(InvalidArgumentError);
    expect(got).toBeInstanceOf(InvalidArgumentError);
    expect((got as Error).message).toBe((want as Error).message);
  });

  it('INVALID_ARGUMENT naming the fault for a Mutate the hand codec cannot decode (not grpc-js\'s INTERNAL)', async () => {
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    const send = (msg: Buffer) => new Promise<grpc.ServiceError | undefined>((resolve) => {
      raw.makeUnaryRequest('/tabula.internal.v1.TabletServer/Mutate', (x: Buffer) => x, (x: Buffer) => x, msg, (e) => resolve(e ?? undefined));
    });
    try {
      // A Mutation message with no member of its oneof: valid protobuf, not a mutation.
      const empty = internalMessage('MutateRequest').serialize({ tabletId: 't1', entries: [{ row: b('malformed-row'), mutations: [{}] }] });
      const err = await send(empty);
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details).toBe('malformed internal RPC message: mutation without a type');
      // Truncated bytes: a length that runs past the end.
      const cut = await send(Buffer.from(internalMessage('MutateRequest').serialize({ tabletId: 't1', entries: [{ row: b('row'), mutations: [] }] })).subarray(0, 6));
      expect(cut?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(cut?.details).toMatch(/^malformed internal RPC message: /);
      // Nothing was applied, and the server still answers.
      expect(await readAll(remote, 't1', [{ start: b('malformed-row'), end: b('malformed-row\0') }], { reversed: false })).toEqual([]);
    } finally {
      raw.close();
    }
  });

  it('a server that cannot be reached fails UNAVAILABLE with its address', async () => {
    const dead = new RemoteTabletServer('127.0.0.1:1', 'dead', { deadlineMs: 5000 });
    try {
      const err = await dead.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as Error).message).toContain('127.0.0.1:1');
    } finally {
      dead.close();
    }
  });
});

describe('big values', () => {
  it('a 5 MiB value goes both ways', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const res = await remote.mutate('t1', [{ row: b('big'), mutations: [{ type: 'setCell', family: 'a', qualifier: b('v'), timestamp: 7000, value: big }] }]);
    expect(res).toEqual([undefined]);
    const rows = await readAll(remote, 't1', [{ start: b('big'), end: b('big\x00') }], { reversed: false });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.cells[0]!.value.equals(big)).toBe(true);
    await remote.mutate('t1', [{ row: b('big'), mutations: [{ type: 'deleteFromRow' }] }]);
  });
});

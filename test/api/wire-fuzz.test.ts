/**
 * Wire fuzzing of `tabula serve`: random requests for every RPC of the data,
 * table-admin and instance-admin services, generated from the protos
 * (test/support/proto-arbitrary.ts), sent through grpc-js as encoded bytes —
 * well-formed, and corrupted (bytes flipped, cut short, garbage appended).
 *
 * What must hold (the brief: bad input gets a clear gRPC error, never crashes
 * the server, never half-applies a row, never loses data):
 *  - every well-formed request gets a deliberate answer: OK or a status the
 *    API chooses (INVALID_ARGUMENT, NOT_FOUND, UNIMPLEMENTED, ...), never
 *    UNKNOWN or INTERNAL (an exception that escaped validation), DATA_LOSS,
 *    or no answer within the deadline;
 *  - no answer leaks a JavaScript error message (TypeError, ...);
 *  - the server process stays up, and a table in another instance, which no
 *    request names, reads back exactly as written.
 *
 * Two targets: the embedded `tabula serve`, and a cluster of processes (a
 * master and two tablet servers, requests sent to one tablet server's API,
 * the fuzz table split across both), where a request for a tablet on the
 * other server goes through the internal protocol (proto/) as well. A third
 * suite sends random and corrupted messages of that internal protocol itself
 * (TabletServer and Master services) to a cluster's processes: whatever they
 * answer, they must answer, and stay up.
 *
 * WIRE_FUZZ_RUNS sets the number of requests per mode (default 1000 on the
 * embedded server, a third of it on the cluster).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { startTabula } from '../support/servers.js';
import { ProcessCluster, waitFor } from '../cluster/cluster-processes.js';
import { RemoteMaster } from '../../src/rpc/master-grpc.js';
import { INTERNAL_PROTO_PATH } from '../../src/rpc/internal-protos.js';
import { callStream, callUnary, rawClients, reverseScansMetadata, type RawClients } from './api-clients.js';
import { encodeRequest, loadProtoRoot, ProtoArbitraries, serviceMethods, type FuzzMethod } from '../support/proto-arbitrary.js';

const RUNS = Number(process.env.WIRE_FUZZ_RUNS ?? 1000);
const DEADLINE_MS = 15_000;
const INSTANCE = 'projects/fz/instances/i';
const TABLE = 't';
const FAMILIES = ['cf', 'cf2'];
const CANARY = 'projects/fz/instances/canary/tables/keep';

const { OK, UNKNOWN, INTERNAL, DATA_LOSS, DEADLINE_EXCEEDED } = grpc.status;
/** Messages that mean a JavaScript exception reached the client instead of a chosen status. */
const LEAKED_ERROR = /TypeError|ReferenceError|SyntaxError|Cannot read prop|is not a function|is not iterable|undefined is not|Maximum call stack/;

interface Answer { code: number; details: string }

/** What a suite fuzzes: an API endpoint and the processes behind it. */
interface FuzzTarget {
  port: number;
  /** True while every process of the target is running. */
  alive(): boolean;
  stop(): Promise<void>;
}

let target: FuzzTarget;
let clients: RawClients;
let raw: grpc.Client;
const root = loadProtoRoot();
const methods: FuzzMethod[] = [
  'google.bigtable.v2.Bigtable', 'google.bigtable.admin.v2.BigtableTableAdmin', 'google.bigtable.admin.v2.BigtableInstanceAdmin',
].flatMap((s) => serviceMethods(root, s));
const arbs = new ProtoArbitraries({ instance: INSTANCE, table: TABLE, families: FAMILIES });
/** The data API and the table admin's everyday calls get most of the requests; the rest (mostly UNIMPLEMENTED) a few. */
const CORE = /\/(ReadRows|MutateRows?|CheckAndMutateRow|ReadModifyWriteRow|SampleRowKeys|PingAndWarm)$/;
const ADMIN = /\/(CreateTable|GetTable|ListTables|UpdateTable|DeleteTable|ModifyColumnFamilies|DropRowRange|GenerateConsistencyToken|CheckConsistency|CreateBackup|GetBackup|ListBackups|UpdateBackup|DeleteBackup|RestoreTable|CreateAuthorizedView|GetAuthorizedView|ListAuthorizedViews|UpdateAuthorizedView|DeleteAuthorizedView)$/;
const methodArb = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...methods.filter((m) => CORE.test(m.path))) },
  { weight: 5, arbitrary: fc.constantFrom(...methods.filter((m) => ADMIN.test(m.path))) },
  { weight: 2, arbitrary: fc.constantFrom(...methods.filter((m) => !CORE.test(m.path) && !ADMIN.test(m.path))) },
);
const requestArb = methodArb.chain((m) => fc.record({
  method: fc.constant(m),
  request: arbs.message(m.requestType, 4),
  reverseScans: fc.boolean(),
}));
/** Seen per status code (printed at the end, to keep the generator honest: most requests must get past name parsing). */
const seen = new Map<string, number>();

const identity = (b: Buffer): Buffer => b;

/** Sends `bytes` as one request of `m`; resolves with the final status (stream messages are drained). */
function send(client: grpc.Client, m: FuzzMethod, bytes: Buffer, md: grpc.Metadata): Promise<Answer> {
  const deadline = Date.now() + DEADLINE_MS;
  return new Promise((resolve) => {
    const done = (e: grpc.ServiceError | null): void => resolve(e ? { code: e.code, details: e.details } : { code: OK, details: '' });
    if (!m.requestStream && !m.responseStream) {
      client.makeUnaryRequest(m.path, identity, identity, bytes, md, { deadline }, (e) => done(e));
      return;
    }
    const stream = m.requestStream
      ? client.makeBidiStreamRequest(m.path, identity, identity, md, { deadline })
      : client.makeServerStreamRequest(m.path, identity, identity, bytes, md, { deadline });
    stream.on('data', () => {});
    stream.on('error', (e: grpc.ServiceError) => done(e));
    stream.on('status', (s: grpc.StatusObject) => { if (s.code === OK) done(null); });
    if (m.requestStream) {
      const duplex = stream as grpc.ClientDuplexStream<Buffer, Buffer>;
      duplex.write(bytes);
      duplex.end();
    }
  });
}

function record(m: FuzzMethod, a: Answer): void {
  const k = `${m.path.split('/').pop()} ${grpc.status[a.code]}`;
  seen.set(k, (seen.get(k) ?? 0) + 1);
  if (process.env.WIRE_FUZZ_LOG) console.log(`${k}: ${a.details}`);
}

/** With WIRE_FUZZ_STATS, how many answers of each method and code the last suite got. */
function printStats(): void {
  if (process.env.WIRE_FUZZ_STATS) console.log([...seen.entries()].sort().map(([k, n]) => `${k}: ${n}`).join('\n'));
}

function metadataFor(reverseScans: boolean): grpc.Metadata {
  return reverseScans ? reverseScansMetadata() : new grpc.Metadata();
}

/** Puts the fuzz table back (with its families) if a request deleted it or dropped one. */
async function restoreTable(): Promise<void> {
  const name = `${INSTANCE}/tables/${TABLE}`;
  await callUnary(clients.tableAdmin, 'UpdateTable', { table: { name, deletionProtection: false }, updateMask: { paths: ['deletion_protection'] } }).catch(() => {});
  const t = await callUnary(clients.tableAdmin, 'GetTable', { name }).catch(() => undefined);
  if (!t) {
    // Split, so that on a cluster the tablets spread over the servers.
    await callUnary(clients.tableAdmin, 'CreateTable', {
      parent: INSTANCE, tableId: TABLE, table: { columnFamilies: Object.fromEntries(FAMILIES.map((f) => [f, {}])) },
      initialSplits: [{ key: Buffer.from('a') }, { key: Buffer.from('b') }, { key: Buffer.from('r') }],
    });
    return;
  }
  const have = Object.keys((t.columnFamilies as Record<string, unknown>) ?? {});
  const missing = FAMILIES.filter((f) => !have.includes(f));
  if (missing.length) await callUnary(clients.tableAdmin, 'ModifyColumnFamilies', { name, modifications: missing.map((id) => ({ id, create: {} })) });
}

/** The authorized view the generated names point at (`…/authorizedViews/v`), so data requests through it get past the lookup. */
async function restoreView(): Promise<void> {
  await callUnary(clients.tableAdmin, 'CreateAuthorizedView', {
    parent: `${INSTANCE}/tables/${TABLE}`, authorizedViewId: 'v',
    authorizedView: { subsetView: { rowPrefixes: [Buffer.from('a'), Buffer.from('r')], familySubsets: { [FAMILIES[0]!]: { qualifierPrefixes: [Buffer.alloc(0)] } } } },
  }).catch(() => {});
}

const canaryRows = Array.from({ length: 20 }, (_, i) => ({ key: `row-${String(i).padStart(2, '0')}`, value: `value ${i}` }));

async function readCanary(): Promise<Array<{ key: string; value: string }>> {
  const chunks = await callStream(clients.data, 'ReadRows', { tableName: CANARY });
  return chunks.flatMap((r) => (r.chunks as Array<Record<string, unknown>>))
    .map((c) => ({ key: Buffer.from(c.rowKey as Buffer).toString(), value: Buffer.from(c.value as Buffer).toString() }));
}

function fuzzSuite(name: string, start: () => Promise<FuzzTarget>, runs: number): void {
  describe(`wire fuzz (${name}): random and corrupted requests to every RPC`, () => {
    beforeAll(async () => {
      seen.clear();
      target = await start();
      clients = rawClients(target.port);
      raw = new grpc.Client(`127.0.0.1:${target.port}`, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
      await callUnary(clients.tableAdmin, 'CreateTable', { parent: 'projects/fz/instances/canary', tableId: 'keep', table: { columnFamilies: { cf: {} } } });
      await callStream(clients.data, 'MutateRows', {
        tableName: CANARY,
        entries: canaryRows.map((r) => ({ rowKey: Buffer.from(r.key), mutations: [{ setCell: { familyName: 'cf', columnQualifier: Buffer.from('q'), timestampMicros: '1000', value: Buffer.from(r.value) } }] })),
      });
      await restoreTable();
      await restoreView();
    }, 180_000);

    afterAll(async () => {
      printStats();
      raw?.close();
      clients?.close();
      await target?.stop();
    }, 60_000);

    it(`well-formed requests get a chosen status, never UNKNOWN/INTERNAL or a leaked exception (${runs} requests)`, async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(requestArb, async ({ method, request, reverseScans }) => {
          if (n++ % 20 === 0) { await restoreTable(); await restoreView(); }
          const a = await send(raw, method, encodeRequest(method.requestType, request), metadataFor(reverseScans));
          record(method, a);
          expect(target.alive(), 'a server process exited').toBe(true);
          expect([UNKNOWN, INTERNAL, DATA_LOSS, DEADLINE_EXCEEDED], `${method.path}: ${grpc.status[a.code]} ${a.details}`).not.toContain(a.code);
          expect(a.details).not.toMatch(LEAKED_ERROR);
          if (a.code !== OK) expect(a.details.length, `${method.path}: ${grpc.status[a.code]} without a message`).toBeGreaterThan(0);
        }),
        { numRuns: runs },
      );
    }, 600_000);

    it(`corrupted requests are answered (${runs} requests) and the server stays up`, async () => {
      const corruption = fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
      );
      await fc.assert(
        fc.asyncProperty(requestArb, corruption, async ({ method, request, reverseScans }, c) => {
          let b = encodeRequest(method.requestType, request);
          if (c.kind === 'flip' && b.length) { b = Buffer.from(b); b[c.at % b.length]! ^= c.xor; }
          if (c.kind === 'cut') b = b.subarray(0, b.length ? c.at % b.length : 0);
          if (c.kind === 'append') b = Buffer.concat([b, c.bytes]);
          const a = await send(raw, method, b, metadataFor(reverseScans));
          record(method, a);
          expect(target.alive(), 'a server process exited').toBe(true);
          // An undecodable message is grpc-js's INTERNAL ("Error deserializing request"); anything that decodes is held to the rules above.
          if (a.code === INTERNAL) expect(a.details).toMatch(/deserializ/i);
          expect([UNKNOWN, DATA_LOSS, DEADLINE_EXCEEDED], `${method.path}: ${grpc.status[a.code]} ${a.details}`).not.toContain(a.code);
          expect(a.details).not.toMatch(LEAKED_ERROR);
        }),
        { numRuns: runs },
      );
    }, 600_000);

    it('afterwards the server answers normally and the untouched table is intact', async () => {
      expect(target.alive()).toBe(true);
      expect(await readCanary()).toEqual(canaryRows);
      await restoreTable();
      await restoreView();
      const tableName = `${INSTANCE}/tables/${TABLE}`;
      await callUnary(clients.data, 'MutateRow', { tableName, rowKey: Buffer.from('after'), mutations: [{ setCell: { familyName: 'cf', columnQualifier: Buffer.from('q'), timestampMicros: String(Date.now() * 1000), value: Buffer.from('ok') } }] });
      const rows = await callStream(clients.data, 'ReadRows', { tableName, rows: { rowKeys: [Buffer.from('after')] }, filter: { cellsPerColumnLimitFilter: 1 } });
      const cells = rows.flatMap((r) => r.chunks as Array<Record<string, unknown>>);
      expect(cells.map((c) => Buffer.from(c.value as Buffer).toString())).toEqual(['ok']);
    }, 60_000);
  });
}

fuzzSuite('tabula serve', async () => {
  const s = await startTabula();
  return { port: s.port, alive: () => s.process.exitCode === null && s.process.signalCode === null, stop: () => s.stop() };
}, RUNS);

fuzzSuite('cluster of processes', async () => {
  const cluster = new ProcessCluster({ leaseMs: 1500, heartbeatMs: 250, tickMs: 150 });
  await cluster.startMaster();
  const servers = [await cluster.startTabletServer(), await cluster.startTabletServer()];
  const master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 5000 });
  await waitFor('two live tablet servers', async () => (await master.clusterStatus().catch(() => undefined))?.servers.filter((v) => v.live).length === 2);
  master.close();
  return {
    port: Number(servers[0]!.endpoint.split(':').pop()),
    alive: () => cluster.all.every((p) => p.process.exitCode === null && p.process.signalCode === null),
    stop: () => cluster.stopAll(),
  };
}, Math.ceil(RUNS / 3));

describe('wire fuzz (internal protocol of a cluster): random and corrupted TabletServer and Master messages', () => {
  const internal = loadProtoRoot([INTERNAL_PROTO_PATH]);
  const internalMethods = ['tabula.internal.v1.TabletServer', 'tabula.internal.v1.Master'].flatMap((s) => serviceMethods(internal, s));
  const internalArbs = new ProtoArbitraries({ instance: INSTANCE, table: TABLE, families: FAMILIES });
  const runs = Math.ceil(RUNS / 3);
  let cluster: ProcessCluster;
  let endpoints: string[] = [];
  const clientsByEndpoint = new Map<string, grpc.Client>();

  beforeAll(async () => {
    seen.clear();
    cluster = new ProcessCluster({ leaseMs: 1500, heartbeatMs: 250, tickMs: 150 });
    await cluster.startMaster();
    const server = await cluster.startTabletServer();
    endpoints = [cluster.master.endpoint, server.endpoint];
    for (const e of endpoints) clientsByEndpoint.set(e, new grpc.Client(e, grpc.credentials.createInsecure()));
    // A real table, so that messages naming its tablets' neighbours meet live state.
    const api = rawClients(Number(server.endpoint.split(':').pop()));
    await waitFor('the table is served', async () => {
      const ok = await callUnary(api.tableAdmin, 'CreateTable', { parent: INSTANCE, tableId: TABLE, table: { columnFamilies: { cf: {} } } })
        .then(() => true, (e: grpc.ServiceError) => e.code === grpc.status.ALREADY_EXISTS);
      return ok;
    });
    api.close();
  }, 180_000);

  afterAll(async () => {
    printStats();
    for (const c of clientsByEndpoint.values()) c.close();
    await cluster?.stopAll();
  }, 60_000);

  const alive = (): boolean => cluster.all.every((p) => p.process.exitCode === null && p.process.signalCode === null);

  it(`every internal message gets an answer and no process exits (${runs} well-formed, ${runs} corrupted)`, async () => {
    const arb = fc.record({
      method: fc.constantFrom(...internalMethods),
      endpoint: fc.nat(),
      corrupt: fc.option(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }), cut: fc.boolean() }), { nil: undefined, freq: 2 }),
    }).chain((r) => internalArbs.message(r.method.requestType, 3).map((request) => ({ ...r, request })));
    await fc.assert(
      fc.asyncProperty(arb, async ({ method, endpoint, corrupt, request }) => {
        let b = encodeRequest(method.requestType, request);
        if (corrupt && b.length) {
          b = Buffer.from(b);
          if (corrupt.cut) b = b.subarray(0, corrupt.at % b.length);
          else b[corrupt.at % b.length]! ^= corrupt.xor;
        }
        const a = await send(clientsByEndpoint.get(endpoints[endpoint % endpoints.length]!)!, method, b, new grpc.Metadata());
        record(method, a);
        expect(alive(), 'a server process exited').toBe(true);
        expect(a.code, `${method.path}: no answer within ${DEADLINE_MS} ms`).not.toBe(DEADLINE_EXCEEDED);
        // A message that decodes by the proto is judged by the handler, never refused as undecodable.
        if (!corrupt) expect([UNKNOWN, INTERNAL], `${method.path}: ${grpc.status[a.code]} ${a.details}`).not.toContain(a.code);
        expect(a.details).not.toMatch(LEAKED_ERROR);
      }),
      { numRuns: 2 * runs },
    );
  }, 600_000);
});

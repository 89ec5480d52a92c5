/**
 * Operations of the cluster roles with real processes (`tabula master`,
 * `tabula tablet-server`, test/cluster/cluster-processes.ts) and the official
 * @google-cloud/bigtable client:
 *
 * - plaintext: /metrics of both processes move after a workload (public and
 *   internal RPC counters, tablet and WAL metrics, master heartbeats),
 *   /readyz and grpc.health.v1 report ready/SERVING, and a tablet server is
 *   not ready while its master is down, ready again once it is back;
 * - TLS with client certificates (mTLS) and bearer tokens: the cluster
 *   works end to end (internal calls over TLS with the cluster token, table
 *   admin forwarded with the caller's token), wrong tokens are
 *   UNAUTHENTICATED, too small scopes PERMISSION_DENIED, a cluster token
 *   opens no public RPC, and a raw internal RPC without it is refused;
 * - a malformed config file or option stops `tabula master` /
 *   `tabula tablet-server` at start-up with one line naming it, exit 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Bigtable } from '@google-cloud/bigtable';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteMaster } from '../../src/rpc/master-grpc.js';
import { RemoteTabletServer } from '../../src/rpc/tablet-server-grpc.js';
import { bearerTokenInterceptor } from '../../src/ops/internal-clients.js';
import { MASTER_OPTIONS, TABLET_SERVER_OPTIONS } from '../../src/bin/cluster-commands.js';
import { DATA_SERVICE_NAME, serviceClientConstructor, TABLE_ADMIN_SERVICE_NAME } from '../../src/api/protos.js';
import { ProcessCluster, runTabula, waitFor, type ClusterProcess } from '../cluster/cluster-processes.js';
import { eventually, makeTestCertificates, officialTlsClient, sample, scrape, statusCode } from './ops-support.js';

const TABLE = 'projects/p/instances/i/tables/t';
const MUTATE_ROWS = '/google.bigtable.v2.Bigtable/MutateRows';
const READ_ROWS = '/google.bigtable.v2.Bigtable/ReadRows';
const TOKENS = { ro: 'read-only-token-1', rw: 'read-write-token-2', admin: 'admin-token-3', cluster: 'cluster-token-4' };

const clients: Bigtable[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
});

function plainClient(endpoint: string): Bigtable {
  const bt = new Bigtable({ projectId: 'p', apiEndpoint: endpoint, metricsEnabled: false, universeDomain: 'googleapis.com' } as ConstructorParameters<typeof Bigtable>[0]);
  clients.push(bt);
  return bt;
}

async function readyz(metricsPort: number): Promise<{ status: number; body: { ready: boolean; checks: Record<string, unknown> } }> {
  const r = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
  return { status: r.status, body: await r.json() as { ready: boolean; checks: Record<string, unknown> } };
}

/** grpc.health.v1 Check of `service` at `endpoint`. */
async function healthCheck(endpoint: string, service: string, creds = grpc.credentials.createInsecure()): Promise<string> {
  const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  const client = new pkg.grpc.health.v1.Health(endpoint, creds) as unknown as grpc.Client & {
    Check(req: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
  };
  try {
    return await new Promise((resolve, reject) => client.Check({ service }, { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r.status))));
  } finally {
    client.close();
  }
}

const code = statusCode;

async function allServed(master: RemoteMaster): Promise<boolean> {
  const s = await master.clusterStatus().catch(() => undefined);
  if (!s) return false;
  const live = new Set(s.servers.filter((v) => v.live).map((v) => v.serverId));
  return s.tablets.length > 0 && s.tablets.every((t) => t.state === 'serving' && live.has(t.server));
}

describe('metrics, probes and health of a plaintext cluster', () => {
  let cluster: ProcessCluster;
  let ts: ClusterProcess;
  let master: RemoteMaster;

  beforeAll(async () => {
    cluster = new ProcessCluster({ leaseMs: 1500, heartbeatMs: 250, tickMs: 150, args: ['--metrics-port', '0', '--log-level', 'info'] });
    await cluster.startMaster();
    ts = await cluster.startTabletServer();
    master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 5000 });
  }, 120_000);

  afterAll(async () => {
    master?.close();
    await cluster?.stopAll();
  }, 60_000);

  it('both processes are ready and report SERVING over grpc.health.v1', async () => {
    expect(cluster.master.metricsPort).toBeGreaterThan(0);
    expect(ts.metricsPort).toBeGreaterThan(0);
    expect(await readyz(cluster.master.metricsPort!)).toEqual({ status: 200, body: { ready: true, checks: { catalog: true } } });
    await eventually(async () => (await readyz(ts.metricsPort!)).status === 200);
    expect((await readyz(ts.metricsPort!)).body).toEqual({ ready: true, checks: { tablets: true, master: true } });
    expect((await fetch(`http://127.0.0.1:${ts.metricsPort}/healthz`)).status).toBe(200);
    for (const [p, internal] of [[cluster.master, 'tabula.internal.v1.Master'], [ts, 'tabula.internal.v1.TabletServer']] as const) {
      expect(await healthCheck(p.endpoint, '')).toBe('SERVING');
      expect(await healthCheck(p.endpoint, 'google.bigtable.v2.Bigtable')).toBe('SERVING');
      expect(await healthCheck(p.endpoint, internal)).toBe('SERVING');
    }
  }, 60_000);

  it('a workload through the official client moves RPC, tablet and WAL metrics on both processes', async () => {
    const before = await scrape(ts.metricsPort!);
    expect(sample(before, 'tabula_rpc_total', { method: MUTATE_ROWS }, 0)).toBe(0);
    expect(sample(before, 'tabula_tablets')).toBe(0);

    const [table] = await plainClient(cluster.master.endpoint).instance('i').createTable('t', { families: ['f'] });
    await waitFor('tablets served', () => allServed(master));
    // Writes through the tablet server (its own tablet), reads through the master (routed over the internal service).
    const viaTs = plainClient(ts.endpoint).instance('i').table('t');
    await viaTs.insert(Array.from({ length: 50 }, (_, i) => ({ key: `r${String(i).padStart(3, '0')}`, data: { f: { q: `v${i}` } } })));
    const [rows] = await table.getRows();
    expect(rows).toHaveLength(50);

    const t = await scrape(ts.metricsPort!);
    expect(sample(t, 'tabula_rpc_total', { method: MUTATE_ROWS, code: 'OK' })).toBeGreaterThanOrEqual(1);
    expect(sample(t, 'tabula_rpc_duration_seconds_count', { method: MUTATE_ROWS, code: 'OK' })).toBeGreaterThanOrEqual(1);
    expect(sample(t, 'tabula_rpc_total', { method: '/tabula.internal.v1.TabletServer/ReadRows', code: 'OK' })).toBeGreaterThanOrEqual(1);
    expect(sample(t, 'tabula_rpc_total', { method: '/tabula.internal.v1.TabletServer/OpenTablet', code: 'OK' })).toBe(1);
    expect(sample(t, 'tabula_tablets')).toBe(1);
    expect(sample(t, 'tabula_memtable_bytes')).toBeGreaterThan(0);
    expect(sample(t, 'tabula_wal_bytes_total')).toBeGreaterThan(0);
    expect(sample(t, 'tabula_wal_group_records_count')).toBeGreaterThan(0);
    expect(sample(t, 'tabula_block_cache_capacity_bytes')).toBeGreaterThan(0);

    const m = await scrape(cluster.master.metricsPort!);
    expect(sample(m, 'tabula_rpc_total', { method: '/google.bigtable.admin.v2.BigtableTableAdmin/CreateTable', code: 'OK' })).toBe(1);
    expect(sample(m, 'tabula_rpc_total', { method: READ_ROWS, code: 'OK' })).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'tabula_rpc_total', { method: '/tabula.internal.v1.Master/Heartbeat', code: 'OK' })).toBeGreaterThan(1);
    expect(sample(m, 'tabula_rpc_total', { method: '/tabula.internal.v1.Master/RegisterServer', code: 'OK' })).toBe(1);
    expect(sample(m, 'tabula_master_moves_total')).toBe(0);
    expect(sample(m, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  }, 90_000);

  it('a tablet server is not ready while its master is down, and ready again once the master is back', async () => {
    await cluster.master.kill();
    await eventually(async () => (await readyz(ts.metricsPort!)).status === 503, 30_000);
    const down = await readyz(ts.metricsPort!);
    expect(down.body.ready).toBe(false);
    expect(String(down.body.checks.master)).toMatch(/heartbeat failed|lease expired|register failed/);
    expect((await fetch(`http://127.0.0.1:${ts.metricsPort}/healthz`)).status).toBe(200); // alive throughout

    await cluster.startMaster(); // same port, same catalog
    await eventually(async () => (await readyz(ts.metricsPort!)).status === 200, 60_000);
    expect((await readyz(ts.metricsPort!)).body).toEqual({ ready: true, checks: { tablets: true, master: true } });
    const [rows] = await plainClient(ts.endpoint).instance('i').table('t').getRows();
    expect(rows).toHaveLength(50);
  }, 120_000);

  it('SIGTERM: each process drains, flushes (tablet server) and exits 0', async () => {
    await ts.stop();
    expect(ts.process.exitCode).toBe(0);
    expect(ts.output()).toMatch(/"drainMs":\d+,"flushMs":\d+,"msg":"shutdown complete"/);
    await cluster.master.stop();
    expect(cluster.master.process.exitCode).toBe(0);
    expect(cluster.master.output()).toMatch(/"msg":"shutdown complete"/);
  }, 60_000);
});

describe('a cluster with TLS, client certificates and bearer tokens', () => {
  let dir: string;
  let ca: Buffer;
  let cluster: ProcessCluster;
  let ts: ClusterProcess;


  /** Channel credentials of a client trusting our CA and presenting client.pem (the cluster requires client certificates). */
  function tlsCreds(): grpc.ChannelCredentials {
    return grpc.credentials.createSsl(ca, readFileSync(join(dir, 'client.key')), readFileSync(join(dir, 'client.pem')));
  }

  function officialClient(endpoint: string, token: string | undefined): Bigtable {
    const bt = officialTlsClient(endpoint, ca, token, { key: readFileSync(join(dir, 'client.key')), cert: readFileSync(join(dir, 'client.pem')) });
    clients.push(bt);
    return bt;
  }

  const noRetry = { gaxOptions: { timeout: 20_000, retry: { retryCodes: [] } } } as never;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tabula-cluster-tls-'));
    // One CA; one certificate shared by every process (SAN 127.0.0.1, localhost), also used as their client certificate; one for the test's clients.
    makeTestCertificates(dir);
    ca = readFileSync(join(dir, 'ca.pem'));
    writeFileSync(join(dir, 'tokens.json'), JSON.stringify({
      tokens: [
        { token: TOKENS.ro, scope: 'read-only', name: 'dashboards' },
        { token: TOKENS.rw, scope: 'read-write', name: 'ingest' },
        { token: TOKENS.admin, scope: 'admin', name: 'ops' },
        { token: TOKENS.cluster, scope: 'cluster', name: 'tabula processes' },
      ],
    }));
    cluster = new ProcessCluster({
      leaseMs: 1500, heartbeatMs: 250, tickMs: 150,
      args: [
        '--tls-cert', join(dir, 'server.pem'), '--tls-key', join(dir, 'server.key'), '--tls-ca', join(dir, 'ca.pem'),
        '--tls-client-ca', join(dir, 'ca.pem'), '--auth-token-file', join(dir, 'tokens.json'), '--metrics-port', '0', '--log-level', 'warn',
      ],
    });
    await cluster.startMaster();
    ts = await cluster.startTabletServer();
    await eventually(async () => (await readyz(ts.metricsPort!)).status === 200, 30_000);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('works end to end: admin through a tablet server (forwarded with the caller\'s token), writes there, reads through the master', async () => {
    await officialClient(ts.endpoint, TOKENS.admin).instance('i').createTable('t', { families: ['f'] });
    const admin = new RemoteMaster(cluster.master.endpoint, {
      deadlineMs: 5000, credentials: tlsCreds(), channelOptions: { interceptors: [bearerTokenInterceptor(TOKENS.admin)] },
    });
    try {
      await waitFor('tablets served', () => allServed(admin)); // operator commands take an admin token
    } finally {
      admin.close();
    }
    const rw = officialClient(ts.endpoint, TOKENS.rw).instance('i').table('t');
    await rw.insert([{ key: 'r1', data: { f: { q: 'v1' } } }, { key: 'r2', data: { f: { q: 'v2' } } }]);
    const [rows] = await officialClient(cluster.master.endpoint, TOKENS.ro).instance('i').table('t').getRows();
    expect(rows.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(rows[1]!.data.f.q[0].value).toBe('v2');
    expect(await healthCheck(ts.endpoint, '', tlsCreds())).toBe('SERVING');
  }, 90_000);

  it('a wrong token is UNAUTHENTICATED, too small a scope PERMISSION_DENIED, on either process', async () => {
    for (const p of [ts, cluster.master]) {
      const wrong = officialClient(p.endpoint, 'not-a-known-token').instance('i');
      expect(await code(wrong.table('t').getRows(noRetry))).toBe(grpc.status.UNAUTHENTICATED);
      expect(await code(wrong.getTables(noRetry))).toBe(grpc.status.UNAUTHENTICATED);
      const ro = officialClient(p.endpoint, TOKENS.ro).instance('i');
      expect(await code(ro.table('t').row('x').save({ f: { q: 'x' } }, noRetry))).toBe(grpc.status.PERMISSION_DENIED);
      const rw = officialClient(p.endpoint, TOKENS.rw).instance('i');
      expect(await code(rw.createTable('t2', { families: ['f'] }))).toBe(grpc.status.PERMISSION_DENIED);
    }
    const [rows] = await officialClient(ts.endpoint, TOKENS.ro).instance('i').table('t').getRows();
    expect(rows.map((r) => r.id)).toEqual(['r1', 'r2']); // nothing was written
  }, 90_000);

  it('the cluster token opens no public RPC', async () => {
    const c = officialClient(ts.endpoint, TOKENS.cluster).instance('i');
    expect(await code(c.table('t').getRows(noRetry))).toBe(grpc.status.PERMISSION_DENIED);
    expect(await code(c.table('t').row('x').save({ f: { q: 'x' } }, noRetry))).toBe(grpc.status.PERMISSION_DENIED);
    expect(await code(c.getTables(noRetry))).toBe(grpc.status.PERMISSION_DENIED);
  }, 60_000);

  it('a raw internal RPC needs the cluster token: none is UNAUTHENTICATED, a user token (even admin) PERMISSION_DENIED', async () => {
    const stub = (token?: string) => new RemoteTabletServer(ts.endpoint, ts.id, {
      deadlineMs: 10_000, credentials: tlsCreds(), channelOptions: token ? { interceptors: [bearerTokenInterceptor(token)] } : {},
    });
    const masterStub = (token?: string) => new RemoteMaster(cluster.master.endpoint, {
      deadlineMs: 10_000, credentials: tlsCreds(), channelOptions: token ? { interceptors: [bearerTokenInterceptor(token)] } : {},
    });
    const stubs = [stub(), stub(TOKENS.admin), stub(TOKENS.cluster), masterStub(), masterStub(TOKENS.admin), masterStub(TOKENS.cluster)];
    const [none, admin, clusterToken, mNone, mAdmin, mCluster] = stubs as [RemoteTabletServer, RemoteTabletServer, RemoteTabletServer, RemoteMaster, RemoteMaster, RemoteMaster];
    try {
      expect(await code(none.ping())).toBe(grpc.status.UNAUTHENTICATED);
      expect(await code(none.closeTablet('any', { flush: false }))).toBe(grpc.status.UNAUTHENTICATED);
      expect(await code(admin.ping())).toBe(grpc.status.PERMISSION_DENIED);
      expect(await clusterToken.ping()).toBe(ts.id);
      expect(await code(mNone.locateTable(TABLE))).toBe(grpc.status.UNAUTHENTICATED);
      expect(await code(mNone.registerServer('intruder', '127.0.0.1:1'))).toBe(grpc.status.UNAUTHENTICATED);
      expect(await code(mAdmin.heartbeat('intruder', []))).toBe(grpc.status.PERMISSION_DENIED);
      expect((await mCluster.locateTable(TABLE)).length).toBe(1);
      // Operator commands are for admins, not for the processes' token.
      expect(await code(mCluster.clusterStatus())).toBe(grpc.status.PERMISSION_DENIED);
      expect((await mAdmin.clusterStatus()).servers.map((s) => s.serverId)).toEqual([ts.id]);
    } finally {
      for (const s of stubs) s.close();
    }
    const m = await scrape(cluster.master.metricsPort!);
    expect(sample(m, 'tabula_rpc_total', { method: '/tabula.internal.v1.Master/LocateTable', code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(m, 'tabula_rpc_total', { method: '/tabula.internal.v1.Master/Heartbeat', code: 'PERMISSION_DENIED' })).toBe(1);
  }, 60_000);

  it('`tabula cluster status` reaches the secured master with --tls-ca, a client certificate and an admin token', async () => {
    writeFileSync(join(dir, 'admin.token'), `${TOKENS.admin}\n`);
    const base = ['cluster', 'status', '--master', cluster.master.endpoint, '--tls-ca', join(dir, 'ca.pem')];
    // The master requires client certificates: without one the command cannot connect.
    const cert = ['--tls-cert', join(dir, 'client.pem'), '--tls-key', join(dir, 'client.key')];
    const ok = await runTabula([...base, ...cert, '--token-file', join(dir, 'admin.token')]);
    expect(ok.stderr).not.toContain('tabula cluster status:'); // (node warns about TLS to an IP address; that is all)
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(ts.id);
    // Without a token: UNAUTHENTICATED; without a client certificate the master does not even talk.
    const noToken = await runTabula([...base, ...cert]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^tabula cluster status: .*missing "Bearer <token>"/m);
    const noCert = await runTabula([...base, '--token-file', join(dir, 'admin.token')]);
    expect(noCert.code).toBe(1);
  }, 60_000);
});

describe('a cluster with bearer tokens and no TLS', () => {
  let dir: string;
  let cluster: ProcessCluster;
  let ts: ClusterProcess;
  const raw: grpc.Client[] = [];

  type Unary = (req: object, cb: (e: grpc.ServiceError | null, r: Record<string, unknown>) => void) => void;
  /** A plaintext client of `service` at `endpoint` that sends `token` (grpc-js sends no call credentials without TLS, so: an interceptor). */
  function client(service: string, endpoint: string, token?: string): Record<string, Unary> {
    const Ctor = serviceClientConstructor(service);
    const c = new Ctor(endpoint, grpc.credentials.createInsecure(), token ? { interceptors: [bearerTokenInterceptor(token)] } : {});
    raw.push(c);
    return c as unknown as Record<string, Unary>;
  }
  const call = (c: Record<string, Unary>, method: string, req: object) =>
    new Promise<Record<string, unknown>>((resolve, reject) => c[method]!.call(c, req, (e, r) => (e ? reject(e) : resolve(r))));
  const readKeys = (endpoint: string, token: string) => new Promise<string[]>((resolve, reject) => {
    const c = client(DATA_SERVICE_NAME, endpoint, token) as unknown as { ReadRows(req: object): grpc.ClientReadableStream<{ chunks: Array<{ rowKey?: Buffer }> }> };
    const keys: string[] = [];
    const s = c.ReadRows({ tableName: TABLE });
    s.on('data', (d) => { for (const ch of d.chunks) if (ch.rowKey?.length) keys.push(ch.rowKey.toString()); });
    s.on('error', reject);
    s.on('end', () => resolve(keys));
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tabula-cluster-tokens-'));
    writeFileSync(join(dir, 'tokens.json'), JSON.stringify({
      tokens: [{ token: TOKENS.rw, scope: 'read-write' }, { token: TOKENS.admin, scope: 'admin' }, { token: TOKENS.cluster, scope: 'cluster' }],
    }));
    cluster = new ProcessCluster({
      leaseMs: 1500, heartbeatMs: 250, tickMs: 150, args: ['--auth-token-file', join(dir, 'tokens.json'), '--metrics-port', '0', '--log-level', 'warn'],
    });
    await cluster.startMaster();
    ts = await cluster.startTabletServer();
  }, 120_000);

  afterAll(async () => {
    for (const c of raw) c.close();
    await cluster?.stopAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('registers, serves and routes with the cluster token over plaintext; user calls need their own token', async () => {
    await eventually(async () => (await readyz(ts.metricsPort!)).status === 200, 30_000);
    await call(client(TABLE_ADMIN_SERVICE_NAME, ts.endpoint, TOKENS.admin), 'CreateTable', {
      parent: 'projects/p/instances/i', tableId: 't', table: { columnFamilies: { f: {} } },
    });
    await eventually(async () => (await readyz(ts.metricsPort!)).status === 200 && sample(await scrape(ts.metricsPort!), 'tabula_tablets') === 1, 30_000);
    await call(client(DATA_SERVICE_NAME, ts.endpoint, TOKENS.rw), 'MutateRow', {
      tableName: TABLE, rowKey: Buffer.from('r1'), mutations: [{ setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: -1, value: Buffer.from('v') } }],
    });
    expect(await readKeys(cluster.master.endpoint, TOKENS.rw)).toEqual(['r1']); // master → tablet server with the cluster token
    expect(await code(readKeys(cluster.master.endpoint, 'wrong-token-0'))).toBe(grpc.status.UNAUTHENTICATED);
    expect(await code(call(client(DATA_SERVICE_NAME, ts.endpoint), 'MutateRow', { tableName: TABLE, rowKey: Buffer.from('r2'), mutations: [] })))
      .toBe(grpc.status.UNAUTHENTICATED);
    const noToken = new RemoteTabletServer(ts.endpoint, ts.id, { deadlineMs: 10_000 });
    try {
      expect(await code(noToken.ping())).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      noToken.close();
    }
  }, 90_000);
});

describe('bad configuration stops the cluster roles at start-up naming the option', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tabula-cluster-config-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('a malformed config file for `tabula master`', async () => {
    const bad = await runTabula(['master', '--port', '0', '--data', dir, '--config', file('bad.json', '{"leaseMs": "soon"}')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^tabula master: --config .*bad\.json: option "leaseMs": must be a positive number of milliseconds$/);
    expect(bad.stdout).not.toContain('listening');
    const broken = await runTabula(['master', '--port', '0', '--data', dir, '--config', file('broken.json', '{"metricsPort": 9090,')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr.trim()).toMatch(/^tabula master: --config .*broken\.json: cannot read it as JSON/);
    const unknown = await runTabula(['master', '--port', '0', '--data', dir, '--config', file('unknown.json', '{"heartbeatMs": 100}')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option "heartbeatMs" \(known: .*leaseMs/);
  }, 90_000);

  it('bad flags, env vars and unusable settings are one line and exit 2', async () => {
    const flag = await runTabula(['master', '--lease-ms', 'abc']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toBe('tabula master: option \'--lease-ms <ms>\' argument \'abc\' is invalid. must be a positive number of milliseconds');
    const noMaster = await runTabula(['tablet-server', '--port', '0', '--data', dir]);
    expect(noMaster.code).toBe(2);
    expect(noMaster.stderr.trim()).toBe('tabula tablet-server: --master: required (HOST:PORT of the master; env TABULA_MASTER)');
    // A token file without a cluster-scope token cannot secure internal calls.
    const tokens = file('user-tokens.json', JSON.stringify({ tokens: [{ token: TOKENS.admin, scope: 'admin' }] }));
    const noCluster = await runTabula(['master', '--port', '0', '--data', dir, '--auth-token-file', tokens]);
    expect(noCluster.code).toBe(2);
    expect(noCluster.stderr.trim()).toMatch(/^tabula master: --auth-token-file .*user-tokens\.json: needs a token of scope "cluster"/);
    const ca = await runTabula(['tablet-server', '--master', '127.0.0.1:1', '--port', '0', '--data', dir, '--tls-ca', file('ca.pem', 'x')]);
    expect(ca.code).toBe(2);
    expect(ca.stderr.trim()).toMatch(/^tabula tablet-server: --tls-ca: needs --tls-cert and --tls-key/);
  }, 90_000);

  it('--help lists every option of the schema with its env var and default', async () => {
    for (const [role, specs] of [['master', MASTER_OPTIONS], ['tablet-server', TABLET_SERVER_OPTIONS]] as const) {
      const r = await runTabula([role, '--help']);
      expect(r.code).toBe(0);
      const help = r.stdout.replace(/\s+/g, ' ');
      for (const spec of specs) {
        expect(help).toContain(spec.flag);
        if (spec.env) expect(help).toContain(`env: ${spec.env}`);
        if (spec.default !== undefined || spec.defaultText) expect(help).toMatch(new RegExp(`${spec.flag.split(' ')[0]} [^]*?default: `));
      }
      for (const f of ['--metrics-port', '--tls-ca', '--auth-token-file', '--drain-timeout', '--max-message-size']) expect(help).toContain(f);
    }
  }, 60_000);
});

/**
 * Metrics, probes and gRPC health of a real embedded server (serve() in this
 * process, real gRPC and HTTP on loopback): /readyz is 503 while tablets load,
 * a workload through the official client moves the RPC, WAL, flush and block
 * cache metrics, grpc.health.v1 says SERVING, and a cancelled large ReadRows
 * stops sending (the messages-sent counter stops growing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Bigtable } from '@google-cloud/bigtable';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type EmbeddedServer } from '../../src/bin/serve.js';
import { rawClients, type RawClients } from '../api/api-clients.js';
import { eventually, sample, scrape } from './ops-support.js';

const READ_ROWS = '/google.bigtable.v2.Bigtable/ReadRows';
const ROWS = 40;
const VALUE = Buffer.alloc(1 << 20, 7); // 40 x 1 MiB: more than one 32 MiB memtable, so a flush runs

let dir: string;
let server: EmbeddedServer;
let bt: Bigtable;
let raw: RawClients;
let readyBeforeLoad: { status: number; body: { ready: boolean; checks: Record<string, unknown> } };
let healthzBeforeLoad: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tabula-ops-'));
  let metricsPort = 0;
  server = await serve({
    data: dir, host: '127.0.0.1', port: 0, ops: { metricsPort: 0, logLevel: 'silent' },
    onMetricsListening: (p) => { metricsPort = p; },
    // Probe while the server is still before loading its tablets.
    beforeLoad: async () => {
      const r = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
      readyBeforeLoad = { status: r.status, body: await r.json() as typeof readyBeforeLoad.body };
      healthzBeforeLoad = (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status;
    },
  });
  bt = new Bigtable({ projectId: 'p', apiEndpoint: `127.0.0.1:${server.port}`, metricsEnabled: false, universeDomain: 'googleapis.com' } as ConstructorParameters<typeof Bigtable>[0]);
  raw = rawClients(server.port);
}, 60_000);

afterAll(async () => {
  raw?.close();
  await bt?.close().catch(() => undefined);
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('probes', () => {
  it('/readyz is 503 until tablets are loaded, /healthz is alive throughout', async () => {
    expect(healthzBeforeLoad).toBe(200);
    expect(readyBeforeLoad.status).toBe(503);
    expect(readyBeforeLoad.body).toEqual({ ready: false, checks: { tablets: 'loading' } });
    const r = await fetch(`http://127.0.0.1:${server.metricsPort}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ready: true, checks: { tablets: true, master: true } });
    expect((await fetch(`http://127.0.0.1:${server.metricsPort}/nope`)).status).toBe(404);
  });

  it('grpc.health.v1.Health reports SERVING for the server and the Bigtable service, NOT_FOUND for others', async () => {
    const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Check(req: object, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
    };
    const check = (service: string) => new Promise<{ status: string } | grpc.ServiceError>((resolve) => {
      client.Check({ service }, (e, r) => resolve(e ?? r));
    });
    try {
      expect(await check('')).toEqual({ status: 'SERVING' });
      expect(await check('google.bigtable.v2.Bigtable')).toEqual({ status: 'SERVING' });
      expect((await check('no.such.Service') as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });
});

describe('metrics after a workload', () => {
  it('RPC, WAL, flush, memtable, tablet and block-cache metrics move', async () => {
    const before = await scrape(server.metricsPort!);
    expect(() => sample(before, 'tabula_rpc_total', { method: '/google.bigtable.v2.Bigtable/MutateRows' })).toThrow();
    expect(sample(before, 'tabula_wal_sync_duration_seconds_count')).toBe(0);
    expect(sample(before, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);

    const [table] = await bt.instance('i').createTable('ops', { families: ['f'] });
    for (let i = 0; i < ROWS; i += 4) {
      await table.insert([0, 1, 2, 3].map((j) => ({ key: `row${String(i + j).padStart(3, '0')}`, data: { f: { q: VALUE } } })));
    }
    // Table creation and the writes are RPCs with status OK, counted and timed.
    await eventually(async () => sample(await scrape(server.metricsPort!), 'tabula_lsm_jobs_total', { kind: 'flush', outcome: 'ok' }) >= 1, 60_000);
    // The flushed SSTable is installed in the tablet just after the job ends.
    await eventually(async () => sample(await scrape(server.metricsPort!), 'tabula_tablet_sstables') >= 1, 60_000);
    const [rows] = await table.getRows({ keys: ['row005'] });
    expect(rows).toHaveLength(1);

    const after = await scrape(server.metricsPort!);
    expect(sample(after, 'tabula_rpc_total', { method: '/google.bigtable.v2.Bigtable/MutateRows', code: 'OK' })).toBe(ROWS / 4);
    expect(sample(after, 'tabula_rpc_duration_seconds_count', { method: '/google.bigtable.v2.Bigtable/MutateRows', code: 'OK' })).toBe(ROWS / 4);
    expect(sample(after, 'tabula_rpc_total', { method: '/google.bigtable.admin.v2.BigtableTableAdmin/CreateTable', code: 'OK' })).toBe(1);
    expect(sample(after, 'tabula_wal_sync_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    // One WAL record per MutateRows request (its rows are applied atomically per row, logged together).
    expect(sample(after, 'tabula_wal_group_records_sum')).toBeGreaterThanOrEqual(ROWS / 4);
    expect(sample(after, 'tabula_wal_bytes_total')).toBeGreaterThan(ROWS * VALUE.length);
    expect(sample(after, 'tabula_lsm_job_bytes_written_total', { kind: 'flush' })).toBeGreaterThan(16 << 20);
    expect(sample(after, 'tabula_lsm_job_duration_seconds_count', { kind: 'flush' })).toBeGreaterThanOrEqual(1);
    // Served (sample throws for a missing series); whether this small load stalled depends on the disk.
    expect(sample(after, 'tabula_write_stall_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'tabula_tablets')).toBe(1);
    expect(sample(after, 'tabula_tablet_sstables')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'tabula_tablet_sorted_runs')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'tabula_tablet_sorted_runs')).toBeLessThanOrEqual(sample(after, 'tabula_tablet_sstables'));
    expect(sample(after, 'tabula_memtable_bytes')).toBeGreaterThan(0);
    // The point read of a flushed row went through the block cache.
    expect(sample(after, 'tabula_block_cache_misses_total') + sample(after, 'tabula_block_cache_hits_total')).toBeGreaterThan(0);
    expect(sample(after, 'tabula_block_cache_recycled_total')).toBeGreaterThanOrEqual(0); // served; a cache this big never evicts here
    expect(sample(after, 'tabula_master_splits_total')).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'tabula_master_backups_total')).toBe(0);
    expect(sample(after, 'tabula_master_restores_total')).toBe(0);
  }, 120_000);

  it('a cancelled large ReadRows stops the server sending (visible in metrics)', async () => {
    const tableName = 'projects/p/instances/i/tables/ops';
    // A full read first: how many messages the whole scan takes.
    const m0 = sample(await scrape(server.metricsPort!), 'tabula_rpc_messages_sent_total', { method: READ_ROWS }, 0);
    let fullRows = 0;
    await new Promise<void>((resolve, reject) => {
      const call = (raw.data as unknown as { ReadRows(req: object): grpc.ClientReadableStream<{ chunks?: Array<{ commitRow?: boolean }> }> }).ReadRows({ tableName });
      call.on('data', (r) => { fullRows += (r.chunks ?? []).filter((c: { commitRow?: boolean }) => c.commitRow).length; });
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    expect(fullRows).toBe(ROWS);
    const m1 = sample(await scrape(server.metricsPort!), 'tabula_rpc_messages_sent_total', { method: READ_ROWS });
    const fullMessages = m1 - m0;
    expect(fullMessages).toBeGreaterThanOrEqual(ROWS);

    // Now the same scan, cancelled after the first response.
    await new Promise<void>((resolve) => {
      const call = (raw.data as unknown as { ReadRows(req: object): grpc.ClientReadableStream<unknown> }).ReadRows({ tableName });
      call.once('data', () => call.cancel());
      call.on('error', () => resolve()); // CANCELLED on the client side
      call.on('end', () => resolve());
    });
    await eventually(async () => sample(await scrape(server.metricsPort!), 'tabula_rpc_total', { method: READ_ROWS, code: 'CANCELLED' }) === 1);
    const m2 = sample(await scrape(server.metricsPort!), 'tabula_rpc_messages_sent_total', { method: READ_ROWS });
    await new Promise((r) => setTimeout(r, 1500));
    const m3 = sample(await scrape(server.metricsPort!), 'tabula_rpc_messages_sent_total', { method: READ_ROWS });
    expect(m3).toBe(m2); // nothing more is produced for the cancelled call
    expect(m2 - m1).toBeLessThan(fullMessages / 2); // and it stopped well before the end of the scan
    expect(sample(await scrape(server.metricsPort!), 'tabula_rpc_in_flight', { method: READ_ROWS })).toBe(0);
  }, 60_000);

  it('a ReadRows past its deadline ends with DEADLINE_EXCEEDED and the server stops its work', async () => {
    const tableName = 'projects/p/instances/i/tables/ops';
    const client = raw.data as unknown as { ReadRows(req: object, md: grpc.Metadata, o: grpc.CallOptions): grpc.ClientReadableStream<unknown> };
    const code = await new Promise<number>((resolve) => {
      const call = client.ReadRows({ tableName }, new grpc.Metadata(), { deadline: Date.now() + 1000 });
      call.once('data', () => call.pause()); // a stalled consumer: the deadline passes mid-stream
      call.on('error', (e: grpc.ServiceError) => resolve(e.code));
      call.on('end', () => resolve(grpc.status.OK));
    });
    expect(code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await eventually(async () => sample(await scrape(server.metricsPort!), 'tabula_rpc_in_flight', { method: READ_ROWS }) === 0);
    const text = await scrape(server.metricsPort!);
    const ended = sample(text, 'tabula_rpc_total', { method: READ_ROWS, code: 'DEADLINE_EXCEEDED' }, 0) + sample(text, 'tabula_rpc_total', { method: READ_ROWS, code: 'CANCELLED' }, 0);
    expect(ended).toBe(2); // the cancelled call of the previous test and this one
    const m1 = sample(text, 'tabula_rpc_messages_sent_total', { method: READ_ROWS });
    await new Promise((r) => setTimeout(r, 1000));
    expect(sample(await scrape(server.metricsPort!), 'tabula_rpc_messages_sent_total', { method: READ_ROWS })).toBe(m1);
  }, 60_000);
});

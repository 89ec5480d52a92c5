/**
 * --max-concurrent-streams: with a limit of 1, a second call on the same
 * connection waits until the first ends (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS),
 * rather than running beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type EmbeddedServer } from '../../src/bin/serve.js';
import { rawClients, type RawClients } from '../api/api-clients.js';

let dir: string;
let server: EmbeddedServer;
let raw: RawClients;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tabula-limits-'));
  server = await serve({ data: dir, host: '127.0.0.1', port: 0, ops: { maxConcurrentStreams: 1, logLevel: 'silent' } });
  raw = rawClients(server.port);
}, 60_000);

afterAll(async () => {
  raw?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

type Unary = (req: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void) => void;

function ping(deadlineMs: number): Promise<number> {
  return new Promise((resolve) => {
    (raw.data as unknown as { PingAndWarm: Unary }).PingAndWarm({ name: 'projects/p/instances/i' }, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (e) => resolve(e ? e.code : 0));
  });
}

it('a second call waits for the only stream slot', async () => {
  expect(await ping(10_000)).toBe(0); // the connection is up
  // Hold the one slot with a paused ReadRows of 40 MiB: far more than the HTTP/2 windows, so the server cannot finish it.
  const Admin = raw.tableAdmin as unknown as { CreateTable: Unary };
  await new Promise<void>((resolve, reject) => Admin.CreateTable({ parent: 'projects/p/instances/i', tableId: 't', table: { columnFamilies: { f: {} } } }, new grpc.Metadata(), {}, (e) => (e ? reject(e) : resolve())));
  const rows = Array.from({ length: 40 }, (_, i) => ({ rowKey: Buffer.from(`r${i}`), mutations: [{ setCell: { familyName: 'f', columnQualifier: Buffer.from('q'), timestampMicros: -1, value: Buffer.alloc(1 << 20) } }] }));
  await new Promise<void>((resolve, reject) => {
    const call = (raw.data as unknown as { MutateRows(req: object): grpc.ClientReadableStream<unknown> }).MutateRows({ tableName: 'projects/p/instances/i/tables/t', entries: rows });
    call.on('data', () => {});
    call.on('error', reject);
    call.on('end', () => resolve());
  });
  const held = (raw.data as unknown as { ReadRows(req: object): grpc.ClientReadableStream<unknown> }).ReadRows({ tableName: 'projects/p/instances/i/tables/t' });
  const heldDone = new Promise<void>((resolve) => { held.on('error', () => resolve()); held.on('end', () => resolve()); });
  await new Promise<void>((resolve) => held.once('data', () => { held.pause(); resolve(); }));
  expect(await ping(1500)).toBe(grpc.status.DEADLINE_EXCEEDED);
  held.cancel();
  await heldDone;
  expect(await ping(10_000)).toBe(0);
}, 60_000);

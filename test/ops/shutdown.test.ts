/**
 * Graceful shutdown of a real `tabula serve` process: SIGTERM marks it not
 * ready, drains calls, flushes memtables to SSTables and closes the WAL, then
 * exits 0; a restart on the same directory serves the data.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Bigtable } from '@google-cloud/bigtable';
import { rawClients } from '../api/api-clients.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startTabula, type RunningServer } from '../support/servers.js';

const started: RunningServer[] = [];
const clients: Bigtable[] = [];

function client(port: number): Bigtable {
  const bt = new Bigtable({ projectId: 'p', apiEndpoint: `127.0.0.1:${port}`, metricsEnabled: false, universeDomain: 'googleapis.com' } as ConstructorParameters<typeof Bigtable>[0]);
  clients.push(bt);
  return bt;
}

function sstables(dataDir: string): string[] {
  const d = join(dataDir, 'sst');
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.sst')) : [];
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all(started.map((s) => s.kill()));
}, 60_000);

describe('graceful shutdown', () => {
  it('SIGTERM flushes the memtable to an SSTable, exits 0, and a restart serves the rows', async () => {
    const metricsPort = await freePort();
    const s = await startTabula({ args: ['--metrics-port', String(metricsPort)] });
    started.push(s);
    let out = '';
    let err = '';
    s.process.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    s.process.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    const [table] = await client(s.port).instance('i').createTable('t', { families: ['f'] });
    await table.insert(Array.from({ length: 50 }, (_, i) => ({ key: `r${String(i).padStart(2, '0')}`, data: { f: { q: `v${i}` } } })));
    expect(sstables(s.dataDir)).toEqual([]); // small: still only in the memtable and WAL
    expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);

    const exit = new Promise<number | null>((resolve) => s.process.once('exit', (code) => resolve(code)));
    await s.stop();
    expect(await exit).toBe(0);
    expect(out).toContain('SIGTERM, draining calls, flushing and shutting down');
    expect(sstables(s.dataDir).length).toBeGreaterThanOrEqual(1);
    await expect(fetch(`http://127.0.0.1:${metricsPort}/healthz`)).rejects.toThrow();
    // One JSON log line per significant event, with durations and sizes (default level info).
    const lines = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const flush = lines.find((l) => l.msg === 'flush');
    expect(flush).toMatchObject({ c: 'tablet', entries: 50 });
    expect(flush!.bytesOut).toBeGreaterThan(0);
    expect(flush!.ms).toBeGreaterThanOrEqual(0);
    const done = lines.find((l) => l.msg === 'shutdown complete');
    expect(done).toMatchObject({ c: 'serve' });
    expect(typeof done!.drainMs).toBe('number');

    const again = await startTabula({ dataDir: s.dataDir });
    started.push(again);
    const [rows] = await client(again.port).instance('i').table('t').getRows();
    expect(rows).toHaveLength(50);
    expect(rows[49]!.data.f.q[0].value).toBe('v49');
  }, 90_000);

  it('SIGTERM lets a running ReadRows finish (drain), refuses new calls, then exits 0', async () => {
    const s = await startTabula({ args: ['--drain-timeout', '60s', '--log-level', 'warn'] });
    started.push(s);
    const [table] = await client(s.port).instance('i').createTable('big', { families: ['f'] });
    const value = Buffer.alloc(1 << 20, 1);
    for (let i = 0; i < 24; i += 4) {
      await table.insert([0, 1, 2, 3].map((j) => ({ key: `r${String(i + j).padStart(2, '0')}`, data: { f: { q: value } } })));
    }
    const raw = rawClients(s.port);
    try {
      // A slow consumer: read one response, pause, shut the server down, then read the rest.
      let rowsSeen = 0;
      const call = (raw.data as unknown as { ReadRows(req: object): grpc.ClientReadableStream<{ chunks?: Array<{ commitRow?: boolean }> }> })
        .ReadRows({ tableName: 'projects/p/instances/i/tables/big' });
      const finished = new Promise<number>((resolve) => {
        call.on('error', (e: grpc.ServiceError) => resolve(e.code));
        call.on('end', () => resolve(grpc.status.OK));
      });
      await new Promise<void>((resolve) => call.once('data', (r) => {
        rowsSeen += (r.chunks ?? []).filter((c: { commitRow?: boolean }) => c.commitRow).length;
        call.pause();
        resolve();
      }));
      const exit = new Promise<number | null>((resolve) => s.process.once('exit', (code) => resolve(code)));
      s.process.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1500));
      expect(s.process.exitCode).toBeNull(); // still draining our call
      // A new connection is refused while draining.
      const fresh = rawClients(s.port);
      const refused = await new Promise<number>((resolve) => {
        (fresh.tableAdmin as unknown as { ListTables(req: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void): void })
          .ListTables({ parent: 'projects/p/instances/i' }, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (e) => resolve(e ? e.code : 0));
      });
      fresh.close();
      expect(refused).not.toBe(0);
      call.on('data', (r) => { rowsSeen += (r.chunks ?? []).filter((c: { commitRow?: boolean }) => c.commitRow).length; });
      call.resume();
      expect(await finished).toBe(grpc.status.OK);
      expect(rowsSeen).toBe(24);
      expect(await exit).toBe(0);
    } finally {
      raw.close();
    }
  }, 120_000);
});

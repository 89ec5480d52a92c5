/**
 * `tabula serve` splits tablets past --split-size as a cluster's master does
 * (by pointer), so one table in the embedded server does not stay one tablet
 * that compaction can no longer keep up with. Through the real server: the
 * tablet count comes from its /metrics, the rows through the client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type EmbeddedServer } from '../../src/bin/serve.js';
import { connect, type Connection } from '../../src/client/index.js';

let dir: string;
let server: EmbeddedServer;
let conn: Connection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tabula-serve-split-'));
  server = await serve({ data: dir, host: '127.0.0.1', port: 0, splitBytes: 64 << 10, splitCheckMs: 100, ops: { metricsPort: 0, logLevel: 'silent' } });
  conn = connect(`127.0.0.1:${server.port}`, { project: 'p', instance: 'i' });
}, 60_000);

afterAll(async () => {
  conn?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function tablets(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
  return Number(/^tabula_tablets (\d+)$/m.exec(text)?.[1] ?? NaN);
}

describe('tabula serve', () => {
  it('splits a tablet past its split size while rows keep arriving, and every row is there once, in order', async () => {
    await conn.admin.createTable('grows', { families: { cf: undefined } });
    const t = conn.table('grows');
    expect(await tablets()).toBe(1);
    const value = Buffer.alloc(1000, 'x');
    const acked: string[] = [];
    const deadline = Date.now() + 60_000;
    for (let b = 0; (await tablets()) < 2; b++) {
      if (Date.now() > deadline) throw new Error(`no split after ${acked.length} rows`);
      const batch = t.batch();
      const keys = Array.from({ length: 20 }, (_, j) => `r${String((b * 20 + j) * 7919 % 100_000).padStart(5, '0')}-${b}`);
      for (const k of keys) batch.put(k, { cf: { q: value } });
      expect((await batch.execute()).filter((r) => !r.ok)).toEqual([]);
      acked.push(...keys);
      if (b >= 40) await new Promise((r) => setTimeout(r, 50)); // past the size: give the splitter its turn
    }
    for (let i = 0; i < 50; i++) {
      const k = `z${String(i).padStart(3, '0')}`;
      await t.put(k, { cf: { q: 'late' } });
      acked.push(k);
    }
    const forward = (await t.scan({}).toArray()).map((r) => r.keyString);
    expect(forward).toEqual([...acked].sort());
    expect((await t.scan({ reversed: true }).toArray()).map((r) => r.keyString)).toEqual([...acked].sort().reverse());
  }, 120_000);
});

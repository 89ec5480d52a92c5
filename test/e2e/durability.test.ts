/**
 * Durability through the API: rows written over gRPC survive SIGKILL of the
 * server and a clean SIGTERM restart; tables, families and GC rules too.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { Bigtable } from '@google-cloud/bigtable';
import { startTabula, type RunningServer } from '../support/servers.js';

process.env.METADATA_SERVER_DETECTION = 'none';

function client(s: RunningServer): Bigtable {
  return new Bigtable({ projectId: 'p', apiEndpoint: s.endpoint, metricsEnabled: false, universeDomain: 'googleapis.com' } as ConstructorParameters<typeof Bigtable>[0]);
}

async function readAll(bt: Bigtable, table: string): Promise<Map<string, string>> {
  const [rows] = await bt.instance('i').table(table).getRows();
  const out = new Map<string, string>();
  for (const r of rows) out.set(r.id, String(r.data.cf.q[0].value));
  return out;
}

describe('durability through the API', () => {
  let server: RunningServer | undefined;
  afterAll(async () => { await server?.kill(); });

  it('acknowledged writes survive kill -9 and a clean restart', async () => {
    server = await startTabula();
    const dataDir = server.dataDir;
    let bt = client(server);
    const [table] = await bt.instance('i').createTable('dur', { families: [{ name: 'cf', rule: { versions: 3 } }], splits: ['k050'] });
    const expected = new Map<string, string>();
    for (let batch = 0; batch < 10; batch++) {
      const entries = Array.from({ length: 10 }, (_, i) => {
        const key = `k${String(batch * 10 + i).padStart(3, '0')}`;
        expected.set(key, `v${batch}-${i}`);
        return { key, data: { cf: { q: `v${batch}-${i}` } } };
      });
      await table.insert(entries);
    }
    await bt.close();

    await server.kill();
    server = await startTabula({ dataDir });
    bt = client(server);
    expect(await readAll(bt, 'dur')).toEqual(expected);
    const [families] = await bt.instance('i').table('dur').getFamilies();
    expect(families.map((f) => f.id)).toEqual(['cf']);

    // More writes, then a clean SIGTERM shutdown (flush) and restart.
    await bt.instance('i').table('dur').insert([{ key: 'k999', data: { cf: { q: 'last' } } }]);
    expected.set('k999', 'last');
    await bt.close();
    await server.stop();
    expect(server.process.exitCode).toBe(0);
    server = await startTabula({ dataDir });
    bt = client(server);
    expect(await readAll(bt, 'dur')).toEqual(expected);
    await bt.close();
  }, 60_000);
});

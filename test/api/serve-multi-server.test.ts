/**
 * `tabula serve --tablet-servers 3` as a real child process, driven by the
 * official client (@google-cloud/bigtable): the tablets of a table with
 * initial splits are spread over the three in-process tablet servers (the
 * catalog names three owners and each server's WAL holds records of its own
 * tablets only), reads and writes cross tablets (a ReadRows over all of them
 * in order, forward and reversed), and both a clean SIGTERM restart and a
 * kill -9 restart serve the same data: every acknowledged write is back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Bigtable } from '@google-cloud/bigtable';
import { startTabula, type RunningServer } from '../support/servers.js';
import { Catalog } from '../../src/master/catalog.js';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { replayWal } from '../../src/lsm/wal/wal-replay.js';
import { ChunkMerger, type CellChunkLike } from '../../src/client/chunk-merger.js';

process.env.METADATA_SERVER_DETECTION = 'none';

const SERVERS = ['embedded', 'embedded-1', 'embedded-2'];
const SPLITS = ['k1', 'k2', 'k3', 'k4', 'k5'];
const TABLE = 'multi';

function client(s: RunningServer): Bigtable {
  return new Bigtable({ projectId: 'p', apiEndpoint: s.endpoint, metricsEnabled: false, universeDomain: 'googleapis.com' } as ConstructorParameters<typeof Bigtable>[0]);
}

/** A ReadRows over the whole table through the official client: rows (key → cf:q value) in the order the server sent them. */
async function readAll(bt: Bigtable): Promise<Array<[string, string]>> {
  const [rows] = await bt.instance('i').table(TABLE).getRows();
  return rows.map((r) => [r.id, r.data.cf.q ? String(r.data.cf.q[0].value) : '']);
}

/**
 * The reversed ReadRows through the official client's own generated stub
 * (its table API has no reversed option yet), announcing reverse_scans in
 * bigtable-features as Google's service requires; chunks are merged by the
 * project's ChunkMerger.
 */
async function readAllReversed(bt: Bigtable): Promise<Array<[string, string]>> {
  const stream = bt.request({
    client: 'BigtableClient',
    method: 'readRows',
    reqOpts: { tableName: `projects/p/instances/i/tables/${TABLE}`, reversed: true },
    // FeatureFlags { reverse_scans: true }
    gaxOpts: { otherArgs: { headers: { 'bigtable-features': Buffer.from([0x08, 0x01]).toString('base64url') } } },
  }) as unknown as AsyncIterable<{ chunks?: CellChunkLike[] }>;
  const merger = new ChunkMerger({ reversed: true });
  const out: Array<[string, string]> = [];
  for await (const res of stream) {
    for (const chunk of res.chunks ?? []) {
      const row = merger.push({ ...chunk, timestampMicros: 0 });
      if (row) out.push([row.key.toString(), row.cells.find((c) => c.family === 'cf' && c.qualifier.toString() === 'q')?.value.toString() ?? '']);
    }
  }
  merger.finish();
  return out;
}

/** The catalog (after the server exited): owner of every tablet of the table. */
async function owners(dataDir: string): Promise<string[]> {
  const c = await Catalog.open(join(dataDir, 'master'));
  try {
    return c.tabletsOf(`projects/p/instances/i/tables/${TABLE}`).map((t) => t.server ?? '');
  } finally {
    await c.close();
  }
}

/** Tablet ids with records in each server's WAL directory. */
async function walTablets(dataDir: string): Promise<Map<string, Set<string>>> {
  const storage = new LocalStorage(dataDir);
  const out = new Map<string, Set<string>>();
  for (const id of SERVERS) {
    const seen = new Set<string>();
    if (existsSync(join(dataDir, 'wal', id))) await replayWal(storage, `wal/${id}`, (r) => seen.add(r.tabletId));
    out.set(id, seen);
  }
  return out;
}

describe('tabula serve --tablet-servers 3', () => {
  let server: RunningServer | undefined;
  let bt: Bigtable | undefined;
  afterAll(async () => {
    await bt?.close();
    await server?.kill();
  });

  const start = async (dataDir?: string) => {
    await bt?.close();
    server = await startTabula({ dataDir, args: ['--tablet-servers', '3'] });
    bt = client(server);
    return bt;
  };

  it('spreads tablets over three servers, reads across them in order both ways, and restarts (SIGTERM, kill -9) with every acknowledged write', async () => {
    let b = await start();
    const dataDir = server!.dataDir;
    // Split keys as Buffers: the client sends a string key through protobufjs, which reads it as base64.
    const splits = SPLITS.map((k) => Buffer.from(k)) as unknown as string[];
    const [table] = await b.instance('i').createTable(TABLE, { families: [{ name: 'cf', rule: { versions: 1 } }], splits });
    const expected = new Map<string, string>();
    // Batches crossing every tablet (MutateRows split per tablet and per server).
    for (let batch = 0; batch < 6; batch++) {
      const entries = Array.from({ length: 12 }, (_, i) => {
        const key = `k${i % 6}-${String(batch * 12 + i).padStart(3, '0')}`;
        expected.set(key, `v${batch}-${i}`);
        return { key, data: { cf: { q: `v${batch}-${i}` } } };
      });
      await table.insert(entries);
    }
    // Single-row writes and a read-modify-write on rows of different tablets.
    for (const d of [0, 2, 5]) {
      await table.row(`k${d}-single`).save({ cf: { q: `s${d}` } });
      expected.set(`k${d}-single`, `s${d}`);
    }
    let counter: number | null = 0;
    for (let i = 0; i < 3; i++) [counter] = await table.row('k3-counter').increment('cf:n', 1);
    expect(counter).toBe(3);

    const sorted = [...expected].sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0));
    const rowsOf = (rows: Array<[string, string]>) => rows.filter(([k]) => k !== 'k3-counter');
    expect(rowsOf(await readAll(b))).toEqual(sorted);
    expect(rowsOf(await readAllReversed(b))).toEqual([...sorted].reverse());

    // Clean shutdown: the catalog spreads the six tablets two by two over the three servers.
    await b.close();
    bt = undefined;
    await server!.stop();
    expect(server!.process.exitCode).toBe(0);
    const placed = await owners(dataDir);
    expect(placed).toHaveLength(6);
    expect(SERVERS.map((s) => placed.filter((o) => o === s).length)).toEqual([2, 2, 2]);

    b = await start(dataDir);
    expect(rowsOf(await readAll(b))).toEqual(sorted);
    expect(rowsOf(await readAllReversed(b))).toEqual([...sorted].reverse());

    // More acknowledged writes, then kill -9: they are only in the three WALs.
    const t2 = b.instance('i').table(TABLE);
    for (let i = 0; i < 60; i++) {
      const key = `k${i % 6}-late-${String(i).padStart(2, '0')}`;
      await t2.insert([{ key, data: { cf: { q: `late${i}` } } }]);
      expected.set(key, `late${i}`);
    }
    await b.close();
    bt = undefined;
    await server!.kill();
    const after = await owners(dataDir);
    expect(after).toEqual(placed); // a restart keeps every tablet on its owner (stable server ids)
    const ids = await (async () => {
      const c = await Catalog.open(join(dataDir, 'master'));
      try {
        return c.tabletsOf(`projects/p/instances/i/tables/${TABLE}`).map((t) => [t.id, t.server ?? ''] as const);
      } finally {
        await c.close();
      }
    })();
    const wals = await walTablets(dataDir);
    for (const s of SERVERS) {
      // Each server logged writes of exactly its own two tablets.
      expect([...wals.get(s)!].sort()).toEqual(ids.filter(([, o]) => o === s).map(([id]) => id).sort());
    }

    b = await start(dataDir);
    const all = [...expected].sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0));
    expect(rowsOf(await readAll(b))).toEqual(all);
    expect(rowsOf(await readAllReversed(b))).toEqual([...all].reverse());
    const [again] = await b.instance('i').table(TABLE).row('k3-counter').increment('cf:n', 1);
    expect(again).toBe(4);
  }, 180_000);

  it('changes the number of servers across restarts: 1 → 3 balances the old layout, 3 → 1 replays the WALs of the servers that are gone', async () => {
    // One server, as `tabula serve` always ran (the previous test's server goes first: it would outlive the suite).
    await bt?.close();
    bt = undefined;
    await server?.kill();
    server = await startTabula();
    const dataDir = server.dataDir;
    let b = client(server);
    const splits = SPLITS.map((k) => Buffer.from(k)) as unknown as string[];
    const table = (await b.instance('i').createTable(TABLE, { families: [{ name: 'cf', rule: { versions: 1 } }], splits }))[0];
    const expected = new Map<string, string>();
    const write = async (tag: string) => {
      const entries = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 6}-${tag}-${String(i).padStart(2, '0')}`, data: { cf: { q: `${tag}${i}` } } }));
      await b.instance('i').table(TABLE).insert(entries);
      for (const e of entries) expected.set(e.key, e.data.cf.q);
    };
    const sorted = () => [...expected].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    expect(table).toBeDefined();
    await write('one');
    await b.close();
    await server.kill(); // unflushed, in wal/embedded only
    expect(new Set(await owners(dataDir))).toEqual(new Set(['embedded']));

    b = await start(dataDir); // three servers: the start-up balance spreads the tablets
    expect(await readAll(b)).toEqual(sorted());
    await write('three');
    await b.close();
    bt = undefined;
    await server!.kill(); // unflushed writes in all three WALs
    const spread = await owners(dataDir);
    expect(SERVERS.map((s) => spread.filter((o) => o === s).length)).toEqual([2, 2, 2]);

    // Back to one server: the tablets of embedded-1 and embedded-2 move to it and replay those WALs.
    server = await startTabula({ dataDir });
    b = bt = client(server);
    expect(await readAll(b)).toEqual(sorted());
    await b.close();
    bt = undefined;
    await server.stop();
    expect(new Set(await owners(dataDir))).toEqual(new Set(['embedded']));
  }, 180_000);
});

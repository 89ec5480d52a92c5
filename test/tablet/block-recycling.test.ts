/**
 * Block memory is recycled (BlockCache): a block evicted from the cache is
 * read into again by the next miss, once no reader holds it. Readers pin the
 * blocks they are positioned in and copy the values they return. Here a tiny
 * cache that overwrites recycled memory with 0xEE serves many concurrent
 * point reads and scans: each must equal what was written, and so must every
 * row returned earlier and still held after later reads reused the memory.
 */
import { describe, expect, it } from 'vitest';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { RowMutation } from '../../src/model/mutation.js';
import type { Row } from '../../src/model/cell.js';
import type { ReadableFile } from '../../src/storage/storage.js';

const families = new Map<string, GcRule>([['f', { kind: 'never' }]]);
const ROWS = 600;
const key = (i: number): Buffer => Buffer.from(`r${String(i).padStart(5, '0')}`);
/** Row i's value in cell q: distinct per row and qualifier, so a value read from the wrong block is seen. */
const value = (i: number, q: number): Buffer => Buffer.alloc(40 + (i % 7), (i * 3 + q) % 251);
const write = (from: number, n: number): RowMutation[] => Array.from({ length: n }, (_, k) => ({
  row: key(from + k),
  mutations: [0, 1].map((q) => ({ type: 'setCell' as const, family: 'f', qualifier: Buffer.from(`q${q}`), timestamp: 1000, value: value(from + k, q) })),
}));

function check(row: Row | undefined, i: number): void {
  expect(row?.key.equals(key(i))).toBe(true);
  expect(row!.cells.map((c) => Buffer.from(c.value).toString('hex'))).toEqual([0, 1].map((q) => value(i, q).toString('hex')));
}

async function scanAll(t: { scan(r: object, o: object): AsyncGenerator<Row[]> }, reverse: boolean): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of t.scan({}, { reverse, batchRows: 7 })) out.push(...b);
  return out;
}

describe('recycled block memory', () => {
  it.each([
    ['in-memory storage, plain memory', () => new MemoryStorage(), false],
    // Reads go through the read worker, straight into the cache's shared memory.
    ['a local directory read through the read worker, shared memory', () => new LocalStorage(mkdtempSync(join(tmpdir(), 'tabula-recycling-'))), true],
  ] as const)('never shows in what concurrent point reads and scans return, nor in rows they returned before: %s', async (_label, storage, sharedMemory) => {
    // About four 512-byte blocks fit: nearly every read misses and evicts.
    const cache = newBlockCache(2200, { poisonRecycled: true, sharedMemory });
    const host = await TabletHost.open({ storage: storage(), serverId: 's', jobs: 'inline', blockCache: cache });
    const t = await host.openTablet({ id: 't', epoch: 1, families, background: false, blockSize: 512 });
    for (let k = 0; k < ROWS; k += 150) {
      await t.mutate(write(k, 150));
      await t.flush(); // four tables, each of many blocks
    }
    const held: Array<[Row | undefined, number]> = [];
    for (let round = 0; round < 3; round++) {
      const picks = Array.from({ length: 120 }, (_, j) => (j * 193 + round * 61) % ROWS);
      const [fwd, rev, ...points] = await Promise.all([
        scanAll(t, false),
        scanAll(t, true),
        ...picks.map((i) => t.readRow(key(i))),
      ]);
      expect(fwd).toHaveLength(ROWS);
      fwd.forEach((r, i) => check(r, i));
      expect(rev).toHaveLength(ROWS);
      rev.forEach((r, i) => check(r, ROWS - 1 - i));
      points.forEach((r, j) => check(r as Row | undefined, picks[j]!));
      held.push(...points.map((r, j): [Row | undefined, number] => [r as Row | undefined, picks[j]!]));
      // Rows returned in earlier rounds are unchanged: their values are copies, not views of blocks.
      for (const [r, i] of held) check(r, i);
    }
    // Else this test proved nothing.
    expect(cache.stats().recycled).toBeGreaterThan(100);
    await host.close();
  });

  it('recycles only memory it took: a storage answering with memory it keeps is left intact', async () => {
    /** Ignores the memory it is given and answers from buffers of its own that it keeps and hands out again (as a cache would). */
    class KeepingStorage extends MemoryStorage {
      override async open(name: string): Promise<ReadableFile> {
        const f = await super.open(name);
        const kept = new Map<string, Uint8Array>();
        const read = async (offset: number, length: number): Promise<Uint8Array> => {
          let b = kept.get(`${offset}:${length}`);
          if (b === undefined) {
            // Memory the cache could take for its own: a whole ArrayBuffer of a recycling size class.
            b = new Uint8Array(Math.ceil(length / 1024) * 1024);
            b.set(await f.read(offset, length));
            kept.set(`${offset}:${length}`, b);
          }
          return b.subarray(0, length);
        };
        return { name: f.name, size: f.size, read, close: () => f.close() };
      }
    }
    const cache = newBlockCache(2200, { poisonRecycled: true });
    const host = await TabletHost.open({ storage: new KeepingStorage(), serverId: 's', jobs: 'inline', blockCache: cache });
    const t = await host.openTablet({ id: 't', epoch: 1, families, background: false, blockSize: 512 });
    await t.mutate(write(0, 300));
    await t.flush();
    for (let round = 0; round < 3; round++) {
      const rows = await scanAll(t, round % 2 === 1);
      expect(rows).toHaveLength(300);
      rows.forEach((r, i) => check(r, round % 2 === 1 ? 299 - i : i));
      const picks = Array.from({ length: 60 }, (_, j) => (j * 37 + round) % 300);
      (await Promise.all(picks.map((i) => t.readRow(key(i))))).forEach((r, j) => check(r, picks[j]!));
    }
    await host.close();
  });
});

/**
 * Splitting tablets by pointer: under concurrent writes and reads no row is
 * lost, duplicated or misplaced; reads crossing tablet boundaries return
 * every row once, in order, forward and reversed; no SSTable is copied.
 */
import { describe, it, expect } from 'vitest';
import { startCluster, scanAll, TABLE } from './in-process-cluster.js';
import type { RowMutation } from '../../src/model/mutation.js';

const key = (i: number) => Buffer.from(`k${String(i).padStart(5, '0')}`);

function row(i: number): RowMutation {
  return { row: key(i), mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.from(`v${i}`) }] };
}

describe('tablet split', () => {
  it('splits under concurrent writes and reads without losing, duplicating or misplacing rows', async () => {
    const c = await startCluster();
    try {
      await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), []);
      const acked = new Set<number>();
      let writing = true;
      const writer = (async () => {
        try {
        for (let b = 0; b < 40; b++) {
          const batch = Array.from({ length: 50 }, (_, j) => b * 50 + j);
          const res = await c.router.mutateRows(TABLE, batch.map(row));
          res.forEach((e, j) => { expect(e, `write ${batch[j]}`).toBeUndefined(); acked.add(batch[j]!); });
          if (b % 5 === 4) for (const s of c.servers) for (const t of s.host.hosted()) await t.flush().catch(() => {});
          await new Promise((r) => setTimeout(r, 1));
        }
        } finally {
          writing = false; // a failed write must not leave the reader looping forever
        }
      })();
      const reader = (async () => {
        let scans = 0;
        while ((writing || scans < 3) && scans < 500) {
          const before = new Set(acked);
          for (const reversed of [false, true]) {
            const rows = await scanAll(c.router, reversed);
            const keys = rows.map((r) => r.key.toString());
            const sorted = [...keys].sort();
            if (reversed) sorted.reverse();
            expect(keys).toEqual(sorted);
            expect(new Set(keys).size).toBe(keys.length);
            for (const i of before) expect(keys, `row ${i} missing`).toContain(key(i).toString());
          }
          scans++;
          await new Promise((r) => setTimeout(r, 5)); // let the writer and splitter run
        }
      })();
      const splitter = (async () => {
        const filesBefore = new Set<string>();
        for (let n = 0; n < 6; n++) {
          await new Promise((r) => setTimeout(r, 15));
          // Split while writes go on, but only once there is data to split (a loaded machine writes slowly).
          for (let w = 0; w < 400 && writing && acked.size < (n + 1) * 250; w++) await new Promise((r) => setTimeout(r, 10));
          for (const f of await c.storage.list('sst/')) filesBefore.add(f);
          const ts = c.master.locate('projects/p/instances/i/tables/t');
          const biggest = ts[n % ts.length]!;
          await c.master.splitTablet(biggest.id);
        }
        return filesBefore;
      })();
      await Promise.all([writer, reader, splitter]);
      const tablets = c.master.locate('projects/p/instances/i/tables/t');
      expect(tablets.length).toBeGreaterThan(2);
      // Boundaries are contiguous and cover the key space.
      expect(tablets[0]!.startRow.length).toBe(0);
      expect(tablets[tablets.length - 1]!.endRow.length).toBe(0);
      for (let i = 1; i < tablets.length; i++) expect(tablets[i]!.startRow).toEqual(tablets[i - 1]!.endRow);
      const rows = await scanAll(c.router);
      expect(rows.map((r) => r.key.toString())).toEqual([...acked].sort((a, b) => a - b).map((i) => key(i).toString()));
      for (const r of rows) expect(r.cells[0]!.value.toString()).toBe(`v${Number(r.key.toString().slice(1))}`);
      // Every row lives in the tablet whose range holds it.
      for (const t of tablets) {
        const server = c.servers[0]!;
        for await (const batch of server.readRows(t.id, [{ start: Buffer.alloc(0) }], { reversed: false })) {
          for (const r of batch) {
            expect(Buffer.compare(r.key, t.startRow)).toBeGreaterThanOrEqual(0);
            if (t.endRow.length) expect(Buffer.compare(r.key, t.endRow)).toBeLessThan(0);
          }
        }
      }
    } finally {
      await c.close();
    }
  }, 60_000);

  it('copies no SSTable data: children reference the parent files with key ranges', async () => {
    const c = await startCluster();
    try {
      await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), []);
      await c.router.mutateRows(TABLE, Array.from({ length: 3000 }, (_, i) => row(i)));
      const [t] = c.master.locate('projects/p/instances/i/tables/t');
      await c.servers[0]!.host.tablet(t!.id).flush();
      const before = await c.storage.list('sst/');
      const sizes = await Promise.all(before.map((f) => c.storage.stat(f)));
      const children = await c.master.splitTablet(t!.id);
      expect(children).toHaveLength(2);
      expect(await c.storage.list('sst/')).toEqual(before);
      expect(await Promise.all(before.map((f) => c.storage.stat(f)))).toEqual(sizes);
      for (const id of children!) {
        const refs = c.servers[0]!.host.tablet(id).sstableRefs();
        expect(refs.map((r) => r.file)).toEqual(before);
        expect(refs.every((r) => r.start || r.end)).toBe(true);
      }
      expect((await scanAll(c.router)).length).toBe(3000);
      expect((await scanAll(c.router, true)).length).toBe(3000);
      // Compaction gives each child files of its own; the shared parent files become unreferenced.
      await c.master.compactTable('projects/p/instances/i/tables/t');
      const after = await c.storage.list('sst/');
      expect(after.filter((f) => !before.includes(f)).length).toBeGreaterThanOrEqual(2);
      for (const id of children!) {
        for (const r of c.servers[0]!.host.tablet(id).sstableRefs()) expect(before).not.toContain(r.file);
      }
      expect((await scanAll(c.router)).map((r) => r.key.toString())).toEqual(Array.from({ length: 3000 }, (_, i) => key(i).toString()));
    } finally {
      await c.close();
    }
  }, 60_000);
});

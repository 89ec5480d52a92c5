/**
 * Flushes through the real worker thread: each flush sends its memtable as
 * shared memory, the worker exports it into the data-block kernel, and the
 * SSTable buffer travels back for reuse, so consecutive flushes write into
 * memory an earlier one used; each batch is encoded in a reused staging
 * buffer (one of 6 MB is not kept) before it is copied into the memtable.
 * Every SSTable must still hold exactly its own memtable.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { RowMutation } from '../../src/model/mutation.js';

const families = new Map<string, GcRule>([['f', { kind: 'never' }]]);

function batch(round: number, n: number): RowMutation[] {
  // Values that differ per round, so a buffer reused without being overwritten shows.
  return Array.from({ length: n }, (_, i) => ({
    row: Buffer.from(`r${String(i).padStart(6, '0')}`),
    mutations: [{ type: 'setCell' as const, family: 'f', qualifier: Buffer.from(`q${round}`), timestamp: 1000, value: Buffer.alloc(200, round + 1) }],
  }));
}

describe('flushes in the worker thread', () => {
  it('consecutive flushes reusing buffers each write exactly their memtable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabula-flush-worker-'));
    try {
      const open = async () => {
        const host = await TabletHost.open({ storage: new LocalStorage(dir), serverId: 's', jobs: { localRoot: dir } });
        return { host, tablet: await host.openTablet({ id: 't', epoch: 1, families, background: false }) };
      };
      let { host, tablet } = await open();
      // Shrinking rounds: later exports fit into the buffer of an earlier, bigger one.
      const sizes = [9000, 25000, 7000, 5000, 8000];
      for (let round = 0; round < sizes.length; round++) {
        await tablet.mutate(batch(round, sizes[round]!));
        await tablet.flush();
      }
      expect(tablet.stats().sstables).toBe(sizes.length);
      await host.close();
      ({ host, tablet } = await open());
      const rows = [];
      for await (const b of tablet.scan()) rows.push(...b);
      expect(rows).toHaveLength(25000);
      for (const [i, row] of rows.entries()) {
        const expected = sizes.flatMap((n, round) => (i < n ? [round] : []));
        expect(row.cells.map((c) => c.qualifier.toString())).toEqual(expected.map((r) => `q${r}`));
        for (const c of row.cells) expect(c.value.equals(Buffer.alloc(200, Number(c.qualifier.toString().slice(1)) + 1))).toBe(true);
      }
      await host.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * After a flush, the new table serves its blocks from the flush's own bytes
 * (adoptImage) until the image is dropped, its buffer then reused by a later
 * flush. Reads must never see a reused buffer: every row reads back its own
 * round's value while images come and go and buffers are recycled, with
 * flushes in the real worker thread and a cache small enough that only the
 * newest image is kept.
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
const ROWS = 6000;
const row = (round: number, i: number) => Buffer.from(`r${round}-${String(i).padStart(5, '0')}`);

describe('flushed tables read from the flush\'s bytes', () => {
  it('every row reads back its own value while images are dropped and their buffers reused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabula-flush-image-'));
    // ~6000 rows x 230 B per flush (~1.4 MB; spare buffers start at 1 MiB): an 8 MiB cache keeps the image of one flush (a quarter of it).
    const host = await TabletHost.open({ storage: new LocalStorage(dir), serverId: 's', jobs: { localRoot: dir }, cacheBytes: 8 << 20 });
    try {
      const tablet = await host.openTablet({ id: 't', epoch: 1, families, background: false });
      for (let round = 0; round < 6; round++) {
        const batch: RowMutation[] = Array.from({ length: ROWS }, (_, i) => ({
          row: row(round, i),
          mutations: [{ type: 'setCell' as const, family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.alloc(200, round + 1) }],
        }));
        await tablet.mutate(batch);
        await tablet.flush();
        // Every round so far, newest first: the newest from its image, older ones from the cache or storage.
        for (let r = round; r >= 0; r--) {
          for (let i = 0; i < ROWS; i += 197) {
            const got = await tablet.readRow(row(r, i));
            expect(got?.cells).toHaveLength(1);
            expect(Buffer.from(got!.cells[0]!.value).equals(Buffer.alloc(200, r + 1))).toBe(true);
          }
        }
      }
      expect(tablet.stats().sstables).toBe(6);
      // Served without reading storage back is not observable here; what is: the cache never exceeds its bound.
      expect(host.cache.stats().bytes).toBeLessThanOrEqual(8 << 20);
    } finally {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

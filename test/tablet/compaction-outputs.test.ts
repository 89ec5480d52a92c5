/**
 * A compaction's output files (src/tablet/tablet-jobs.ts): split at the
 * target size, but only between rows, so a row never spans two files of one
 * job (a point read of a row then probes one file per sorted run), and
 * together they hold exactly the entries merged in.
 */
import { describe, it, expect } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import { newManifestStore } from '../../src/lsm/manifest/manifest-store.js';
import { openSstable } from '../../src/lsm/sstable/sstable-reader.js';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { bloomKeyLengthOf } from '../../src/tablet/cell-key.js';
import { compareBytes } from '../../src/base/bytes.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { Row } from '../../src/model/cell.js';

const families = new Map<string, GcRule>([['f', { kind: 'never' }]]);
const ROWS = 30;

/** Each file's keys, in the tablet's newest-first file order. */
async function filesOf(storage: MemoryStorage): Promise<Uint8Array[][]> {
  const m = (await newManifestStore(storage, 'tablets/t').load())!;
  const cache = newBlockCache(1 << 20);
  const out: Uint8Array[][] = [];
  for (const ref of m.sstables) {
    const r = await openSstable(storage, ref.file, cache);
    const it = r.iterator();
    const keys: Uint8Array[] = [];
    for (await it.seekToFirst(); it.valid(); await it.next()) keys.push(Buffer.from(it.key()));
    it.close();
    await r.close();
    out.push(keys);
  }
  return out;
}

const rowOf = (k: Uint8Array) => Buffer.from(k.subarray(0, bloomKeyLengthOf(k, 0, k.length)));

async function scanAll(t: { scan(): AsyncIterable<Row[]> }): Promise<string> {
  const rows: Row[] = [];
  for await (const b of t.scan()) rows.push(...b);
  return JSON.stringify(rows);
}

describe('compaction outputs', () => {
  for (const kind of ['partial', 'full'] as const) {
    it(`a ${kind} compaction splits its output at the target size, only between rows, losing and adding nothing`, async () => {
      const storage = new MemoryStorage();
      const host = await TabletHost.open({ storage, serverId: 's', jobs: 'inline' });
      const t = await host.openTablet({ id: 't', epoch: 1, families, background: false, maxSstables: 2, targetFileBytes: 2500 });
      // Six overlapping flushes: every row gets 5 more cells (~60 bytes each) in each.
      for (let f = 0; f < 6; f++) {
        for (let r = 0; r < ROWS; r++) {
          await t.mutate([{ row: Buffer.from(`row-${String(r).padStart(2, '0')}`), mutations: Array.from({ length: 5 }, (_, q) => (
            { type: 'setCell' as const, family: 'f', qualifier: Buffer.from(`q${f}-${q}`), timestamp: 1000, value: Buffer.alloc(40, r) })) }]);
        }
        await t.flush();
      }
      const before = await filesOf(storage);
      const scanBefore = await scanAll(t);
      expect(before.length).toBe(6);
      const merged = kind === 'partial' ? before.slice(2) : before; // the picker takes the oldest 4 of equal sizes
      expect(await t.compact(kind === 'full' ? { full: true } : {})).toBe(kind === 'full');
      const after = await filesOf(storage);
      const outputs = kind === 'partial' ? after.slice(2) : after;
      expect(outputs.length).toBeGreaterThan(3);
      // Exactly the merged entries, in order.
      const want = merged.flat().sort(compareBytes).map((k) => Buffer.from(k).toString('hex'));
      expect(outputs.flat().map((k) => Buffer.from(k).toString('hex'))).toEqual(want);
      // Files in key order, no row in two of them.
      for (let i = 0; i + 1 < outputs.length; i++) {
        expect(compareBytes(rowOf(outputs[i]!.at(-1)!), rowOf(outputs[i + 1]![0]!))).toBeLessThan(0);
      }
      expect(await scanAll(t)).toBe(scanBefore);
      await host.close();
    });
  }
});

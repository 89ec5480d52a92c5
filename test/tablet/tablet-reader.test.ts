import { describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { newSstableBuilder } from '../../src/lsm/sstable/sstable-builder.js';
import { openSstable, type SstableReader } from '../../src/lsm/sstable/sstable-reader.js';
import { bloomKeyLengthOf, encodeCellKey } from '../../src/tablet/cell-key.js';
import { encodePut } from '../../src/tablet/cell-value.js';
import { Drops } from '../../src/tablet/drops.js';
import { readRow } from '../../src/tablet/tablet-reader.js';

const F = Buffer.from('f');
const Q = Buffer.from('q');

/** An SSTable holding one cell (f:q = row) of each of `rows` (ascending). */
async function table(storage: MemoryStorage, name: string, rows: string[]): Promise<SstableReader> {
  const b = newSstableBuilder({ bloomKeyLength: bloomKeyLengthOf });
  let seq = 1;
  for (const r of rows) b.add(encodeCellKey(Buffer.from(r), F, Q, 1000, seq++), encodePut(Buffer.from(r)));
  await storage.writeFile(name, b.finish({ minSeq: 1, maxSeq: seq - 1 }));
  return openSstable(storage, name, newBlockCache(1 << 20));
}

describe('readRow', () => {
  it('consults the bloom filter of only the tables whose key range holds the row', async () => {
    const storage = new MemoryStorage();
    const low = await table(storage, 'low.sst', ['a', 'b', 'c']);
    const high = await table(storage, 'high.sst', ['x', 'y', 'z']);
    const probes = { low: vi.spyOn(low, 'mayContainHash'), high: vi.spyOn(high, 'mayContainHash') };
    const ctx = {
      version: { memtables: [], tables: [{ ref: { file: 'low.sst' }, reader: low }, { ref: { file: 'high.sst' }, reader: high }] },
      schema: () => ({ kind: 'never' as const }), snapshotSeq: Number.MAX_SAFE_INTEGER, nowMicros: 2000, drops: Drops.NONE,
    };
    const row = await readRow(ctx, Buffer.from('b'));
    expect(row?.cells.map((c) => c.value.toString())).toEqual(['b']);
    expect(probes.low).toHaveBeenCalledTimes(1);
    expect(probes.high).not.toHaveBeenCalled(); // its smallest row, x, is past b
    expect(await readRow(ctx, Buffer.from('d'))).toBeUndefined(); // past low's range, before high's: neither is probed
    expect(probes.low).toHaveBeenCalledTimes(1);
    expect(probes.high).not.toHaveBeenCalled();
    expect((await readRow(ctx, Buffer.from('y')))?.cells.map((c) => c.value.toString())).toEqual(['y']);
    expect(probes.high).toHaveBeenCalledTimes(1);
  });
});

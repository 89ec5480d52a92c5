/**
 * SSTables a compaction replaces are closed, but only once no read that
 * began before the compaction is still running: such a read may still need
 * a block of them that is not in the cache. (Before, they were never closed
 * and Node closed their file handles on garbage collection, with a warning
 * that a future Node turns into an error.)
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { ReadableFile } from '../../src/storage/storage.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { RowMutation } from '../../src/model/mutation.js';

/** Memory storage that knows which opened files are still open. */
class CountingStorage extends MemoryStorage {
  readonly openFiles = new Set<string>();
  override async open(name: string): Promise<ReadableFile> {
    const f = await super.open(name);
    const key = `${name}#${Math.random()}`;
    this.openFiles.add(key);
    return { ...f, read: f.read.bind(f), size: f.size, close: async () => { this.openFiles.delete(key); await f.close(); } } as ReadableFile;
  }
  openSst(): number {
    return [...this.openFiles].filter((k) => k.startsWith('sst/')).length;
  }
}

const families = new Map<string, GcRule>([['f', { kind: 'never' }]]);
const rows = (from: number, n: number): RowMutation[] => Array.from({ length: n }, (_, i) => ({
  row: Buffer.from(`r${String(from + i).padStart(5, '0')}`),
  mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.alloc(200, i) }],
}));

describe('readers replaced by a compaction', () => {
  it('stay open for a scan that began before the compaction and are closed when it ends', async () => {
    const storage = new CountingStorage();
    // No block cache: every block a scan needs is read through its table's file.
    const host = await TabletHost.open({ storage, serverId: 's', jobs: 'inline', cacheBytes: 0 });
    const t = await host.openTablet({ id: 't', epoch: 1, families, background: false, blockSize: 512 });
    for (let k = 0; k < 3; k++) {
      await t.mutate(rows(k * 100, 100));
      await t.flush();
    }
    expect(t.stats().sstables).toBe(3);
    expect(storage.openSst()).toBe(3);

    const scan = t.scan();
    const first = await scan.next(); // the scan reads the three tables
    expect(first.done).toBe(false);
    await t.compact({ full: true }); // replaces them with one table
    expect(t.stats().sstables).toBe(1);
    expect(storage.openSst()).toBe(4); // the scan's tables are still open

    let seen = (first.value as unknown[]).length;
    for (let r = await scan.next(); !r.done; r = await scan.next()) seen += r.value.length;
    expect(seen).toBe(300); // every row, read through the old tables' files
    expect(storage.openSst()).toBe(1); // closed once the scan finished

    // Without a read in flight a compaction closes its inputs at once.
    await t.mutate(rows(300, 100));
    await t.flush();
    expect(storage.openSst()).toBe(2);
    await t.compact({ full: true });
    expect(storage.openSst()).toBe(1);
    expect((await t.readRow(Buffer.from('r00350')))?.cells).toHaveLength(1);
    await host.close();
    expect(storage.openSst()).toBe(0);
  });
});

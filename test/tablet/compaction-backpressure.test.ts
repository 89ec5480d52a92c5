/**
 * Compaction back-pressure: the sorted-run count stays bounded under sustained
 * ingest. A compaction starts after any flush that leaves more than
 * maxSstables runs (not only once the flush backlog drains), and at
 * maxSstables × 3 runs a flush waits for it, so frozen memtables pile up and
 * writes stall instead of the tablet growing runs without bound. A
 * compaction's output files count as one run, however many there are.
 */
import { describe, it, expect } from 'vitest';
import { setMetricsHooks } from '../../src/base/metrics-hooks.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { RowMutation } from '../../src/model/mutation.js';

/** Memory storage whose compaction outputs (sst/<id>-<n>.sst) wait for a release. */
class GatedCompactions extends MemoryStorage {
  private gates: Array<() => void> = [];
  waiting = 0;
  override async writeFile(name: string, data: Uint8Array): Promise<void> {
    if (/^sst\/.*-\d+\.sst$/.test(name)) {
      this.waiting++;
      await new Promise<void>((r) => this.gates.push(r));
      this.waiting--;
    }
    return super.writeFile(name, data);
  }
  releaseAll(): void { for (const g of this.gates.splice(0)) g(); }
}

/** Memory storage whose flush outputs (sst/<id>.sst) and compaction outputs (sst/<id>-<n>.sst) each wait for a release. */
class GatedFlushes extends MemoryStorage {
  flushGates: Array<() => void> = [];
  compactionsWaiting = 0;
  override async writeFile(name: string, data: Uint8Array): Promise<void> {
    if (/^sst\/.*-\d+\.sst$/.test(name)) {
      this.compactionsWaiting++;
      await new Promise<void>(() => {}); // never lands in this test
    } else if (name.startsWith('sst/')) {
      await new Promise<void>((r) => this.flushGates.push(r));
    }
    return super.writeFile(name, data);
  }
}

const families = new Map<string, GcRule>([['f', { kind: 'never' }]]);
/**
 * Row i, plus a small cell in row "a" that every write shares: every flush then overlaps every other
 * (each is a sorted run of its own, as under random-key ingest; sequential rows alone would make one run).
 */
const put = (i: number, bytes = 3000): RowMutation[] => [
  { row: Buffer.from(`r${String(i).padStart(3, '0')}`), mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.alloc(bytes, i) }] },
  { row: Buffer.from('a'), mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000 + i, value: Buffer.from([i]) }] },
];
const until = async (cond: () => boolean) => { for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1)); expect(cond()).toBe(true); };

describe('compaction back-pressure', () => {
  it('starts a compaction after a flush even while more memtables wait to be flushed', async () => {
    const storage = new GatedFlushes();
    const host = await TabletHost.open({ storage, serverId: 's', jobs: 'inline' });
    const t = await host.openTablet({ id: 't', epoch: 1, families, memtableBytes: 2000, maxSstables: 2 });
    const writes = Array.from({ length: 8 }, (_, i) => t.mutate(put(i)));
    // Flush one memtable at a time; the flush loop never runs dry.
    for (let tables = 1; tables <= 3; tables++) {
      await until(() => storage.flushGates.length === 1);
      storage.flushGates.shift()!();
      await until(() => t.stats().sstables === tables);
    }
    expect(t.stats().frozenMemtables).toBeGreaterThan(0);
    // Three tables past a bound of two: the compaction is under way (it waits at its output).
    await until(() => storage.compactionsWaiting === 1);
    void Promise.allSettled(writes);
    void host.close().catch(() => {});
  });


  it('holds the table count at maxSstables × 3 while a compaction lags, stalling writes, and lets them go once it lands', async () => {
    const stalls: number[] = [];
    const uninstall = setMetricsHooks({ walGroupCommit() {}, lsmJob() {}, writeStall: (s) => stalls.push(s) });
    const storage = new GatedCompactions();
    const host = await TabletHost.open({ storage, serverId: 's', jobs: 'inline' });
    // Every write freezes a memtable; a compaction starts past 2 tables; flushes wait at 6; writes stall behind 2 frozen memtables.
    const t = await host.openTablet({ id: 't', epoch: 1, families, memtableBytes: 2000, maxSstables: 2, frozenMemtables: 2 });
    let acked = 0;
    let maxTables = 0;
    const writer = (async () => {
      for (let i = 0; i < 20; i++) {
        await t.mutate(put(i));
        acked++;
        maxTables = Math.max(maxTables, t.stats().sstables);
      }
    })();
    // The first compaction (started at 3 tables) holds at its output; flushes go on up to 6 tables.
    await until(() => storage.waiting === 1 && t.stats().sstables === 6 && t.stats().frozenMemtables === 2);
    const before = acked;
    await new Promise((r) => setTimeout(r, 30));
    expect(acked).toBe(before); // writes stall: two memtables wait behind a flush that waits for compaction
    expect(t.stats().sstables).toBe(6);
    expect(acked).toBeLessThan(20);
    // Compactions land (each merges 4); flushes and writes resume.
    const releaser = setInterval(() => storage.releaseAll(), 1);
    await writer;
    clearInterval(releaser);
    storage.releaseAll();
    expect(maxTables).toBeLessThanOrEqual(7);
    expect(stalls.length).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) expect((await t.readRow(put(i)[0]!.row))?.cells[0]?.value.equals(Buffer.alloc(3000, i))).toBe(true);
    uninstall();
    const closing = host.close();
    const r2 = setInterval(() => storage.releaseAll(), 1);
    await closing;
    clearInterval(r2);
  });

  it("counts a compaction's output files as one sorted run: a tablet larger than the bound times the target file size settles", async () => {
    const host = await TabletHost.open({ storage: new MemoryStorage(), serverId: 's', jobs: 'inline' });
    // Every write freezes a memtable; compactions write files of about 4 KB, so 20 writes of 3 KB never fit in 2 files.
    const t = await host.openTablet({ id: 't', epoch: 1, families, memtableBytes: 2000, maxSstables: 2, targetFileBytes: 4000 });
    for (let i = 0; i < 20; i++) await t.mutate(put(i));
    await t.flush();
    // Background compactions (each merges 4 runs into one) go on until the bound is met, then stop.
    // Counting files, the bound of 2 could never be met, and each merge of 4 files into about as many would follow the last.
    await until(() => t.stats().sortedRuns <= 2);
    const settled = t.stats().compactions;
    await new Promise((r) => setTimeout(r, 50));
    expect(t.stats().compactions).toBe(settled);
    expect(t.stats().sstables).toBeGreaterThan(2);
    for (let i = 0; i < 20; i++) expect((await t.readRow(put(i)[0]!.row))?.cells[0]?.value.equals(Buffer.alloc(3000, i))).toBe(true);
    expect((await t.readRow(Buffer.from('a')))?.cells.length).toBe(20);
    await host.close();
  });

  it('keeps compacting after the ingest stops, until back at the bound', async () => {
    const storage = new MemoryStorage();
    // Twelve overlapping flushes piled up by a tablet that does not compact on its own.
    let host = await TabletHost.open({ storage, serverId: 's1', jobs: 'inline' });
    let t = await host.openTablet({ id: 't', epoch: 1, families, background: false });
    for (let i = 0; i < 12; i++) { await t.mutate(put(i, 10)); await t.flush(); }
    expect(t.stats().sortedRuns).toBe(12);
    await host.close();
    host = await TabletHost.open({ storage, serverId: 's2', jobs: 'inline' });
    t = await host.openTablet({ id: 't', epoch: 2, families, maxSstables: 2 });
    // One more flush starts a compaction; the ones after it need no flush to start.
    await t.mutate(put(12, 10));
    await t.flush();
    await until(() => t.stats().sortedRuns <= 2);
    expect(t.stats().compactions).toBeGreaterThanOrEqual(4);
    for (let i = 0; i <= 12; i++) expect((await t.readRow(put(i)[0]!.row))?.cells[0]?.value.equals(Buffer.alloc(10, i))).toBe(true);
    await host.close();
  });
});

/**
 * The write stall (frozenMemtables memtables waiting to flush: 3 by default)
 * lifts as soon as one of them is flushed, not when the flush loop has flushed them all: otherwise
 * the flusher idles while writers refill a memtable.
 */
import { describe, it, expect } from 'vitest';
import { setMetricsHooks } from '../../src/base/metrics-hooks.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { RowMutation } from '../../src/model/mutation.js';

/** Memory storage whose SSTable writes each wait for a release. */
class GatedStorage extends MemoryStorage {
  private gates: Array<() => void> = [];
  waiting = 0;
  override async writeFile(name: string, data: Uint8Array): Promise<void> {
    if (name.startsWith('sst/')) {
      this.waiting++;
      await new Promise<void>((r) => this.gates.push(r));
      this.waiting--;
    }
    return super.writeFile(name, data);
  }
  releaseOne(): void { this.gates.shift()?.(); }
}

const families = new Map<string, GcRule>([['f', { kind: 'never' }]]);
const put = (i: number): RowMutation[] => [{ row: Buffer.from(`r${i}`), mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.alloc(3000, i) }] }];
const until = async (cond: () => boolean) => { for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1)); expect(cond()).toBe(true); };

describe('write stall', () => {
  it.each([
    { frozen: 2, cfg: { frozenMemtables: 2 } },
    { frozen: 3, cfg: {} }, // the default
  ])('lifts when one of the $frozen waiting memtables is flushed', async ({ frozen, cfg }) => {
    const stalls: number[] = [];
    const uninstall = setMetricsHooks({ walGroupCommit() {}, lsmJob() {}, writeStall: (s) => stalls.push(s) });
    const storage = new GatedStorage();
    const host = await TabletHost.open({ storage, serverId: 's', jobs: 'inline' });
    const t = await host.openTablet({ id: 't', epoch: 1, families, memtableBytes: 2000, ...cfg });
    // Each write fills a memtable, which freezes; the first flush waits at the gate.
    for (let i = 1; i <= frozen; i++) await t.mutate(put(i));
    await until(() => storage.waiting === 1);
    expect(t.stats().frozenMemtables).toBe(frozen);
    expect(stalls).toEqual([]); // writes that did not wait report nothing
    let done = false;
    const stalled = t.mutate(put(frozen + 1)).then(() => { done = true; });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    storage.releaseOne(); // the first flush completes; the second starts and waits at the gate
    await until(() => done);
    expect(storage.waiting).toBe(1); // the write went on while the second flush is still running
    await stalled;
    // The stalled write reported its wait once (at least the 20 ms it was held; timers may fire a little early).
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toBeGreaterThanOrEqual(0.015);
    uninstall();
    // Let the remaining flushes through.
    await until(() => { storage.releaseOne(); return storage.waiting === 0 && t.stats().frozenMemtables === 0; });
    await until(() => storage.waiting === 0 && t.stats().frozenMemtables === 0);
    expect((await t.readRow(Buffer.from(`r${frozen + 1}`)))?.cells[0]?.value.equals(Buffer.alloc(3000, frozen + 1))).toBe(true);
    await host.close();
  });
});

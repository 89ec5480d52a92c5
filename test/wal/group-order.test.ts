/**
 * Property: however appends of mixed sizes interleave with group completions
 * that arrive in any order (several groups in flight), an append is
 * acknowledged only after the group holding it and every group before that
 * have completed, acknowledgements come in append order, and a replay
 * returns every record in order. Completions are held back by
 * CountingStorage's appendGate and released in an order fast-check chooses
 * (a rotation's header append is held back like any other).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { openWal, replayWal } from '../../src/lsm/wal/wal.js';
import { CountingStorage } from './counting-storage.js';

const DIR = 'wal/srv-1';
const START_BYTES = 1024;

/** A payload that names its record, `#<seq>#`, padded to `size` bytes. */
function payload(seq: number, size: number): Buffer {
  const tag = Buffer.from(`#${seq}#`, 'latin1');
  const b = Buffer.alloc(Math.max(size, tag.length), 0x2e);
  tag.copy(b);
  return b;
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), big: fc.boolean() }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('tick' as const) }),
);

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WAL groups in flight (property)', () => {
  it('acknowledges in append order, each only after every group up to its own completed; replay returns everything', async () => {
    await fc.assert(
      // Small segments make the log rotate between groups (never with one in flight).
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(4096, 1 << 20), async (steps, groupsInFlight, segmentBytes) => {
        const storage = new CountingStorage(new MemoryStorage());
        const { wal } = await openWal({ storage, dir: DIR, startBytes: START_BYTES, groupsInFlight, segmentBytes }, () => {});
        // Each gated append (a group, in log order): the seqs it holds and whether it completed.
        const gates: Array<{ released: boolean; release: () => void }> = [];
        const groupOf = new Map<number, number>();
        storage.appendGate = (_n, data) => new Promise<void>((resolve) => {
          const g = gates.length;
          for (const m of Buffer.from(data).toString('latin1').matchAll(/#(\d+)#/g)) groupOf.set(Number(m[1]), g);
          gates.push({ released: false, release: resolve });
        });
        const release = (i: number): void => {
          const g = gates[i]!;
          if (g.released) return;
          g.released = true;
          g.release();
        };
        const acked: number[] = [];
        const done: Promise<void>[] = [];
        let failed = false;
        let seq = 0;
        for (const s of steps) {
          if (s.kind === 'append') {
            const n = ++seq;
            done.push(wal.append('t', n, n, payload(n, s.big ? 2 * START_BYTES : 40)).then(() => {
              const g = groupOf.get(n);
              expect(g, `record ${n} acknowledged before it was written`).toBeDefined();
              for (let j = 0; j <= g!; j++) expect(gates[j]!.released, `record ${n} acknowledged before group ${j} completed`).toBe(true);
              acked.push(n);
            }));
            done.at(-1)!.catch(() => { failed = true; });
          } else if (s.kind === 'release') {
            const open = gates.flatMap((g, i) => (g.released ? [] : [i]));
            if (open.length > 0) release(open[s.pick % open.length]!);
          }
          await tick();
        }
        // Release whatever is, or becomes, held back until every append is acknowledged.
        while (acked.length < seq && !failed) {
          const open = gates.findIndex((g) => !g.released);
          if (open >= 0) release(open);
          await tick();
        }
        await Promise.all(done);
        expect(acked).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
        expect(new Set(groupOf.values()).size).toBeLessThanOrEqual(seq);
        storage.appendGate = undefined;
        await wal.close();
        const replayed: number[] = [];
        await replayWal(storage, DIR, (r) => replayed.push(r.firstSeq));
        expect(replayed).toEqual(acked);
        if (segmentBytes === 4096 && seq > 20) expect(wal.stats().segments).toBeGreaterThan(1);
      }),
      { numRuns: 150 },
    );
  });
});

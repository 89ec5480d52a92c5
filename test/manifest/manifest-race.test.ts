import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { newManifestStore } from '../../src/lsm/manifest/manifest-store.js';
import { decodeManifest } from '../../src/lsm/manifest/manifest-codec.js';
import { manifestFileName, parseManifestFileName } from '../../src/lsm/manifest/manifest-name.js';
import type { Manifest } from '../../src/lsm/manifest/manifest.js';
import { FencedError } from '../../src/base/errors.js';
import { scheduledStorage } from './scheduled-storage.js';

const DIR = 'tablets/t';

type Op = { kind: 'write' | 'claim'; epoch: number };
const opArb: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('write', 'claim'), epoch: fc.integer({ min: 1, max: 3 }) });

const contentOf = (m: Manifest) => ({ flushedSeq: m.flushedSeq, sstables: m.sstables, meta: m.meta });

describe('ManifestStore under concurrent writers (fast-check scheduler)', () => {
  it('the newest manifest never passes to an older epoch; successes were the newest; claims are compare-and-set', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(), fc.array(opArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
        async (s, ops, keep, initialEpoch) => {
          const mem = new MemoryStorage();
          // Model: manifests present now, and every manifest that became the
          // newest (highest version present), in time order.
          const present = new Map<number, Manifest>();
          const newest: Manifest[] = [];
          const maxPresent = () => Math.max(0, ...present.keys());
          const added = (m: Manifest) => {
            if (m.version > maxPresent()) newest.push(m);
            present.set(m.version, m);
          };
          if (initialEpoch !== undefined) {
            added(await newManifestStore(mem, DIR).write({ epoch: initialEpoch, flushedSeq: 0, sstables: [], meta: { op: -1 } }));
          }
          const storage = scheduledStorage(mem, s, {
            onWritten: (name, data) => {
              const p = parseManifestFileName(name)!;
              const d = decodeManifest(name, data, p.version);
              if (!('manifest' in d)) throw new Error('wrote a torn manifest');
              added(d.manifest);
            },
            onDeleted: (name) => {
              const v = parseManifestFileName(name)!.version;
              expect(v).toBeLessThan(maxPresent()); // the newest is never deleted
              present.delete(v);
            },
          });
          const outcomes = await s.waitFor(Promise.all(ops.map((op, i) => {
            // A separate store per operation: distinct servers sharing storage.
            const st = newManifestStore(storage, DIR, { keep });
            const p = op.kind === 'claim'
              ? st.claim(op.epoch)
              : st.write({ epoch: op.epoch, flushedSeq: i + 1, sstables: [{ file: `sst/${i}.sst`, start: Buffer.from([i]) }], meta: { op: i } });
            return p.then((m) => ({ ok: true as const, m }), (e: unknown) => ({ ok: false as const, e }));
          })));

          // Epochs of successive newest manifests never decrease.
          for (let i = 1; i < newest.length; i++) expect(newest[i]!.epoch).toBeGreaterThanOrEqual(newest[i - 1]!.epoch);

          const maxEpoch = Math.max(...ops.map((o) => o.epoch), initialEpoch ?? 0);
          outcomes.forEach((o, i) => {
            const op = ops[i]!;
            if (!o.ok) {
              expect(o.e).toBeInstanceOf(FencedError);
              expect(op.epoch).toBeLessThan(maxEpoch); // only a writer below the highest epoch is fenced
              return;
            }
            expect(o.m.epoch).toBe(op.epoch);
            // A reported success was, when written, the newest manifest.
            const at = newest.findIndex((m) => m.version === o.m.version && m.epoch === o.m.epoch
              && JSON.stringify(contentOf(m)) === JSON.stringify(contentOf(o.m)));
            expect(at).toBeGreaterThanOrEqual(0);
            if (op.kind === 'claim') {
              // It carries exactly the content of the version it replaced.
              const prev = at > 0 ? newest[at - 1] : undefined;
              if (prev) expect(prev.version).toBe(o.m.version - 1);
              expect(contentOf(o.m)).toEqual(prev ? contentOf(prev) : { flushedSeq: 0, sstables: [], meta: {} });
            }
          });
          const last = newest[newest.length - 1]!;
          expect(last.epoch).toBe(maxEpoch); // the highest epoch always gets in

          // Only the newest `keep` versions may survive pruning; load sees the newest.
          const left = (await mem.list(`${DIR}/`)).map((n) => parseManifestFileName(n)!.version);
          expect(left).toEqual([...present.keys()].sort((a, b) => a - b));
          expect(left[left.length - 1]).toBe(last.version);
          for (const v of left) expect(v).toBeGreaterThan(last.version - keep);
          expect(await newManifestStore(mem, DIR).load()).toEqual(present.get(last.version));
          expect(manifestFileName(DIR, last.version)).toBe((await mem.list(`${DIR}/`)).at(-1));
        }),
      { numRuns: 400 },
    );
  });
});

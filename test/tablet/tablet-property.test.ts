/**
 * Property test: random mutations, deletes, flushes, compactions, reopens and
 * crashes against the naive model; every read (point, forward and reverse
 * scans, bounded ranges, limits) must equal the model.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { FaultyStorage } from '../../src/storage/faulty-storage.js';
import { ManualClock } from '../../src/base/clock.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import type { Tablet } from '../../src/tablet/tablet.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { Mutation, RowMutation } from '../../src/model/mutation.js';
import type { Aggregator } from '../../src/model/aggregate.js';
import type { Row } from '../../src/model/cell.js';
import { NaiveModel, plain } from './naive-model.js';

const families = new Map<string, GcRule>([
  ['a', { kind: 'never' }],
  ['b', { kind: 'maxVersions', maxVersions: 2 }],
  ['c', { kind: 'maxAge', maxAgeMicros: 5_000_000 }],
  ['d', { kind: 'union', rules: [{ kind: 'maxVersions', maxVersions: 1 }, { kind: 'maxAge', maxAgeMicros: 3_000_000 }] }],
  ['e', { kind: 'intersection', rules: [{ kind: 'maxVersions', maxVersions: 1 }, { kind: 'maxAge', maxAgeMicros: 3_000_000 }] }],
  ['s', { kind: 'never' }],
  ['m', { kind: 'maxVersions', maxVersions: 2 }],
  ['x', { kind: 'maxAge', maxAgeMicros: 5_000_000 }],
]);
/** Aggregate families (model/aggregate.ts): sum, min and max of int64s. */
const aggregates = new Map<string, Aggregator>([['s', 'sum'], ['m', 'min'], ['x', 'max']]);

const rowKey = fc.constantFrom('r1', 'r2', 'r3', 'r10', 'x', '\u0000', 'r\u0000', 'r\u0000\u0000', '\u00ff').map((s) => Buffer.from(s, 'latin1'));
const family = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const qualifier = fc.constantFrom('', 'q', 'q1', 'q\u0000', '\u00ff').map((s) => Buffer.from(s, 'latin1'));
const ts = fc.constantFrom(-1, 0, 1000, 2000, 3000, 1_700_000_000_000_000, 1_699_999_998_000_000);
const value = fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u));

const aggFamily = fc.constantFrom('s', 'm', 'x');
const anyFamily = fc.oneof(family, aggFamily);
// Few coordinates, so that inputs meet earlier inputs, states and tombstones of the same cell.
const aggQualifier = fc.constantFrom('', 'q').map((s) => Buffer.from(s, 'latin1'));
const aggTs = fc.constantFrom(-1, 1000, 2000);
const int64 = fc.constantFrom(0n, 1n, -1n, 7n, -300n, 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n)).map((v) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return b;
});
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ type: fc.constant('setCell' as const), family, qualifier, timestamp: ts, value }) },
  // Aggregate families: inputs combine into the cell at their timestamp; a set_cell (8 bytes) replaces its state.
  { weight: 5, arbitrary: fc.record({ type: fc.constant('addToCell' as const), family: aggFamily, qualifier: aggQualifier, timestamp: aggTs, value: int64 }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('setCell' as const), family: aggFamily, qualifier: aggQualifier, timestamp: aggTs, value: int64 }) },
  // A MergeToCell of NULL: no effect.
  { weight: 1, arbitrary: fc.record({ type: fc.constant('addToCell' as const), family: aggFamily, qualifier: aggQualifier, timestamp: aggTs, value: fc.constant(Buffer.alloc(0)) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('deleteFromColumn' as const), family: aggFamily, qualifier: aggQualifier, start: fc.constantFrom(0, 1000, 2000), end: fc.constantFrom(undefined, 2000, 3000) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('deleteFromColumn' as const), family, qualifier, start: fc.constantFrom(0, 1000, 2000), end: fc.constantFrom(undefined, 2000, 3000, 1_800_000_000_000_000) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('deleteFromFamily' as const), family: anyFamily }) },
  { weight: 1, arbitrary: fc.constant({ type: 'deleteFromRow' as const }) },
);

type Op =
  | { op: 'mutate'; rows: RowMutation[] }
  | { op: 'flush' }
  | { op: 'compact'; full: boolean }
  | { op: 'reopen' }
  | { op: 'move' }
  | { op: 'crash' }
  | { op: 'tick'; ms: number }
  | { op: 'check' }
  | { op: 'dropRange'; start: Buffer; end: Buffer | undefined }
  | { op: 'dropFamily'; family: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ op: fc.constant('mutate' as const), rows: fc.array(fc.record({ row: rowKey, mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('compact' as const), full: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'move' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'crash' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.constantFrom(1000, 4000) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'check' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropRange' as const), start: fc.constantFrom('', 'r', 'r1', 'r2').map((s) => Buffer.from(s)), end: fc.constantFrom(undefined, 'r2', 'r3', 'x').map((s) => s === undefined ? undefined : Buffer.from(s)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('dropFamily' as const), family: anyFamily }) },
);

async function collect(gen: AsyncGenerator<Row[]>): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of gen) out.push(...b);
  return out;
}

class Harness {
  storage = new MemoryStorage();
  clock = new ManualClock();
  epoch = 1;
  /** The server the tablet is on; a move goes to another one (with its own WAL). */
  server = 1;
  host!: TabletHost;
  tablet!: Tablet;

  /** The current host's view of storage: killing it makes the old "process" unable to touch storage again. */
  view!: FaultyStorage;

  async open(): Promise<void> {
    this.view = new FaultyStorage(this.storage);
    // A block cache of a few small blocks that overwrites the memory it recycles: reads evict and
    // reuse blocks all the time, so a block reused under a reader would show as a wrong read.
    const blockCache = newBlockCache(1024, { poisonRecycled: true });
    this.host = await TabletHost.open({ storage: this.view, serverId: `s${this.server}`, clock: this.clock, jobs: 'inline', blockCache });
    this.tablet = await this.host.openTablet({ id: 't1', epoch: this.epoch, families, aggregates, memtableBytes: 1500, maxSstables: 1000, blockSize: 256 });
  }
}

async function check(h: Harness, model: NaiveModel): Promise<void> {
  const now = h.clock.nowMicros();
  const expected = model.scan(now);
  expect(plain(await collect(h.tablet.scan()))).toEqual(plain(expected));
  expect(plain(await collect(h.tablet.scan({}, { reverse: true, batchRows: 2 })))).toEqual(plain([...expected].reverse()));
  for (const k of ['r1', 'r2', 'r3', 'r10', 'x', '\u0000', 'r\u0000', 'r\u0000\u0000', '\u00ff']) {
    const key = Buffer.from(k, 'latin1');
    expect(plain([await h.tablet.readRow(key)])).toEqual(plain([model.read(k, now)]));
  }
  const lo = Buffer.from('r1'), hi = Buffer.from('r3');
  const inRange = expected.filter((r) => Buffer.compare(r.key, lo) > 0 && Buffer.compare(r.key, hi) <= 0);
  expect(plain(await collect(h.tablet.scan({ start: { key: lo, closed: false }, end: { key: hi, closed: true } })))).toEqual(plain(inRange));
  expect(plain(await collect(h.tablet.scan({ start: { key: lo, closed: false }, end: { key: hi, closed: true } }, { reverse: true })))).toEqual(plain([...inRange].reverse()));
  expect(plain(await collect(h.tablet.scan({}, { limit: 2 })))).toEqual(plain(expected.slice(0, 2)));
}

describe('tablet against the naive model', () => {
  it('random operation sequences read back exactly as the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 80 }), async (ops) => {
        const h = new Harness();
        await h.open();
        const model = new NaiveModel(families, aggregates);
        try {
          for (const o of ops) {
            switch (o.op) {
              case 'mutate':
                await h.tablet.mutate(o.rows);
                for (const rm of o.rows) model.apply(rm, h.clock.nowMicros());
                break;
              case 'flush':
                await h.tablet.flush();
                break;
              case 'compact':
                if (await h.tablet.compact(o.full ? { full: true } : { maxTables: 2 })) model.collectGarbage(h.clock.nowMicros());
                break;
              case 'reopen':
                await h.host.close();
                await h.open();
                break;
              case 'move':
                // To another server, as the master moves it: hand-off close, new epoch, no WAL replay.
                await h.host.closeTablet('t1', { flush: true, handOff: true, handOffEpoch: h.epoch + 1 });
                await h.host.close();
                h.server++;
                h.epoch++;
                await h.open();
                break;
              case 'crash':
                // kill -9: unsynced bytes vanish; the old host is abandoned and fenced by a new epoch.
                h.view.failAlways('any');
                h.storage.crash(7);
                h.epoch++;
                await h.open();
                break;
              case 'tick':
                h.clock.advance(o.ms);
                break;
              case 'check':
                await check(h, model);
                break;
              case 'dropRange':
                await h.tablet.dropRange(o.start, o.end);
                for (const k of [...model.rows.keys()]) {
                  const kb = Buffer.from(k, 'latin1');
                  if (Buffer.compare(kb, o.start) >= 0 && (!o.end || Buffer.compare(kb, o.end) < 0)) model.rows.delete(k);
                }
                break;
              case 'dropFamily':
                await h.tablet.dropFamily(o.family);
                for (const row of model.rows.values()) row.delete(o.family);
                break;
            }
          }
          await check(h, model);
        } finally {
          await h.host.close().catch(() => {});
        }
      }),
      { numRuns: 150 },
    );
  });
});

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CorruptionError } from '../../src/base/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { openWal, replayWal, type Wal, type WalRecord } from '../../src/lsm/wal/wal.js';
import { CountingStorage } from './counting-storage.js';

const DIR = 'wal/srv-1';
const seg = (n: number) => `${DIR}/${String(n).padStart(16, '0')}.log`;
/** Bytes before the first data record of a segment: header (8) + empty seal record (10). */
const FIRST_RECORD = 18;

interface Rec { tabletId: string; firstSeq: number; lastSeq: number; payload: Buffer }
const key = (r: Rec | WalRecord) => `${r.tabletId}/${r.firstSeq}-${r.lastSeq}/${Buffer.from(r.payload).toString('hex')}`;

async function replayAll(storage: MemoryStorage): Promise<string[]> {
  const out: string[] = [];
  await replayWal(storage, DIR, (r) => out.push(key(r)));
  return out;
}

const ticks = async (n: number) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

/**
 * Appends `records` in concurrent batches (awaiting each batch) except the
 * last `inflight` batches, which are issued without waiting; crashes the
 * storage after `wait` ticks. Returns how many leading records were
 * acknowledged before the crash.
 */
async function appendAndCrash(
  wal: Wal, storage: MemoryStorage, batches: Rec[][], inflight: number, wait: number, torn: number,
): Promise<number> {
  const acked: boolean[] = [];
  let i = 0;
  const issue = (batch: Rec[]) => batch.map((r) => {
    const idx = i++;
    acked[idx] = false;
    return wal.append(r.tabletId, r.firstSeq, r.lastSeq, r.payload).then(() => { acked[idx] = true; }, () => {});
  });
  const settled = batches.length - inflight;
  for (let b = 0; b < settled; b++) await Promise.all(issue(batches[b]!));
  const rest: Promise<void>[] = [];
  for (let b = settled; b < batches.length; b++) rest.push(...issue(batches[b]!));
  await ticks(wait);
  storage.crash(torn);
  await Promise.all(rest);
  await wal.close();
  // Acknowledgements arrive in append order, so the acked records are a prefix.
  const n = acked.filter(Boolean).length;
  expect(acked.slice(0, n).every(Boolean)).toBe(true);
  return n;
}

const recordArb = fc.record({
  tabletId: fc.constantFrom('a', 'b', 'tablet-c'),
  span: fc.nat(3),
  payload: fc.uint8Array({ maxLength: 120 }).map((u) => Buffer.from(u)),
});

/** Batches of records with per-tablet increasing seqs starting after `seqs`. */
function toBatches(raw: Array<Array<{ tabletId: string; span: number; payload: Buffer }>>, seqs: Map<string, number>): Rec[][] {
  return raw.map((batch) => batch.map(({ tabletId, span, payload }) => {
    const firstSeq = (seqs.get(tabletId) ?? 0) + 1;
    const lastSeq = firstSeq + span;
    seqs.set(tabletId, lastSeq);
    return { tabletId, firstSeq, lastSeq, payload };
  }));
}

describe('WAL crash recovery', () => {
  it('replay after a crash yields a prefix of the appends that includes every acknowledged one', async () => {
    const stats = { runs: 0, torn: 0, unackedSurvived: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(recordArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 }),
        fc.nat(3), fc.nat(4), fc.nat(600), fc.integer({ min: 150, max: 3000 }),
        async (raw, inflightRaw, wait, torn, segmentBytes) => {
          const storage = new MemoryStorage();
          const batches = toBatches(raw, new Map());
          const all = batches.flat().map(key);
          // Syncs finish on a later tick, so the crash can hit appended but unsynced groups.
          const { wal } = await openWal({ storage: new CountingStorage(storage), dir: DIR, segmentBytes }, () => {});
          const acked = await appendAndCrash(wal, storage, batches, Math.min(1 + inflightRaw, batches.length), wait, torn);
          const got: string[] = [];
          const { wal: wal2, report } = await openWal({ storage, dir: DIR, segmentBytes }, (r) => got.push(key(r)));
          expect(got.length).toBeGreaterThanOrEqual(acked);
          expect(got).toEqual(all.slice(0, got.length));
          expect(report.records).toBe(got.length);
          if (report.droppedBytes > 0) expect(report.droppedAt).toBeDefined();
          stats.runs++;
          if (report.droppedBytes > 0) stats.torn++;
          if (got.length > acked) stats.unackedSurvived++;
          await wal2.close();
        },
      ),
      { numRuns: 150 },
    );
    // The property only means something if crashes really tear groups.
    expect(stats.torn).toBeGreaterThan(stats.runs / 20);
    expect(stats.unackedSurvived).toBeGreaterThan(0);
  });

  it('a torn tail may end anywhere: every cut of the last segment replays a prefix', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: DIR }, () => {});
    const recs: Rec[] = [];
    for (let s = 1; s <= 5; s++) recs.push({ tabletId: 't', firstSeq: s, lastSeq: s, payload: Buffer.alloc(s * 3, s) });
    for (const r of recs) await wal.append(r.tabletId, r.firstSeq, r.lastSeq, r.payload);
    await wal.close();
    const full = Buffer.from(storage.raw(seg(1)));
    const ends: number[] = [FIRST_RECORD];
    // Record boundaries: each record is 8 + 1 + 1 + 1 + 1 + 1 + payload bytes.
    for (const r of recs) ends.push(ends.at(-1)! + 13 + r.payload.length);
    expect(ends.at(-1)).toBe(full.length);
    for (let cut = 0; cut <= full.length; cut++) {
      const s2 = new MemoryStorage();
      await s2.writeFile(seg(1), full.subarray(0, cut));
      const got: string[] = [];
      const report = await replayWal(s2, DIR, (r) => got.push(key(r)));
      const complete = ends.filter((e) => e <= cut).length - 1;
      expect(got).toEqual(recs.slice(0, Math.max(0, complete)).map(key));
      const validEnd = cut === 0 ? 0 : cut < 8 ? 0 : Math.max(8, ...ends.filter((e) => e <= cut));
      expect(report.droppedBytes).toBe(cut - validEnd);
      if (cut - validEnd > 0) expect(report.droppedAt).toMatchObject({ segment: seg(1), offset: validEnd });
      else expect(report.droppedAt).toBeUndefined();
    }
  });

  it('repeated crash, reopen and flush cycles never lose an acknowledged, unflushed record (seals)', async () => {
    let torn = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            batches: fc.array(fc.array(recordArb, { minLength: 1, maxLength: 6 }), { minLength: 0, maxLength: 5 }),
            inflight: fc.nat(2), wait: fc.nat(3), torn: fc.nat(300),
            flush: fc.option(fc.record({ tabletId: fc.constantFrom('a', 'b', 'tablet-c'), frac: fc.double({ min: 0, max: 1, noNaN: true }) })),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.integer({ min: 120, max: 1500 }),
        async (cycles, segmentBytes) => {
          const storage = new MemoryStorage();
          const seqs = new Map<string, number>();
          const flushed = new Map<string, number>();
          const order: string[] = []; // every record ever appended, in order
          const meta = new Map<string, Rec>();
          let required = new Set<string>(); // acknowledged or already replayed, not flushed
          for (const cycle of cycles) {
            const got: WalRecord[] = [];
            const { wal, report } = await openWal({ storage: new CountingStorage(storage), dir: DIR, segmentBytes }, (r) => got.push({ ...r }));
            if (report.droppedBytes > 0) torn++;
            const gotKeys = got.map(key);
            // In append order, and every required record present.
            const pos = gotKeys.map((k) => order.indexOf(k));
            expect(pos.every((p, i) => p >= 0 && (i === 0 || p > pos[i - 1]!))).toBe(true);
            const present = new Set(gotKeys);
            for (const k of required) expect(present.has(k)).toBe(true);
            required = new Set(gotKeys.filter((k) => meta.get(k)!.lastSeq > (flushed.get(meta.get(k)!.tabletId) ?? 0)));
            if (cycle.flush) {
              const t = cycle.flush.tabletId;
              const seq = Math.floor((seqs.get(t) ?? 0) * cycle.flush.frac);
              if (seq > (flushed.get(t) ?? 0)) flushed.set(t, seq);
              await wal.markFlushed(t, seq);
              for (const k of [...required]) if (meta.get(k)!.tabletId === t && meta.get(k)!.lastSeq <= seq) required.delete(k);
            }
            const batches = toBatches(cycle.batches, seqs);
            for (const r of batches.flat()) { order.push(key(r)); meta.set(key(r), r); }
            const acked = await appendAndCrash(wal, storage, batches, Math.min(cycle.inflight, batches.length), cycle.wait, cycle.torn);
            for (const r of batches.flat().slice(0, acked)) required.add(key(r));
          }
          const final = new Set(await replayAll(storage));
          for (const k of required) expect(final.has(k)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    expect(torn).toBeGreaterThan(20);
  });

  it('a flipped byte in the middle record of a closed segment is CorruptionError naming file and offset', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: DIR }, () => {});
    for (let s = 1; s <= 3; s++) await wal.append('t', s, s, Buffer.alloc(20, s));
    await wal.close();
    // Segment 1 is closed: a new open started segment 2.
    (await openWal({ storage, dir: DIR }, () => {})).wal.close();
    const middle = FIRST_RECORD + 33;
    storage.raw(seg(1))[middle + 20] ^= 0x40;
    const err = await openWal({ storage, dir: DIR }, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as CorruptionError).file).toBe(seg(1));
    expect((err as Error).message).toContain(`offset ${middle} (checksum mismatch)`);
    await expect(replayWal(storage, DIR, () => {})).rejects.toThrow(CorruptionError);
  });

  it('a flipped byte in a rotated-out segment is CorruptionError even without a reopen', async () => {
    const storage = new MemoryStorage();
    // Records are 53 bytes: two fit after the 18-byte segment start.
    const { wal } = await openWal({ storage, dir: DIR, segmentBytes: 130 }, () => {});
    for (let s = 1; s <= 4; s++) await wal.append('t', s, s, Buffer.alloc(40, s));
    await wal.close();
    expect((await storage.list(DIR + '/')).length).toBe(2);
    storage.raw(seg(1))[FIRST_RECORD + 53 + 4] ^= 1; // checksum of the second (last) record of segment 1
    await expect(replayWal(storage, DIR, () => {})).rejects.toThrow(new RegExp(`${seg(1)}.*offset ${FIRST_RECORD + 53}`));
  });

  it('a flipped byte in the last record of the last segment is dropped and reported, then sealed', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: DIR }, () => {});
    for (let s = 1; s <= 3; s++) await wal.append('t', s, s, Buffer.alloc(20, s));
    await wal.close();
    const last = FIRST_RECORD + 2 * 33;
    storage.raw(seg(1))[last + 10] ^= 0xff;
    const got: number[] = [];
    const { wal: wal2, report } = await openWal({ storage, dir: DIR }, (r) => got.push(r.lastSeq));
    expect(got).toEqual([1, 2]);
    expect(report).toEqual({
      segments: 1, records: 2, droppedBytes: 33,
      droppedAt: { segment: seg(1), offset: last, reason: 'checksum mismatch' },
    });
    await wal2.append('t', 4, 4, Buffer.from('after'));
    await wal2.close();
    // The damage was sealed by segment 2: later replays skip it without error or report.
    const again: number[] = [];
    const r2 = await replayWal(storage, DIR, (r) => again.push(r.lastSeq));
    expect(again).toEqual([1, 2, 4]);
    expect(r2).toEqual({ segments: 2, records: 3, droppedBytes: 0 });
    // Damage earlier than the sealed length is still corruption.
    storage.raw(seg(1))[FIRST_RECORD + 10] ^= 0xff;
    await expect(replayWal(storage, DIR, () => {})).rejects.toThrow(/sealed this segment at 84 bytes/);
  });

  it('a sealing segment outlives the damaged segment it seals', async () => {
    const storage = new MemoryStorage();
    const slow = new CountingStorage(storage);
    slow.syncDelayMs = 20;
    let { wal } = await openWal({ storage: slow, dir: DIR }, () => {});
    await wal.append('a', 1, 1, Buffer.from('x'));
    const lost = wal.append('a', 2, 2, Buffer.from('torn'));
    await ticks(3); // appended, sync still waiting
    storage.crash(5);
    await expect(lost).rejects.toThrow();
    await wal.close();
    let report;
    ({ wal, report } = await openWal({ storage, dir: DIR }, () => {})); // seg 2 seals seg 1
    expect(report).toMatchObject({ records: 1, droppedBytes: 5 });
    await wal.append('b', 1, 1, Buffer.from('y'));
    await wal.close();
    ({ wal } = await openWal({ storage, dir: DIR }, () => {})); // seg 3
    await wal.markFlushed('b', 1);
    // Seg 2 is covered but must wait for seg 1 (held by a:1).
    expect(await storage.list(DIR + '/')).toEqual([seg(1), seg(2), seg(3)]);
    expect(await replayAll(storage)).toHaveLength(2);
    await wal.markFlushed('a', 1);
    expect(await storage.list(DIR + '/')).toEqual([seg(3)]);
    await wal.close();
  });
});

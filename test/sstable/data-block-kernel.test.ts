/**
 * The data-block kernel (WebAssembly) against the JavaScript builder it
 * replaces in flushes: for random sorted runs, block sizes and restart
 * intervals, a file built through addSortedRun is byte-identical to one
 * built entry by entry with add(). Bad runs get a CorruptionError.
 */
import { describe, it, expect, vi } from 'vitest';
import fc from 'fast-check';
import { compareBytes } from '../../src/base/bytes.js';
import { CorruptionError, FailedPreconditionError } from '../../src/base/errors.js';
import { xxh32 } from '../../src/base/xxh32.js';
import { writeVarint, varintLength } from '../../src/base/varint.js';
import { newSstableBuilder } from '../../src/lsm/sstable/sstable-builder.js';
import { encodeRun, kernelHash } from '../../src/lsm/sstable/data-block-kernel.js';
import { bloomKeyLengthOf, encodeCellKey, seqAt } from '../../src/tablet/cell-key.js';

type Entry = [Uint8Array, Uint8Array];

/** The memtable export format: varint keyLength, key, varint valueLength, value. */
function run(entries: Entry[]): Uint8Array {
  const out = Buffer.alloc(entries.reduce((n, [k, v]) => n + varintLength(k.length) + k.length + varintLength(v.length) + v.length, 0));
  let p = 0;
  for (const [k, v] of entries) {
    p = writeVarint(out, p, k.length);
    out.set(k, p);
    p = writeVarint(out, p + k.length, v.length);
    out.set(v, p);
    p += v.length;
  }
  return out;
}

function sortedUnique(entries: Entry[]): Entry[] {
  const sorted = [...entries].sort((a, b) => compareBytes(a[0], b[0]));
  return sorted.filter((e, i) => i === 0 || compareBytes(e[0], sorted[i - 1]![0]) !== 0);
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
// Bytes 0x00, 0x01 and 0xFF often: the escape and terminator bytes of cell keys.
const tricky = (max: number) => fc.array(fc.oneof(fc.constantFrom(0, 1, 0xff), fc.integer({ min: 0, max: 255 })), { maxLength: max }).map((a) => Buffer.from(a));

describe('data-block kernel', () => {
  it('hashes as base/xxh32.ts does', () => {
    fc.assert(fc.property(bytes(300), fc.integer({ min: 0, max: 0xffffffff }), (data, seed) => {
      expect(kernelHash(data, seed)).toBe(xxh32(data, 0, data.length, seed));
    }), { numRuns: 300 });
  });

  it('writes the same file as the JavaScript builder (whole keys hashed into the bloom filter)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(tricky(40), bytes(300)), { maxLength: 120 }),
      fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 1, max: 20 }), fc.constantFrom(0, 10),
      (raw, blockSize, restartInterval, bloomBitsPerKey) => {
        const entries = sortedUnique(raw);
        const js = newSstableBuilder({ blockSize, restartInterval, bloomBitsPerKey });
        for (const [k, v] of entries) js.add(k, v);
        const wasm = newSstableBuilder({ blockSize, restartInterval, bloomBitsPerKey });
        wasm.addSortedRun(run(entries), { bloomKey: 'whole', seqSuffix: false });
        expect(wasm.entryCount).toBe(entries.length);
        expect(Buffer.from(wasm.finish({ minSeq: 0, maxSeq: 0 })).equals(Buffer.from(js.finish({ minSeq: 0, maxSeq: 0 })))).toBe(true);
      },
    ), { numRuns: 400 });
  });

  it('writes the same file as the JavaScript builder for cell keys (rows hashed), with their sequence range', () => {
    const cell = fc.tuple(tricky(24), fc.constantFrom('f', 'fam', 'g\u0000'), fc.option(tricky(12), { nil: undefined }),
      fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 50 }), bytes(200));
    fc.assert(fc.property(fc.array(cell, { maxLength: 150 }), fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 20 }),
      (cells, blockSize, restartInterval) => {
        const entries = sortedUnique(cells.map(([row, fam, q, ts, seq, v]) => [encodeCellKey(row, Buffer.from(fam, 'latin1'), q, ts, seq), v] as Entry));
        const js = newSstableBuilder({ blockSize, restartInterval, bloomKeyLength: bloomKeyLengthOf });
        for (const [k, v] of entries) js.add(k, v);
        const wasm = newSstableBuilder({ blockSize, restartInterval, bloomKeyLength: bloomKeyLengthOf });
        const seqs = wasm.addSortedRun(run(entries), { bloomKey: 'first-escaped-component', seqSuffix: true });
        const expected = entries.map(([k]) => seqAt(k, k.length));
        expect(seqs).toEqual(entries.length ? { minSeq: Math.min(...expected), maxSeq: Math.max(...expected) } : { minSeq: 0, maxSeq: 0 });
        expect(Buffer.from(wasm.finish(seqs)).equals(Buffer.from(js.finish(seqs)))).toBe(true);
      },
    ), { numRuns: 300 });
  });

  it('grows its regions for runs of tiny entries (more blocks, bloom keys and bytes than first planned)', () => {
    const entries = Array.from({ length: 20_000 }, (_, i): Entry => [Buffer.from([i >> 8, i & 0xff]), Buffer.alloc(0)]);
    const js = newSstableBuilder({ blockSize: 1, restartInterval: 1 });
    for (const [k, v] of entries) js.add(k, v);
    const wasm = newSstableBuilder({ blockSize: 1, restartInterval: 1 });
    wasm.addSortedRun(run(entries), { bloomKey: 'whole', seqSuffix: false });
    expect(Buffer.from(wasm.finish({ minSeq: 0, maxSeq: 0 })).equals(Buffer.from(js.finish({ minSeq: 0, maxSeq: 0 })))).toBe(true);
    expect(encodeRun(run(entries), { blockSize: 1, restartInterval: 1, bloomKey: 'whole', seqSuffix: false }).blocks).toHaveLength(20_000);
  });

  it('refuses unsorted, truncated and malformed runs with a CorruptionError naming the entry', () => {
    const opts = { blockSize: 4096, restartInterval: 16, bloomKey: 'whole' as const, seqSuffix: false };
    const a = Buffer.from('a'), b = Buffer.from('b'), v = Buffer.from('v');
    expect(() => encodeRun(run([[b, v], [a, v]]), opts)).toThrow(CorruptionError);
    expect(() => encodeRun(run([[a, v], [b, v], [b, v]]), opts)).toThrow(/not strictly increasing at entry 2/);
    expect(() => encodeRun(run([[Buffer.from('ab'), v], [a, v]]), opts)).toThrow(/not strictly increasing at entry 1/);
    const whole = run([[a, v], [b, v]]);
    expect(() => encodeRun(whole.subarray(0, whole.length - 1), opts)).toThrow(/malformed entry at entry 1/);
    expect(() => encodeRun(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), opts)).toThrow(/malformed entry at entry 0/);
    // Sequence numbers need an 8-byte suffix; a row needs its terminator.
    expect(() => encodeRun(run([[a, v]]), { ...opts, seqSuffix: true })).toThrow(/malformed entry/);
    expect(() => encodeRun(run([[Buffer.from('row-without-end'), v]]), { ...opts, bloomKey: 'first-escaped-component' })).toThrow(/escaped first component/);
  });

  it('addSortedRun only fills an empty builder, and nothing is added after it', () => {
    const entries: Entry[] = [[Buffer.from('a'), Buffer.from('1')], [Buffer.from('b'), Buffer.from('2')]];
    const used = newSstableBuilder();
    used.add(Buffer.from('0'), Buffer.from('x'));
    expect(() => used.addSortedRun(run(entries), { bloomKey: 'whole', seqSuffix: false })).toThrow(FailedPreconditionError);
    const b = newSstableBuilder();
    b.addSortedRun(run(entries), { bloomKey: 'whole', seqSuffix: false });
    expect(() => b.add(Buffer.from('c'), Buffer.from('3'))).toThrow(FailedPreconditionError);
    expect(b.entryCount).toBe(2);
  });

  it('after 10 s without a run the instance is let go; the next run makes a new one and encodes the same', () => {
    const entries: Entry[] = Array.from({ length: 300 }, (_, i) => [Buffer.from(`k${String(i).padStart(4, '0')}`), Buffer.alloc(50, i)]);
    const opts = { blockSize: 512, restartInterval: 4, bloomKey: 'whole' as const, seqSuffix: false };
    vi.useFakeTimers();
    try {
      const first = Buffer.from(encodeRun(run(entries), opts).bytes);
      vi.advanceTimersByTime(10_001);
      const second = encodeRun(run(entries), opts);
      expect(Buffer.from(second.bytes).equals(first)).toBe(true);
      expect(second.entries).toBe(300);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a run that writes itself into the kernel (RunSource) encodes as the same bytes given whole, also when the first try lacks room', () => {
    // A block per 5-byte entry: the blocks outgrow the room the first try makes for them (it
    // expects about the run's size), so the kernel asks for more and the source writes the run again.
    const entries: Entry[] = Array.from({ length: 20_000 }, (_, i) => [Buffer.from([i >>> 16, (i >>> 8) & 255, i & 255]), Buffer.alloc(0)]);
    const opts = { blockSize: 1, restartInterval: 1, bloomKey: 'whole' as const, seqSuffix: false };
    const whole = run(entries);
    const given = encodeRun(whole, opts);
    const expected = { bytes: Buffer.from(given.bytes), blocks: given.blocks.length, hashes: Array.from(given.hashes), entries: given.entries };
    let writes = 0;
    const got = encodeRun({ length: whole.length, writeTo: (into) => { writes++; expect(into.length).toBe(whole.length); into.set(whole); } }, opts);
    expect(writes).toBeGreaterThanOrEqual(2);
    expect({ bytes: Buffer.from(got.bytes), blocks: got.blocks.length, hashes: Array.from(got.hashes), entries: got.entries }).toEqual(expected);
  });

  it('an empty run makes the same empty table', () => {
    const js = newSstableBuilder();
    const wasm = newSstableBuilder();
    expect(wasm.addSortedRun(new Uint8Array(0), { bloomKey: 'whole', seqSuffix: true })).toEqual({ minSeq: 0, maxSeq: 0 });
    expect(Buffer.from(wasm.finish({ minSeq: 0, maxSeq: 0 })).equals(Buffer.from(js.finish({ minSeq: 0, maxSeq: 0 })))).toBe(true);
  });
});

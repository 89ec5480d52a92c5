import { describe, it, expect } from 'vitest';
import { compareBytes } from '../../src/base/bytes.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../src/base/errors.js';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { newSstableBuilder } from '../../src/lsm/sstable/sstable-builder.js';
import { FORMAT_VERSION } from '../../src/lsm/sstable/format.js';
import { buildTable, k, type Entry } from './helpers.js';

describe('sstable builder', () => {
  it('refuses duplicate and decreasing keys, add/finish after finish, bad options', () => {
    const b = newSstableBuilder();
    b.add(k(2), Buffer.from('x'));
    expect(() => b.add(k(2), Buffer.from('y'))).toThrow(InvalidArgumentError);
    expect(() => b.add(k(1), Buffer.from('y'))).toThrow(/strictly increasing/);
    b.add(k(3), Buffer.from('z'));
    expect(b.entryCount).toBe(2);
    expect(() => b.finish({ minSeq: 5, maxSeq: 4 })).toThrow(/maxSeq/);
    b.finish({ minSeq: 1, maxSeq: 4 });
    expect(() => b.add(k(4), Buffer.from('z'))).toThrow(FailedPreconditionError);
    expect(() => b.finish({ minSeq: 1, maxSeq: 4 })).toThrow(FailedPreconditionError);
    expect(() => newSstableBuilder({ blockSize: 0 })).toThrow(/blockSize/);
    expect(() => newSstableBuilder({ restartInterval: 0 })).toThrow(/restartInterval/);
    expect(() => newSstableBuilder({ bloomBitsPerKey: -1 })).toThrow(/bloomBitsPerKey/);
  });

  it('orders keys that are prefixes of each other (the order check shares its pass with prefix compression)', async () => {
    const b = newSstableBuilder({ restartInterval: 2 });
    b.add(Buffer.from('ab'), Buffer.from('1'));
    expect(() => b.add(Buffer.from('a'), Buffer.from('x'))).toThrow(/strictly increasing/);
    expect(() => b.add(Buffer.from('ab'), Buffer.from('x'))).toThrow(/strictly increasing/);
    expect(() => b.add(Buffer.from('aa'), Buffer.from('x'))).toThrow(/strictly increasing/);
    b.add(Buffer.from('abc'), Buffer.from('2'));
    b.add(Buffer.from('abd'), Buffer.from('3'));
    expect(() => b.add(Buffer.from('abcz'), Buffer.from('x'))).toThrow(/strictly increasing/);
    b.add(Buffer.from('b'), Buffer.from('4'));
    expect(b.entryCount).toBe(4);
  });

  it('the empty key is a valid first key', async () => {
    const { reader } = await buildTable([[Buffer.alloc(0), Buffer.from('e')], [Buffer.from('a'), Buffer.from('x')]]);
    const it = reader.iterator();
    await it.seek(Buffer.alloc(0));
    expect(Buffer.from(it.value()).toString()).toBe('e');
  });

  it('records properties, block first keys and approximate offsets', async () => {
    const entries: Entry[] = Array.from({ length: 5000 }, (_, i) => [k(i), Buffer.alloc(50, i & 0xff)]);
    const b = newSstableBuilder({ blockSize: 4096 });
    let lastEstimate = 0;
    for (const [key, v] of entries) {
      b.add(key, v);
      expect(b.estimatedSize).toBeGreaterThanOrEqual(lastEstimate);
      lastEstimate = b.estimatedSize;
    }
    const bytes = b.finish({ minSeq: 100, maxSeq: 5099 });
    // The estimate is close to the real size.
    expect(Math.abs(lastEstimate - bytes.length) / bytes.length).toBeLessThan(0.05);

    const { reader, bytes: built } = await buildTable(entries, { blockSize: 4096 }, newBlockCache(1 << 20));
    const p = reader.properties;
    expect(p.formatVersion).toBe(FORMAT_VERSION);
    expect(p.entryCount).toBe(5000);
    expect(Buffer.from(p.smallestKey).equals(k(0))).toBe(true);
    expect(Buffer.from(p.largestKey).equals(k(4999))).toBe(true);
    expect(p.fileSize).toBe(built.length);
    expect(p.minSeq).toBe(1);
    expect(p.maxSeq).toBe(10);
    expect(p.blockCount).toBeGreaterThan(50);
    expect(p.dataBytes).toBeLessThan(p.fileSize);

    const firsts = reader.blockFirstKeys();
    expect(firsts).toHaveLength(p.blockCount);
    expect(Buffer.from(firsts[0]!).equals(k(0))).toBe(true);
    for (let i = 1; i < firsts.length; i++) expect(compareBytes(firsts[i - 1]!, firsts[i]!)).toBeLessThan(0);
    // Every first key is an entry key and starts a block of ~4 KiB.
    const it = reader.iterator();
    for (const f of firsts) {
      await it.seek(f);
      expect(Buffer.from(it.key()).equals(Buffer.from(f))).toBe(true);
    }

    expect(reader.approximateOffsetOf(Buffer.from('a'))).toBe(0);
    expect(reader.approximateOffsetOf(Buffer.from('z'))).toBe(p.dataBytes);
    let prev = 0;
    for (let i = 0; i < 5000; i += 97) {
      const off = reader.approximateOffsetOf(k(i));
      expect(off).toBeGreaterThanOrEqual(prev);
      // Offsets are proportional to position (uniform entries): within two blocks.
      expect(Math.abs(off - (i / 5000) * p.dataBytes)).toBeLessThan(2 * 4096 + 100);
      prev = off;
    }
  });

  it('large values: an entry bigger than blockSize gets its own block (2 MiB values)', async () => {
    const big = (i: number): Buffer => Buffer.alloc(2 << 20, i);
    const entries: Entry[] = [];
    for (let i = 0; i < 20; i++) entries.push([k(i), i % 4 === 1 ? big(i) : Buffer.from(`small${i}`)]);
    // A cache smaller than one big block: big blocks are never cached, reads still work.
    const { reader, cache } = await buildTable(entries, { blockSize: 1024 }, newBlockCache(1 << 20));
    const firsts = reader.blockFirstKeys().map((f) => Buffer.from(f).toString());
    for (let i = 1; i < 20; i += 4) {
      expect(firsts).toContain(k(i).toString()); // starts a block…
      expect(firsts).toContain(k(i + 1).toString()); // …and is alone in it
    }
    const it = reader.iterator();
    let n = 0;
    for (await it.seekToFirst(); it.valid(); await it.next()) {
      const want = entries[n]![1];
      expect(it.value().length).toBe(want.length);
      expect(Buffer.from(it.value()).equals(want)).toBe(true);
      n++;
    }
    expect(n).toBe(20);
    await it.seekLT(k(6));
    expect(Buffer.from(it.value()).equals(big(5))).toBe(true);
    expect(cache.stats().bytes).toBeLessThan(1 << 20);
  });
});

describe('addParts and bloomKeyLength (the flush job\'s view-free path)', () => {
  it('build byte-identical files to add with an equivalent bloomKey, rows of several entries included', () => {
    // Keys "rowNNN|c" with the bloom key "rowNNN" (a prefix): 3 entries per row.
    const entries: Entry[] = [];
    for (let r = 0; r < 400; r++) for (let c = 0; c < 3; c++) entries.push([Buffer.from(`row${String(r).padStart(4, "0")}|${c}`), Buffer.alloc(20 + (r % 50), r)]);
    const prefixLen = 7;
    const opts = { blockSize: 512 };
    const viaAdd = newSstableBuilder({ ...opts, bloomKey: (key) => key.subarray(0, prefixLen) });
    for (const [key, v] of entries) viaAdd.add(key, v);
    const viaParts = newSstableBuilder({ ...opts, bloomKeyLength: () => prefixLen });
    // Every entry sits inside one shared buffer, as in a memtable export.
    const arena = Buffer.concat(entries.flatMap(([key, v]) => [key, v]));
    let p = 0;
    for (const [key, v] of entries) {
      viaParts.addParts(arena, p, key.length, arena, p + key.length, v.length);
      p += key.length + v.length;
    }
    const a = Buffer.from(viaAdd.finish({ minSeq: 1, maxSeq: 2 }));
    const b = Buffer.from(viaParts.finish({ minSeq: 1, maxSeq: 2 }));
    expect(b.equals(a)).toBe(true);
  });

  it('bloom keys of varying length (rows that are prefixes of each other) are deduplicated exactly as with bloomKey', () => {
    // Bloom key = the bytes before '|'; rows "a", "ab", "abc", ... each with 1-3 entries.
    const rows = ['a', 'ab', 'abc', 'abd', 'b', 'ba', 'bab', 'c'];
    const entries: Entry[] = [];
    rows.forEach((row, i) => { for (let c = 0; c <= i % 3; c++) entries.push([Buffer.from(`${row}|${c}`), Buffer.from([i])]); });
    entries.sort(([a], [b]) => Buffer.compare(a, b));
    const bar = (k: Uint8Array, off: number, len: number): number => { let i = 0; while (i < len && k[off + i] !== 0x7c) i++; return i; };
    const viaAdd = newSstableBuilder({ bloomKey: (key) => key.subarray(0, bar(key, 0, key.length)) });
    const viaParts = newSstableBuilder({ bloomKeyLength: bar });
    for (const [key, v] of entries) { viaAdd.add(key, v); viaParts.addParts(key, 0, key.length, v, 0, v.length); }
    const a = Buffer.from(viaAdd.finish({ minSeq: 1, maxSeq: 2 }));
    const b = Buffer.from(viaParts.finish({ minSeq: 1, maxSeq: 2 }));
    expect(b.equals(a)).toBe(true);
  });

  it('addParts refuses keys out of order, naming the key', () => {
    const b = newSstableBuilder({ bloomKeyLength: (_k, _o, len) => len });
    const buf = Buffer.from('bbbaaa');
    b.addParts(buf, 0, 3, buf, 0, 1);
    expect(() => b.addParts(buf, 3, 3, buf, 0, 1)).toThrow(/aaa/);
    expect(() => newSstableBuilder({ bloomKey: (x) => x, bloomKeyLength: () => 1 })).toThrow(InvalidArgumentError);
  });
});

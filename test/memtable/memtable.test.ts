import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { exportSharedMemtable, newMemtable, verifyMemtable, type SharedMemtable } from '../../src/lsm/memtable/memtable.js';
import { newFlatIterator } from '../../src/lsm/iterator/flat-iterator.js';
import { FailedPreconditionError } from '../../src/base/errors.js';
import type { KvIterator } from '../../src/lsm/iterator/kv-iterator.js';
import { Model, entryPos, hex, keyArb, pos, valueArb } from '../iterator/model.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function scan(it: KvIterator): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (it.seekToFirst(); it.valid(); it.next()) out.push(pos(it)!);
  return out;
}

type Op =
  | { t: 'put'; k: Uint8Array; v: Uint8Array }
  | { t: 'open' }
  | { t: 'seek' | 'seekLT'; i: number; k: Uint8Array }
  | { t: 'first' | 'last' | 'next'; i: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('put' as const), k: keyArb(), v: valueArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('open' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('seek' as const, 'seekLT' as const), i: fc.nat(3), k: keyArb() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constantFrom('first' as const, 'last' as const, 'next' as const, 'next' as const), i: fc.nat(3) }) },
);

/** Encodes entries as EntryWriter does into the reserved region: varint count, then varint klen, key, varint vlen, value. */
const encodeInto = (mt: ReturnType<typeof newMemtable>, entries: Array<[Uint8Array, Uint8Array]>): { ci: number; offsets: Int32Array } => {
  const parts: number[] = [];
  const rel = new Int32Array(4 * entries.length);
  const varint = (n: number) => { while (n >= 0x80) { parts.push((n & 0x7f) | 0x80); n >>>= 7; } parts.push(n); };
  varint(entries.length);
  entries.forEach(([k, v], i) => {
    varint(k.length); rel[4 * i] = parts.length; rel[4 * i + 1] = k.length; parts.push(...k);
    varint(v.length); rel[4 * i + 2] = parts.length; rel[4 * i + 3] = v.length; parts.push(...v);
  });
  const { chunk, ci, off } = mt.reserveEncoded(parts.length);
  chunk.set(parts, off);
  const offsets = rel.map((x, j) => (j % 2 === 0 ? x + off : x));
  return { ci, offsets };
};

describe('memtable', () => {
  it('puts, replaces and iterates in byte order', () => {
    const mt = newMemtable();
    mt.put(b('b'), b('2'));
    mt.put(b('a'), b('1'));
    mt.put(b('\xff'), b('3'));
    mt.put(b(''), b('0'));
    mt.put(b('a'), b('1bis'));
    expect(mt.count).toBe(4);
    expect(scan(mt.iterator()).map(([k, v]) => [Buffer.from(k, 'hex').toString('latin1'), Buffer.from(v, 'hex').toString()])).toEqual([
      ['', '0'], ['a', '1bis'], ['b', '2'], ['\xff', '3'],
    ]);
  });

  it('copies the bytes it is given', () => {
    const mt = newMemtable();
    const k = b('key1');
    const v = b('val1');
    mt.put(k, v);
    k.fill(0);
    v.fill(0);
    const it = mt.iterator();
    it.seekToFirst();
    expect(Buffer.from(it.key()).toString()).toBe('key1');
    expect(Buffer.from(it.value()).toString()).toBe('val1');
  });

  it('rejects puts once frozen but still reads', () => {
    const mt = newMemtable();
    mt.put(b('a'), b('1'));
    expect(mt.frozen).toBe(false);
    mt.freeze();
    expect(mt.frozen).toBe(true);
    expect(() => mt.put(b('b'), b('2'))).toThrow(FailedPreconditionError);
    expect(scan(mt.iterator())).toHaveLength(1);
  });

  it('accounts approximate bytes', () => {
    const mt = newMemtable();
    expect(mt.approximateBytes).toBe(0);
    mt.put(new Uint8Array(40), new Uint8Array(100));
    const one = mt.approximateBytes;
    expect(one).toBeGreaterThanOrEqual(140);
    expect(one).toBeLessThan(300);
    for (let i = 1; i < 1000; i++) mt.put(Buffer.from(`k${i}`.padEnd(40, 'x')), new Uint8Array(100));
    expect(mt.approximateBytes).toBeGreaterThan(1000 * 140);
    expect(mt.approximateBytes).toBeLessThan(1000 * 300);
  });

  it('handles entries bigger than a chunk and many small chunks', () => {
    const mt = newMemtable({ chunkSize: 64 });
    const big = Buffer.alloc(1000, 7);
    mt.put(b('big'), big);
    for (let i = 0; i < 200; i++) mt.put(b(`k${String(i).padStart(3, '0')}`), b(`v${i}`));
    mt.put(b('big2'), Buffer.alloc(50, 9));
    const it = mt.iterator();
    it.seek(b('big'));
    expect(Buffer.from(it.value()).equals(big)).toBe(true);
    it.next();
    expect(Buffer.from(it.key()).toString()).toBe('big2');
    expect(it.value()).toEqual(Buffer.alloc(50, 9));
    expect(mt.count).toBe(202);
  });

  it('seekLT, seekToLast and seek on an empty memtable', () => {
    const mt = newMemtable();
    const it = mt.iterator();
    it.seekToFirst(); expect(it.valid()).toBe(false);
    it.seekToLast(); expect(it.valid()).toBe(false);
    it.seek(b('a')); expect(it.valid()).toBe(false);
    it.seekLT(b('a')); expect(it.valid()).toBe(false);
    expect(mt.exportSorted()).toHaveLength(0);
  });

  it('key views stay valid across later puts and growth', () => {
    const mt = newMemtable({ chunkSize: 256 });
    mt.put(b('first'), b('v'));
    const it = mt.iterator();
    it.seekToFirst();
    const k = it.key();
    for (let i = 0; i < 5000; i++) mt.put(b(`z${i}`), b('x'.repeat(20)));
    expect(Buffer.from(k).toString()).toBe('first');
    it.next();
    expect(Buffer.from(it.key()).toString()).toBe('z0');
  });

  it('matches a sorted-array model under interleaved puts and iterator ops', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.constantFrom(64, 200, 1 << 20), fc.integer({ min: 1 }), (ops, chunkSize, seed) => {
        const mt = newMemtable({ chunkSize, seed });
        const model = new Model();
        const its: KvIterator[] = [mt.iterator()];
        for (const op of ops) {
          if (op.t === 'put') {
            mt.put(op.k, op.v);
            model.put(op.k, op.v);
            expect(mt.count).toBe(model.entries.length);
            continue;
          }
          if (op.t === 'open') {
            if (its.length < 4) its.push(mt.iterator());
            continue;
          }
          const it = its[op.i % its.length]!;
          let want;
          switch (op.t) {
            case 'seek': it.seek(op.k); want = model.seek(op.k); break;
            case 'seekLT': it.seekLT(op.k); want = model.seekLT(op.k); break;
            case 'first': it.seekToFirst(); want = model.first(); break;
            case 'last': it.seekToLast(); want = model.last(); break;
            case 'next': {
              if (!it.valid()) continue;
              const cur = Uint8Array.from(it.key());
              it.next();
              // Nodes are linked in place, so next() sees every key now in the
              // memtable after the current one (stronger than the contract).
              want = model.after(cur);
              break;
            }
          }
          expect(pos(it)).toEqual(entryPos(want));
        }
        expect(scan(mt.iterator())).toEqual(model.entries.map((e) => entryPos(e)));
        verifyMemtable(mt);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every skiplist level sorted under random and ascending inserts', () => {
    const mt = newMemtable({ seed: 7 });
    const model = new Model();
    let x = 12345;
    for (let i = 0; i < 3000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      // Mix ascending runs (append fast path) with random keys.
      const k = i % 3 === 0 ? b(`k${String(x % 5000).padStart(5, '0')}`) : b(`k${String(10000 + i).padStart(5, '0')}`);
      mt.put(k, b(String(i)));
      model.put(k, b(String(i)));
    }
    verifyMemtable(mt);
    expect(scan(mt.iterator())).toEqual(model.entries.map((e) => entryPos(e)));
  });

  it('ascending runs inserted between existing keys (findInsert\'s finger) keep every level sorted and equal the model (property)', () => {
    // A run: `len` keys with a random common prefix and ascending suffixes, like a row's cells landing among other rows.
    const runArb = fc.record({ prefix: fc.uint8Array({ minLength: 0, maxLength: 3 }), start: fc.nat(20), len: fc.integer({ min: 1, max: 12 }), step: fc.integer({ min: 1, max: 3 }) });
    fc.assert(fc.property(fc.array(runArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 0x7fffffff }), (runs, seed) => {
      const mt = newMemtable({ seed });
      const model = new Model();
      let n = 0;
      for (const r of runs) {
        for (let i = 0; i < r.len; i++) {
          const k = Buffer.concat([Buffer.from(r.prefix), Buffer.from([r.start + i * r.step])]);
          const v = b(String(n++));
          mt.put(k, v); // repeats of a key replace it, which drops the finger
          model.put(k, v);
        }
      }
      verifyMemtable(mt);
      expect(scan(mt.iterator())).toEqual(model.entries.map((e) => entryPos(e)));
    }), { numRuns: 400 });
  });

  it('a size hint (expectedEntries) changes capacity only: fewer or more entries than expected read the same', () => {
    for (const expectedEntries of [0, 10, 3000, 100000]) {
      const mt = newMemtable({ seed: 7, expectedEntries });
      const model = new Model();
      for (let i = 0; i < 3000; i++) {
        const k = b(`k${String((i * 7919) % 3000).padStart(5, '0')}`);
        mt.put(k, b(String(i)));
        model.put(k, b(String(i)));
      }
      verifyMemtable(mt);
      expect(scan(mt.iterator())).toEqual(model.entries.map((e) => entryPos(e)));
    }
  });

  it('batches encoded in place (reserveEncoded, putReserved) equal put, across replacements, big batches and exports (property)', () => {
    fc.assert(
      fc.property(
        // Big values make some batches bigger than a quarter chunk (a chunk of their own); small ones share chunks.
        fc.array(fc.array(fc.tuple(keyArb(8), fc.uint8Array({ maxLength: 200 })), { minLength: 1, maxLength: 12 }), { maxLength: 12 }),
        fc.array(fc.tuple(keyArb(8), fc.uint8Array({ maxLength: 20 })), { maxLength: 10 }),
        (batches, singles) => {
          const mt = newMemtable({ chunkSize: 256 });
          const model = new Model();
          batches.forEach((batch, i) => {
            const { ci, offsets } = encodeInto(mt, batch);
            mt.putReserved(ci, offsets, batch.length);
            for (const [k, v] of batch) model.put(k, v);
            const single = singles[i];
            if (single) { mt.put(single[0], single[1]); model.put(single[0], single[1]); }
          });
          verifyMemtable(mt);
          expect(mt.count).toBe(model.entries.length);
          expect(scan(mt.iterator())).toEqual(model.entries.map((e) => entryPos(e)));
          expect(scan(newFlatIterator(mt.exportSorted()))).toEqual(model.entries.map((e) => entryPos(e)));
        },
      ),
      { numRuns: 300 },
    );
  });

  /** `before` through put, then each batch encoded in place (putReserved); the memtable (verified) and the model of both. */
  function putThenBatches(before: Array<[Uint8Array, Uint8Array]>, batches: Array<Array<[Uint8Array, Uint8Array]>>): { mt: ReturnType<typeof newMemtable>; model: Model } {
    const mt = newMemtable({ chunkSize: 4096 });
    const model = new Model();
    for (const [k, v] of before) { mt.put(k, v); model.put(k, v); }
    for (const batch of batches) {
      const { ci, offsets } = encodeInto(mt, batch);
      mt.putReserved(ci, offsets, batch.length);
      for (const [k, v] of batch) model.put(k, v);
    }
    verifyMemtable(mt);
    return { mt, model };
  }

  it('big batches of scattered keys, linked in key-prefix order with a finger search, equal put (property)', () => {
    // Keys over a tiny alphabet share prefixes and repeat (within a batch too: the later one wins);
    // batches of 64+ entries take the sorted path, a filled memtable gives the finger long distances.
    const key = fc.array(fc.constantFrom(0, 1, 0x61, 0x62, 0xff), { minLength: 0, maxLength: 7 }).map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.uint8Array({ maxLength: 8 })), { maxLength: 300 }),
        fc.array(fc.array(fc.tuple(key, fc.uint8Array({ maxLength: 8 })), { minLength: 60, maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        (before, batches) => {
          const { mt, model } = putThenBatches(before, batches);
          expect(mt.count).toBe(model.entries.length);
          expect(scan(mt.iterator())).toEqual(model.entries.map((e) => entryPos(e)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keys sharing their first 4 bytes (ordered and compared by bytes 4..8, then the rest) equal put, seeks included (property)', () => {
    // "user" + 0..8 bytes over a tiny alphabet: the second prefix word ties often, and short
    // keys (zero padding) must sort before longer ones with zero bytes.
    const tail = fc.array(fc.constantFrom(0, 1, 0x30, 0x39, 0xff), { minLength: 0, maxLength: 8 });
    const key = fc.oneof(
      { weight: 9, arbitrary: tail.map((t) => Uint8Array.from([0x75, 0x73, 0x65, 0x72, ...t])) },
      { weight: 1, arbitrary: fc.array(fc.constantFrom(0, 0x75, 0xff), { maxLength: 5 }).map((a) => Uint8Array.from(a)) },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.uint8Array({ maxLength: 4 })), { maxLength: 200 }),
        fc.array(fc.array(fc.tuple(tail.map((t) => Uint8Array.from([0x75, 0x73, 0x65, 0x72, ...t])), fc.uint8Array({ maxLength: 4 })), { minLength: 64, maxLength: 200 }), { minLength: 1, maxLength: 3 }),
        fc.array(key, { maxLength: 12 }),
        (before, batches, probes) => {
          const { mt, model } = putThenBatches(before, batches);
          expect(scan(mt.iterator())).toEqual(model.entries.map((e) => entryPos(e)));
          const it = mt.iterator();
          for (const p of probes) {
            it.seek(p);
            expect(it.valid() ? hex(it.key()) : undefined).toBe(hex(model.seek(p)?.[0]));
            it.seekLT(p);
            expect(it.valid() ? hex(it.key()) : undefined).toBe(hex(model.seekLT(p)?.[0]));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a reserved region is refused once frozen, and unlinked bytes are never visible', () => {
    const mt = newMemtable({ chunkSize: 256 });
    mt.put(b('a'), b('1'));
    const { chunk, off } = mt.reserveEncoded(8);
    chunk.fill(0x7a, off, off + 8);
    expect(scan(mt.iterator())).toEqual([['61', '31']]);
    mt.freeze();
    expect(() => mt.reserveEncoded(8)).toThrow(FailedPreconditionError);
    expect(() => mt.putReserved(0, new Int32Array(0), 0)).toThrow(FailedPreconditionError);
  });

  it('trimReserved gives back a reservation\'s unused end, which the next entries take; only right after it', () => {
    const mt = newMemtable({ chunkSize: 256 });
    const first = mt.reserveEncoded(40);
    mt.trimReserved(30); // 10 written
    const next = mt.reserveEncoded(8);
    expect(next.ci).toBe(first.ci);
    expect(next.off).toBe(first.off + 10);
    mt.trimReserved(0);
    expect(() => mt.trimReserved(0)).toThrow(FailedPreconditionError); // once per reservation
    const third = mt.reserveEncoded(8);
    expect(() => mt.trimReserved(9)).toThrow(FailedPreconditionError); // more than reserved
    mt.put(b('k'), b('v'));
    expect(() => mt.trimReserved(1)).toThrow(FailedPreconditionError); // a put came between
    // A region of its own chunk (over a quarter of chunkSize): its end is taken by what follows.
    const big = mt.reserveEncoded(240);
    expect(big.ci).not.toBe(third.ci);
    expect(big.chunk.length).toBe(240);
    mt.trimReserved(190);
    expect(mt.reserveEncoded(40)).toMatchObject({ ci: big.ci, off: 50 });
  });

  it('exportSorted round-trips through the flat iterator', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyArb(8), fc.uint8Array({ maxLength: 300 })), { maxLength: 80 }),
        fc.array(keyArb(8), { maxLength: 10 }),
        fc.boolean(),
        (pairs, probes, ascending) => {
          // Ascending puts lay entries back to back in the arena (exported as runs); random ones do not.
          if (ascending) pairs.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
          const mt = newMemtable({ chunkSize: 128 });
          const model = new Model();
          for (const [k, v] of pairs) { mt.put(k, v); model.put(k, v); }
          const flat = mt.exportSorted();
          expect(flat.buffer.byteLength).toBe(flat.byteLength); // owns its ArrayBuffer: transferable
          const it = newFlatIterator(flat);
          expect(scan(it)).toEqual(model.entries.map((e) => entryPos(e)));
          for (const p of probes) {
            it.seek(p); expect(pos(it)).toEqual(entryPos(model.seek(p)));
            if (it.valid()) { it.next(); expect(pos(it)).toEqual(entryPos(model.after(model.seek(p)![0]))); }
            it.seekLT(p); expect(pos(it)).toEqual(entryPos(model.seekLT(p)));
          }
          it.seekToLast(); expect(pos(it)).toEqual(entryPos(model.last()));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('shares a frozen memtable across threads without a copy; its export there equals exportSorted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(keyArb(6), fc.uint8Array({ maxLength: 200 })), { maxLength: 80 }),
        fc.boolean(),
        (pairs, ascending) => {
          // Ascending puts make runs; repeated keys move values out of their entries (replaceValue);
          // 128-byte chunks make many chunks and entries with a chunk of their own.
          if (ascending) pairs.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
          const mt = newMemtable({ chunkSize: 128 });
          for (const [k, v] of pairs) mt.put(k, v);
          expect(() => mt.share()).toThrow(FailedPreconditionError); // not frozen: it could change under the reader
          mt.freeze();
          const whole = Buffer.from(mt.exportSorted());
          // Through a structured clone, as a worker receives it.
          const { port1, port2 } = new MessageChannel();
          port1.postMessage(mt.share());
          const got = receiveMessageOnPort(port2)!.message as SharedMemtable;
          port1.close();
          expect(got.count).toBe(mt.count);
          expect(got.nodes.buffer).toBeInstanceOf(SharedArrayBuffer);
          for (const c of got.chunks) expect(c.buffer).toBeInstanceOf(SharedArrayBuffer);
          const into = new Uint8Array(mt.exportSize() + 5).fill(0xee);
          const out = exportSharedMemtable(got, into);
          expect(out.buffer).toBe(into.buffer);
          expect(Buffer.from(out)).toEqual(whole);
          expect(Buffer.from(exportSharedMemtable(got))).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('exports the documented flat format (golden, FORMAT.md)', () => {
    const mt = newMemtable();
    mt.put(b('bc'), b('x'));
    mt.put(b('a'), b(''));
    expect(Buffer.from(mt.exportSorted()).toString('hex')).toBe('016100' + '0262630178');
  });

  it('exports into a given buffer when it is big enough, else into a fresh one', () => {
    const mt = newMemtable();
    mt.put(b('bc'), b('x'));
    mt.put(b('a'), b(''));
    expect(mt.exportSize()).toBe(8);
    const into = new Uint8Array(64).fill(0xee);
    const out = mt.exportSorted(into);
    expect(out.buffer).toBe(into.buffer);
    expect(out.byteOffset).toBe(0);
    expect(Buffer.from(out).toString('hex')).toBe('016100' + '0262630178');
    const small = new Uint8Array(7);
    const fresh = mt.exportSorted(small);
    expect(fresh.buffer).not.toBe(small.buffer);
    expect(Buffer.from(fresh).toString('hex')).toBe('016100' + '0262630178');
  });

  it('exports large lengths with multi-byte varints', () => {
    const mt = newMemtable();
    mt.put(Buffer.alloc(200, 0x70), Buffer.alloc(70000, 2));
    mt.put(b('a'), b(''));
    const flat = mt.exportSorted();
    const it = newFlatIterator(flat);
    it.seekToFirst();
    expect(hex(it.key())).toBe('61');
    expect(it.value()).toHaveLength(0);
    it.next();
    expect(it.key()).toHaveLength(200);
    expect(it.value()).toHaveLength(70000);
    it.next();
    expect(it.valid()).toBe(false);
  });
});

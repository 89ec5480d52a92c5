/**
 * The Storage contract (src/storage/storage.ts) as a reusable suite, run
 * against every implementation by storage-contract.test.ts.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fc from 'fast-check';
import { CorruptionError, NotFoundError, StorageError } from '../../src/base/errors.js';
import { checksum32 } from '../../src/base/checksum.js';
import type { Storage } from '../../src/storage/storage.js';

export interface StorageFixture {
  storage: Storage;
  cleanup(): Promise<void>;
}

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
const dec = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

export function describeStorageContract(label: string, make: () => Promise<StorageFixture>, opts: { propertyRuns?: number } = {}): void {
  describe(`Storage contract: ${label}`, () => {
    let fx: StorageFixture;
    let s: Storage;
    beforeEach(async () => {
      fx = await make();
      s = fx.storage;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('writes a file and reads it whole and by ranges', async () => {
      const data = bytes(10_000, 7);
      await s.writeFile('sst/000001.sst', data);
      expect(Buffer.from(await s.readAll('sst/000001.sst')).equals(data)).toBe(true);
      const f = await s.open('sst/000001.sst');
      expect(f.name).toBe('sst/000001.sst');
      expect(f.size).toBe(10_000);
      for (const [off, len] of [[0, 1], [0, 10_000], [4096, 4096], [9_999, 1], [10_000, 0], [123, 0], [5000, 4321]] as const) {
        const got = await f.read(off, len);
        expect(got.length).toBe(len);
        expect(Buffer.from(got).equals(data.subarray(off, off + len))).toBe(true);
      }
      await f.close();
    });

    it('reads a range into the start of given memory, leaving the rest alone; refuses memory too small', async () => {
      const data = bytes(10_000, 3);
      await s.writeFile('sst/000002.sst', data);
      const f = await s.open('sst/000002.sst');
      const into = new Uint8Array(5000).fill(0xee);
      const got = await f.read(1234, 4000, into);
      expect(got.buffer).toBe(into.buffer);
      expect(got.byteOffset).toBe(0);
      expect(Buffer.from(got).equals(data.subarray(1234, 5234))).toBe(true);
      expect(into.subarray(4000).every((x) => x === 0xee)).toBe(true);
      await expect(f.read(0, 5001, into)).rejects.toThrow(RangeError);
      await f.close();
    });

    it('readHashed, where offered, reads as read() does and hashes the first bytes asked for, or says it did not (undefined)', async () => {
      const data = bytes(100_000, 11);
      await s.writeFile('sst/000003.sst', data);
      const f = await s.open('sst/000003.sst');
      if (!f.readHashed) return void (await f.close());
      let hashed = 0;
      for (const [off, len, hashLength] of [[0, 16389, 16385], [777, 4096, 4096], [99_000, 1000, 0], [5, 70_000, 60_000], [50_000, 10, 1], [100_000, 0, 0]] as const) {
        const into = new Uint8Array(len + 3);
        const { bytes: got, hash } = await f.readHashed(off, len, hashLength, into);
        expect(Buffer.from(got).equals(data.subarray(off, off + len))).toBe(true);
        if (hashLength === 0) expect(hash).toBeUndefined();
        if (hash !== undefined) {
          hashed++;
          expect(hash).toBe(checksum32(data.subarray(off, off + hashLength)));
        }
      }
      // LocalStorage's read worker hashes every read of up to 64 KiB (the 70,000-byte one goes to the threadpool).
      if (s.constructor.name === 'LocalStorage' && (s as unknown as { readWorker: boolean }).readWorker) expect(hashed).toBe(3);
      await expect(f.readHashed(0, 10, 11)).rejects.toThrow(RangeError);
      await f.close();
    });

    it('rejects reads past the end with CorruptionError', async () => {
      await s.writeFile('a', enc('hello'));
      const f = await s.open('a');
      await expect(f.read(3, 3)).rejects.toBeInstanceOf(CorruptionError);
      await expect(f.read(6, 0)).rejects.toBeInstanceOf(CorruptionError);
      await expect(f.read(-1, 2)).rejects.toBeInstanceOf(CorruptionError);
      await f.close();
    });

    it('stores a copy: mutating the input after writeFile changes nothing', async () => {
      const data = enc('immutable');
      await s.writeFile('x/y', data);
      data.fill(0);
      expect(dec(await s.readAll('x/y'))).toBe('immutable');
    });

    it('writes an empty file', async () => {
      await s.writeFile('empty', new Uint8Array(0));
      expect((await s.readAll('empty')).length).toBe(0);
      expect((await s.stat('empty'))?.size).toBe(0);
      const f = await s.open('empty');
      expect(f.size).toBe(0);
      expect((await f.read(0, 0)).length).toBe(0);
      await f.close();
    });

    it('refuses to overwrite with writeFile and keeps the original', async () => {
      await s.writeFile('m/1', enc('first'));
      await expect(s.writeFile('m/1', enc('second'))).rejects.toBeInstanceOf(StorageError);
      expect(dec(await s.readAll('m/1'))).toBe('first');
      expect(await s.list('m/')).toEqual(['m/1']);
    });

    it('writeIfAbsent writes once and then returns false', async () => {
      expect(await s.writeIfAbsent('manifest/000001', enc('a'))).toBe(true);
      expect(await s.writeIfAbsent('manifest/000001', enc('b'))).toBe(false);
      expect(dec(await s.readAll('manifest/000001'))).toBe('a');
      await expect(s.writeFile('manifest/000001', enc('c'))).rejects.toBeInstanceOf(StorageError);
    });

    it('writeIfAbsent: exactly one of many concurrent writers wins', async () => {
      for (let round = 0; round < 3; round++) {
        const name = `race/manifest-${round}`;
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) => s.writeIfAbsent(name, enc(`writer-${i}-${'x'.repeat(i * 100)}`))),
        );
        const winners = results.flatMap((r, i) => (r ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(dec(await s.readAll(name))).toBe(`writer-${winners[0]}-${'x'.repeat(winners[0]! * 100)}`);
      }
      expect(await s.list('race/')).toEqual(['race/manifest-0', 'race/manifest-1', 'race/manifest-2']);
    });

    it('appends to a log, tracks size, syncs, and reads back', async () => {
      const log = await s.createLog('wal/srv-1/000001.log');
      expect(log.name).toBe('wal/srv-1/000001.log');
      expect(log.size).toBe(0);
      await log.append(enc('abc'));
      expect(log.size).toBe(3);
      await log.append(new Uint8Array(0));
      await log.append(enc('defgh'));
      expect(log.size).toBe(8);
      await log.sync();
      await log.append(enc('ij'));
      await log.sync();
      expect(log.size).toBe(10);
      expect(dec(await s.readAll('wal/srv-1/000001.log'))).toBe('abcdefghij');
      expect((await s.stat('wal/srv-1/000001.log'))?.size).toBe(10);
      const f = await s.open('wal/srv-1/000001.log');
      expect(dec(await f.read(3, 5))).toBe('defgh');
      await f.close();
      await log.close();
      expect(dec(await s.readAll('wal/srv-1/000001.log'))).toBe('abcdefghij');
    });

    it('keeps call order for appends issued without awaiting', async () => {
      const log = await s.createLog('wal/concurrent.log');
      const parts = Array.from({ length: 200 }, (_, i) => enc(`<${i}>`));
      const pending = parts.map((p) => log.append(p));
      const synced = log.sync();
      await Promise.all(pending);
      await synced;
      expect(dec(await s.readAll('wal/concurrent.log'))).toBe(parts.map(dec).join(''));
      expect(log.size).toBe(Buffer.concat(parts).length);
      await log.close();
    });

    it('appends a large record', async () => {
      const log = await s.createLog('wal/big.log');
      const big = bytes(3 << 20, 3);
      await log.append(enc('head'));
      await log.append(big);
      await log.sync();
      await log.close();
      const all = Buffer.from(await s.readAll('wal/big.log'));
      expect(all.length).toBe(4 + big.length);
      expect(all.subarray(4).equals(big)).toBe(true);
    });

    it('createLog refuses an existing name', async () => {
      const log = await s.createLog('wal/1.log');
      await log.append(enc('keep'));
      await log.sync();
      await expect(s.createLog('wal/1.log')).rejects.toBeInstanceOf(StorageError);
      await s.writeFile('wal/2.log', enc('file'));
      await expect(s.createLog('wal/2.log')).rejects.toBeInstanceOf(StorageError);
      await expect(s.writeFile('wal/1.log', enc('x'))).rejects.toBeInstanceOf(StorageError);
      expect(dec(await s.readAll('wal/1.log'))).toBe('keep');
      await log.close();
    });

    it('rejects appends after close', async () => {
      const log = await s.createLog('wal/closed.log');
      await log.close();
      await expect(log.append(enc('x'))).rejects.toBeInstanceOf(StorageError);
    });

    it('lists by prefix, recursively and sorted', async () => {
      const names = [
        'sst/000010.sst', 'sst/000002.sst', 'sst/000001.sst',
        'wal/srv-2/000001.log', 'wal/srv-1/000003.log', 'wal/srv-1/000001.log',
        'tablets/t1/manifest-000002', 'tablets/t1/manifest-000001', 'tablets/t10/manifest-000001',
        'tablets/t2/manifest-000001', 'top', 'sstx',
      ];
      for (const n of names) await s.writeFile(n, enc(n));
      const log = await s.createLog('wal/srv-3/000001.log');
      await log.close();
      const all = [...names, 'wal/srv-3/000001.log'].sort();
      expect(await s.list('')).toEqual(all);
      expect(await s.list('sst/')).toEqual(['sst/000001.sst', 'sst/000002.sst', 'sst/000010.sst']);
      expect(await s.list('sst')).toEqual(['sst/000001.sst', 'sst/000002.sst', 'sst/000010.sst', 'sstx']);
      expect(await s.list('sst/00000')).toEqual(['sst/000001.sst', 'sst/000002.sst']);
      expect(await s.list('tablets/t1/')).toEqual(['tablets/t1/manifest-000001', 'tablets/t1/manifest-000002']);
      expect(await s.list('tablets/t1')).toEqual([
        'tablets/t1/manifest-000001', 'tablets/t1/manifest-000002', 'tablets/t10/manifest-000001',
      ]);
      expect(await s.list('wal/')).toEqual(['wal/srv-1/000001.log', 'wal/srv-1/000003.log', 'wal/srv-2/000001.log', 'wal/srv-3/000001.log']);
      expect(await s.list('wal/srv-1/000003.log')).toEqual(['wal/srv-1/000003.log']);
      expect(await s.list('nothing/')).toEqual([]);
      expect(await s.list('nothing/here/')).toEqual([]);
      expect(await s.list('top/')).toEqual([]);
      expect(await s.list('zzz')).toEqual([]);
    });

    it('delete is idempotent and missing files are NotFoundError', async () => {
      await s.writeFile('d/1', enc('x'));
      expect(await s.stat('d/1')).toMatchObject({ size: 1 });
      await s.delete('d/1');
      expect(await s.stat('d/1')).toBeUndefined();
      await s.delete('d/1');
      await s.delete('never/existed');
      await expect(s.readAll('d/1')).rejects.toBeInstanceOf(NotFoundError);
      await expect(s.open('d/1')).rejects.toBeInstanceOf(NotFoundError);
      await expect(s.open('no/such/file')).rejects.toBeInstanceOf(NotFoundError);
      expect(await s.stat('no/such/file')).toBeUndefined();
      expect(await s.list('d/')).toEqual([]);
    });

    it('stat reports size and a plausible mtime', async () => {
      const before = Date.now();
      await s.writeFile('st/a', bytes(321));
      const st = await s.stat('st/a');
      expect(st?.size).toBe(321);
      expect(st!.mtimeMs).toBeGreaterThan(before - 5_000);
      expect(st!.mtimeMs).toBeLessThan(Date.now() + 5_000);
    });

    it('an open file keeps reading after the name is deleted', async () => {
      await s.writeFile('gc/old.sst', enc('still readable'));
      const f = await s.open('gc/old.sst');
      await s.delete('gc/old.sst');
      expect(dec(await f.read(6, 8))).toBe('readable');
      await f.close();
    });

    it('matches a naive model under random operation sequences', async () => {
      // No name is a directory prefix of another: a file system cannot hold
      // both 'a' and 'a/x' (see the note in storage-contract.test.ts).
      const nameArb = fc.constantFrom('a/x', 'a/y', 'a/b/c', 'b/a', 'ab', 'bb', 'c/d/e');
      const prefixArb = fc.constantFrom('', 'a', 'a/', 'a/b', 'b', 'c/d/', 'z');
      const opArb = fc.oneof(
        fc.record({ op: fc.constant('write' as const), name: nameArb, v: fc.string({ maxLength: 8 }) }),
        fc.record({ op: fc.constant('writeIfAbsent' as const), name: nameArb, v: fc.string({ maxLength: 8 }) }),
        fc.record({ op: fc.constant('delete' as const), name: nameArb }),
        fc.record({ op: fc.constant('read' as const), name: nameArb }),
        fc.record({ op: fc.constant('list' as const), prefix: prefixArb }),
      );
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
          // Names are never reused in Tabula, but the contract must still hold
          // if they are; a fresh namespace per run keeps runs independent.
          const ns = `prop${round++}/`;
          const model = new Map<string, string>();
          for (const o of ops) {
            if (o.op === 'write') {
              const p = s.writeFile(ns + o.name, enc(o.v));
              if (model.has(o.name)) await expect(p).rejects.toBeInstanceOf(StorageError);
              else { await p; model.set(o.name, o.v); }
            } else if (o.op === 'writeIfAbsent') {
              const ok = await s.writeIfAbsent(ns + o.name, enc(o.v));
              expect(ok).toBe(!model.has(o.name));
              if (ok) model.set(o.name, o.v);
            } else if (o.op === 'delete') {
              await s.delete(ns + o.name);
              model.delete(o.name);
            } else if (o.op === 'read') {
              const want = model.get(o.name);
              if (want === undefined) await expect(s.readAll(ns + o.name)).rejects.toBeInstanceOf(NotFoundError);
              else expect(dec(await s.readAll(ns + o.name))).toBe(want);
            } else {
              const want = [...model.keys()].filter((n) => n.startsWith(o.prefix)).sort().map((n) => ns + n);
              expect(await s.list(ns + o.prefix)).toEqual(want);
            }
          }
        }),
        { numRuns: opts.propertyRuns ?? 100 },
      );
    });
  });
}

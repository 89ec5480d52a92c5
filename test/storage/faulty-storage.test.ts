import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, rm, stat as fsStat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError } from '../../src/base/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { FaultyStorage, OP_KINDS, type OpKind } from '../../src/storage/faulty-storage.js';
import type { Storage } from '../../src/storage/storage.js';

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
const dec = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** One of each operation kind, in a fixed order. */
async function oneOfEach(s: Storage): Promise<void> {
  await s.writeFile('f', enc('hello'));          // write
  await s.writeIfAbsent('g', enc('x'));          // write
  const f = await s.open('f');                   // open
  await f.read(0, 2);                            // read
  await f.close();
  await s.readAll('f');                          // read
  const log = await s.createLog('l');            // createLog
  await log.append(enc('abc'));                  // append
  await log.sync();                              // sync
  await log.close();
  await s.list('');                              // list
  await s.stat('f');                             // stat
  await s.delete('g');                           // delete
}

describe('FaultyStorage counting', () => {
  it('counts every operation by kind', async () => {
    const s = new FaultyStorage(new MemoryStorage());
    await oneOfEach(s);
    expect(s.counts()).toEqual({ read: 2, open: 1, write: 2, append: 1, sync: 1, list: 1, delete: 1, stat: 1, createLog: 1, any: 11 });
    const mark = s.counts();
    await s.readAll('f');
    await s.stat('nope');
    expect(s.opsSince(mark)).toBe(2);
    expect(s.opsSince(mark, 'read')).toBe(1);
    expect(s.opsSince(mark, 'write')).toBe(0);
  });

  it('counts failed operations too', async () => {
    const s = new FaultyStorage(new MemoryStorage());
    await expect(s.readAll('missing')).rejects.toThrow();
    s.failAlways('stat');
    await expect(s.stat('x')).rejects.toBeInstanceOf(StorageError);
    expect(s.counts().read).toBe(1);
    expect(s.counts().stat).toBe(1);
  });
});

describe('FaultyStorage.failNth', () => {
  it('fires exactly once, at the n-th operation of the kind', async () => {
    const s = new FaultyStorage(new MemoryStorage());
    await s.writeFile('before', enc('x')); // not counted toward the armed fault
    s.failNth('write', 2);
    expect(s.faultFired()).toBe(false);
    await s.writeFile('w0', enc('0'));
    await s.readAll('w0'); // other kinds do not count
    expect(await s.writeIfAbsent('w1', enc('1'))).toBe(true);
    const e = await s.writeFile('w2', enc('2')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StorageError);
    expect((e as Error).message).toMatch(/injected fault/);
    expect(s.faultFired()).toBe(true);
    expect(await s.inner.stat('w2')).toBeUndefined(); // nothing written
    await s.writeFile('w3', enc('3'));
    await s.writeFile('w2', enc('2 again'));
    expect(await s.list('w')).toEqual(['w0', 'w1', 'w2', 'w3']);
  });

  it("'any' fires at the n-th operation of any kind, for every n", async () => {
    for (let n = 0; n < 11; n++) {
      const s = new FaultyStorage(new MemoryStorage());
      s.failNth('any', n);
      const e = await oneOfEach(s).catch((x: unknown) => x);
      expect(e, `n=${n}`).toBeInstanceOf(StorageError);
      expect(s.counts().any).toBe(n + 1); // stopped right at the fault
      expect(s.faultFired()).toBe(true);
    }
    const s = new FaultyStorage(new MemoryStorage());
    s.failNth('any', 11);
    await oneOfEach(s);
    expect(s.faultFired()).toBe(false);
  });

  it('each kind can be targeted', async () => {
    for (const kind of OP_KINDS) {
      const s = new FaultyStorage(new MemoryStorage());
      s.failNth(kind, 0);
      await expect(oneOfEach(s), kind).rejects.toBeInstanceOf(StorageError);
      const c = s.counts();
      for (const k of OP_KINDS) if (k !== kind) expect(c[k], `${kind}/${k}`).toBeLessThanOrEqual(2);
      expect(c[kind]).toBe(1);
    }
  });

  it('failAlways fails until heal', async () => {
    const s = new FaultyStorage(new MemoryStorage());
    s.failAlways('list');
    await expect(s.list('')).rejects.toBeInstanceOf(StorageError);
    await expect(s.list('a')).rejects.toBeInstanceOf(StorageError);
    await s.writeFile('a', enc('x'));
    s.heal();
    expect(await s.list('')).toEqual(['a']);
    expect(s.faultFired()).toBe(true);
    s.failNth('list', 5);
    expect(s.faultFired()).toBe(false);
  });

  it('rejects a bad n', () => {
    const s = new FaultyStorage(new MemoryStorage());
    expect(() => s.failNth('any', -1)).toThrow(RangeError);
    expect(() => s.failNth('any', 1.5)).toThrow(RangeError);
  });
});

describe('FaultyStorage tear', () => {
  it('a torn append writes a strict prefix, then fails', async () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const mem = new MemoryStorage();
      const s = new FaultyStorage(mem, { random: () => ((seed * 0.37) % 1) });
      const log = await s.createLog('l');
      await log.append(enc('head|'));
      s.failNth('append', 0, { tear: true });
      await expect(log.append(enc('0123456789'))).rejects.toBeInstanceOf(StorageError);
      const got = dec(mem.raw('l'));
      expect(got.startsWith('head|')).toBe(true);
      const tail = got.slice(5);
      expect('0123456789'.startsWith(tail)).toBe(true);
      expect(tail.length).toBeLessThan(10);
      seen.add(tail.length);
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it('a torn write takes effect, then fails', async () => {
    const s = new FaultyStorage(new MemoryStorage());
    s.failNth('write', 0, { tear: true });
    await expect(s.writeIfAbsent('manifest-1', enc('m'))).rejects.toBeInstanceOf(StorageError);
    expect(dec(await s.readAll('manifest-1'))).toBe('m');
    expect(await s.writeIfAbsent('manifest-1', enc('other'))).toBe(false);
  });

  it('a torn sync makes the data durable, then fails', async () => {
    const s = new FaultyStorage(new MemoryStorage());
    const log = await s.createLog('l');
    await log.append(enc('abc'));
    s.failNth('sync', 0, { tear: true });
    await expect(log.sync()).rejects.toBeInstanceOf(StorageError);
    await s.crash();
    expect(dec(await s.readAll('l'))).toBe('abc');
  });

  it('a torn createLog leaves the file but no handle', async () => {
    const s = new FaultyStorage(new MemoryStorage());
    s.failNth('createLog', 0, { tear: true });
    await expect(s.createLog('l')).rejects.toBeInstanceOf(StorageError);
    expect(await s.stat('l')).toEqual(expect.objectContaining({ size: 0 }));
    await expect(s.createLog('l')).rejects.toBeInstanceOf(StorageError);
  });
});

for (const backend of ['memory', 'local'] as const) {
  describe(`FaultyStorage.crash over ${backend}`, () => {
    let dir = '';
    let s: FaultyStorage;
    beforeEach(async () => {
      if (backend === 'local') {
        dir = await mkdtemp(join(tmpdir(), 'tabula-faulty-'));
        s = new FaultyStorage(new LocalStorage(dir));
      } else {
        s = new FaultyStorage(new MemoryStorage());
      }
    });
    afterEach(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = '';
    });

    it('drops unsynced log bytes and kills the handles', async () => {
      const log = await s.createLog('wal/1.log');
      await log.append(enc('synced-1|'));
      await log.sync();
      await log.append(enc('synced-2|'));
      await log.sync();
      await log.append(enc('lost'));
      const never = await s.createLog('wal/2.log');
      await never.append(enc('never synced'));
      await s.writeFile('sst/1', enc('immutable'));
      await s.crash();
      expect(dec(await s.readAll('wal/1.log'))).toBe('synced-1|synced-2|');
      expect(dec(await s.readAll('wal/2.log'))).toBe('');
      expect(dec(await s.readAll('sst/1'))).toBe('immutable');
      await expect(log.append(enc('x'))).rejects.toBeInstanceOf(StorageError);
      await expect(log.sync()).rejects.toBeInstanceOf(StorageError);
      // Life goes on with new logs.
      const next = await s.createLog('wal/3.log');
      await next.append(enc('ok'));
      await next.sync();
      await s.crash();
      expect(dec(await s.readAll('wal/3.log'))).toBe('ok');
    });

    it('keeps tornBytes of the unsynced tail', async () => {
      const log = await s.createLog('wal/1.log');
      await log.append(enc('durable|'));
      await log.sync();
      await log.append(enc('0123456789'));
      const short = await s.createLog('wal/2.log');
      await short.append(enc('ab'));
      await s.crash(4);
      expect(dec(await s.readAll('wal/1.log'))).toBe('durable|0123');
      expect(dec(await s.readAll('wal/2.log'))).toBe('ab');
    });

    it('a failed sync does not count as durable', async () => {
      const log = await s.createLog('wal/1.log');
      await log.append(enc('a'));
      await log.sync();
      await log.append(enc('b'));
      s.failNth('sync', 0);
      await expect(log.sync()).rejects.toBeInstanceOf(StorageError);
      await s.crash();
      expect(dec(await s.readAll('wal/1.log'))).toBe('a');
    });

    it('closed logs are still cut back, and in-flight appends do not survive', async () => {
      const log = await s.createLog('wal/1.log');
      await log.append(enc('a'));
      await log.sync();
      await log.append(enc('b'));
      await log.close();
      const log2 = await s.createLog('wal/2.log');
      await log2.append(enc('x'));
      await log2.sync();
      const inflight = log2.append(Buffer.alloc(1 << 20, 1));
      await s.crash();
      await inflight.catch(() => {});
      expect(dec(await s.readAll('wal/1.log'))).toBe('a');
      expect(dec(await s.readAll('wal/2.log'))).toBe('x');
      if (backend === 'local') expect((await fsStat(join(dir, 'wal', '2.log'))).size).toBe(1);
    });
  });
}

describe('fault sweep', () => {
  /**
   * A toy "commit": write data to a log, sync, then publish a manifest naming
   * it. Invariant after any fault plus crash: if the manifest exists, the log
   * holds the whole record.
   */
  async function scenario(s: Storage): Promise<void> {
    const log = await s.createLog('wal/000001.log');
    await log.append(enc('record-1;'));
    await log.append(enc('record-2;'));
    await log.sync();
    await log.close();
    await s.writeIfAbsent('manifest/000001', enc('wal/000001.log:18'));
    await s.delete('wal/old.log');
    expect(await s.list('manifest/')).toEqual(['manifest/000001']);
  }

  for (const tear of [false, true]) {
    it(`every failure point gives a clean error and a consistent state (tear=${tear})`, async () => {
      let completedAt = -1;
      for (let n = 0; n < 100; n++) {
        const mem = new MemoryStorage();
        const s = new FaultyStorage(mem, { random: () => 0.5 });
        s.failNth('any', n, { tear });
        const err = await scenario(s).catch((e: unknown) => e);
        if (!s.faultFired()) {
          expect(err).toBeUndefined();
          completedAt = n;
          break;
        }
        if (!tear) expect(err, `n=${n}`).toBeInstanceOf(StorageError);
        await s.crash();
        const manifest = await mem.stat('manifest/000001');
        if (manifest) expect(dec(await mem.readAll('wal/000001.log'))).toBe('record-1;record-2;');
      }
      expect(completedAt).toBe(7); // createLog, 2×append, sync, write, delete, list
    });
  }
});

describe('OP_KINDS', () => {
  it('lists every kind once', () => {
    const kinds: OpKind[] = ['read', 'open', 'write', 'append', 'sync', 'list', 'delete', 'stat', 'createLog'];
    expect([...OP_KINDS].sort()).toEqual([...kinds].sort());
  });
});

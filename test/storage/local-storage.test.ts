import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, rm, readdir, writeFile, mkdir, truncate, utimes, stat, readFile, readlink } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptionError, NotFoundError, StorageError } from '../../src/base/errors.js';
import { LocalStorage, syncDirectory, TEMP_PREFIX } from '../../src/storage/local-storage.js';

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('LocalStorage', () => {
  let dir: string;
  let s: LocalStorage;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tabula-local-'));
    s = new LocalStorage(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps names to files under the root, creating subdirectories', async () => {
    await s.writeFile('tablets/t1/manifest-000001', enc('m'));
    expect(await readFile(join(dir, 'tablets', 't1', 'manifest-000001'), 'utf8')).toBe('m');
    expect(s.pathOf('a/b')).toBe(join(dir, 'a', 'b'));
    const log = await s.createLog('wal/srv-1/000001.log');
    await log.append(enc('rec'));
    await log.sync();
    await log.close();
    expect(await readFile(join(dir, 'wal', 'srv-1', '000001.log'), 'utf8')).toBe('rec');
  });

  it('a log created with syncWrites is opened O_DSYNC (each append durable by itself); a plain one is not', async () => {
    const flagsOf = async (path: string): Promise<number> => {
      for (const fd of await readdir('/proc/self/fd')) {
        const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
        if (target === path) return parseInt(/flags:\s+(\d+)/.exec(await readFile(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
      }
      throw new Error(`no fd for ${path}`);
    };
    const synced = await s.createLog('wal/a.log', { syncWrites: true });
    const plain = await s.createLog('wal/b.log');
    expect(await flagsOf(join(dir, 'wal', 'a.log')) & fsConstants.O_DSYNC).toBe(fsConstants.O_DSYNC);
    expect(await flagsOf(join(dir, 'wal', 'b.log')) & fsConstants.O_DSYNC).toBe(0);
    for (const log of [synced, plain]) {
      await log.append(enc('one '));
      await log.append(enc('two'));
      await log.sync();
      await log.close();
    }
    expect(await readFile(join(dir, 'wal', 'a.log'), 'utf8')).toBe('one two');
    expect(await readFile(join(dir, 'wal', 'b.log'), 'utf8')).toBe('one two');
    await expect(s.createLog('wal/a.log', { syncWrites: true })).rejects.toThrow(StorageError);
  });

  it('leaves no temp files behind and never lists them', async () => {
    for (let i = 0; i < 5; i++) await s.writeFile(`sst/${i}.sst`, enc(`f${i}`));
    await s.writeIfAbsent('sst/0.sst', enc('loser'));
    await Promise.all(Array.from({ length: 8 }, () => s.writeIfAbsent('sst/race', enc('x'))));
    expect((await readdir(join(dir, 'sst'))).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
    // A temp file left by a crashed writer (and a temp directory) stay invisible.
    await writeFile(join(dir, 'sst', `${TEMP_PREFIX}123-dead-1`), 'junk');
    await mkdir(join(dir, `${TEMP_PREFIX}dir`));
    await writeFile(join(dir, `${TEMP_PREFIX}dir`, 'x'), 'junk');
    expect(await s.list('')).toEqual(['sst/0.sst', 'sst/1.sst', 'sst/2.sst', 'sst/3.sst', 'sst/4.sst', 'sst/race']);
    expect(await s.list('sst/.')).toEqual([]);
  });

  it('sweeps only old temp files', async () => {
    await mkdir(join(dir, 'sst'));
    const old = join(dir, 'sst', `${TEMP_PREFIX}old`);
    const fresh = join(dir, 'sst', `${TEMP_PREFIX}fresh`);
    await writeFile(old, 'a');
    await writeFile(fresh, 'b');
    await writeFile(join(dir, 'sst', 'real'), 'c');
    const past = new Date(Date.now() - 2 * 3_600_000);
    await utimes(old, past, past);
    expect(await s.sweepTempFiles()).toBe(1);
    expect((await readdir(join(dir, 'sst'))).sort()).toEqual([`${TEMP_PREFIX}fresh`, 'real']);
    expect(await s.sweepTempFiles(0)).toBe(1);
    expect(await readdir(join(dir, 'sst'))).toEqual(['real']);
  });

  it('rejects invalid names with StorageError', async () => {
    for (const bad of ['', '/abs', '../escape', 'a/../b', 'a//b', 'a/', './a', `x/${TEMP_PREFIX}1`, 'a\\b', 'a\0b']) {
      await expect(s.writeFile(bad, enc('x')), bad).rejects.toBeInstanceOf(StorageError);
      await expect(s.readAll(bad), bad).rejects.toBeInstanceOf(StorageError);
    }
    await expect(s.list('../')).rejects.toBeInstanceOf(StorageError);
    await expect(s.list('a//')).rejects.toBeInstanceOf(StorageError);
  });

  it('names the file in StorageErrors and maps ENOENT to NotFoundError', async () => {
    await s.writeFile('dir/file', enc('x'));
    // A directory is not a readable file.
    const e = await s.readAll('dir').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StorageError);
    expect((e as Error).message).toContain('dir');
    expect(await s.stat('dir')).toBeUndefined();
    await expect(s.open('dir')).rejects.toBeInstanceOf(StorageError);
    await expect(s.readAll('dir/missing')).rejects.toBeInstanceOf(NotFoundError);
    // A file where a directory is needed.
    const e2 = await s.writeFile('dir/file/child', enc('x')).catch((x: unknown) => x);
    expect(e2).toBeInstanceOf(StorageError);
    expect((e2 as Error).message).toContain('dir/file/child');
    expect(await s.stat('dir/file/child')).toBeUndefined();
    await s.delete('dir/file/child');
  });

  it('reports CorruptionError when the file ends before the requested range', async () => {
    await s.writeFile('sst/1', Buffer.alloc(1000, 7));
    const f = await s.open('sst/1');
    await truncate(join(dir, 'sst', '1'), 500);
    expect(Buffer.from(await f.read(0, 500)).equals(Buffer.alloc(500, 7))).toBe(true);
    const e = await f.read(400, 200).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CorruptionError);
    expect((e as Error).message).toContain('sst/1');
    await f.close();
    await expect(f.read(0, 1)).rejects.toBeInstanceOf(StorageError);
  });

  it('returns unpooled buffers from read', async () => {
    await s.writeFile('b', Buffer.alloc(100, 1));
    const f = await s.open('b');
    const r = await f.read(10, 20);
    expect(r.byteOffset).toBe(0);
    expect(r.buffer.byteLength).toBe(20);
    await f.close();
  });

  it('recreates a directory removed behind its back', async () => {
    await s.writeFile('sst/1', enc('a'));
    await rm(join(dir, 'sst'), { recursive: true });
    await s.writeFile('sst/2', enc('b'));
    const log = await s.createLog('sst/3');
    await log.close();
    expect(await s.list('sst/')).toEqual(['sst/2', 'sst/3']);
  });

  it('works when the root does not exist yet', async () => {
    const t = new LocalStorage(join(dir, 'deep', 'root'));
    expect(await t.list('')).toEqual([]);
    expect(await t.stat('x')).toBeUndefined();
    await t.delete('x');
    await t.writeFile('x', enc('1'));
    expect((await stat(join(dir, 'deep', 'root', 'x'))).size).toBe(1);
  });

  it('log writes at explicit positions after the previous append', async () => {
    const log = await s.createLog('w.log');
    await Promise.all([log.append(enc('aa')), log.append(enc('bbb')), log.append(enc('c'))]);
    expect(log.size).toBe(6);
    await log.sync();
    await log.sync();
    await log.close();
    await log.close();
    expect(await readFile(join(dir, 'w.log'), 'utf8')).toBe('aabbbc');
    await expect(log.sync()).rejects.toBeInstanceOf(StorageError);
  });

  it('close waits for in-flight appends', async () => {
    const log = await s.createLog('w.log');
    const big = Buffer.alloc(1 << 20, 9);
    const p = log.append(big);
    await log.close();
    await p;
    expect((await stat(join(dir, 'w.log'))).size).toBe(1 << 20);
  });

  it('syncDirectory works on a directory', async () => {
    await syncDirectory(dir);
    await expect(syncDirectory(join(dir, 'missing'))).rejects.toThrow();
  });
});

/** `list` reads only the directories under the prefix, never the whole root. */
import { describe, it, expect, vi, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const readdirCalls: string[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...orig,
    readdir: ((path: string, options: unknown) => {
      readdirCalls.push(String(path));
      return (orig.readdir as (p: string, o: unknown) => Promise<unknown>)(path, options);
    }) as typeof orig.readdir,
  };
});

const { LocalStorage } = await import('../../src/storage/local-storage.js');

describe('LocalStorage.list scope', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads only the prefix directory and its matching subdirectories', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tabula-list-'));
    const s = new LocalStorage(dir);
    for (let i = 0; i < 20; i++) await s.writeFile(`wal/srv-${i}/000001.log`, Buffer.from('x'));
    await s.writeFile('tablets/t1/m-1', Buffer.from('x'));
    await s.writeFile('tablets/t1/sub/m-2', Buffer.from('x'));
    await s.writeFile('tablets/t2/m-1', Buffer.from('x'));
    await s.writeFile('tablets/t10/m-1', Buffer.from('x'));
    await s.writeFile('sst/1.sst', Buffer.from('x'));

    const scanned = async (prefix: string): Promise<string[]> => {
      readdirCalls.length = 0;
      await s.list(prefix);
      return readdirCalls.map((p) => relative(dir, p) || '.').sort();
    };
    expect(await scanned('sst/')).toEqual(['sst']);
    expect(await scanned('tablets/t1/')).toEqual(['tablets/t1', 'tablets/t1/sub']);
    expect(await scanned('tablets/t1')).toEqual(['tablets', 'tablets/t1', 'tablets/t1/sub', 'tablets/t10']);
    expect(await scanned('sst/000')).toEqual(['sst']);
    expect(await s.list('tablets/t1/')).toEqual(['tablets/t1/m-1', 'tablets/t1/sub/m-2']);
  });
});

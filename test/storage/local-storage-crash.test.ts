/**
 * Real durability: a child process appends and syncs log records and writes
 * immutable files through LocalStorage, then dies by SIGKILL. Everything it
 * reported as synced must be there, intact; no temp file may be listed and
 * every listed file must be whole.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { decodeRecords, fileBytes } from './fixtures/records.js';

const here = dirname(fileURLToPath(import.meta.url));
const writer = join(here, 'fixtures', 'log-writer.ts');

interface Reported {
  synced: number;
  files: number[];
}

/** Runs the writer until it reported `minSynced` synced records, then kills it with SIGKILL. */
function runAndKill(root: string, minSynced: number): Promise<Reported> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    const rep: Reported = { synced: -1, files: [] };
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [what, n] = line.split(' ');
      if (what === 'synced') rep.synced = Number(n);
      else if (what === 'file') rep.files.push(Number(n));
      if (!killed && rep.synced >= minSynced) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(rep);
      else reject(new Error(`writer exited early (code ${code}): ${stderr}`));
    });
  });
}

describe('LocalStorage survives kill -9', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  for (const minSynced of [50, 400, 2000]) {
    it(`keeps every synced record (killed after ≥${minSynced})`, async () => {
      const root = await mkdtemp(join(tmpdir(), 'tabula-crash-'));
      dirs.push(root);
      const rep = await runAndKill(root, minSynced);
      expect(rep.synced).toBeGreaterThanOrEqual(minSynced);

      const s = new LocalStorage(root);
      expect(await s.list('wal/')).toEqual(['wal/srv-1/000001.log']);
      const data = await s.readAll('wal/srv-1/000001.log');
      const { count, badRecordAt, validBytes } = decodeRecords(data);
      expect(badRecordAt).toBeUndefined();
      expect(count).toBeGreaterThanOrEqual(rep.synced + 1);
      // Whatever follows the last whole record is at most one torn record.
      expect(data.length - validBytes).toBeLessThan(8 + 1500);

      const files = await s.list('sst/');
      for (const i of rep.files) expect(files).toContain(`sst/${String(i).padStart(8, '0')}.sst`);
      for (const name of files) {
        const i = Number(name.slice(4, 12));
        expect(Buffer.from(await s.readAll(name)).equals(fileBytes(i)), name).toBe(true);
      }
      expect((await s.list('')).every((n) => !n.split('/').some((seg) => seg.startsWith('.')))).toBe(true);
    });
  }
});

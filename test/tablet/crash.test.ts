/**
 * Crash test with real processes: a child writes continuously and reports
 * each acknowledged write; the parent kills it with SIGKILL at random moments
 * (20+ cycles). After each kill the parent reopens the data directory: every
 * acknowledged row is present and complete, and no row is half-applied.
 */
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { TabletHost } from '../../src/tabletserver/tablet-host.js';
import type { Row } from '../../src/model/cell.js';
import { CRASH_FAMILIES } from './fixtures/crash-rows.js';

const CHILD = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const CYCLES = 20;

function runChild(dir: string, epoch: number, prefix: string, killAfterMs: number): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const acked = new Set<string>();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(epoch), prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('ack ')) {
          acked.add(line.slice(4));
          // Kill at a random moment once the writer is really writing (slow, loaded machines included).
          if (acked.size === 20) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

describe('crash safety (kill -9)', () => {
  it(`every acknowledged write survives ${CYCLES} SIGKILLs and no row is half-applied`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabula-crash-'));
    const allAcked = new Set<string>();
    let epoch = 1;
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const acked = await runChild(dir, epoch++, `c${cycle}`, Math.floor(Math.random() * 400));
        for (const k of acked) allAcked.add(k);
        // Reopen as the next owner and verify.
        const host = await TabletHost.open({ storage: new LocalStorage(dir), serverId: 'crash', jobs: 'inline' });
        const t = await host.openTablet({ id: 'crash-t', epoch: epoch++, families: CRASH_FAMILIES, memtableBytes: 64 << 10, maxSstables: 4 });
        const rows = new Map<string, Row>();
        for await (const batch of t.scan()) for (const r of batch) rows.set(r.key.toString(), r);
        for (const k of allAcked) {
          const r = rows.get(k);
          expect(r, `acknowledged row ${k} lost in cycle ${cycle}`).toBeDefined();
        }
        for (const [k, r] of rows) {
          expect(r.cells.map((c) => `${c.family}:${c.qualifier}`), `row ${k} half-applied`).toEqual(['f:a', 'f:b', 'g:c']);
          const v = `value-of-${k}-`.repeat(8);
          for (const c of r.cells) expect(c.value.toString()).toBe(v);
        }
        expect(acked.size, `cycle ${cycle} acknowledged nothing`).toBeGreaterThan(0);
        await host.close();
      }
      expect(allAcked.size).toBeGreaterThan(CYCLES * 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

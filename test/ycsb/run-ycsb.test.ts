import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EMULATOR_BIN } from '../support/servers.js';

const RUNNER = fileURLToPath(new URL('../../bench/ycsb/run-ycsb.ts', import.meta.url));

function runBench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', RUNNER, ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('run-ycsb end to end', () => {
  it.skipIf(!existsSync(EMULATOR_BIN))('runs every workload against Tabula and the emulator and prints the summary line', async () => {
    const r = await runBench(['--records', '300', '--ops', '300', '--duration', '5', '--warmup', '0', '--concurrency', '4', '--clients', '2']);
    expect(r.code, r.stderr).toBe(0);
    for (const wl of ['load', 'a', 'b', 'c', 'e', 'f']) {
      // Every phase completed its operations without errors on both servers.
      const rows = r.stdout.split('\n').filter((l) => l.startsWith(wl.padEnd(8, ' ')));
      expect(rows.length, r.stdout).toBe(3); // tabula table, emulator table, comparison
      for (const row of rows.slice(0, 2)) expect(row.trim().split(/\s+/)[7], row).toBe('0');
    }
    expect(r.stdout).not.toMatch(/read misses|partial rows|first error/);
    const line = r.stdout.split('\n').find((l) => l.startsWith('bench-ycsb: '));
    expect(line).toMatch(/^bench-ycsb: a_ratio=[\d.]+ b_ratio=[\d.]+ c_ratio=[\d.]+ e_ratio=[\d.]+ f_ratio=[\d.]+ load_ratio=[\d.]+ tabula_p99_ms=[\d.]+ rss_ratio=[\d.]+$/);
  });
});

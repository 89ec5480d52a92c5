/**
 * WAL group commit benchmark: records/s for 1, 64 and 256 concurrent writers
 * appending small records to a WAL in a real temporary directory (fsync on),
 * plus the same on MemoryStorage. Run: npx tsx bench/wal-bench.ts
 * Options (env): WAL_BENCH_SECONDS (default 2 per case), WAL_BENCH_PAYLOAD (default 100 bytes),
 * WAL_BENCH_DIR (parent of the temp dir, default the OS temp dir).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorage } from '../src/storage/local-storage.js';
import { MemoryStorage } from '../src/storage/memory-storage.js';
import type { Storage } from '../src/storage/storage.js';
import { openWal } from '../src/lsm/wal/wal.js';

const SECONDS = Number(process.env.WAL_BENCH_SECONDS ?? 2);
const PAYLOAD = Buffer.alloc(Number(process.env.WAL_BENCH_PAYLOAD ?? 100), 0x61);

async function run(label: string, storage: Storage, dir: string, writers: number, sync = true): Promise<void> {
  const { wal } = await openWal({ storage, dir, sync }, () => {});
  const s0 = wal.stats();
  const deadline = performance.now() + SECONDS * 1000;
  let records = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const tablet = `tablet-${w}`;
      for (let seq = 1; performance.now() < deadline; seq++) {
        await wal.append(tablet, seq, seq, PAYLOAD);
        records++;
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  const s1 = wal.stats();
  await wal.close();
  const syncs = s1.syncs - s0.syncs;
  console.log(
    `${label.padEnd(22)} writers=${String(writers).padStart(3)}  ${Math.round(records / secs).toLocaleString('en-US').padStart(9)} records/s` +
      `  ${Math.round(syncs / secs).toLocaleString('en-US').padStart(6)} syncs/s  ${(syncs ? records / syncs : 0).toFixed(1).padStart(6)} records/sync` +
      `  ${((records * (PAYLOAD.length + 20)) / secs / 1e6).toFixed(1)} MB/s`,
  );
}

const root = await mkdtemp(join(process.env.WAL_BENCH_DIR ?? tmpdir(), 'tabula-wal-bench-'));
try {
  console.log(`payload ${PAYLOAD.length} B, ${SECONDS} s per case, dir ${root}`);
  const local = new LocalStorage(root);
  let n = 0;
  for (const writers of [1, 64, 256]) await run('local dir, fsync', local, `wal/local-${n++}`, writers);
  await run('local dir, no fsync', local, `wal/local-${n++}`, 64, false);
  for (const writers of [1, 64]) await run('MemoryStorage', new MemoryStorage(), 'wal/mem', writers);
} finally {
  await rm(root, { recursive: true, force: true });
}

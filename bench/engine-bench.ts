/**
 * Engine benchmark: loads the same data into Tabula's engine (one tablet on a
 * local directory, WAL fsync on, flush/compaction in a worker thread) and into
 * LevelDB (classic-level, the engine behind `level`) in one run, and prints
 * both side by side. Usage: npm run bench:engine [-- --cells N --repeat R --warmup W] (median of R
 * alternating runs, default 3, after one untimed warm-up run of W cells per engine, default 200,000; 0 skips it);
 * npm run bench:engine builds dist/ and passes --compiled, so the shipped build is measured.
 *
 * Ends with: bench-engine: batch_write_ratio=X batch_write_nosync_ratio=X random_read_ratio=X scan_ratio=X durable_writes_per_s=N
 * (ratios are Tabula / LevelDB; the batch and read ratios are the lower of
 * their two cases). Batched loads run at equal durability on both sides:
 * batch_write_ratio with every batch acknowledged only once fsynced
 * (Tabula's default, LevelDB `sync: true`), batch_write_nosync_ratio with
 * neither fsyncing (LevelDB's default, Tabula --no-wal-sync).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { BATCH, COMPILED, PIPELINE, concurrently, key, leveldb, load, median, tabula, timed, type Engine } from './engine-harness.js';

const args = process.argv.slice(2);
const CELLS = Number(args[args.indexOf('--cells') + 1] || 0) || 1_000_000;
// The machine is shared and noisy: both engines run REPEAT times, alternating, and each figure is the median.
const REPEAT = Number(args[args.indexOf('--repeat') + 1] || 0) || 3;
// Each engine first does one untimed run of WARMUP cells (every phase, scaled down), so the
// timed runs measure steady state: without it the first timed Tabula load also paid for V8
// compiling the write path and for starting the job worker (its sequential no-fsync load
// was 0.69-0.87M cells/s in the first run against 1.0-1.25M in the later ones, 6 runs).
const WARMUP = args.includes('--warmup') ? Number(args[args.indexOf('--warmup') + 1]) : 200_000;
if (!Number.isSafeInteger(WARMUP) || WARMUP < 0) throw new Error(`--warmup: a cell count >= 0, got ${args[args.indexOf('--warmup') + 1]}`);
const READS = 100_000;
const DURABLE = 20_000;
const CONCURRENCY = 64;
const base = process.env.BENCH_DIR ?? join(process.cwd(), '.bench-data');

async function run(make: (dir: string, walSync?: boolean) => Promise<Engine>, cells = CELLS): Promise<Record<string, number>> {
  const r: Record<string, number> = {};
  const reads = Math.max(1, Math.round((READS * cells) / CELLS));
  const durables = Math.max(1, Math.round((DURABLE * cells) / CELLS));
  // The same loads without fsync on either side (LevelDB's default batch), for comparison at equal durability both ways.
  for (const random of [false, true]) {
    const dir = mkdtempSync(join(base, 'e-'));
    const e = await make(dir, false);
    r[random ? 'batch_random_nosync' : 'batch_seq_nosync'] = await load(e, random, false, cells);
    await e.close();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const random of [false, true]) {
    const dir = mkdtempSync(join(base, 'e-'));
    const e = await make(dir);
    r[random ? 'batch_random' : 'batch_seq'] = await load(e, random, true, cells);
    if (random) {
      const picks = Array.from({ length: reads }, () => key(Math.floor(Math.random() * cells), true));
      await e.reopen();
      r.read_cold = await timed(async () => { await concurrently(picks, 16, (k) => e.get(k)); return reads; });
      // Warm: the same keys again, now cached by both engines.
      r.read_cached = await timed(async () => { await concurrently(picks, 16, (k) => e.get(k)); return reads; });
      r.scan = await timed(() => e.scan());
      const dkeys = Array.from({ length: durables }, (_, i) => key(cells + i, true));
      r.durable_writes = await timed(async () => { await concurrently(dkeys, CONCURRENCY, (k) => e.writeOne(k)); return durables; });
    }
    await e.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return r;
}

mkdirSync(base, { recursive: true });
console.log(`engine bench (${COMPILED ? 'compiled dist/' : 'TypeScript source via tsx'}): ${CELLS} cells, 16-byte keys, 100-byte values, batches of ${BATCH} (${PIPELINE} in flight), warm-up ${WARMUP} cells per engine; ${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString()}`);
if (WARMUP > 0) {
  for (const [name, make] of [['leveldb', leveldb], ['tabula', tabula]] as const) {
    const r = await run(make, WARMUP);
    console.error(`warm-up ${name} (${WARMUP} cells, untimed): ${Object.entries(r).map(([k, v]) => `${k}=${Math.round(v)}`).join(' ')}`);
  }
}
const runs: { ldb: Record<string, number>[]; tab: Record<string, number>[] } = { ldb: [], tab: [] };
for (let i = 0; i < REPEAT; i++) {
  // Alternate the order so neither engine always runs on a warmer (or busier) machine.
  if (i % 2 === 0) { runs.ldb.push(await run(leveldb)); runs.tab.push(await run(tabula)); }
  else { runs.tab.push(await run(tabula)); runs.ldb.push(await run(leveldb)); }
  // Each run's figures, so the spread behind the medians is visible.
  for (const [name, r] of [['leveldb', runs.ldb[i]!], ['tabula', runs.tab[i]!]] as const) {
    console.error(`run ${i + 1} ${name}: ${Object.entries(r).map(([k, v]) => `${k}=${Math.round(v)}`).join(' ')}`);
  }
}
const med = (rs: Record<string, number>[]) => Object.fromEntries(Object.keys(rs[0]!).map((k) => [k, median(rs.map((r) => r[k]!))]));
const ldb = med(runs.ldb);
const tab = med(runs.tab);
console.log(`medians of ${REPEAT} alternating runs per engine`);
const rows = ['batch_seq', 'batch_random', 'batch_seq_nosync', 'batch_random_nosync', 'read_cached', 'read_cold', 'scan', 'durable_writes'];
// Beside the ratio of the medians: the ratio within each run (both engines measured minutes apart,
// so a slow stretch of this shared machine hits both), its median and its range over the runs.
const runRatios = (m: string) => runs.tab.map((r, i) => r[m]! / runs.ldb[i]![m]!);
console.log('metric'.padEnd(20) + 'tabula ops/s'.padStart(14) + 'leveldb ops/s'.padStart(15) + 'ratio'.padStart(7) + '  per run: median (range)');
for (const m of rows) {
  const rr = runRatios(m);
  console.log(m.padEnd(20) + Math.round(tab[m]!).toLocaleString('en').padStart(14) + Math.round(ldb[m]!).toLocaleString('en').padStart(15) + (tab[m]! / ldb[m]!).toFixed(2).padStart(7) + `  ${median(rr).toFixed(2)} (${Math.min(...rr).toFixed(2)}-${Math.max(...rr).toFixed(2)})`);
}
const ratio = (m: string) => tab[m]! / ldb[m]!;
console.log(`bench-engine: batch_write_ratio=${Math.min(ratio('batch_seq'), ratio('batch_random')).toFixed(2)} batch_write_nosync_ratio=${Math.min(ratio('batch_seq_nosync'), ratio('batch_random_nosync')).toFixed(2)} random_read_ratio=${Math.min(ratio('read_cached'), ratio('read_cold')).toFixed(2)} scan_ratio=${ratio('scan').toFixed(2)} durable_writes_per_s=${Math.round(tab.durable_writes!)}`);
rmSync(base, { recursive: true, force: true });

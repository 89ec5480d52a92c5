/**
 * A diagnostic companion to bench:sustained's reads: point reads over one
 * large tablet (or LevelDB), in one process, with what the main thread did
 * for each read. It compares nothing and has no target.
 *
 *   npm run bench:read-probe [-- --engine tabula|leveldb --cells N --reads R --rounds K --fresh]
 *
 * The data (N random-key cells, 100-byte values, loaded without fsync as
 * bench:engine's loads are) is kept in BENCH_DIR/read-probe-<engine>-<N>
 * (default .bench-data-kept/, which bench:probe's clean-up does not touch)
 * and reused by later runs; --fresh loads it again. After a load Tabula is
 * left alone until its compactions settle, as a tablet whose ingest stopped
 * is. Then, after a reopen (an empty block cache, a warm page cache), K
 * rounds of R random reads of existing rows, 16 at a time, each printing:
 * reads/s; the main thread's CPU per read and the share of the round it ran
 * on a core or waited for one (Linux schedstat); its minor page faults per
 * read; the process's CPU per read; GC pauses; for Tabula its sorted runs.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { concurrently, engineArg, intArg, key, leveldb, lib, load, minorFaults, schedstat, tabula, type Engine } from './engine-harness.js';

const args = process.argv.slice(2);
const ENGINE = engineArg();
const CELLS = intArg('--cells', 10_000_000, 1);
const READS = intArg('--reads', 50_000, 1);
const ROUNDS = intArg('--rounds', 3, 1);
const CONCURRENCY = 16;
const base = process.env.BENCH_DIR ?? join(process.cwd(), '.bench-data-kept');
const dir = join(base, `read-probe-${ENGINE}-${CELLS}`);
/** Written once a load has finished (and settled): a dir without it is loaded again. */
const marker = join(dir, 'LOADED');

const open = (): Promise<Engine> => (ENGINE === 'tabula' ? tabula(dir, false) : leveldb(dir));

/** Waits until Tabula's sorted runs have not changed for `quietMs` (its background compactions have settled), at most `maxMs`. */
async function settle(e: Engine, quietMs = 5_000, maxMs = 120_000): Promise<void> {
  const start = Date.now();
  let last = e.sstables?.().runs;
  let since = Date.now();
  while (Date.now() - start < maxMs && Date.now() - since < quietMs) {
    await new Promise((r) => setTimeout(r, 500));
    const now = e.sstables?.().runs;
    if (now !== last) { last = now; since = Date.now(); }
  }
}

let gcMs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ['gc'] });

console.log(`read probe: ${ENGINE}, ${CELLS} random-key cells, ${ROUNDS} rounds of ${READS} point reads (${CONCURRENCY} at a time); ${lib === '../dist' ? 'compiled dist/' : 'TypeScript source via tsx'}, node ${process.version}, ${new Date().toISOString()}`);
if (args.includes('--fresh') || !existsSync(marker)) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const e = await open();
  const rate = await load(e, true, false, CELLS);
  await settle(e);
  console.log(`loaded ${dir}: ${Math.round(rate).toLocaleString('en')} cells/s${e.sstables ? `; settled at ${JSON.stringify(e.sstables())}` : ''}`);
  await e.close();
  writeFileSync(marker, new Date().toISOString());
}

const e = await open();
for (let round = 1; round <= ROUNDS; round++) {
  const picks = Array.from({ length: READS }, () => key(Math.floor(Math.random() * CELLS), true));
  let missing = 0;
  const s0 = schedstat();
  const f0 = minorFaults();
  const c0 = process.cpuUsage();
  const g0 = gcMs;
  const t0 = process.hrtime.bigint();
  await concurrently(picks, CONCURRENCY, async (k) => { if (!(await e.get(k))) missing++; });
  const wall = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  const s1 = schedstat();
  const f1 = minorFaults();
  const out = [`round ${round}: ${Math.round(READS / (wall / 1e9)).toLocaleString('en')} reads/s`];
  if (s0 && s1) out.push(`main ${((s1[0] - s0[0]) / 1000 / READS).toFixed(1)} µs/read, on a core ${((s1[0] - s0[0]) / wall).toFixed(2)}, waiting for one ${((s1[1] - s0[1]) / wall).toFixed(2)}`);
  if (f0 !== undefined && f1 !== undefined) out.push(`faults ${((f1 - f0) / READS).toFixed(2)}/read`);
  out.push(`process ${((cpu.user + cpu.system) / READS).toFixed(1)} µs/read`);
  out.push(`gc ${(gcMs - g0).toFixed(0)} ms`);
  if (e.sstables) out.push(`${e.sstables().runs} sorted runs in ${e.sstables().files} sstables`);
  if (missing) out.push(`MISSING ${missing} rows`);
  console.log(out.join('; '));
  if (missing) process.exitCode = 1;
}
await e.close();

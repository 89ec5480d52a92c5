/**
 * Sustained ingest (the monitoring workload's shape): random-key fsynced
 * batches, as bench:engine's load, but --segments million cells in a row
 * into one tablet / one LevelDB, so compaction has to keep up. Prints each
 * million's cells/s for both engines, and for Tabula its sorted runs (what
 * compaction bounds), SSTables and the writer-seconds writes stalled; then
 * point reads right after the ingest, and again after a pause.
 * Compares, sets no target: bench:engine's 1M-cell loads never compact.
 *
 *   npm run bench:sustained [-- --segments N]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { concurrently, key, leveldb, lib, median, tabula, timed, type Engine, BATCH, PIPELINE } from './engine-harness.js';

const args = process.argv.slice(2);
const SEGMENTS = args.includes('--segments') ? Number(args[args.indexOf('--segments') + 1]) : 10;
if (!Number.isSafeInteger(SEGMENTS) || SEGMENTS < 1) throw new Error(`--segments: a positive integer, got ${args[args.indexOf('--segments') + 1]}`);
const SEGMENT = 1_000_000;
const READS = 50_000;
const base = process.env.BENCH_DIR ?? join(process.cwd(), '.bench-data');

const { setMetricsHooks } = (await import(`${lib}/base/metrics-hooks.js`)) as typeof import('../src/base/metrics-hooks.js');
let stallSeconds = 0;
let compactions = 0;
setMetricsHooks({ walGroupCommit() {}, writeStall: (s) => { stallSeconds += s; }, lsmJob: (kind) => { if (kind !== 'flush') compactions++; } });

interface Segment { cellsPerS: number; tables?: { files: number; runs: number }; stallS?: number }

/** How long both engines are left alone before the second round of reads (Tabula's compactions back to the bound took ~8 s after 10M cells). */
const PAUSE_MS = 15_000;

interface Result { segments: Segment[]; readsPerS: number; pausedReadsPerS: number; pausedRuns?: number }

async function ingest(e: Engine): Promise<Result> {
  const segments: Segment[] = [];
  for (let s = 0; s < SEGMENTS; s++) {
    const first = s * SEGMENT;
    const stall0 = stallSeconds;
    let next = 0;
    const cellsPerS = await timed(async () => {
      await Promise.all(Array.from({ length: PIPELINE }, async () => {
        while (next < SEGMENT) {
          const i = first + next;
          next += BATCH;
          const keys: Buffer[] = [];
          for (let j = i; j < i + BATCH; j++) keys.push(key(j, true));
          await e.writeBatch(keys, true);
        }
      }));
      return SEGMENT;
    });
    const n = e.sstables?.();
    segments.push({ cellsPerS, ...(n === undefined ? {} : { tables: n, stallS: stallSeconds - stall0 }) });
    console.error(`${e.name} million ${s + 1}: ${Math.round(cellsPerS)} cells/s${n === undefined ? '' : `, ${n.runs} sorted runs in ${n.files} sstables, writes stalled ${(stallSeconds - stall0).toFixed(1)} writer-s`}`);
  }
  const reads = () => {
    const picks = Array.from({ length: READS }, () => key(Math.floor(Math.random() * SEGMENTS * SEGMENT), true));
    return timed(async () => { await concurrently(picks, 16, (k) => e.get(k)); return READS; });
  };
  // Right after the ingest, background compactions still run; after a pause they have (mostly) finished.
  const readsPerS = await reads();
  await new Promise((r) => setTimeout(r, PAUSE_MS));
  const pausedRuns = e.sstables?.().runs;
  const pausedReadsPerS = await reads();
  return { segments, readsPerS, pausedReadsPerS, ...(pausedRuns === undefined ? {} : { pausedRuns }) };
}

mkdirSync(base, { recursive: true });
console.log(`sustained ingest bench (compiled dist/): ${SEGMENTS} x 1M random-key cells, 100-byte values, fsynced batches of ${BATCH} (${PIPELINE} in flight), then ${READS} point reads; node ${process.version}, ${new Date().toISOString()}`);
const results: Record<string, Result> = {};
for (const [name, make] of [['leveldb', leveldb], ['tabula', tabula]] as const) {
  const dir = mkdtempSync(join(base, 's-'));
  const e = await make(dir);
  compactions = 0;
  results[name] = await ingest(e);
  await e.close();
  rmSync(dir, { recursive: true, force: true });
}
const tab = results.tabula!;
const ldb = results.leveldb!;
console.log('| million | Tabula cells/s | sorted runs (SSTables) | stalled (writer-s) | LevelDB cells/s | ratio |');
console.log('|---:|---:|---:|---:|---:|---:|');
tab.segments.forEach((t, i) => {
  const l = ldb.segments[i]!;
  console.log(`| ${i + 1} | ${Math.round(t.cellsPerS)} | ${t.tables!.runs} (${t.tables!.files}) | ${t.stallS!.toFixed(1)} | ${Math.round(l.cellsPerS)} | ${(t.cellsPerS / l.cellsPerS).toFixed(2)} |`);
});
console.log(`| reads right after | ${Math.round(tab.readsPerS)}/s | | | ${Math.round(ldb.readsPerS)}/s | ${(tab.readsPerS / ldb.readsPerS).toFixed(2)} |`);
console.log(`| reads ${PAUSE_MS / 1000} s later | ${Math.round(tab.pausedReadsPerS)}/s | ${tab.pausedRuns} | | ${Math.round(ldb.pausedReadsPerS)}/s | ${(tab.pausedReadsPerS / ldb.pausedReadsPerS).toFixed(2)} |`);
const last = (r: { segments: Segment[] }) => r.segments[r.segments.length - 1]!.cellsPerS;
const med = (r: { segments: Segment[] }) => median(r.segments.map((s) => s.cellsPerS));
console.log(`bench-sustained: segments=${SEGMENTS} tabula_median=${Math.round(med(tab))} leveldb_median=${Math.round(med(ldb))} last_ratio=${(last(tab) / last(ldb)).toFixed(2)} tabula_max_runs=${Math.max(...tab.segments.map((s) => s.tables!.runs))} tabula_max_sstables=${Math.max(...tab.segments.map((s) => s.tables!.files))} read_ratio=${(tab.readsPerS / ldb.readsPerS).toFixed(2)} paused_read_ratio=${(tab.pausedReadsPerS / ldb.pausedReadsPerS).toFixed(2)} tabula_compactions=${compactions}`);

/**
 * A diagnostic companion to bench:engine: one engine and one kind of bulk
 * load (the same keys, values, batches and pipeline as bench:engine),
 * repeated in one process after an untimed warm-up load, with what the main
 * thread did during each load. It compares nothing and has no target: it is
 * the maintained form of the ad-hoc scripts behind bench/README's analyses.
 *
 *   npm run bench:probe [-- --engine tabula|leveldb --random --nosync --cells N --loads K --warmup W]
 *
 * Per load: cells/s; the main thread's CPU per cell, the share of the load
 * it ran on a core and the share it waited for one (Linux schedstat); its
 * minor page faults per cell (each costs ~3 µs on these VMs); the process's
 * CPU in cores; GC pauses by kind; event-loop delay; and for Tabula the WAL
 * groups, flushes and write stalls its metrics hooks report.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, constants as perf, monitorEventLoopDelay } from 'node:perf_hooks';
import { engineArg, intArg, lib, leveldb, load, median, minorFaults, schedstat, tabula, type Engine } from './engine-harness.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => intArg(name, dflt, 0);
const ENGINE = engineArg();
const RANDOM = args.includes('--random');
const DURABLE = !args.includes('--nosync');
const CELLS = opt('--cells', 1_000_000) || 1_000_000;
const LOADS = opt('--loads', 3) || 3;
const WARMUP = opt('--warmup', 200_000);
const base = process.env.BENCH_DIR ?? join(process.cwd(), '.bench-data');

const { setMetricsHooks } = (await import(`${lib}/base/metrics-hooks.js`)) as typeof import('../src/base/metrics-hooks.js');

/** What one load's hooks and observers collected. */
class Tally {
  groups: number[] = [];
  groupRecords = 0;
  flushes: number[] = [];
  compactions = 0;
  stalls = 0;
  stallSeconds = 0;
  gcMs = new Map<string, number>();
}
let tally = new Tally();
setMetricsHooks({
  walGroupCommit: (seconds, records) => { tally.groups.push(seconds * 1000); tally.groupRecords += records; },
  lsmJob: (kind, seconds) => { if (kind === 'flush') tally.flushes.push(seconds * 1000); else tally.compactions++; },
  writeStall: (seconds) => { tally.stalls++; tally.stallSeconds += seconds; },
});
const GC_KINDS: Record<number, string> = {
  [perf.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [perf.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perf.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
    tally.gcMs.set(kind, (tally.gcMs.get(kind) ?? 0) + e.duration);
  }
}).observe({ entryTypes: ['gc'] });

async function probe(label: string, cells: number): Promise<void> {
  const dir = mkdtempSync(join(base, 'p-'));
  const e: Engine = ENGINE === 'tabula' ? await tabula(dir, DURABLE) : await leveldb(dir);
  tally = new Tally();
  const eld = monitorEventLoopDelay({ resolution: 1 });
  const s0 = schedstat();
  const f0 = minorFaults();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  eld.enable();
  const rate = await load(e, RANDOM, DURABLE, cells);
  eld.disable();
  const wall = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  const s1 = schedstat();
  const f1 = minorFaults();
  const t = tally;
  await e.close();
  rmSync(dir, { recursive: true, force: true });

  const out = [`${label}: ${Math.round(rate).toLocaleString('en')} cells/s`];
  if (s0 && s1) {
    out.push(`main ${((s1[0] - s0[0]) / 1000 / cells).toFixed(3)} µs/cell, on a core ${((s1[0] - s0[0]) / wall).toFixed(2)}, waiting for one ${((s1[1] - s0[1]) / wall).toFixed(2)}`);
  }
  if (f0 !== undefined && f1 !== undefined) out.push(`faults ${((f1 - f0) / cells).toFixed(3)}/cell`);
  out.push(`process ${((cpu.user + cpu.system) * 1000 / wall).toFixed(2)} cores`);
  out.push(`gc ${[...t.gcMs].map(([k, ms]) => `${k} ${ms.toFixed(0)}`).join(', ') || 'none'} ms`);
  out.push(`event-loop delay p50 ${(eld.percentile(50) / 1e6).toFixed(1)} p99 ${(eld.percentile(99) / 1e6).toFixed(1)} max ${(eld.max / 1e6).toFixed(1)} ms`);
  if (ENGINE === 'tabula') {
    out.push(`wal ${t.groups.length} groups, ${(t.groupRecords / Math.max(1, t.groups.length)).toFixed(2)} records each, median ${median(t.groups).toFixed(2)} ms`);
    out.push(`flushes ${t.flushes.length} (median ${median(t.flushes).toFixed(0)} ms), compactions ${t.compactions}`);
    out.push(`stalled writes ${t.stalls} (${t.stallSeconds.toFixed(2)} writer-seconds)`);
  }
  console.log(out.join('; '));
}

mkdirSync(base, { recursive: true });
console.log(`engine probe: ${ENGINE}, ${RANDOM ? 'random' : 'sequential'} keys, ${DURABLE ? 'fsynced' : 'no fsync'}, ${CELLS} cells per load, ${LOADS} loads after a warm-up of ${WARMUP}; ${lib === '../dist' ? 'compiled dist/' : 'TypeScript source via tsx'}, node ${process.version}, ${new Date().toISOString()}`);
if (WARMUP > 0) await probe('warm-up (untimed)', WARMUP);
for (let i = 1; i <= LOADS; i++) await probe(`load ${i}`, CELLS);
rmSync(base, { recursive: true, force: true });

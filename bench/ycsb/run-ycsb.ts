/**
 * YCSB-style benchmark over the Cloud Bigtable v2 gRPC API.
 *
 *   npm run bench:ycsb [-- --records N --ops N --duration S --concurrency C
 *                          --clients W --channels K --batch ROWS --warmup S
 *                          --workloads load,a,b,c,e,f --compiled
 *                          --target tabula,emulator[,ceiling] | --target host:port]
 *
 * For each target it starts the server (Tabula via `tabula serve`, Google's
 * emulator; `ceiling` = canned-server.ts, a grpc-js server that answers
 * without doing any work, to show what the harness itself allows), creates the table, forks W client worker processes sharing C
 * concurrent closed-loop operations, runs the workloads in order, and samples
 * the server's CPU and RSS from /proc. Prints per-target tables, a side-by-side
 * comparison and one summary line:
 *   bench-ycsb: a_ratio=.. b_ratio=.. c_ratio=.. e_ratio=.. f_ratio=.. load_ratio=.. tabula_p99_ms=.. rss_ratio=..
 * (ratios are Tabula / emulator throughput; rss_ratio compares peak RSS;
 * tabula_p99_ms is the p99 over every operation of workloads a, b, c and f).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { startCannedServer, startEmulator, startTabula, type RunningServer } from '../../test/support/servers.js';
import { FAMILY, WORKLOADS } from './core-workload.js';
import { LatencyHistogram } from './latency-histogram.js';
import { ensureTable } from './lean-bigtable-client.js';
import { ProcMonitor, machineBusySeconds } from './proc-sampler.js';
import type { ParentMessage, WorkerMessage, WorkerResult } from './worker-protocol.js';

// ---------------------------------------------------------------- options

function parseArgs(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) m.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) m.set(a.slice(2), argv[++i]!);
    else m.set(a.slice(2), 'true');
  }
  return m;
}

const args = parseArgs(process.argv.slice(2));
function num(name: string, dflt: number): number {
  const v = args.get(name);
  if (v === undefined) return dflt;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a number: ${v}`);
  return n;
}

const opts = {
  records: num('records', 100_000),
  ops: num('ops', 100_000),
  durationMs: num('duration', 30) * 1000,
  concurrency: Math.max(1, num('concurrency', 16)),
  // Two worker processes measured best on the 2-core reference machine (see README.md).
  clients: Math.max(1, num('clients', 2)),
  warmupMs: num('warmup', 5) * 1000,
  channels: Math.max(1, num('channels', 1)),
  batchRows: Math.max(1, num('batch', 100)),
  loadConcurrency: 0,
  workloads: [...new Set((args.get('workloads') ?? 'load,a,b,c,e,f').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))],
  targets: (args.get('target') ?? 'tabula,emulator').split(',').map((s) => s.trim()).filter(Boolean),
  project: args.get('project') ?? 'ycsb',
  instance: args.get('instance') ?? 'ycsb',
  table: args.get('table') ?? 'usertable',
  latestOnly: args.get('no-filter') !== 'true',
  keepData: args.get('keep-data') === 'true',
  // Run the shipped build (bin/tabula.js over dist/; `npm run bench:ycsb` builds it first) rather than the TypeScript through tsx.
  compiled: args.get('compiled') === 'true',
};
opts.loadConcurrency = Math.max(1, num('load-concurrency', opts.concurrency));
opts.clients = Math.min(opts.clients, opts.concurrency);
for (const w of opts.workloads) if (w !== 'load' && !(w in WORKLOADS)) throw new Error(`--workloads: unknown workload "${w}" (load,a,b,c,e,f)`);
// Load always comes first: the other workloads read what it wrote.
if (opts.workloads.includes('load')) opts.workloads = ['load', ...opts.workloads.filter((w) => w !== 'load')];

// ---------------------------------------------------------------- workers

const WORKER = fileURLToPath(new URL('./ycsb-worker.ts', import.meta.url));

interface Worker {
  child: ChildProcess;
  waiters: Array<{ resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }>;
}

function startWorker(): Worker {
  const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const w: Worker = { child, waiters: [] };
  child.on('message', (m: WorkerMessage) => {
    const waiter = w.waiters.shift();
    if (!waiter) return;
    if (m.type === 'fatal') waiter.reject(new Error(`worker failed: ${m.message}`));
    else waiter.resolve(m);
  });
  child.on('exit', (code) => {
    for (const waiter of w.waiters.splice(0)) waiter.reject(new Error(`worker exited with ${code}`));
  });
  return w;
}

function request(w: Worker, m: ParentMessage): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    w.waiters.push({ resolve, reject });
    w.child.send(m);
  });
}

/** Splits `total` into `parts` near-equal integers. */
function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

// ---------------------------------------------------------------- results

interface PhaseResult {
  workload: string;
  ops: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  opsPerSec: number;
  hist: LatencyHistogram;
  perKind: Map<string, LatencyHistogram>;
  clientCpuSeconds: number;
  serverCpuSeconds?: number;
  serverRssBytes?: number;
  /** CPU seconds used on the machine by processes other than the server, the workers and this runner. */
  otherCpuSeconds?: number;
  readMisses: number;
  partialRows: number;
  scanRows: number;
}

interface TargetResult {
  name: string;
  endpoint: string;
  phases: Map<string, PhaseResult>;
  peakRssBytes?: number;
  failure?: string;
}

function merge(workload: string, results: WorkerResult[]): PhaseResult {
  const hist = new LatencyHistogram();
  const perKind = new Map<string, LatencyHistogram>();
  let ops = 0, errors = 0, elapsedMs = 0, cpuUs = 0, readMisses = 0, partialRows = 0, scanRows = 0;
  let firstError: string | undefined;
  for (const r of results) {
    ops += r.ops;
    errors += r.errors;
    firstError ??= r.firstError;
    elapsedMs = Math.max(elapsedMs, r.elapsedMs);
    cpuUs += r.cpuUserUs + r.cpuSystemUs;
    readMisses += r.readMisses;
    partialRows += r.partialRows;
    scanRows += r.scanRows;
    hist.addSparse(r.overall);
    for (const [k, h] of Object.entries(r.perKind)) {
      if (!h) continue;
      let m = perKind.get(k);
      if (!m) perKind.set(k, (m = new LatencyHistogram()));
      m.addSparse(h);
    }
  }
  return {
    workload, ops, errors, firstError, elapsedMs, opsPerSec: ops / (elapsedMs / 1000), hist, perKind,
    clientCpuSeconds: cpuUs / 1e6, readMisses, partialRows, scanRows,
  };
}

const ms = (us: number): string => (us / 1000).toFixed(us < 10_000 ? 2 : 1);
const mb = (b: number | undefined): string => (b === undefined ? '-' : (b / 2 ** 20).toFixed(0));
const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const padR = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function printTarget(t: TargetResult): void {
  console.log(`\n== ${t.name} (${t.endpoint}) ==`);
  if (t.failure) console.log(`FAILED: ${t.failure}`);
  const head = ['workload', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors', 'cli cpu s', 'srv cpu%', 'srv rss MB', 'other cpu%'];
  const w = [8, 9, 9, 8, 8, 9, 8, 7, 9, 9, 10, 10];
  console.log(head.map((h, i) => (i === 0 ? padR(h, w[i]!) : pad(h, w[i]!))).join(' '));
  for (const p of t.phases.values()) {
    const srvPct = p.serverCpuSeconds === undefined ? '-' : ((100 * p.serverCpuSeconds) / (p.elapsedMs / 1000)).toFixed(0);
    const row = [p.workload, String(p.ops), p.opsPerSec.toFixed(0), ms(p.hist.quantileUs(0.5)), ms(p.hist.quantileUs(0.99)),
      ms(p.hist.quantileUs(0.999)), ms(p.hist.max), String(p.errors), p.clientCpuSeconds.toFixed(1), srvPct, mb(p.serverRssBytes),
      p.otherCpuSeconds === undefined ? '-' : ((100 * p.otherCpuSeconds) / (p.elapsedMs / 1000)).toFixed(0)];
    console.log(row.map((c, i) => (i === 0 ? padR(c, w[i]!) : pad(c, w[i]!))).join(' '));
  }
  for (const p of t.phases.values()) {
    const kinds = [...p.perKind.entries()].map(([k, h]) =>
      `${k} n=${h.count} p50=${ms(h.quantileUs(0.5))} p99=${ms(h.quantileUs(0.99))}`).join('; ');
    const extra = [kinds];
    if (p.readMisses) extra.push(`read misses=${p.readMisses}`);
    if (p.partialRows) extra.push(`partial rows=${p.partialRows}`);
    if (p.scanRows) extra.push(`scan rows=${p.scanRows} (${(p.scanRows / Math.max(1, p.perKind.get('scan')?.count ?? 1)).toFixed(1)}/scan)`);
    if (p.firstError) extra.push(`first error: ${p.firstError}`);
    console.log(`  ${p.workload}: ${extra.join('; ')}`);
  }
  if (t.peakRssBytes !== undefined) console.log(`  server peak RSS ${mb(t.peakRssBytes)} MB`);
  const others = [...t.phases.values()].map((p) => (p.otherCpuSeconds ?? 0) / (p.elapsedMs / 1000));
  if (others.some((x) => x > 0.25)) {
    console.log(`  WARNING: other processes used up to ${(100 * Math.max(...others)).toFixed(0)}% CPU during these workloads `
      + `(${os.cpus().length} cores); figures are skewed`);
  }
}

// ---------------------------------------------------------------- one target

async function runTarget(name: string): Promise<TargetResult> {
  let server: RunningServer | undefined;
  let endpoint = name;
  const result: TargetResult = { name, endpoint, phases: new Map() };
  const workers: Worker[] = [];
  let insertedPrefix = 0;
  try {
    if (name === 'tabula') server = await startTabula({ compiled: opts.compiled });
    else if (name === 'emulator') server = await startEmulator();
    else if (name === 'ceiling') server = await startCannedServer();
    if (server) endpoint = result.endpoint = server.endpoint;
    const pid = server?.process.pid;
    console.error(`[ycsb] ${name}: server at ${endpoint}${pid ? ` pid ${pid}` : ''}`);
    const tableName = await ensureTable(endpoint, opts.project, opts.instance, opts.table, FAMILY);

    for (let i = 0; i < opts.clients; i++) workers.push(startWorker());
    await Promise.all(workers.map((w, i) => request(w, {
      type: 'init', endpoint, tableName, channels: opts.channels, recordCount: opts.records,
      workerIndex: i, workerCount: opts.clients, latestOnly: opts.latestOnly,
    })));
    const overall = pid ? new ProcMonitor(pid) : undefined;
    overall?.start();

    for (const wl of opts.workloads) {
      if (wl !== 'load' && opts.warmupMs > 0 && result.phases.size === (opts.workloads.includes('load') ? 1 : 0)) {
        // Before the first measured transaction workload: JIT-warm the clients and the server (not reported).
        console.error(`[ycsb] ${name}: warm-up (workload c, ${opts.warmupMs / 1000} s) ...`);
        await Promise.all(workers.map((w, i) => request(w, {
          type: 'run', spec: WORKLOADS.c!, ops: Number.MAX_SAFE_INTEGER, totalOps: opts.ops, durationMs: opts.warmupMs,
          concurrency: Math.max(1, share(opts.concurrency, opts.clients, i)), insertedPrefix,
        })));
      }
      const monitor = pid ? new ProcMonitor(pid) : undefined;
      monitor?.start();
      const busy0 = machineBusySeconds();
      const self0 = process.cpuUsage();
      console.error(`[ycsb] ${name}: workload ${wl} ...`);
      let replies: WorkerMessage[];
      if (wl === 'load') {
        let start = 0;
        replies = await Promise.all(workers.map((w, i) => {
          const n = share(opts.records, opts.clients, i);
          const m: ParentMessage = { type: 'load', start, end: start + n, batchRows: opts.batchRows,
            concurrency: Math.max(1, share(opts.loadConcurrency, opts.clients, i)) };
          start += n;
          return request(w, m);
        }));
      } else {
        const spec = WORKLOADS[wl]!;
        replies = await Promise.all(workers.map((w, i) => request(w, {
          type: 'run', spec, ops: share(opts.ops, opts.clients, i), totalOps: opts.ops, durationMs: opts.durationMs,
          concurrency: Math.max(1, share(opts.concurrency, opts.clients, i)), insertedPrefix,
        })));
      }
      const p = merge(wl, replies as WorkerResult[]);
      // Key recordCount + w + k*W exists iff k < inserted_w: the contiguous prefix is min_w(inserted_w * W + w).
      insertedPrefix = Math.min(...(replies as WorkerResult[]).map((r) => r.inserted * opts.clients + r.workerIndex));
      if (monitor) {
        const s = monitor.stop();
        p.serverCpuSeconds = s.cpuSeconds;
        p.serverRssBytes = s.lastRssBytes;
        const self = process.cpuUsage(self0);
        p.otherCpuSeconds = Math.max(0, machineBusySeconds() - busy0 - s.cpuSeconds - p.clientCpuSeconds - (self.user + self.system) / 1e6);
      }
      result.phases.set(wl, p);
      console.error(`[ycsb] ${name}: ${wl} ${p.ops} ops in ${(p.elapsedMs / 1000).toFixed(1)} s = ${p.opsPerSec.toFixed(0)} ops/s, `
        + `p99 ${ms(p.hist.quantileUs(0.99))} ms, errors ${p.errors}${p.firstError ? ` (${p.firstError})` : ''}`);
    }
    if (overall) result.peakRssBytes = overall.stop().peakRssBytes;
  } catch (e) {
    result.failure = e instanceof Error ? e.message : String(e);
    console.error(`[ycsb] ${name}: ${result.failure}`);
  } finally {
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      if (w.child.exitCode !== null) return resolve();
      w.child.once('exit', () => resolve());
      try { w.child.send({ type: 'exit' }); } catch { w.child.kill(); }
      setTimeout(() => w.child.kill('SIGKILL'), 5000).unref();
    })));
    if (server) {
      await server.stop();
      if (server.dataDir && !opts.keepData) rmSync(server.dataDir, { recursive: true, force: true });
    }
  }
  return result;
}

// ---------------------------------------------------------------- main

function fmtRatio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? 'na' : (a / b).toFixed(2);
}

async function main(): Promise<void> {
  console.error(`[ycsb] records=${opts.records} ops=${opts.ops} duration=${opts.durationMs / 1000}s concurrency=${opts.concurrency} `
    + `clients=${opts.clients} channels=${opts.channels} workloads=${opts.workloads.join(',')} targets=${opts.targets.join(',')}`);
  const results: TargetResult[] = [];
  for (const t of opts.targets) results.push(await runTarget(t));

  console.log(`\nYCSB: ${opts.records} records x ${10} fields x 100 B, ops<=${opts.ops} or ${opts.durationMs / 1000} s per workload, `
    + `${opts.concurrency} concurrent ops from ${opts.clients} client processes; load = MutateRows of ${opts.batchRows} rows `
    + `(ops = rows, latency per batch)`);
  for (const r of results) printTarget(r);

  const tab = results.find((r) => r.name === 'tabula');
  const emu = results.find((r) => r.name === 'emulator');
  const summary: string[] = [];
  if (tab && emu) {
    console.log('\n== Tabula vs emulator (ratio = Tabula / emulator) ==');
    const head = ['workload', 'tab ops/s', 'emu ops/s', 'ratio', 'tab p99', 'emu p99', 'tab cli cpu', 'emu cli cpu', 'tab srv cpu', 'emu srv cpu'];
    console.log(head.map((h, i) => (i === 0 ? padR(h, 8) : pad(h, 11))).join(' '));
    for (const wl of opts.workloads) {
      const a = tab.phases.get(wl);
      const b = emu.phases.get(wl);
      const row = [wl, a?.opsPerSec.toFixed(0) ?? '-', b?.opsPerSec.toFixed(0) ?? '-', fmtRatio(a?.opsPerSec, b?.opsPerSec),
        a ? ms(a.hist.quantileUs(0.99)) : '-', b ? ms(b.hist.quantileUs(0.99)) : '-',
        a ? a.clientCpuSeconds.toFixed(1) : '-', b ? b.clientCpuSeconds.toFixed(1) : '-',
        a?.serverCpuSeconds?.toFixed(1) ?? '-', b?.serverCpuSeconds?.toFixed(1) ?? '-'];
      console.log(row.map((c, i) => (i === 0 ? padR(c, 8) : pad(c, 11))).join(' '));
    }
    console.log(`peak RSS MB: tabula ${mb(tab.peakRssBytes)}, emulator ${mb(emu.peakRssBytes)}, ratio ${fmtRatio(tab.peakRssBytes, emu.peakRssBytes)}`);
  }
  for (const wl of ['a', 'b', 'c', 'e', 'f', 'load']) {
    summary.push(`${wl}_ratio=${fmtRatio(tab?.phases.get(wl)?.opsPerSec, emu?.phases.get(wl)?.opsPerSec)}`);
  }
  // p99 over every operation of the point workloads (a, b, c, f) that ran.
  let tabP99 = 'na';
  if (tab) {
    const h = new LatencyHistogram();
    for (const wl of ['a', 'b', 'c', 'f']) {
      const p = tab.phases.get(wl);
      if (p) h.addSparse(p.hist.toSparse());
    }
    if (h.count > 0) tabP99 = ms(h.quantileUs(0.99));
  }
  summary.push(`tabula_p99_ms=${tabP99}`);
  summary.push(`rss_ratio=${fmtRatio(tab?.peakRssBytes, emu?.peakRssBytes)}`);
  console.log(`\nbench-ycsb: ${summary.join(' ')}`);
  const failed = results.filter((r) => r.failure !== undefined);
  if (failed.length === results.length) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

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
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { ClassicLevel } from 'classic-level';
import type { Tablet } from '../src/tablet/tablet.js';
import type { TabletHost as TabletHostType } from '../src/tabletserver/tablet-host.js';
import type { RowMutation } from '../src/model/mutation.js';

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
const BATCH = 1000;
const PIPELINE = 4;
const READS = 100_000;
const DURABLE = 20_000;
const CONCURRENCY = 64;
const base = process.env.BENCH_DIR ?? join(process.cwd(), '.bench-data');
// --compiled (what `npm run bench:engine` passes after building): the shipped
// build in dist/, as bench:ycsb runs it. Without it the TypeScript source runs
// through tsx, whose transform wraps inline functions in name-keeping helpers
// (about 5-9% of a cached point read).
const COMPILED = args.includes('--compiled');
const lib = COMPILED ? '../dist' : '../src';
const { LocalStorage } = (await import(`${lib}/storage/local-storage.js`)) as typeof import('../src/storage/local-storage.js');
const { TabletHost } = (await import(`${lib}/tabletserver/tablet-host.js`)) as typeof import('../src/tabletserver/tablet-host.js');

// Keys are 16-byte views into a shared slab, as a server's keys are views into
// the request it decoded. (A Buffer.alloc(16) per key, then written with
// Buffer#write, made V8 give each key its own malloc'd ArrayBuffer: a quarter
// of the main thread went to the harness, freed again on V8's helper threads.)
let slab = Buffer.alloc(0);
let slabPos = 0;
const SUFFIX = Buffer.from('01234567');

function key(i: number, random: boolean): Buffer {
  if (slabPos + 16 > slab.length) {
    slab = Buffer.allocUnsafe(16 * 1024);
    slabPos = 0;
  }
  const k = slab.subarray(slabPos, (slabPos += 16));
  // Random keys: a bijective scramble of i, so they are unique and re-findable.
  k.writeUInt32BE(random ? Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0 : 0, 0);
  k.writeUInt32BE(i, 4);
  for (let j = 0; j < 8; j++) k[8 + j] = SUFFIX[j]!;
  return k;
}
const VALUE = randomBytes(100);
const QUAL = Buffer.from('q');
const families = new Map([['f', { kind: 'never' as const }]]);

interface Engine {
  name: string;
  /** durable: acknowledged only once fsynced (Tabula's default; LevelDB's `sync: true`). */
  writeBatch(keys: Buffer[], durable: boolean): Promise<void>;
  writeOne(k: Buffer): Promise<void>;
  get(k: Buffer): Promise<boolean>;
  scan(): Promise<number>;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

async function tabula(dir: string, walSync = true): Promise<Engine> {
  let host: TabletHostType;
  let t: Tablet;
  const open = async () => {
    host = await TabletHost.open({ storage: new LocalStorage(dir), serverId: 'bench', jobs: { localRoot: dir }, walSync });
    t = await host.openTablet({ id: 'bench', epoch: 1, families });
  };
  await open();
  const rm = (k: Buffer): RowMutation => ({ row: k, mutations: [{ type: 'setCell', family: 'f', qualifier: QUAL, timestamp: 1000, value: VALUE }] });
  return {
    name: 'tabula',
    // Durability is a property of the WAL, chosen at open (run() opens a no-sync engine for the non-durable loads).
    writeBatch: (keys) => t.mutate(keys.map(rm)),
    writeOne: (k) => t.mutate([rm(k)]),
    get: async (k) => (await t.readRow(k)) !== undefined,
    scan: async () => { let n = 0; for await (const b of t.scan()) n += b.length; return n; },
    reopen: async () => { await host.close({ flush: true }); await open(); },
    close: () => host.close({ flush: true }),
  };
}

async function leveldb(dir: string): Promise<Engine> {
  let db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  return {
    name: 'leveldb',
    // The chained batch: options apply to the write, not to every op. (The array form with an
    // options object copies the options into each op, and measured up to 6x slower here.)
    writeBatch: (keys, durable) => {
      const b = db.batch();
      for (const k of keys) b.put(k, VALUE);
      return durable ? b.write({ sync: true }) : b.write();
    },
    writeOne: (k) => db.put(k, VALUE, { sync: true }),
    get: async (k) => (await db.get(k)) !== undefined,
    scan: async () => { let n = 0; for await (const _ of db.iterator()) n++; return n; },
    reopen: async () => { await db.close(); db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' }); await db.open(); },
    close: () => db.close(),
  };
}

async function timed(fn: () => Promise<number>): Promise<number> {
  const t = process.hrtime.bigint();
  const n = await fn();
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}

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

/** Loads `cells` cells in batches of BATCH; cells/s. */
function load(e: Engine, random: boolean, durable: boolean, cells: number): Promise<number> {
  return timed(async () => {
    // A bulk loader keeps a few batches in flight; both engines get the same pipeline.
    let next = 0;
    await Promise.all(Array.from({ length: PIPELINE }, async () => {
      while (next < cells) {
        const i = next;
        next += BATCH;
        const keys: Buffer[] = [];
        for (let j = i; j < Math.min(cells, i + BATCH); j++) keys.push(key(j, random));
        await e.writeBatch(keys, durable);
      }
    }));
    return cells;
  });
}

async function concurrently<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) {
      const ok = await fn(items[i++]!);
      if (ok === false) throw new Error('missing key');
    }
  }));
}

import { mkdirSync } from 'node:fs';
mkdirSync(base, { recursive: true });
console.log(`engine bench (${COMPILED ? 'compiled dist/' : 'TypeScript source via tsx'}): ${CELLS} cells, 16-byte keys, 100-byte values, batches of ${BATCH} (${PIPELINE} in flight), warm-up ${WARMUP} cells per engine; ${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString()}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
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

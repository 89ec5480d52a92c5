/**
 * What bench:engine and bench:probe share: the keys, the value, both engines
 * behind one interface, and the bulk load (batches of BATCH cells, PIPELINE
 * of them in flight). With --compiled on the command line (what the npm
 * scripts pass after building) Tabula is the shipped build in dist/, as
 * bench:ycsb runs it; without it the TypeScript source runs through tsx,
 * whose transform wraps inline functions in name-keeping helpers (about 5-9%
 * of a cached point read).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import type { Tablet } from '../src/tablet/tablet.js';
import type { TabletHost as TabletHostType } from '../src/tabletserver/tablet-host.js';
import type { RowMutation } from '../src/model/mutation.js';

export const COMPILED = process.argv.includes('--compiled');
/** Where Tabula's modules come from (for other imports of the same build, e.g. its metrics hooks). */
export const lib = COMPILED ? '../dist' : '../src';
const { LocalStorage } = (await import(`${lib}/storage/local-storage.js`)) as typeof import('../src/storage/local-storage.js');
const { TabletHost } = (await import(`${lib}/tabletserver/tablet-host.js`)) as typeof import('../src/tabletserver/tablet-host.js');

/** BENCH_READ_WORKER=0: Tabula reads through libuv's threadpool (`--no-read-worker`), for A/B runs. */
const READ_WORKER = process.env.BENCH_READ_WORKER !== '0';

export const BATCH = 1000;
export const PIPELINE = 4;

// Keys are 16-byte views into a shared slab, as a server's keys are views into
// the request it decoded. (A Buffer.alloc(16) per key, then written with
// Buffer#write, made V8 give each key its own malloc'd ArrayBuffer: a quarter
// of the main thread went to the harness, freed again on V8's helper threads.)
let slab = Buffer.alloc(0);
let slabPos = 0;
const SUFFIX = Buffer.from('01234567');

export function key(i: number, random: boolean): Buffer {
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
export const VALUE = randomBytes(100);
const QUAL = Buffer.from('q');
const families = new Map([['f', { kind: 'never' as const }]]);

export interface Engine {
  name: string;
  /** durable: acknowledged only once fsynced (Tabula's default; LevelDB's `sync: true`). */
  writeBatch(keys: Buffer[], durable: boolean): Promise<void>;
  writeOne(k: Buffer): Promise<void>;
  get(k: Buffer): Promise<boolean>;
  scan(): Promise<number>;
  reopen(): Promise<void>;
  close(): Promise<void>;
  /** Tabula only: the tablet's SSTables and the sorted runs they form (what compaction bounds). */
  sstables?(): { files: number; runs: number };
}

export async function tabula(dir: string, walSync = true): Promise<Engine> {
  let host: TabletHostType;
  let t: Tablet;
  const open = async () => {
    host = await TabletHost.open({ storage: new LocalStorage(dir, { readWorker: READ_WORKER }), serverId: 'bench', jobs: { localRoot: dir }, walSync });
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
    sstables: () => { const s = t.stats(); return { files: s.sstables, runs: s.sortedRuns }; },
  };
}

export async function leveldb(dir: string): Promise<Engine> {
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

export async function timed(fn: () => Promise<number>): Promise<number> {
  const t = process.hrtime.bigint();
  const n = await fn();
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}

/** Loads `cells` cells in batches of BATCH; cells/s. */
export function load(e: Engine, random: boolean, durable: boolean, cells: number): Promise<number> {
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

export async function concurrently<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) {
      const ok = await fn(items[i++]!);
      if (ok === false) throw new Error('missing key');
    }
  }));
}

/** The median of xs (the upper one of an even count); NaN when empty. */
export const median = (xs: number[]): number => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);

/** The main thread's [ns on a core, ns waiting for one] (schedstat), or undefined off Linux. */
export function schedstat(): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ').map(Number);
    return [run!, wait!];
  } catch {
    return undefined;
  }
}

/** The main thread's minor page faults so far (field 10 of its stat), or undefined off Linux. */
export function minorFaults(): number | undefined {
  try {
    const s = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[7]);
  } catch {
    return undefined;
  }
}

/** The integer after `name` among the command-line arguments (at least `min`: 0 or 1), or `dflt` when it is absent. */
export function intArg(name: string, dflt: number, min: 0 | 1): number {
  const args = process.argv.slice(2);
  if (!args.includes(name)) return dflt;
  const v = Number(args[args.indexOf(name) + 1]);
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`${name}: a ${min === 0 ? 'non-negative' : 'positive'} integer, got ${args[args.indexOf(name) + 1]}`);
  return v;
}

/** The engine `--engine` names: tabula (the default) or leveldb. */
export function engineArg(): 'tabula' | 'leveldb' {
  const args = process.argv.slice(2);
  const e = args.includes('--engine') ? args[args.indexOf('--engine') + 1] : 'tabula';
  if (e !== 'tabula' && e !== 'leveldb') throw new Error(`--engine: tabula or leveldb, got ${e}`);
  return e;
}

/**
 * The parts of YCSB's CoreWorkload this benchmark uses: the standard
 * workload mixes, hashed "user" key names, the zipfian key chooser sized for
 * expected inserts, uniform scan lengths and field choice.
 */
import { fnvHash64 } from './fnv-hash64.js';
import { ScrambledZipfianGenerator } from './scrambled-zipfian-generator.js';

export type OpKind = 'read' | 'update' | 'insert' | 'scan' | 'rmw';
export const OP_KINDS: readonly OpKind[] = ['read', 'update', 'insert', 'scan', 'rmw'];

export interface WorkloadSpec {
  name: string;
  /** Proportions, summing to 1. */
  read: number;
  update: number;
  insert: number;
  scan: number;
  rmw: number;
  /** Longest scan (uniform length in [1, maxScanLength]). */
  maxScanLength: number;
}

/** YCSB's workloads/workload{a,b,c,e,f} (D, "latest", is not included). */
export const WORKLOADS: Readonly<Record<string, WorkloadSpec>> = {
  a: { name: 'a', read: 0.5, update: 0.5, insert: 0, scan: 0, rmw: 0, maxScanLength: 0 },
  b: { name: 'b', read: 0.95, update: 0.05, insert: 0, scan: 0, rmw: 0, maxScanLength: 0 },
  c: { name: 'c', read: 1, update: 0, insert: 0, scan: 0, rmw: 0, maxScanLength: 0 },
  e: { name: 'e', read: 0, update: 0, insert: 0.05, scan: 0.95, rmw: 0, maxScanLength: 100 },
  f: { name: 'f', read: 0.5, update: 0, insert: 0, scan: 0, rmw: 0.5, maxScanLength: 0 },
};

export const FIELD_COUNT = 10;
export const FIELD_LENGTH = 100;
export const FAMILY = 'cf';
export const FIELD_NAMES: readonly Buffer[] = Array.from({ length: FIELD_COUNT }, (_, i) => Buffer.from(`field${i}`));

/** CoreWorkload.buildKeyName with orderedinserts=false, zeropadding=1: "user" + fnvhash64(keynum). */
export function buildKeyName(keynum: number): string {
  return 'user' + fnvHash64(keynum).toString();
}

/** Picks the operation for a uniform draw `u` in [0, 1) (YCSB's DiscreteGenerator). */
export function chooseOp(spec: WorkloadSpec, u: number): OpKind {
  let x = u;
  if ((x -= spec.read) < 0) return 'read';
  if ((x -= spec.update) < 0) return 'update';
  if ((x -= spec.insert) < 0) return 'insert';
  if ((x -= spec.scan) < 0) return 'scan';
  if (spec.rmw > 0) return 'rmw';
  // Rounding left a sliver: give it to the last non-zero kind.
  for (const k of ['scan', 'insert', 'update', 'read'] as const) if (spec[k] > 0) return k;
  return 'read';
}

/**
 * CoreWorkload's zipfian key chooser: a ScrambledZipfian over
 * [0, recordCount + expectedNewKeys] where expectedNewKeys =
 * opCount * insertProportion * 2, redrawing keys beyond the last inserted one.
 */
export class KeyChooser {
  private readonly gen: ScrambledZipfianGenerator;
  /** Highest key number known to exist (YCSB: transactioninsertkeysequence.lastValue()). */
  lastKey: number;
  private readonly cache = new Map<number, Buffer>();

  constructor(recordCount: number, opCount: number, insertProportion: number, random: () => number = Math.random) {
    const expectedNewKeys = Math.floor(opCount * insertProportion * 2);
    this.gen = new ScrambledZipfianGenerator(0, recordCount + expectedNewKeys, random);
    this.lastKey = recordCount - 1;
  }

  nextKeynum(): number {
    let k: number;
    do k = this.gen.next(); while (k > this.lastKey);
    return k;
  }

  /** The row key of a key number (cached: hashing through BigInt costs microseconds). */
  rowKey(keynum: number): Buffer {
    let b = this.cache.get(keynum);
    if (b === undefined) {
      b = Buffer.from(buildKeyName(keynum), 'latin1');
      this.cache.set(keynum, b);
    }
    return b;
  }
}

/** A uniform integer in [lo, hi]. */
export function uniformInt(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

const POOL = Buffer.alloc(1 << 20);
for (let i = 0; i < POOL.length; i++) POOL[i] = 0x20 + Math.floor(Math.random() * 95);

/** FIELD_LENGTH printable random bytes (a view into a shared pool; copied by the encoders). */
export function randomValue(): Buffer {
  const off = Math.floor(Math.random() * (POOL.length - FIELD_LENGTH));
  return POOL.subarray(off, off + FIELD_LENGTH);
}

/**
 * Memtable and iterator throughput. Run: npx tsx bench/memtable-bench.ts [entries]
 *
 * Prints inserts/s (random and sequential keys, 16-byte keys + 100-byte
 * values, plus the 40-byte-key case the engine target is stated in), full-scan
 * entries/s over the memtable, merged-scan entries/s over 4 memtable children,
 * and the GC pause time observed during each insert phase.
 */
import { randomBytes } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { newMemtable, type Memtable } from '../src/lsm/memtable/memtable.js';
import { newMergingIterator } from '../src/lsm/iterator/merging-iterator.js';
import { newFlatIterator } from '../src/lsm/iterator/flat-iterator.js';
import type { KvIterator } from '../src/lsm/iterator/kv-iterator.js';
import { isPromise } from '../src/lsm/iterator/maybe-promise.js';

const N = Number(process.argv[2] ?? 1_000_000);
const VALUE = randomBytes(100);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
}

/** GC entries are delivered asynchronously: let the observer run before reading gcMs. */
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

async function insert(keyLen: number, order: 'random' | 'sequential', n = N): Promise<Memtable> {
  await tick();
  const src = order === 'random' ? randomBytes(n * keyLen) : undefined;
  const key = Buffer.alloc(keyLen); // reused: the memtable copies
  const mt = newMemtable();
  gcMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (src) src.copy(key, 0, i * keyLen, i * keyLen + keyLen);
    else key.writeUInt32BE(i, keyLen - 4);
    mt.put(key, VALUE);
  }
  const ms = performance.now() - t0;
  await tick();
  console.log(
    `insert ${order.padEnd(10)} ${String(keyLen).padStart(2)}B keys: ${rate(n, ms).padStart(12)}  ` +
    `(${n.toLocaleString('en-US')} in ${ms.toFixed(0)} ms, gc ${gcMs.toFixed(0)} ms, ~${(mt.approximateBytes / 2 ** 20).toFixed(0)} MiB)`,
  );
  return mt;
}

function scan(label: string, it: KvIterator, expected: number): void {
  const t0 = performance.now();
  let n = 0;
  let bytes = 0;
  let r = it.seekToFirst();
  if (isPromise(r)) throw new Error('unexpected async');
  while (it.valid()) {
    bytes += it.key().length + it.value().length;
    n++;
    r = it.next();
  }
  const ms = performance.now() - t0;
  if (n !== expected) throw new Error(`${label}: scanned ${n}, expected ${expected}`);
  console.log(`${label.padEnd(32)} ${rate(n, ms).padStart(12)}  (${ms.toFixed(0)} ms, ${(bytes / 2 ** 20).toFixed(0)} MiB)`);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${N.toLocaleString('en-US')} entries, 100-byte values`);
  await insert(16, 'random', 200_000); // warm-up
  const rnd = await insert(16, 'random');
  scan('full scan (memtable iterator)', rnd.iterator(), N);
  scan('full scan (memtable iterator)', rnd.iterator(), N);
  let t0 = performance.now();
  const flat = rnd.exportSorted();
  console.log(`exportSorted                     ${(flat.length / 2 ** 20).toFixed(0)} MiB in ${(performance.now() - t0).toFixed(0)} ms`);
  scan('full scan (flat iterator)', newFlatIterator(flat), N);

  // Merged scan: 4 children of N/4 random keys each (disjoint with high probability).
  const parts: Memtable[] = [];
  for (let c = 0; c < 4; c++) {
    const mt = newMemtable();
    const src = randomBytes((N / 4) * 16);
    for (let i = 0; i < N / 4; i++) mt.put(src.subarray(i * 16, i * 16 + 16), VALUE);
    parts.push(mt);
  }
  for (let r = 0; r < 2; r++) scan('merged scan (4 memtables)', newMergingIterator(parts.map((p) => p.iterator())), N);
  scan('merged scan (1 child)', newMergingIterator([rnd.iterator()]), N);
  // Point seeks on the big memtable.
  t0 = performance.now();
  const it = rnd.iterator();
  const probes = randomBytes(200_000 * 16);
  for (let i = 0; i < 200_000; i++) it.seek(probes.subarray(i * 16, i * 16 + 16));
  console.log(`memtable seek (1M entries)       ${rate(200_000, performance.now() - t0).padStart(12)}`);
  t0 = performance.now();
  for (let i = 0; i < 200_000; i++) it.seekLT(probes.subarray(i * 16, i * 16 + 16));
  console.log(`memtable seekLT (1M entries)     ${rate(200_000, performance.now() - t0).padStart(12)}`);

  parts.length = 0;
  await insert(16, 'sequential');
  await insert(40, 'random');
  await insert(40, 'sequential');
}

await main();

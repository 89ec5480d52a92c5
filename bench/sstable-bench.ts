/**
 * SSTable micro-benchmark: `npx tsx bench/sstable-bench.ts [entries]`.
 * Builds a table of N entries (16-byte keys, 100-byte values; default 1M),
 * writes it to MemoryStorage, and measures build MB/s, full-scan entries/s
 * (cold: every block read and verified; warm: all blocks cached) and random
 * seek+read/s with a warm cache.
 */
import { newSstableBuilder } from '../src/lsm/sstable/sstable-builder.js';
import { openSstable } from '../src/lsm/sstable/sstable-reader.js';
import { newBlockCache } from '../src/lsm/cache/block-cache.js';
import { MemoryStorage } from '../src/storage/memory-storage.js';
import { isPromise } from '../src/lsm/iterator/maybe-promise.js';
import type { KvIterator } from '../src/lsm/iterator/kv-iterator.js';

const N = Number(process.argv[2] ?? 1_000_000);
const KEY = 16;
const VALUE = 100;

/** Writes key i ("user" + 12 decimal digits = 16 bytes) into buf. */
function writeKey(buf: Buffer, i: number): Buffer {
  buf.write('user', 0, 'latin1');
  let x = i;
  for (let p = KEY - 1; p >= 4; p--) {
    buf[p] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
  return buf;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function scan(it: KvIterator): Promise<number> {
  let n = 0;
  let sum = 0;
  let r = it.seekToFirst();
  for (;;) {
    if (isPromise(r)) await r;
    if (!it.valid()) break;
    sum += it.key()[KEY - 1]! + it.value()[0]!;
    n++;
    r = it.next();
  }
  if (sum < 0) console.log(sum);
  return n;
}

async function main(): Promise<void> {
  const pool = Buffer.alloc(VALUE + 4096);
  for (let i = 0; i < pool.length; i++) pool[i] = (i * 2654435761) >>> 24;
  const key = Buffer.alloc(KEY);

  // Build.
  let t = performance.now();
  const b = newSstableBuilder();
  for (let i = 0; i < N; i++) {
    const off = (i * 37) & 4095;
    b.add(writeKey(key, i), pool.subarray(off, off + VALUE));
  }
  const bytes = b.finish({ minSeq: 1, maxSeq: N });
  const buildMs = performance.now() - t;
  const inputMB = (N * (KEY + VALUE)) / 1e6;
  console.log(`build: ${N} entries, ${(bytes.length / 1e6).toFixed(1)} MB file in ${buildMs.toFixed(0)} ms` +
    ` = ${(inputMB / (buildMs / 1000)).toFixed(1)} MB/s of key+value input, ${fmt(N / (buildMs / 1000))} entries/s`);

  const storage = new MemoryStorage();
  await storage.writeFile('bench.sst', bytes);
  const cache = newBlockCache(512 << 20);
  t = performance.now();
  const reader = await openSstable(storage, 'bench.sst', cache);
  console.log(`open: ${(performance.now() - t).toFixed(1)} ms (${reader.properties.blockCount} blocks)`);

  // Cold scan: every block goes through read + checksum + cache insert.
  t = performance.now();
  let n = await scan(reader.iterator());
  let ms = performance.now() - t;
  console.log(`scan (cold cache, blocks read+verified): ${fmt(n / (ms / 1000))} entries/s (${ms.toFixed(0)} ms)`);

  t = performance.now();
  n = await scan(reader.iterator());
  ms = performance.now() - t;
  console.log(`scan (warm cache): ${fmt(n / (ms / 1000))} entries/s (${ms.toFixed(0)} ms)`);

  // Random seeks + read of key and value, warm cache (all synchronous).
  const it = reader.iterator();
  const SEEKS = 500_000;
  let rng = 12345;
  let found = 0;
  let async = 0;
  t = performance.now();
  for (let s = 0; s < SEEKS; s++) {
    rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
    const r = it.seek(writeKey(key, rng % N));
    if (isPromise(r)) { async++; await r; }
    if (it.valid() && it.value().length === VALUE && it.key()[KEY - 1] === key[KEY - 1]) found++;
  }
  ms = performance.now() - t;
  console.log(`random seek+read (warm cache): ${fmt(SEEKS / (ms / 1000))} seeks/s (${found} found, ${async} async)`);

  // Bloom probe cost.
  t = performance.now();
  let maybe = 0;
  for (let s = 0; s < SEEKS; s++) if (reader.mayContain(writeKey(key, N + s))) maybe++;
  ms = performance.now() - t;
  console.log(`bloom mayContain (absent keys): ${fmt(SEEKS / (ms / 1000))} probes/s, false-positive rate ${(100 * maybe / SEEKS).toFixed(2)}%`);
  console.log('cache', cache.stats());
}

await main();

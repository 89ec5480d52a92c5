/**
 * Runs the data-block kernel (wasm/data-blocks.as.ts, compiled to
 * wasm/data-blocks.wasm by `npm run build:wasm`) over a sorted run of
 * entries in the memtable export format. One instance per thread, made on
 * first use; its memory grows to the largest run seen and is reused until
 * the thread has gone IDLE_MS without a run.
 *
 * The kernel writes exactly the data blocks the JavaScript block builder
 * would (test/sstable/data-block-kernel.test.ts compares whole files); the
 * SSTable builder takes its output through addSortedRun.
 */
import { readFileSync } from 'node:fs';
import { CorruptionError, InvalidArgumentError } from '../../base/errors.js';
import { BLOOM_SEED_1, BLOOM_SEED_2 } from './format.js';

/** Which part of each key is hashed into the bloom filter. */
export type RunBloomKey = 'none' | 'whole' | 'first-escaped-component';

export interface RunOptions {
  blockSize: number;
  restartInterval: number;
  bloomKey: RunBloomKey;
  /** Keys end in 8 bytes of MAX_U53 - sequence, big-endian (a tablet's cell keys): report the range. */
  seqSuffix: boolean;
}

export interface EncodedBlock {
  /** Offset of the block in `bytes`, and its contents size (without the 5-byte trailer). */
  offset: number;
  size: number;
  /** Views of the input run. */
  firstKey: Uint8Array;
  lastKey: Uint8Array;
}

export interface EncodedRun {
  /** The data blocks with their trailers, back to back (a view of the kernel's memory, valid until its next run). */
  bytes: Uint8Array;
  blocks: EncodedBlock[];
  /** Two xxh32 hashes (BLOOM_SEED_1, BLOOM_SEED_2) per bloom key, in order (a view, valid until the next run). */
  hashes: Uint32Array;
  entries: number;
  /** The sequence range (seqSuffix), else 0 and 0. */
  minSeq: number;
  maxSeq: number;
}

// The WebAssembly global, typed here (TypeScript's ES libs leave it to the DOM lib).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  hash(p: number, len: number, seed: number): number;
  result(i: number): number;
  encode(
    inp: number, inLen: number, out: number, outCap: number, meta: number, metaCap: number, hashes: number, hashCap: number,
    restarts: number, restartCap: number, blockSize: number, restartInterval: number, bloomMode: number, seed1: number, seed2: number, seqInKey: number,
  ): number;
}

const WASM_URL = new URL('./wasm/data-blocks.wasm', import.meta.url);
const META_BYTES = 24;
const BLOOM_MODES: Record<RunBloomKey, number> = { none: 0, whole: 1, 'first-escaped-component': 2 };
const STATUS: Record<number, string> = { [-1]: 'keys not strictly increasing', [-2]: 'malformed entry', [-3]: 'key without an escaped first component' };
const NO_ROOM = -4;

/**
 * The instance's memory only grows (WebAssembly memory cannot shrink): to
 * about 2.7x the largest run. Like the spare buffers (base/spare-buffer.ts),
 * it is let go after IDLE_MS without a run, so an idle server does not keep
 * it resident; the compiled module stays.
 */
const IDLE_MS = 10_000;

let module: object | undefined;
let kernel: KernelExports | undefined;
let idleTimer: NodeJS.Timeout | undefined;

function load(): KernelExports {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => { kernel = undefined; idleTimer = undefined; }, IDLE_MS);
  idleTimer.unref();
  if (kernel) return kernel;
  if (!module) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_URL);
    } catch (e) {
      throw new Error(`data-block kernel ${WASM_URL.pathname} is missing; run \`npm run build:wasm\` (${String(e)})`);
    }
    module = new WebAssembly.Module(bytes);
  }
  const instance = new WebAssembly.Instance(module, { env: { abort: () => { throw new Error('data-block kernel aborted'); } } });
  kernel = instance.exports as unknown as KernelExports;
  return kernel;
}

const align = (n: number) => (n + 63) & ~63;

/**
 * A run that writes itself into the kernel's memory (a flush's memtable
 * export), saving the copy of a run built elsewhere first.
 */
export interface RunSource {
  /** The run's exact length in bytes. */
  readonly length: number;
  /** Writes the run into `into` (exactly `length` bytes). */
  writeTo(into: Uint8Array): void;
}

/** Encodes `run` (varint keyLength, key, varint valueLength, value; keys strictly increasing) as data blocks. */
export function encodeRun(run: Uint8Array | RunSource, opts: RunOptions): EncodedRun {
  const k = load();
  if (!(opts.blockSize >= 1) || !(opts.restartInterval >= 1)) throw new InvalidArgumentError('blockSize, restartInterval: must be positive');
  const base = align(k.heapBase());
  // Room for typical runs; the kernel says when a region is too small, and the run is encoded again with twice the room.
  let outCap = align(run.length + (run.length >>> 2) + (1 << 16));
  let metaCap = Math.ceil((2 * run.length) / opts.blockSize) + 16;
  let hashCap = Math.ceil(run.length / 32) + 16;
  const restartCap = opts.blockSize + 16;
  for (;;) {
    const inp = base;
    const out = align(inp + run.length);
    const meta = align(out + outCap);
    const hashes = align(meta + metaCap * META_BYTES);
    const restarts = align(hashes + hashCap * 8);
    const end = restarts + restartCap * 4;
    const have = k.memory.buffer.byteLength;
    if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
    const mem = new Uint8Array(k.memory.buffer);
    if (run instanceof Uint8Array) mem.set(run, inp);
    else run.writeTo(mem.subarray(inp, inp + run.length));
    const n = k.encode(inp, run.length, out, outCap, meta, metaCap, hashes, hashCap, restarts, restartCap,
      opts.blockSize, opts.restartInterval, BLOOM_MODES[opts.bloomKey], BLOOM_SEED_1, BLOOM_SEED_2, opts.seqSuffix ? 1 : 0);
    if (n === NO_ROOM) {
      outCap *= 2;
      metaCap *= 2;
      hashCap *= 2;
      continue;
    }
    if (n < 0) throw new CorruptionError('sorted run', `${STATUS[n] ?? `kernel status ${n}`} at entry ${k.result(3)}`);
    const nBlocks = k.result(0);
    const m = new Uint32Array(k.memory.buffer, meta, nBlocks * (META_BYTES / 4));
    const blocks: EncodedBlock[] = new Array(nBlocks);
    for (let i = 0; i < nBlocks; i++) {
      const o = i * 6;
      blocks[i] = {
        offset: m[o]! - out,
        size: m[o + 1]!,
        firstKey: mem.subarray(inp + m[o + 2]!, inp + m[o + 2]! + m[o + 3]!),
        lastKey: mem.subarray(inp + m[o + 4]!, inp + m[o + 4]! + m[o + 5]!),
      };
    }
    const entries = k.result(2);
    return {
      bytes: mem.subarray(out, out + n),
      blocks,
      hashes: new Uint32Array(k.memory.buffer, hashes, 2 * k.result(1)),
      entries,
      minSeq: opts.seqSuffix && entries > 0 ? k.result(4) : 0,
      maxSeq: opts.seqSuffix ? k.result(5) : 0,
    };
  }
}

/** The kernel's xxh32 of `data` (for the test that pins it to base/xxh32.ts). */
export function kernelHash(data: Uint8Array, seed: number): number {
  const k = load();
  const base = align(k.heapBase());
  const have = k.memory.buffer.byteLength;
  if (base + data.length > have) k.memory.grow(Math.ceil((base + data.length - have) / 65536));
  new Uint8Array(k.memory.buffer).set(data, base);
  return k.hash(base, data.length, seed) >>> 0;
}

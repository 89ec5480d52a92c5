/**
 * The SSTable data-block kernel, in AssemblyScript (compiled to
 * data-blocks.wasm by `npm run build:wasm`; loaded by ../data-block-kernel.ts).
 *
 * encode() turns a sorted run of entries in the memtable export format
 * (varint keyLength, key, varint valueLength, value; see flat-iterator.ts)
 * into finished data blocks, byte for byte what the JavaScript builder
 * (block-builder.ts, sstable-builder.ts) writes: the same prefix compression,
 * restart points, block split rule and trailer (type + xxh32 of contents and
 * type; layout in ../FORMAT.md). Beside the blocks it reports, per block, where
 * its first and last keys are in the input (the index is built from them),
 * the two bloom hashes of every new bloom key, the entry count and the
 * sequence-number range. A flush spent ~0.7 µs per entry in the JavaScript
 * builder; this kernel, with the copies in and out, ~0.14 µs.
 *
 * Memory is laid out by the caller; nothing is allocated here (runtime stub).
 */

// ---- xxh32 (the function xxhash-wasm and base/xxh32.ts compute) ----
const P1: u32 = 0x9e3779b1;
const P2: u32 = 0x85ebca77;
const P3: u32 = 0xc2b2ae3d;
const P4: u32 = 0x27d4eb2f;
const P5: u32 = 0x165667b1;

function xxh32(p: usize, len: u32, seed: u32): u32 {
  const end = p + <usize>len;
  let acc: u32;
  if (len >= 16) {
    let v1 = seed + P1 + P2;
    let v2 = seed + P2;
    let v3 = seed;
    let v4 = seed - P1;
    const limit = end - 16;
    do {
      v1 = rotl<u32>(v1 + load<u32>(p) * P2, 13) * P1;
      v2 = rotl<u32>(v2 + load<u32>(p, 4) * P2, 13) * P1;
      v3 = rotl<u32>(v3 + load<u32>(p, 8) * P2, 13) * P1;
      v4 = rotl<u32>(v4 + load<u32>(p, 12) * P2, 13) * P1;
      p += 16;
    } while (p <= limit);
    acc = rotl<u32>(v1, 1) + rotl<u32>(v2, 7) + rotl<u32>(v3, 12) + rotl<u32>(v4, 18);
  } else {
    acc = seed + P5;
  }
  acc += len;
  for (; p + 4 <= end; p += 4) acc = rotl<u32>(acc + load<u32>(p) * P3, 17) * P4;
  for (; p < end; p++) acc = rotl<u32>(acc + <u32>load<u8>(p) * P5, 11) * P1;
  acc ^= acc >> 15;
  acc *= P2;
  acc ^= acc >> 13;
  acc *= P3;
  acc ^= acc >> 16;
  return acc;
}

/** xxh32 of memory [p, p + len): the loader's self-test compares it with base/xxh32.ts. */
export function hash(p: usize, len: u32, seed: u32): u32 {
  return xxh32(p, len, seed);
}

// ---- encode ----

/** Status codes (negative results of encode). */
const NOT_INCREASING: i32 = -1;
const MALFORMED_ENTRY: i32 = -2;
const MALFORMED_BLOOM_KEY: i32 = -3;
const NO_ROOM: i32 = -4;

/** Block type byte of a data block (format.ts BlockType.DATA). */
const DATA_BLOCK: u8 = 1;
/** Bytes per block in the meta array: offset, size, first key pos, first key len, last key pos, last key len (u32 each). */
const META_BYTES: usize = 24;
/** Sequence numbers are stored in a key's last 8 bytes as MAX_U53 - seq, big-endian (tablet/cell-key.ts). */
const MAX_U53: u64 = 0x1fffffffffffff;

// Results besides the return value, read by the loader through result().
let blocks: u32 = 0;
let rows: u32 = 0;
let entries: u32 = 0;
let badEntry: u32 = 0;
let minSeq: u64 = 0;
let maxSeq: u64 = 0;

/** 0 blocks, 1 bloom keys, 2 entries, 3 the entry at fault (a negative status), 4/5 min/max sequence (when seqInKey). */
export function result(i: i32): f64 {
  if (i == 0) return <f64>blocks;
  if (i == 1) return <f64>rows;
  if (i == 2) return <f64>entries;
  if (i == 3) return <f64>badEntry;
  if (i == 4) return <f64>minSeq;
  return <f64>maxSeq;
}

function varintLength(v: u32): u32 {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function writeVarint(p: usize, v: u32): usize {
  while (v >= 0x80) {
    store<u8>(p++, <u8>(v | 0x80));
    v >>= 7;
  }
  store<u8>(p++, <u8>v);
  return p;
}

// readVarint's second result (the position after it).
let varintEnd: usize = 0;
/** A varint of at most 5 bytes ending before `end`; 0xffffffff when malformed. */
function readVarint(p: usize, end: usize): u32 {
  let v: u32 = 0;
  for (let shift: u32 = 0; shift < 35; shift += 7) {
    if (p >= end) return 0xffffffff;
    const b = <u32>load<u8>(p++);
    v |= (b & 0x7f) << shift;
    if (b < 0x80) {
      varintEnd = p;
      return v;
    }
  }
  return 0xffffffff;
}

/**
 * The length of key[0, len)'s first escaped component, terminator included
 * (tablet/cell-key.ts esc(): 0x00 is written 0x00 0xFF; 0x00 0x01 or
 * 0x00 0x00 ends it), scanning from `from` (a position before which the key
 * matches a key whose component ended later, so no terminator is there).
 * -1 when there is none.
 */
function escapedPrefixLength(k: usize, len: u32, from: u32): i32 {
  for (let i = from; i + 1 < len; i++) {
    if (load<u8>(k + i) != 0) continue;
    if (load<u8>(k + i + 1) == 0xff) {
      i++;
      continue;
    }
    return <i32>(i + 2);
  }
  return -1;
}

/**
 * Encodes the entries in memory [inp, inp + inLen) as data blocks at
 * [out, out + outCap). Per block META_BYTES at `meta` (room for metaCap
 * blocks), per new bloom key two u32 hashes at `hashes` (room for hashCap),
 * restart offsets of the current block at `restarts` (room for restartCap).
 * bloomMode: 0 no bloom keys, 1 the whole key, 2 the key's first escaped
 * component (a tablet's row). seqInKey: report the sequence range. Returns
 * the bytes written, or a negative status (result(3) names the entry).
 */
export function encode(
  inp: usize, inLen: u32, out: usize, outCap: u32, meta: usize, metaCap: u32, hashes: usize, hashCap: u32,
  restarts: usize, restartCap: u32, blockSize: u32, restartInterval: u32, bloomMode: u32, seed1: u32, seed2: u32, seqInKey: bool,
): i32 {
  const end = inp + <usize>inLen;
  const outEnd = out + <usize>outCap;
  let o = out;
  let blockStart = out;
  let nRestarts: u32 = 0;
  let counter: u32 = 0;
  let inBlock: u32 = 0;
  let lastK: usize = 0;
  let lastKLen: u32 = 0;
  let firstK: usize = 0;
  let firstKLen: u32 = 0;
  let prevBloomLen: i32 = -1;
  blocks = 0;
  rows = 0;
  entries = 0;
  badEntry = 0;
  minSeq = U64.MAX_VALUE;
  maxSeq = 0;
  let p = inp;
  while (p < end) {
    badEntry = entries;
    const kLen = readVarint(p, end);
    if (kLen == 0xffffffff) return MALFORMED_ENTRY;
    const k = varintEnd;
    if (<u64>kLen > <u64>(end - k)) return MALFORMED_ENTRY;
    const vLen = readVarint(k + kLen, end);
    if (vLen == 0xffffffff) return MALFORMED_ENTRY;
    const v = varintEnd;
    if (<u64>vLen > <u64>(end - v)) return MALFORMED_ENTRY;
    p = v + vLen;
    if (seqInKey) {
      if (kLen < 8) return MALFORMED_ENTRY;
      const seq = MAX_U53 - bswap<u64>(load<u64>(k + kLen - 8));
      if (seq < minSeq) minSeq = seq;
      if (seq > maxSeq) maxSeq = seq;
    }
    // The prefix shared with the previous key, which also checks the order.
    let shared: u32 = 0;
    if (entries > 0) {
      const n = lastKLen < kLen ? lastKLen : kLen;
      while (shared + 8 <= n && load<u64>(k + shared) == load<u64>(lastK + shared)) shared += 8;
      while (shared < n && load<u8>(k + shared) == load<u8>(lastK + shared)) shared++;
      if (shared < n ? load<u8>(k + shared) < load<u8>(lastK + shared) : kLen <= lastKLen) return NOT_INCREASING;
    }
    // A block ends before an entry would overflow it (sstable-builder.ts addParts).
    if (inBlock > 0 && <u32>(o - blockStart) + 4 * nRestarts + 4 + kLen + vLen + 3 + varintLength(vLen) + 4 > blockSize) {
      o = finishBlock(o, blockStart, nRestarts, restarts, outEnd, meta, metaCap, firstK - inp, firstKLen, lastK - inp, lastKLen);
      if (o == 0) return NO_ROOM;
      blockStart = o;
      nRestarts = 0;
      counter = 0;
      inBlock = 0;
    }
    if (inBlock == 0) {
      firstK = k;
      firstKLen = kLen;
    }
    let s = shared;
    if (counter >= restartInterval || inBlock == 0) {
      if (nRestarts >= restartCap) return NO_ROOM;
      store<u32>(restarts + (<usize>nRestarts << 2), <u32>(o - blockStart));
      nRestarts++;
      counter = 0;
      s = 0;
    }
    if (<u64>(outEnd - o) < <u64>15 + <u64>(kLen - s) + <u64>vLen) return NO_ROOM;
    o = writeVarint(writeVarint(writeVarint(o, s), kLen - s), vLen);
    memory.copy(o, k + s, kLen - s);
    o += kLen - s;
    memory.copy(o, v, vLen);
    o += vLen;
    counter++;
    inBlock++;
    entries++;
    lastK = k;
    lastKLen = kLen;
    if (bloomMode != 0) {
      // A new bloom key unless it is as long as the previous one and shared with it.
      let bLen: i32 = <i32>kLen;
      if (bloomMode == 2) {
        if (prevBloomLen >= 0 && <i32>shared >= prevBloomLen) bLen = prevBloomLen;
        else {
          bLen = escapedPrefixLength(k, kLen, shared > 0 ? shared - 1 : 0);
          if (bLen < 0) return MALFORMED_BLOOM_KEY;
        }
      }
      if (!(bLen == prevBloomLen && <i32>shared >= bLen)) {
        if (rows >= hashCap) return NO_ROOM;
        const h = hashes + (<usize>rows << 3);
        store<u32>(h, xxh32(k, <u32>bLen, seed1));
        store<u32>(h, xxh32(k, <u32>bLen, seed2), 4);
        rows++;
        prevBloomLen = bLen;
      }
    }
  }
  badEntry = 0;
  if (inBlock > 0) {
    o = finishBlock(o, blockStart, nRestarts, restarts, outEnd, meta, metaCap, firstK - inp, firstKLen, lastK - inp, lastKLen);
    if (o == 0) return NO_ROOM;
  }
  return <i32>(o - out);
}

/** Restarts, their count and the trailer; records the block in `meta`. Returns the end, or 0 when out of room. */
function finishBlock(
  o: usize, blockStart: usize, nRestarts: u32, restarts: usize, outEnd: usize, meta: usize, metaCap: u32,
  firstPos: usize, firstLen: u32, lastPos: usize, lastLen: u32,
): usize {
  if (blocks >= metaCap || <u64>(outEnd - o) < <u64>4 * <u64>nRestarts + 9) return 0;
  memory.copy(o, restarts, <usize>nRestarts << 2);
  o += <usize>nRestarts << 2;
  store<u32>(o, nRestarts);
  o += 4;
  const size = <u32>(o - blockStart);
  store<u8>(o, DATA_BLOCK);
  o += 1;
  store<u32>(o, xxh32(blockStart, <u32>(o - blockStart), 0));
  o += 4;
  const m = meta + <usize>blocks * META_BYTES;
  store<u32>(m, <u32>(blockStart));
  store<u32>(m, size, 4);
  store<u32>(m, <u32>firstPos, 8);
  store<u32>(m, firstLen, 12);
  store<u32>(m, <u32>lastPos, 16);
  store<u32>(m, lastLen, 20);
  blocks++;
  return o;
}

/** The first byte the caller may lay out its regions at (above this module's static data). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * The properties block: named values stored as a regular prefix-compressed
 * block whose keys are property names (Prop in format.ts, byte-sorted) and
 * whose values are varints or raw bytes. Readers ignore names they do not
 * know, so new properties can be added without a format version bump.
 */
import { CorruptionError } from '../../base/errors.js';
import { readVarint, varintEnd, varintLength, writeVarint } from '../../base/varint.js';
import { BlockType, Prop } from './format.js';
import { newBlockBuilder, type BlockHandle } from './block-builder.js';
import { newBlockIterator } from './block-iterator.js';
import type { ByteWriter } from './byte-writer.js';

/** What the builder records about a table. */
export interface StoredProperties {
  entryCount: number;
  smallestKey: Uint8Array;
  largestKey: Uint8Array;
  minSeq: number;
  maxSeq: number;
  /** Bytes of all data blocks including their trailers. */
  dataBytes: number;
  blockCount: number;
  bloomBitsPerKey: number;
  bloomKeyCount: number;
}

function varintBytes(v: number): Uint8Array {
  const b = Buffer.allocUnsafe(varintLength(v));
  writeVarint(b, 0, v);
  return b;
}

/** Appends the properties block (contents + trailer) and returns its handle. */
export function writePropertiesBlock(out: ByteWriter, p: StoredProperties): BlockHandle {
  const entries: [string, Uint8Array][] = [
    [Prop.BLOCK_COUNT, varintBytes(p.blockCount)],
    [Prop.BLOOM_BITS_PER_KEY, varintBytes(p.bloomBitsPerKey)],
    [Prop.BLOOM_KEY_COUNT, varintBytes(p.bloomKeyCount)],
    [Prop.DATA_BYTES, varintBytes(p.dataBytes)],
    [Prop.ENTRY_COUNT, varintBytes(p.entryCount)],
    [Prop.LARGEST_KEY, p.largestKey],
    [Prop.MAX_SEQ, varintBytes(p.maxSeq)],
    [Prop.MIN_SEQ, varintBytes(p.minSeq)],
    [Prop.SMALLEST_KEY, p.smallestKey],
  ];
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const bb = newBlockBuilder(out, 16);
  for (const [name, value] of entries) bb.add(Buffer.from(name, 'latin1'), value);
  return bb.finish(BlockType.PROPERTIES);
}

/** Parses properties block contents. Throws CorruptionError naming `file`. */
export function readPropertiesBlock(file: string, block: Uint8Array, blockOffset: number): StoredProperties {
  const it = newBlockIterator(file);
  it.reset(block, blockOffset);
  const map = new Map<string, Uint8Array>();
  for (it.seekToFirst(); it.valid(); it.next()) {
    map.set(Buffer.from(it.key()).toString('latin1'), Buffer.from(it.value()));
  }
  const bytes = (name: string): Uint8Array => {
    const v = map.get(name);
    if (v === undefined) throw new CorruptionError(file, `properties block lacks ${name}`);
    return v;
  };
  const num = (name: string): number => {
    const v = bytes(name);
    try {
      const n = readVarint(v, 0);
      if (varintEnd.pos !== v.length) throw new RangeError('trailing bytes');
      return n;
    } catch {
      throw new CorruptionError(file, `properties block: bad value for ${name}`);
    }
  };
  return {
    entryCount: num(Prop.ENTRY_COUNT),
    smallestKey: bytes(Prop.SMALLEST_KEY),
    largestKey: bytes(Prop.LARGEST_KEY),
    minSeq: num(Prop.MIN_SEQ),
    maxSeq: num(Prop.MAX_SEQ),
    dataBytes: num(Prop.DATA_BYTES),
    blockCount: num(Prop.BLOCK_COUNT),
    bloomBitsPerKey: num(Prop.BLOOM_BITS_PER_KEY),
    bloomKeyCount: num(Prop.BLOOM_KEY_COUNT),
  };
}

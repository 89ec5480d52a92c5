import { describe, it, expect } from 'vitest';
import { CorruptionError } from '../../src/base/errors.js';
import { ByteWriter } from '../../src/lsm/sstable/byte-writer.js';
import { newBlockBuilder } from '../../src/lsm/sstable/block-builder.js';
import { newBlockIterator } from '../../src/lsm/sstable/block-iterator.js';
import { BlockType } from '../../src/lsm/sstable/format.js';

function buildBlock(keys: string[], restartInterval: number): Buffer {
  const out = new ByteWriter(16);
  const bb = newBlockBuilder(out, restartInterval);
  for (const key of keys) bb.add(Buffer.from(key), Buffer.from(key.toUpperCase()));
  const h = bb.finish(BlockType.DATA);
  return Buffer.from(out.result().subarray(h.offset, h.offset + h.size));
}

describe('prefix-compressed block', () => {
  const keys = ['a', 'ab', 'abc', 'abd', 'b', 'ba', 'bab', 'c'];

  it('stores shared prefixes and restart points', () => {
    const block = buildBlock(keys, 3);
    // Restarts at entries 0, 3, 6.
    expect(block.readUInt32LE(block.length - 4)).toBe(3);
    const it = newBlockIterator('t');
    it.reset(block, 0);
    const got: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) got.push(`${Buffer.from(it.key())}=${Buffer.from(it.value())}`);
    expect(got).toEqual(keys.map((k) => `${k}=${k.toUpperCase()}`));
    it.seek(Buffer.from('abcz'));
    expect(Buffer.from(it.key()).toString()).toBe('abd');
    it.seekLT(Buffer.from('abd'));
    expect(Buffer.from(it.key()).toString()).toBe('abc');
    it.seekLT(Buffer.from('a'));
    expect(it.valid()).toBe(false);
    it.seek(Buffer.from('d'));
    expect(it.valid()).toBe(false);
    it.seekToLast();
    expect(Buffer.from(it.key()).toString()).toBe('c');
  });

  it('keys longer than the initial key buffer (64 bytes) grow it', () => {
    const long = ['x'.repeat(100), 'x'.repeat(100) + 'y', 'x'.repeat(300)];
    const it = newBlockIterator('t');
    it.reset(buildBlock(long, 16), 0);
    const got: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) got.push(Buffer.from(it.key()).toString());
    expect(got).toEqual(long);
  });

  it('malformed blocks throw CorruptionError naming file and block offset', () => {
    const it = newBlockIterator('f.sst');
    expect(() => it.reset(Buffer.alloc(2), 77)).toThrow(/f\.sst: block at offset 77: block too short/);
    const tooMany = Buffer.alloc(8);
    tooMany.writeUInt32LE(9, 4);
    expect(() => it.reset(tooMany, 0)).toThrow(CorruptionError);

    const block = buildBlock(keys, 3);
    const badLen = Buffer.from(block);
    badLen[2] = 0x7f; // value length of entry 0 runs past the restarts
    it.reset(badLen, 5);
    expect(() => it.seekToFirst()).toThrow(/offset 5: bad entry at 0/);
    expect(it.valid()).toBe(false);

    const badShared = Buffer.from(block);
    badShared[0] = 1; // restart entry with a shared prefix
    it.reset(badShared, 0);
    expect(() => it.seekToFirst()).toThrow(CorruptionError);
    expect(() => it.seekLT(Buffer.from('b'))).toThrow(/restart entry at 0 has shared prefix/);

    const badRestart = Buffer.from(block);
    badRestart.writeUInt32LE(1000, block.length - 8);
    it.reset(badRestart, 0);
    expect(() => it.seekToLast()).toThrow(/restart 2 offset 1000 out of range/);
  });
});

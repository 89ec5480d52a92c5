import { describe, it, expect } from 'vitest';
import { CorruptionError } from '../../src/base/errors.js';
import { checksum32 } from '../../src/base/checksum.js';
import { writeUint32LE } from '../../src/base/varint.js';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { openSstable } from '../../src/lsm/sstable/sstable-reader.js';
import { FOOTER_SIZE, FooterField, SUPPORTED_FORMAT_VERSIONS } from '../../src/lsm/sstable/format.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { buildBytes, k, type Entry } from './helpers.js';

const NAME = 'sst/000042.sst';
const entries: Entry[] = Array.from({ length: 60 }, (_, i) => [k(i), Buffer.from(`v${i}`.repeat(4))]);
const opts = { blockSize: 200, restartInterval: 4 };

/** Opens a copy of `bytes` and reads every entry; returns the keys+values read. */
async function openAndScan(bytes: Uint8Array): Promise<string[]> {
  const storage = new MemoryStorage();
  await storage.writeFile(NAME, bytes);
  const r = await openSstable(storage, NAME, newBlockCache(1 << 20));
  const it = r.iterator();
  const out: string[] = [];
  for (await it.seekToFirst(); it.valid(); await it.next()) out.push(`${Buffer.from(it.key())}=${Buffer.from(it.value())}`);
  // Point seeks too (they touch blocks in another order).
  for (const [key] of entries) {
    await it.seek(key);
    await it.seekLT(key);
  }
  return out;
}

function flipped(bytes: Uint8Array, pos: number, mask = 0x01): Uint8Array {
  const c = Buffer.from(bytes);
  c[pos]! ^= mask;
  return c;
}

async function expectCorruption(p: Promise<unknown>, ...fragments: string[]): Promise<CorruptionError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(CorruptionError);
  const ce = e as CorruptionError;
  expect(ce.file).toBe(NAME);
  expect(ce.message).toContain(NAME);
  for (const f of fragments) expect(ce.message).toContain(f);
  return ce;
}

describe('sstable corruption detection', () => {
  const good = buildBytes(entries, opts);

  it('the unmodified table reads back', async () => {
    expect(await openAndScan(good)).toHaveLength(entries.length);
  });

  it('a flipped byte in a data block: CorruptionError naming the file and block offset', async () => {
    const storage = new MemoryStorage();
    await storage.writeFile(NAME, good);
    const r = await openSstable(storage, NAME, newBlockCache(1 << 20));
    const firsts = r.blockFirstKeys();
    expect(firsts.length).toBeGreaterThan(3);
    const blockOffset = r.approximateOffsetOf(firsts[2]!);
    const nextOffset = r.approximateOffsetOf(firsts[3]!);
    for (const pos of [blockOffset, blockOffset + 10, nextOffset - 6, nextOffset - 1]) {
      await expectCorruption(openAndScan(flipped(good, pos)), `data block at offset ${blockOffset}`, 'checksum mismatch');
    }
  });

  it('a flipped byte in the index block or the footer: open fails', async () => {
    const footerStart = good.length - FOOTER_SIZE;
    const indexOffset = Buffer.from(good).readUInt32LE(footerStart + FooterField.INDEX_OFFSET);
    await expectCorruption(openAndScan(flipped(good, indexOffset + 3)), `index block at offset ${indexOffset}`);
    await expectCorruption(openAndScan(flipped(good, footerStart + FooterField.INDEX_SIZE)), 'footer checksum mismatch');
    await expectCorruption(openAndScan(flipped(good, footerStart + FooterField.CHECKSUM)), 'footer checksum mismatch');
    await expectCorruption(openAndScan(flipped(good, good.length - 1)), 'bad magic');
  });

  it('an unknown format version is refused even with a valid footer checksum', async () => {
    const c = Buffer.from(good);
    const f = c.length - FOOTER_SIZE;
    const unknown = Math.max(...SUPPORTED_FORMAT_VERSIONS) + 1;
    writeUint32LE(c, f + FooterField.VERSION, unknown);
    writeUint32LE(c, f + FooterField.CHECKSUM, checksum32(c.subarray(f, f + FooterField.CHECKSUM)));
    await expectCorruption(openAndScan(c), `unsupported SSTable format version ${unknown}`);
  });

  it('truncated files and non-SSTables are refused', async () => {
    await expectCorruption(openAndScan(good.subarray(0, 10)), 'too small');
    await expectCorruption(openAndScan(good.subarray(0, good.length - 1)), 'bad magic');
    await expectCorruption(openAndScan(Buffer.alloc(500, 7)), 'bad magic');
  });

  it('every single-byte flip anywhere in a small file is detected: never wrong data', async () => {
    const small = buildBytes(entries.slice(0, 12), { blockSize: 64, restartInterval: 2 });
    const want = await openAndScan(small);
    for (let pos = 0; pos < small.length; pos++) {
      for (const mask of [0x01, 0x80]) {
        await expectCorruption(openAndScan(flipped(small, pos, mask)));
      }
    }
    expect(want).toHaveLength(12);
  });
});

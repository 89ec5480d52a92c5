import { describe, it, expect } from 'vitest';
import { CorruptionError } from '../../src/base/errors.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { openWal, replayWal } from '../../src/lsm/wal/wal.js';
import { WAL_FORMAT_VERSION } from '../../src/lsm/wal/wal-format.js';

/** Annotated hex dump of a one-record segment (the golden file of FORMAT.md). */
function dump(b: Buffer): string {
  const hex = (from: number, to: number) => [...b.subarray(from, to)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  const off = (n: number) => n.toString(16).padStart(4, '0');
  return [
    `${off(0)}  ${hex(0, 8)}  header: "TWAL", version 1`,
    `${off(8)}  ${hex(8, 12)}  length ${b.readUInt32LE(8)}`,
    `${off(12)}  ${hex(12, 16)}  xxh32 of body`,
    `${off(16)}  ${hex(16, 18)}  SEAL, 0 entries`,
    `${off(18)}  ${hex(18, 22)}  length ${b.readUInt32LE(18)}`,
    `${off(22)}  ${hex(22, 26)}  xxh32 of body`,
    `${off(26)}  ${hex(26, b.length)}  DATA, idLen 2, "t1", 5, 7, "abc"`,
  ].join('\n');
}

describe('WAL segment format', () => {
  it('matches the golden bytes', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: 'wal/s' }, () => {});
    await wal.append('t1', 5, 7, Buffer.from('abc'));
    await wal.close();
    const bytes = storage.raw('wal/s/0000000000000001.log');
    expect(dump(bytes)).toBe(
      [
        '0000  54 57 41 4c 01 00 00 00  header: "TWAL", version 1',
        '0008  02 00 00 00  length 2',
        '000c  34 81 d8 13  xxh32 of body',
        '0010  02 00  SEAL, 0 entries',
        '0012  09 00 00 00  length 9',
        '0016  c3 d7 c5 87  xxh32 of body',
        '001a  01 02 74 31 05 07 61 62 63  DATA, idLen 2, "t1", 5, 7, "abc"',
      ].join('\n'),
    );
  });

  it('refuses an unknown format version, naming the file', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: 'wal/s' }, () => {});
    await wal.append('t1', 1, 1, Buffer.from('x'));
    await wal.close();
    storage.raw('wal/s/0000000000000001.log').writeUInt32LE(WAL_FORMAT_VERSION + 1, 4);
    const err = await replayWal(storage, 'wal/s', () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as CorruptionError).file).toBe('wal/s/0000000000000001.log');
    expect((err as Error).message).toMatch(/version 2/);
  });

  it('refuses a bad magic even in the last segment', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: 'wal/s' }, () => {});
    await wal.close();
    storage.raw('wal/s/0000000000000001.log')[0] = 0;
    await expect(openWal({ storage, dir: 'wal/s' }, () => {})).rejects.toThrow(CorruptionError);
  });

  it('treats a checksum-valid record with an unknown type as corruption', async () => {
    const storage = new MemoryStorage();
    const { wal } = await openWal({ storage, dir: 'wal/s' }, () => {});
    await wal.append('t1', 1, 1, Buffer.from('x'));
    await wal.close();
    const { checksum32 } = await import('../../src/base/checksum.js');
    const raw = storage.raw('wal/s/0000000000000001.log');
    raw[26] = 9;
    raw.writeUInt32LE(checksum32(raw.subarray(26)), 22);
    await expect(replayWal(storage, 'wal/s', () => {})).rejects.toThrow(/offset 18.*unknown record type 9/);
  });
});

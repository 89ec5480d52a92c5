import { describe, it, expect } from 'vitest';
import { newSstableBuilder } from '../../src/lsm/sstable/sstable-builder.js';
import { dumpSstable } from '../../src/lsm/sstable/sstable-dump.js';
import { openSstable } from '../../src/lsm/sstable/sstable-reader.js';
import { newBlockCache } from '../../src/lsm/cache/block-cache.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { utf8 } from '../../src/base/bytes.js';

/** A tiny two-block table; any change to the byte format changes this dump. */
function tinyTable(formatVersion?: number): Uint8Array {
  const b = newSstableBuilder({ blockSize: 64, restartInterval: 2, bloomBitsPerKey: 10, ...(formatVersion ? { formatVersion } : {}) });
  for (const [k, v] of [['apple', 'red'], ['apricot', 'orange'], ['banana', 'yellow'], ['blueberry', 'blue'], ['cherry', 'dark']] as const) {
    b.add(utf8(k), utf8(v));
  }
  return b.finish({ minSeq: 7, maxSeq: 42 });
}

describe('sstable golden format', () => {
  it('format version 2 (written now): annotated hex dump of a 5-entry, 2-block table is unchanged', () => {
    expect(dumpSstable(tinyTable())).toMatchInlineSnapshot(`
      "-- data block 0 @0 size 52
      000000  00 05 03                                         entry @0: shared 0, unshared 5, value length 3
      000003  61 70 70 6c 65                                     key suffix -> key apple
      000008  72 65 64                                           value red
      00000b  02 05 06                                         entry @11: shared 2, unshared 5, value length 6
      00000e  72 69 63 6f 74                                     key suffix -> key apricot
      000013  6f 72 61 6e 67 65                                  value orange
      000019  00 06 06                                         entry @25: shared 0, unshared 6, value length 6
      00001c  62 61 6e 61 6e 61                                  key suffix -> key banana
      000022  79 65 6c 6c 6f 77                                  value yellow
      000028  00 00 00 00                                      restart[0] = 0
      00002c  19 00 00 00                                      restart[1] = 25
      000030  02 00 00 00                                      restart count 2
      000034  01                                               block type 1 (data)
      000035  de 5a c3 d4                                      checksum32 0xd4c35ade ok
      -- data block 1 @57 size 37
      000039  00 09 04                                         entry @0: shared 0, unshared 9, value length 4
      00003c  62 6c 75 65 62 65 72 72 79                         key suffix -> key blueberry
      000045  62 6c 75 65                                        value blue
      000049  00 06 04                                         entry @16: shared 0, unshared 6, value length 4
      00004c  63 68 65 72 72 79                                  key suffix -> key cherry
      000052  64 61 72 6b                                        value dark
      000056  00 00 00 00                                      restart[0] = 0
      00005a  01 00 00 00                                      restart count 1
      00005e  01                                               block type 1 (data)
      00005f  fa fe be 9b                                      checksum32 0x9bbefefa ok
      -- bloom block @99 size 65
      000063  00 00 00 02 00 28 08 01 04 00 00 00 01 13 00 00  bit array (512 bits, 1 line(s) of 64 bytes)
      000073  00 00 08 00 08 00 06 02 40 00 00 00 11 02 00 00
      000083  00 22 00 00 00 00 00 00 20 00 00 04 20 00 50 04
      000093  00 00 00 00 00 04 00 08 04 08 00 40 40 20 00 00
      0000a3  07                                               probes k = 7
      0000a4  03                                               block type 3 (bloom)
      0000a5  58 c5 d8 a2                                      checksum32 0xa2d8c558 ok
      -- properties block @169 size 152
      0000a9  00 12 01                                         entry @0: shared 0, unshared 18, value length 1
      0000ac  74 61 62 75 6c 61 2e 62 6c 6f 63 6b 2d 63 6f 75    key suffix -> key tabula.block-count
      0000bc  6e 74
      0000be  02                                                 value 0x02
      0000bf  0a 0f 01                                         entry @22: shared 10, unshared 15, value length 1
      0000c2  6f 6d 2d 62 69 74 73 2d 70 65 72 2d 6b 65 79       key suffix -> key tabula.bloom-bits-per-key
      0000d1  0a                                                 value 0x0a
      0000d2  0d 09 01                                         entry @41: shared 13, unshared 9, value length 1
      0000d5  6b 65 79 2d 63 6f 75 6e 74                         key suffix -> key tabula.bloom-key-count
      0000de  05                                                 value 0x05
      0000df  07 0a 01                                         entry @54: shared 7, unshared 10, value length 1
      0000e2  64 61 74 61 2d 62 79 74 65 73                      key suffix -> key tabula.data-bytes
      0000ec  63                                                 value c
      0000ed  07 0b 01                                         entry @68: shared 7, unshared 11, value length 1
      0000f0  65 6e 74 72 79 2d 63 6f 75 6e 74                   key suffix -> key tabula.entry-count
      0000fb  05                                                 value 0x05
      0000fc  07 0b 06                                         entry @83: shared 7, unshared 11, value length 6
      0000ff  6c 61 72 67 65 73 74 2d 6b 65 79                   key suffix -> key tabula.largest-key
      00010a  63 68 65 72 72 79                                  value cherry
      000110  07 07 01                                         entry @103: shared 7, unshared 7, value length 1
      000113  6d 61 78 2d 73 65 71                               key suffix -> key tabula.max-seq
      00011a  2a                                                 value *
      00011b  08 06 01                                         entry @114: shared 8, unshared 6, value length 1
      00011e  69 6e 2d 73 65 71                                  key suffix -> key tabula.min-seq
      000124  07                                                 value 0x07
      000125  07 0c 05                                         entry @124: shared 7, unshared 12, value length 5
      000128  73 6d 61 6c 6c 65 73 74 2d 6b 65 79                key suffix -> key tabula.smallest-key
      000134  61 70 70 6c 65                                     value apple
      000139  00 00 00 00                                      restart[0] = 0
      00013d  01 00 00 00                                      restart count 1
      000141  04                                               block type 4 (properties)
      000142  35 23 ff f0                                      checksum32 0xf0ff2335 ok
      -- index block @326 size 44
      000146  00 06 07                                         entry @0: shared 0, unshared 6, value length 7
      000149  62 61 6e 61 6e 61                                  key suffix -> key banana
      00014f  00 34 61 70 70 6c 65                               value 0x00346170706c65
      000156  00 06 0b                                         entry @16: shared 0, unshared 6, value length 11
      000159  63 68 65 72 72 79                                  key suffix -> key cherry
      00015f  39 25 62 6c 75 65 62 65 72 72 79                   value 9%blueberry
      00016a  00 00 00 00                                      restart[0] = 0
      00016e  01 00 00 00                                      restart count 1
      000172  02                                               block type 2 (index)
      000173  26 cc b0 70                                      checksum32 0x70b0cc26 ok
         index[0]: last key banana, handle 0+52, first key apple
         index[1]: last key cherry, handle 57+37, first key blueberry
      -- footer @375
      000177  46 01 00 00 00 00 00 00                          index offset 326
      00017f  2c 00 00 00 00 00 00 00                          index size 44
      000187  63 00 00 00 00 00 00 00                          bloom offset 99
      00018f  41 00 00 00 00 00 00 00                          bloom size 65
      000197  a9 00 00 00 00 00 00 00                          properties offset 169
      00019f  98 00 00 00 00 00 00 00                          properties size 152
      0001a7  02 00 00 00                                      format version 2
      0001ab  37 42 0e ea                                      footer checksum32 0xea0e4237
      0001af  54 41 42 55 4c 41 53 54                          magic "TABULAST""
    `);
  });

  it('format version 1 (still read): annotated hex dump of the same table is unchanged', () => {
    expect(dumpSstable(tinyTable(1))).toMatchInlineSnapshot(`
      "-- data block 0 @0 size 52
      000000  00 05 03                                         entry @0: shared 0, unshared 5, value length 3
      000003  61 70 70 6c 65                                     key suffix -> key apple
      000008  72 65 64                                           value red
      00000b  02 05 06                                         entry @11: shared 2, unshared 5, value length 6
      00000e  72 69 63 6f 74                                     key suffix -> key apricot
      000013  6f 72 61 6e 67 65                                  value orange
      000019  00 06 06                                         entry @25: shared 0, unshared 6, value length 6
      00001c  62 61 6e 61 6e 61                                  key suffix -> key banana
      000022  79 65 6c 6c 6f 77                                  value yellow
      000028  00 00 00 00                                      restart[0] = 0
      00002c  19 00 00 00                                      restart[1] = 25
      000030  02 00 00 00                                      restart count 2
      000034  01                                               block type 1 (data)
      000035  de 5a c3 d4                                      checksum32 0xd4c35ade ok
      -- data block 1 @57 size 37
      000039  00 09 04                                         entry @0: shared 0, unshared 9, value length 4
      00003c  62 6c 75 65 62 65 72 72 79                         key suffix -> key blueberry
      000045  62 6c 75 65                                        value blue
      000049  00 06 04                                         entry @16: shared 0, unshared 6, value length 4
      00004c  63 68 65 72 72 79                                  key suffix -> key cherry
      000052  64 61 72 6b                                        value dark
      000056  00 00 00 00                                      restart[0] = 0
      00005a  01 00 00 00                                      restart count 1
      00005e  01                                               block type 1 (data)
      00005f  fa fe be 9b                                      checksum32 0x9bbefefa ok
      -- bloom block @99 size 9
      000063  f7 d0 48 1c 03 25 b6 59                          bit array (64 bits)
      00006b  07                                               probes k = 7
      00006c  03                                               block type 3 (bloom)
      00006d  67 e4 ed cd                                      checksum32 0xcdede467 ok
      -- properties block @113 size 152
      000071  00 12 01                                         entry @0: shared 0, unshared 18, value length 1
      000074  74 61 62 75 6c 61 2e 62 6c 6f 63 6b 2d 63 6f 75    key suffix -> key tabula.block-count
      000084  6e 74
      000086  02                                                 value 0x02
      000087  0a 0f 01                                         entry @22: shared 10, unshared 15, value length 1
      00008a  6f 6d 2d 62 69 74 73 2d 70 65 72 2d 6b 65 79       key suffix -> key tabula.bloom-bits-per-key
      000099  0a                                                 value 0x0a
      00009a  0d 09 01                                         entry @41: shared 13, unshared 9, value length 1
      00009d  6b 65 79 2d 63 6f 75 6e 74                         key suffix -> key tabula.bloom-key-count
      0000a6  05                                                 value 0x05
      0000a7  07 0a 01                                         entry @54: shared 7, unshared 10, value length 1
      0000aa  64 61 74 61 2d 62 79 74 65 73                      key suffix -> key tabula.data-bytes
      0000b4  63                                                 value c
      0000b5  07 0b 01                                         entry @68: shared 7, unshared 11, value length 1
      0000b8  65 6e 74 72 79 2d 63 6f 75 6e 74                   key suffix -> key tabula.entry-count
      0000c3  05                                                 value 0x05
      0000c4  07 0b 06                                         entry @83: shared 7, unshared 11, value length 6
      0000c7  6c 61 72 67 65 73 74 2d 6b 65 79                   key suffix -> key tabula.largest-key
      0000d2  63 68 65 72 72 79                                  value cherry
      0000d8  07 07 01                                         entry @103: shared 7, unshared 7, value length 1
      0000db  6d 61 78 2d 73 65 71                               key suffix -> key tabula.max-seq
      0000e2  2a                                                 value *
      0000e3  08 06 01                                         entry @114: shared 8, unshared 6, value length 1
      0000e6  69 6e 2d 73 65 71                                  key suffix -> key tabula.min-seq
      0000ec  07                                                 value 0x07
      0000ed  07 0c 05                                         entry @124: shared 7, unshared 12, value length 5
      0000f0  73 6d 61 6c 6c 65 73 74 2d 6b 65 79                key suffix -> key tabula.smallest-key
      0000fc  61 70 70 6c 65                                     value apple
      000101  00 00 00 00                                      restart[0] = 0
      000105  01 00 00 00                                      restart count 1
      000109  04                                               block type 4 (properties)
      00010a  35 23 ff f0                                      checksum32 0xf0ff2335 ok
      -- index block @270 size 44
      00010e  00 06 07                                         entry @0: shared 0, unshared 6, value length 7
      000111  62 61 6e 61 6e 61                                  key suffix -> key banana
      000117  00 34 61 70 70 6c 65                               value 0x00346170706c65
      00011e  00 06 0b                                         entry @16: shared 0, unshared 6, value length 11
      000121  63 68 65 72 72 79                                  key suffix -> key cherry
      000127  39 25 62 6c 75 65 62 65 72 72 79                   value 9%blueberry
      000132  00 00 00 00                                      restart[0] = 0
      000136  01 00 00 00                                      restart count 1
      00013a  02                                               block type 2 (index)
      00013b  26 cc b0 70                                      checksum32 0x70b0cc26 ok
         index[0]: last key banana, handle 0+52, first key apple
         index[1]: last key cherry, handle 57+37, first key blueberry
      -- footer @319
      00013f  0e 01 00 00 00 00 00 00                          index offset 270
      000147  2c 00 00 00 00 00 00 00                          index size 44
      00014f  63 00 00 00 00 00 00 00                          bloom offset 99
      000157  09 00 00 00 00 00 00 00                          bloom size 9
      00015f  71 00 00 00 00 00 00 00                          properties offset 113
      000167  98 00 00 00 00 00 00 00                          properties size 152
      00016f  01 00 00 00                                      format version 1
      000173  61 8d 74 5e                                      footer checksum32 0x5e748d61
      000177  54 41 42 55 4c 41 53 54                          magic "TABULAST""
    `);  });

  it.each([2, 1])('the golden table of format version %i reads back', async (version) => {
    const storage = new MemoryStorage();
    await storage.writeFile('t.sst', tinyTable(version));
    const r = await openSstable(storage, 't.sst', newBlockCache(1 << 20));
    expect(r.properties.formatVersion).toBe(version);
    for (const row of ['apple', 'apricot', 'banana', 'blueberry', 'cherry']) expect(r.mayContain(utf8(row))).toBe(true);
    expect(r.properties.blockCount).toBe(2);
    expect(r.properties.entryCount).toBe(5);
    expect(r.properties.minSeq).toBe(7);
    expect(r.properties.maxSeq).toBe(42);
    const it = r.iterator();
    const got: string[] = [];
    for (await it.seekToFirst(); it.valid(); await it.next()) got.push(`${Buffer.from(it.key())}=${Buffer.from(it.value())}`);
    expect(got).toEqual(['apple=red', 'apricot=orange', 'banana=yellow', 'blueberry=blue', 'cherry=dark']);
  });
});

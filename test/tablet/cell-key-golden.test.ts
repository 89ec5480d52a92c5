/** Golden test of the persisted cell-key and cell-value layout (src/tablet/FORMAT.md). */
import { describe, it, expect } from 'vitest';
import { CellKeyView, TOMBSTONE_TS, bloomKeyOf, encodeCellKey, rowEndKey, rowOfCellKey, rowPrefix, seqOfCellKey } from '../../src/tablet/cell-key.js';
import { encodeDeleteColumn, encodePut } from '../../src/tablet/cell-value.js';
import { compareBytes } from '../../src/base/bytes.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').replace(/(..)/g, '$1 ').trim();

describe('cell key format', () => {
  it('matches the documented bytes', () => {
    const k = encodeCellKey(Buffer.from('r\0'), Buffer.from('cf'), Buffer.from('q'), 1000, 7);
    expect(hex(k)).toBe('72 00 ff 00 01 63 66 00 01 71 00 01 00 1f ff ff ff ff fc 17 00 1f ff ff ff ff ff f8');
    expect(hex(encodeCellKey(Buffer.from('r'), Buffer.alloc(0), undefined, TOMBSTONE_TS, 1)))
      .toBe('72 00 01 00 01 00 00 00 00 00 00 00 00 00 00 00 1f ff ff ff ff ff fe');
    expect(hex(encodePut(Buffer.from('v')))).toBe('00 76');
    expect(hex(encodeDeleteColumn(1000, undefined))).toBe('03 00 00 00 00 00 00 03 e8 00 1f ff ff ff ff ff ff');
  });

  it('decodes what it encodes, including 0x00 bytes', () => {
    const k = encodeCellKey(Buffer.from([0, 1, 0]), Buffer.from('fam'), Buffer.from([0, 0xff]), 5000, 42);
    const v = new CellKeyView().decode(k);
    expect(v.row()).toEqual(Buffer.from([0, 1, 0]));
    expect(v.family()).toBe('fam');
    expect(v.qualifier()).toEqual(Buffer.from([0, 0xff]));
    expect([v.ts, v.seq, v.isFamilyMark]).toEqual([5000, 42, false]);
    expect(rowOfCellKey(k)).toEqual(Buffer.from([0, 1, 0]));
    expect(bloomKeyOf(k)).toEqual(rowPrefix(Buffer.from([0, 1, 0])));
  });

  it('reads the sequence number straight from the end of the key', () => {
    for (const [row, fam, q, ts, seq] of [
      ['r', 'f', 'q', 1000, 1], ['r\u0000x', 'f', '\u0000', 0, 2 ** 40 + 7], ['', '', undefined, TOMBSTONE_TS, Number.MAX_SAFE_INTEGER - 1],
    ] as const) {
      const k = encodeCellKey(Buffer.from(row, 'latin1'), Buffer.from(fam), q === undefined ? undefined : Buffer.from(q, 'latin1'), ts, seq);
      expect(seqOfCellKey(k)).toBe(seq);
      expect(seqOfCellKey(k)).toBe(new CellKeyView().decode(k).seq);
    }
  });

  it('sorts in Bigtable read order', () => {
    const keys = [
      encodeCellKey(Buffer.from('a'), Buffer.alloc(0), undefined, TOMBSTONE_TS, 9), // row tombstone first
      encodeCellKey(Buffer.from('a'), Buffer.from('f'), undefined, TOMBSTONE_TS, 8), // family tombstone
      encodeCellKey(Buffer.from('a'), Buffer.from('f'), Buffer.alloc(0), 3000, 1), // empty qualifier, newest ts first
      encodeCellKey(Buffer.from('a'), Buffer.from('f'), Buffer.alloc(0), 2000, 5),
      encodeCellKey(Buffer.from('a'), Buffer.from('f'), Buffer.alloc(0), 2000, 4), // same ts: higher seq first
      encodeCellKey(Buffer.from('a'), Buffer.from('f'), Buffer.from([0]), 1000, 1),
      encodeCellKey(Buffer.from('a'), Buffer.from('g'), Buffer.from('q'), 1000, 1),
      encodeCellKey(Buffer.from('a\0'), Buffer.from('f'), Buffer.from('q'), 1000, 1), // "a\0" after "a"
      encodeCellKey(Buffer.from('ab'), Buffer.from('f'), Buffer.from('q'), 1000, 1),
    ];
    for (let i = 1; i < keys.length; i++) expect(compareBytes(keys[i - 1]!, keys[i]!), `key ${i}`).toBeLessThan(0);
    expect(compareBytes(keys[6]!, rowEndKey(Buffer.from('a')))).toBeLessThan(0);
    expect(compareBytes(rowEndKey(Buffer.from('a')), keys[7]!)).toBeLessThan(0);
  });
});

import { describe, it, expect } from 'vitest';
import { decodeManifest, decodeManifestFile, encodeManifest } from '../../src/lsm/manifest/manifest-codec.js';
import { MANIFEST_FORMAT_VERSION, MANIFEST_FORMAT_VERSION_TAIL, MANIFEST_HEADER_SIZE } from '../../src/lsm/manifest/manifest-format.js';
import { checksum32 } from '../../src/base/checksum.js';
import { manifestFileName, parseManifestFileName } from '../../src/lsm/manifest/manifest-name.js';
import type { Manifest } from '../../src/lsm/manifest/manifest.js';
import { CorruptionError, InvalidArgumentError } from '../../src/base/errors.js';

const sample: Manifest = {
  version: 1, epoch: 2, flushedSeq: 7,
  sstables: [{ file: 'sst/1.sst', start: Buffer.from([0x61]), end: Buffer.from([0xff]) }],
  meta: {},
};

function annotatedDump(b: Buffer): string {
  const n = b.readUInt32LE(8);
  const hex = (x: Buffer) => [...x].map((v) => v.toString(16).padStart(2, '0')).join(' ');
  return [
    `${hex(b.subarray(0, 4))}  magic`,
    `${hex(b.subarray(4, 8))}  format version`,
    `${hex(b.subarray(8, 12))}  body length ${n}`,
    `body: ${b.subarray(12, 12 + n).toString('utf8')}`,
    `${hex(b.subarray(12 + n))}  checksum32(body)`,
  ].join('\n');
}

describe('manifest file format (golden)', () => {
  it('encodes the documented bytes', () => {
    const b = encodeManifest(sample);
    console.log(annotatedDump(b));
    expect(annotatedDump(b)).toBe([
      '54 4d 4e 46  magic',
      '01 00 00 00  format version',
      '6e 00 00 00  body length 110',
      'body: {"version":1,"epoch":2,"flushedSeq":7,"sstables":[{"file":"sst/1.sst","start":"YQ==","end":"/w=="}],"meta":{}}',
      '2d 80 12 9a  checksum32(body)',
    ].join('\n'));
    expect(b.length).toBe(126);
  });

  it('round-trips, keys as bytes', () => {
    const d = decodeManifest('f', encodeManifest(sample), 1);
    expect('manifest' in d).toBe(true);
    if (!('manifest' in d)) return;
    expect(d.manifest.sstables[0]!.start).toEqual(Buffer.from([0x61]));
    expect(d.manifest.sstables[0]!.end).toEqual(Buffer.from([0xff]));
    expect({ ...d.manifest, sstables: [] }).toEqual({ ...sample, sstables: [] });
  });

  it('refuses an unknown format version with CorruptionError naming the file', () => {
    const b = encodeManifest(sample);
    b.writeUInt32LE(MANIFEST_FORMAT_VERSION + 1, 4);
    expect(() => decodeManifest('tablets/x/manifest-0000000000000001', b)).toThrow(CorruptionError);
    expect(() => decodeManifest('tablets/x/manifest-0000000000000001', b)).toThrow(/tablets\/x\/manifest-0000000000000001.*format version 2/);
  });

  it('reports every truncation and every flipped body/checksum byte as torn', () => {
    const b = encodeManifest(sample);
    for (let len = 0; len < b.length; len++) {
      expect('torn' in decodeManifest('f', b.subarray(0, len))).toBe(true);
    }
    for (let i = MANIFEST_HEADER_SIZE; i < b.length; i++) {
      const c = Buffer.from(b);
      c[i] = c[i]! ^ 0x10;
      expect('torn' in decodeManifest('f', c)).toBe(true);
    }
    const badMagic = Buffer.from(b);
    badMagic[0] = 0;
    expect('torn' in decodeManifest('f', badMagic)).toBe(true);
  });

  it('torn is skipped only for the newest version', () => {
    const torn = encodeManifest(sample).subarray(0, 20);
    expect(decodeManifestFile('f', torn, 1, true)).toBeUndefined();
    expect(() => decodeManifestFile('f', torn, 1, false)).toThrow(CorruptionError);
  });

  it('refuses a body whose version differs from the file name', () => {
    expect(() => decodeManifest('f', encodeManifest(sample), 2)).toThrow(CorruptionError);
  });

  it('validates fields, naming them', () => {
    expect(() => encodeManifest({ ...sample, epoch: -1 })).toThrow(/manifest\.epoch/);
    expect(() => encodeManifest({ ...sample, flushedSeq: 1.5 })).toThrow(/manifest\.flushedSeq/);
    expect(() => encodeManifest({ ...sample, sstables: [{ file: '' }] })).toThrow(/sstables\[0\]\.file/);
    expect(() => encodeManifest({ ...sample, sstables: [{ file: 'a', start: Buffer.from('b'), end: Buffer.from('a') }] }))
      .toThrow(InvalidArgumentError);
    expect(() => encodeManifest({ ...sample, meta: { x: 1n } })).toThrow(/manifest\.meta/);
  });

  it('a tail makes format version 2 and round-trips; without one the file stays version 1', () => {
    const entries = Buffer.from([1, 0x61, 2, 0x76, 0x31]);
    const b = encodeManifest({ ...sample, tail: { maxSeq: 9, entries } });
    expect(b.readUInt32LE(4)).toBe(MANIFEST_FORMAT_VERSION_TAIL);
    expect(b.subarray(12, b.length - 4).toString('utf8')).toContain('"tail":{"maxSeq":9,"entries":"AWECdjE="}');
    const d = decodeManifest('f', b, 1);
    if (!('manifest' in d)) throw new Error('torn');
    expect(d.manifest.tail!.maxSeq).toBe(9);
    expect(Buffer.from(d.manifest.tail!.entries).equals(entries)).toBe(true);
    expect(encodeManifest(sample).readUInt32LE(4)).toBe(MANIFEST_FORMAT_VERSION);
    const plainDecoded = decodeManifest('f', encodeManifest(sample), 1);
    expect('manifest' in plainDecoded && plainDecoded.manifest.tail).toBeUndefined();
  });

  it('refuses a tail in a version 1 file and a version 2 file without one, naming the file', () => {
    // Re-frame a body under the other format version (with a valid checksum, so it is not merely torn).
    const reframe = (src: Buffer, format: number) => {
      const out = Buffer.from(src);
      out.writeUInt32LE(format, 4);
      const body = out.subarray(12, out.length - 4);
      out.writeUInt32LE(checksum32(body), out.length - 4);
      return out;
    };
    const withTail = encodeManifest({ ...sample, tail: { maxSeq: 9, entries: Buffer.from([1, 0x61, 0]) } });
    expect(() => decodeManifest('tablets/x/manifest-1', reframe(withTail, 1))).toThrow(/tablets\/x\/manifest-1.*tail in a format version 1 file/);
    expect(() => decodeManifest('tablets/x/manifest-1', reframe(encodeManifest(sample), 2))).toThrow(/format version 2 without a tail/);
  });

  it('validates the tail, naming its fields', () => {
    expect(() => encodeManifest({ ...sample, tail: { maxSeq: 7, entries: Buffer.from([0, 0]) } })).toThrow(/manifest\.tail\.maxSeq/);
    expect(() => encodeManifest({ ...sample, tail: { maxSeq: 8, entries: Buffer.alloc(0) } })).toThrow(/manifest\.tail\.entries/);
  });

  it('names files with 16-digit versions and parses them back', () => {
    expect(manifestFileName('tablets/t1', 42)).toBe('tablets/t1/manifest-0000000000000042');
    expect(parseManifestFileName('tablets/t1/manifest-0000000000000042')).toEqual({ dir: 'tablets/t1', version: 42 });
    expect(parseManifestFileName('tablets/t1/manifest-42')).toBeUndefined();
    expect(parseManifestFileName('tablets/t1/other')).toBeUndefined();
  });
});

/**
 * The fixed-size footer at the end of every SSTable (FORMAT.md "Footer"):
 * handles of the index, bloom and properties blocks, the format version,
 * a checksum of the footer and the magic number.
 */
import { checksum32 } from '../../base/checksum.js';
import { bytesEqual } from '../../base/bytes.js';
import { readUint32LE } from '../../base/varint.js';
import { CorruptionError } from '../../base/errors.js';
import { FOOTER_SIZE, FooterField, SSTABLE_MAGIC, SUPPORTED_FORMAT_VERSIONS } from './format.js';
import type { BlockHandle } from './block-builder.js';
import type { ByteWriter } from './byte-writer.js';

export interface Footer {
  formatVersion: number;
  index: BlockHandle;
  /** size 0 = the table has no bloom filter. */
  bloom: BlockHandle;
  properties: BlockHandle;
}

/** Appends the FOOTER_SIZE footer bytes. */
export function writeFooter(out: ByteWriter, f: Footer): void {
  const start = out.length;
  out.u64le(f.index.offset);
  out.u64le(f.index.size);
  out.u64le(f.bloom.offset);
  out.u64le(f.bloom.size);
  out.u64le(f.properties.offset);
  out.u64le(f.properties.size);
  out.u32le(f.formatVersion);
  out.u32le(checksum32(out.buf.subarray(start, start + FooterField.CHECKSUM)));
  out.bytes(SSTABLE_MAGIC);
}

/**
 * Decodes and verifies a footer (exactly FOOTER_SIZE bytes). Checks magic,
 * then version (unknown versions are refused), then the checksum.
 * Throws CorruptionError naming `file`.
 */
export function readFooter(file: string, b: Uint8Array): Footer {
  if (b.length !== FOOTER_SIZE) throw new CorruptionError(file, `footer has ${b.length} bytes, expected ${FOOTER_SIZE}`);
  if (!bytesEqual(b.subarray(FooterField.MAGIC, FooterField.MAGIC + 8), SSTABLE_MAGIC)) {
    throw new CorruptionError(file, 'bad magic number: not an SSTable');
  }
  const version = readUint32LE(b, FooterField.VERSION);
  if (!SUPPORTED_FORMAT_VERSIONS.includes(version)) {
    throw new CorruptionError(file, `unsupported SSTable format version ${version}`);
  }
  const sum = readUint32LE(b, FooterField.CHECKSUM);
  if (checksum32(b.subarray(0, FooterField.CHECKSUM)) !== sum) {
    throw new CorruptionError(file, 'footer checksum mismatch');
  }
  const u64 = (pos: number): number => {
    const hi = readUint32LE(b, pos + 4);
    if (hi >= 0x200000) throw new CorruptionError(file, `footer field at ${pos} out of range`);
    return hi * 0x100000000 + readUint32LE(b, pos);
  };
  return {
    formatVersion: version,
    index: { offset: u64(FooterField.INDEX_OFFSET), size: u64(FooterField.INDEX_SIZE) },
    bloom: { offset: u64(FooterField.BLOOM_OFFSET), size: u64(FooterField.BLOOM_SIZE) },
    properties: { offset: u64(FooterField.PROPS_OFFSET), size: u64(FooterField.PROPS_SIZE) },
  };
}

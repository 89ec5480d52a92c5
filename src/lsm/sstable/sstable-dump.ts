/**
 * Annotated hex dump of a whole SSTable file (debugging aid and the golden
 * format test). Walks the bytes as FORMAT.md describes them: every data
 * block entry, restart array and trailer, the bloom, properties and index
 * blocks, and the footer fields. Checksums are shown as ok/BAD rather than
 * thrown, so a damaged file can still be inspected (a bad footer throws).
 */
import { printable } from '../../base/bytes.js';
import { checksum32 } from '../../base/checksum.js';
import { readUint32LE, readVarint, varintEnd } from '../../base/varint.js';
import { BLOCK_TRAILER_SIZE, BlockType, FOOTER_SIZE, FooterField } from './format.js';
import type { BlockHandle } from './block-builder.js';
import { readFooter } from './footer.js';

const TYPE_NAMES: Record<number, string> = {
  [BlockType.DATA]: 'data',
  [BlockType.INDEX]: 'index',
  [BlockType.BLOOM]: 'bloom',
  [BlockType.PROPERTIES]: 'properties',
};

export function dumpSstable(file: Uint8Array, name = 'sstable'): string {
  const lines: string[] = [];
  const hex = (start: number, end: number, label: string): void => {
    for (let p = start, first = true; p < end || first; p += 16, first = false) {
      const row = Buffer.from(file.subarray(p, Math.min(end, p + 16))).toString('hex').replace(/(..)(?!$)/g, '$1 ');
      lines.push(`${p.toString(16).padStart(6, '0')}  ${row.padEnd(47)}  ${first ? label : ''}`.trimEnd());
    }
  };
  const footerStart = file.length - FOOTER_SIZE;
  const footer = readFooter(name, file.subarray(footerStart));

  const trailer = (h: BlockHandle): void => {
    const t = h.offset + h.size;
    const sum = readUint32LE(file, t + 1);
    const ok = checksum32(file.subarray(h.offset, t + 1)) === sum;
    hex(t, t + 1, `block type ${file[t]} (${TYPE_NAMES[file[t]!] ?? '?'})`);
    hex(t + 1, t + BLOCK_TRAILER_SIZE, `checksum32 0x${sum.toString(16).padStart(8, '0')} ${ok ? 'ok' : 'BAD'}`);
  };

  /** Dumps a prefix-compressed block; returns its entries (full keys, values). */
  const block = (title: string, h: BlockHandle): [Uint8Array, Uint8Array][] => {
    lines.push(`-- ${title} @${h.offset} size ${h.size}`);
    const base = h.offset;
    const end = base + h.size;
    const n = readUint32LE(file, end - 4);
    const restartsAt = end - 4 - 4 * n;
    const entries: [Uint8Array, Uint8Array][] = [];
    let key = Buffer.alloc(0);
    let p = base;
    while (p < restartsAt) {
      const shared = readVarint(file, p);
      const unshared = readVarint(file, varintEnd.pos);
      const vlen = readVarint(file, varintEnd.pos);
      const k = varintEnd.pos;
      hex(p, k, `entry @${p - base}: shared ${shared}, unshared ${unshared}, value length ${vlen}`);
      key = Buffer.concat([key.subarray(0, shared), file.subarray(k, k + unshared)]);
      hex(k, k + unshared, `  key suffix -> key ${printable(key)}`);
      const value = file.subarray(k + unshared, k + unshared + vlen);
      hex(k + unshared, k + unshared + vlen, `  value ${vlen > 40 ? `(${vlen} bytes)` : printable(value)}`);
      entries.push([key, value]);
      p = k + unshared + vlen;
    }
    for (let i = 0; i < n; i++) {
      hex(restartsAt + 4 * i, restartsAt + 4 * i + 4, `restart[${i}] = ${readUint32LE(file, restartsAt + 4 * i)}`);
    }
    hex(end - 4, end, `restart count ${n}`);
    trailer(h);
    return entries;
  };

  // Data block handles come from the index; read it first, print it in file order.
  const indexLines = lines.length;
  const index = block('index block', footer.index);
  const indexDump = lines.splice(indexLines);
  index.forEach(([, v], i) => {
    const offset = readVarint(v, 0);
    const size = readVarint(v, varintEnd.pos);
    block(`data block ${i}`, { offset, size });
  });
  if (footer.bloom.size > 0) {
    const h = footer.bloom;
    lines.push(`-- bloom block @${h.offset} size ${h.size}`);
    const layout = footer.formatVersion >= 2 ? `, ${(h.size - 1) / 64} line(s) of 64 bytes` : '';
    hex(h.offset, h.offset + h.size - 1, `bit array (${(h.size - 1) * 8} bits${layout})`);
    hex(h.offset + h.size - 1, h.offset + h.size, `probes k = ${file[h.offset + h.size - 1]}`);
    trailer(h);
  }
  block('properties block', footer.properties);
  lines.push(...indexDump);
  index.forEach(([k, v], i) => {
    const offset = readVarint(v, 0);
    const size = readVarint(v, varintEnd.pos);
    lines.push(`   index[${i}]: last key ${printable(k)}, handle ${offset}+${size}, first key ${printable(v.subarray(varintEnd.pos))}`);
  });
  lines.push(`-- footer @${footerStart}`);
  const f = (field: number, len: number, label: string): void => hex(footerStart + field, footerStart + field + len, label);
  f(FooterField.INDEX_OFFSET, 8, `index offset ${footer.index.offset}`);
  f(FooterField.INDEX_SIZE, 8, `index size ${footer.index.size}`);
  f(FooterField.BLOOM_OFFSET, 8, `bloom offset ${footer.bloom.offset}`);
  f(FooterField.BLOOM_SIZE, 8, `bloom size ${footer.bloom.size}`);
  f(FooterField.PROPS_OFFSET, 8, `properties offset ${footer.properties.offset}`);
  f(FooterField.PROPS_SIZE, 8, `properties size ${footer.properties.size}`);
  f(FooterField.VERSION, 4, `format version ${footer.formatVersion}`);
  f(FooterField.CHECKSUM, 4, `footer checksum32 0x${readUint32LE(file, footerStart + FooterField.CHECKSUM).toString(16).padStart(8, '0')}`);
  f(FooterField.MAGIC, 8, `magic "${printable(file.subarray(footerStart + FooterField.MAGIC))}"`);
  return lines.join('\n');
}

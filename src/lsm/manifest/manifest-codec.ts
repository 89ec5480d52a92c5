/**
 * Encodes and decodes one manifest file (layout in FORMAT.md):
 *
 *   magic u32 | format version u32 | body length u32 | body (UTF-8 JSON) | checksum32(body) u32
 *
 * (format version 1, or 2 when the body has a `tail`)
 *
 * all integers little-endian. Uint8Array keys travel as base64 strings.
 */
import { checksum32 } from '../../base/checksum.js';
import { CorruptionError, InvalidArgumentError } from '../../base/errors.js';
import { logger } from '../../base/log.js';
import type { Manifest, ManifestTail, SstableRef } from './manifest.js';
import {
  MANIFEST_FORMAT_VERSION, MANIFEST_FORMAT_VERSION_TAIL, MANIFEST_HEADER_SIZE, MANIFEST_MAGIC, MANIFEST_TRAILER_SIZE,
} from './manifest-format.js';
import { compareBytes } from '../../base/bytes.js';

const log = logger('manifest');

interface RefJson { file: string; start?: string; end?: string }
interface BodyJson {
  version: number;
  epoch: number;
  flushedSeq: number;
  sstables: RefJson[];
  meta: Record<string, unknown>;
  tail?: { maxSeq: number; entries: string };
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/**
 * Checks the fields of a manifest about to be written; InvalidArgumentError
 * names the offending field.
 */
export function validateManifest(m: Omit<Manifest, 'version'> & { version?: number }): void {
  if (m.version !== undefined && (!isCount(m.version) || m.version < 1)) {
    throw new InvalidArgumentError(`manifest.version must be a positive integer, got ${m.version}`);
  }
  if (!isCount(m.epoch)) throw new InvalidArgumentError(`manifest.epoch must be a non-negative integer, got ${m.epoch}`);
  if (!isCount(m.flushedSeq)) {
    throw new InvalidArgumentError(`manifest.flushedSeq must be a non-negative integer, got ${m.flushedSeq}`);
  }
  if (!Array.isArray(m.sstables)) throw new InvalidArgumentError('manifest.sstables must be an array');
  m.sstables.forEach((r, i) => {
    if (typeof r?.file !== 'string' || r.file.length === 0) {
      throw new InvalidArgumentError(`manifest.sstables[${i}].file must be a non-empty string`);
    }
    if (r.start !== undefined && !(r.start instanceof Uint8Array)) {
      throw new InvalidArgumentError(`manifest.sstables[${i}].start must be bytes`);
    }
    if (r.end !== undefined && !(r.end instanceof Uint8Array)) {
      throw new InvalidArgumentError(`manifest.sstables[${i}].end must be bytes`);
    }
    if (r.start !== undefined && r.end !== undefined && compareBytes(r.start, r.end) >= 0) {
      throw new InvalidArgumentError(`manifest.sstables[${i}].end must be greater than start`);
    }
  });
  if (typeof m.meta !== 'object' || m.meta === null || Array.isArray(m.meta)) {
    throw new InvalidArgumentError('manifest.meta must be a plain object');
  }
  if (m.tail !== undefined) {
    if (!isCount(m.tail.maxSeq) || m.tail.maxSeq <= m.flushedSeq) {
      throw new InvalidArgumentError(`manifest.tail.maxSeq must be an integer above flushedSeq ${m.flushedSeq}, got ${m.tail.maxSeq}`);
    }
    if (!(m.tail.entries instanceof Uint8Array) || m.tail.entries.length === 0) {
      throw new InvalidArgumentError('manifest.tail.entries must be non-empty bytes');
    }
  }
}

function b64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Serializes a manifest into the bytes of its file. InvalidArgumentError for bad fields. */
export function encodeManifest(m: Manifest): Buffer {
  validateManifest(m);
  const body: BodyJson = {
    version: m.version,
    epoch: m.epoch,
    flushedSeq: m.flushedSeq,
    sstables: m.sstables.map((r) => {
      const j: RefJson = { file: r.file };
      if (r.start !== undefined) j.start = b64(r.start);
      if (r.end !== undefined) j.end = b64(r.end);
      return j;
    }),
    meta: m.meta,
  };
  if (m.tail) body.tail = { maxSeq: m.tail.maxSeq, entries: b64(m.tail.entries) };
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch (e) {
    throw new InvalidArgumentError(`manifest.meta must be JSON-serializable: ${(e as Error).message}`);
  }
  const bodyBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(MANIFEST_HEADER_SIZE + bodyBytes.length + MANIFEST_TRAILER_SIZE);
  out.writeUInt32LE(MANIFEST_MAGIC, 0);
  out.writeUInt32LE(m.tail ? MANIFEST_FORMAT_VERSION_TAIL : MANIFEST_FORMAT_VERSION, 4);
  out.writeUInt32LE(bodyBytes.length, 8);
  bodyBytes.copy(out, MANIFEST_HEADER_SIZE);
  out.writeUInt32LE(checksum32(bodyBytes), MANIFEST_HEADER_SIZE + bodyBytes.length);
  return out;
}

/**
 * Outcome of decoding a manifest file: the manifest, or `torn` with the reason
 * when the framing (magic, length, checksum) is broken, which is what a crash
 * in the middle of writing leaves behind.
 */
export type DecodedManifest = { manifest: Manifest } | { torn: string };

/**
 * Decodes the bytes of manifest file `file`. Returns `{ torn }` for broken
 * framing; throws CorruptionError (naming the file) for an intact file that is
 * still unusable: an unknown format version, a malformed body, or a body whose
 * version differs from `expectedVersion` (the version in the file name).
 */
export function decodeManifest(file: string, data: Uint8Array, expectedVersion?: number): DecodedManifest {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < MANIFEST_HEADER_SIZE + MANIFEST_TRAILER_SIZE) {
    return { torn: `file too short (${buf.length} bytes)` };
  }
  if (buf.readUInt32LE(0) !== MANIFEST_MAGIC) return { torn: 'bad magic' };
  const format = buf.readUInt32LE(4);
  if (format !== MANIFEST_FORMAT_VERSION && format !== MANIFEST_FORMAT_VERSION_TAIL) {
    throw new CorruptionError(file, `unknown manifest format version ${format} (this reader knows ${MANIFEST_FORMAT_VERSION} and ${MANIFEST_FORMAT_VERSION_TAIL})`);
  }
  const bodyLen = buf.readUInt32LE(8);
  if (MANIFEST_HEADER_SIZE + bodyLen + MANIFEST_TRAILER_SIZE !== buf.length) {
    return { torn: `length mismatch: body ${bodyLen} bytes, file ${buf.length} bytes` };
  }
  const body = buf.subarray(MANIFEST_HEADER_SIZE, MANIFEST_HEADER_SIZE + bodyLen);
  const stored = buf.readUInt32LE(MANIFEST_HEADER_SIZE + bodyLen);
  const actual = checksum32(body);
  if (stored !== actual) return { torn: `checksum mismatch: stored ${stored}, computed ${actual}` };
  return { manifest: parseBody(file, body, expectedVersion, format === MANIFEST_FORMAT_VERSION_TAIL) };
}

function parseBody(file: string, body: Buffer, expectedVersion: number | undefined, withTail: boolean): Manifest {
  let j: BodyJson;
  try {
    j = JSON.parse(body.toString('utf8')) as BodyJson;
  } catch (e) {
    throw new CorruptionError(file, `manifest body is not JSON: ${(e as Error).message}`);
  }
  const bad = (what: string): never => { throw new CorruptionError(file, `manifest body: ${what}`); };
  if (typeof j !== 'object' || j === null) bad('not an object');
  if (!isCount(j.version) || j.version < 1) bad('bad version');
  if (expectedVersion !== undefined && j.version !== expectedVersion) {
    bad(`version ${j.version} differs from the file name's ${expectedVersion}`);
  }
  if (!isCount(j.epoch)) bad('bad epoch');
  if (!isCount(j.flushedSeq)) bad('bad flushedSeq');
  if (!Array.isArray(j.sstables)) bad('sstables is not an array');
  if (typeof j.meta !== 'object' || j.meta === null || Array.isArray(j.meta)) bad('meta is not an object');
  const sstables: SstableRef[] = j.sstables.map((r, i) => {
    if (typeof r !== 'object' || r === null || typeof r.file !== 'string') bad(`sstables[${i}].file missing`);
    const ref: SstableRef = { file: r.file };
    if (r.start !== undefined) {
      if (typeof r.start !== 'string') bad(`sstables[${i}].start is not base64`);
      ref.start = Buffer.from(r.start, 'base64');
    }
    if (r.end !== undefined) {
      if (typeof r.end !== 'string') bad(`sstables[${i}].end is not base64`);
      ref.end = Buffer.from(r.end, 'base64');
    }
    return ref;
  });
  const m: Manifest = { version: j.version, epoch: j.epoch, flushedSeq: j.flushedSeq, sstables, meta: j.meta };
  if (withTail !== (j.tail !== undefined)) bad(withTail ? 'format version 2 without a tail' : 'a tail in a format version 1 file');
  if (j.tail !== undefined) {
    const t = j.tail;
    if (typeof t !== 'object' || t === null) bad('tail is not an object');
    if (!isCount(t.maxSeq) || t.maxSeq <= j.flushedSeq) bad('bad tail.maxSeq');
    if (typeof t.entries !== 'string' || t.entries.length === 0) bad('tail.entries is not base64');
    const tail: ManifestTail = { maxSeq: t.maxSeq, entries: Buffer.from(t.entries, 'base64') };
    m.tail = tail;
  }
  return m;
}

/**
 * Applies the recovery rule to one file of a directory listing: a torn file
 * is skipped (returns undefined, with a warning) only when it is the newest
 * version of its directory, i.e. a crash mid-write; a torn older version is
 * real corruption and throws CorruptionError.
 */
export function decodeManifestFile(
  file: string, data: Uint8Array, version: number, isNewest: boolean,
): Manifest | undefined {
  const d = decodeManifest(file, data, version);
  if ('manifest' in d) return d.manifest;
  if (!isNewest) throw new CorruptionError(file, `manifest is damaged (${d.torn}) and is not the newest version`);
  log.warn({ file, reason: d.torn }, 'skipping torn newest manifest (crash mid-write)');
  return undefined;
}

/**
 * Cell keys: one byte string per cell (or tombstone) whose plain byte order
 * is the Bigtable read order — row, family, qualifier ascending, timestamp
 * descending, newest write first. Layout and rationale: FORMAT.md beside this file.
 *
 *   key = esc(row) esc(family) qual inv(ts) inv(seq)
 *   esc(x) = x with 0x00 -> 0x00 0xFF, then the terminator 0x00 0x01
 *   qual   = esc(qualifier), or 0x00 0x00 for a family tombstone
 *   inv(n) = 8 bytes big-endian of MAX_SAFE_INTEGER - n
 *
 * A row tombstone is the family tombstone of the empty family "" (real family
 * names are never empty), so it sorts before every other key of its row.
 */
import { compareRanges } from '../base/bytes.js';
import { readUint64BE, writeUint64BE } from '../base/varint.js';

export const MAX_U53 = Number.MAX_SAFE_INTEGER;
/** Timestamp given to tombstones so they sort before every cell of their scope. */
export const TOMBSTONE_TS = MAX_U53;

const ESC = 0xff;
const TERM = 0x01;
const FAMILY_MARK = 0x00;

/** Bytes needed by esc(x): esc(row) is the start of every key of the row (see rowPrefix). */
export function escLength(x: Uint8Array): number {
  let n = x.length + 2;
  for (let i = 0; i < x.length; i++) if (x[i] === 0) n++;
  return n;
}

function writeEsc(out: Uint8Array, pos: number, x: Uint8Array): number {
  for (let i = 0; i < x.length; i++) {
    const b = x[i]!;
    out[pos++] = b;
    if (b === 0) out[pos++] = ESC;
  }
  out[pos++] = 0;
  out[pos++] = TERM;
  return pos;
}

/** Encodes a full cell key. `qualifier` undefined = family tombstone; family '' = row tombstone. */
export function encodeCellKey(
  row: Uint8Array, family: Uint8Array, qualifier: Uint8Array | undefined, ts: number, seq: number,
): Buffer {
  const out = Buffer.allocUnsafe(cellKeyLength(escLength(row), family, qualifier));
  writeCellKey(out, 0, row, family, qualifier, ts, seq);
  return out;
}

/** Length of a cell key of a row whose esc(row) is `rowEscLength` bytes (escLength(row)). */
export function cellKeyLength(rowEscLength: number, family: Uint8Array, qualifier: Uint8Array | undefined): number {
  return rowEscLength + escLength(family) + (qualifier ? escLength(qualifier) : 2) + 16;
}

/**
 * At least cellKeyLength of such a key, from lengths alone (no scan of the
 * bytes for zeros): esc(x) is at most 2|x| + 2 bytes. `qualifierLength` -1:
 * no qualifier (a family tombstone).
 */
export function cellKeyLengthBound(rowLength: number, familyLength: number, qualifierLength: number): number {
  return 2 * (rowLength + familyLength + (qualifierLength > 0 ? qualifierLength : 0)) + 22;
}

/**
 * Writes the cell key (as encodeCellKey) at out[pos]; returns the end position.
 * The row is escaped in place, so a batch needs no per-row prefix buffer.
 */
export function writeCellKey(
  out: Uint8Array, pos: number, row: Uint8Array, family: Uint8Array, qualifier: Uint8Array | undefined, ts: number, seq: number,
): number {
  pos = writeEsc(out, pos, row);
  pos = writeEsc(out, pos, family);
  if (qualifier) pos = writeEsc(out, pos, qualifier);
  else { out[pos++] = 0; out[pos++] = FAMILY_MARK; }
  writeUint64BE(out, pos, MAX_U53 - ts);
  writeUint64BE(out, pos + 8, MAX_U53 - seq);
  return pos + 16;
}

/** The encoded row prefix esc(row): every key of the row starts with it; also the bloom key. */
export function rowPrefix(row: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(escLength(row));
  writeEsc(out, 0, row);
  return out;
}

/** Smallest key greater than every key of `row`: esc(row) with its terminator bumped. */
export function rowEndKey(row: Uint8Array): Buffer {
  const out = rowPrefix(row);
  out[out.length - 1] = TERM + 1;
  return out;
}

/** rowEndKey from the row's rowPrefix (a copy with its terminator bumped), without escaping the row again. */
export function rowEndOfPrefix(prefix: Uint8Array): Buffer {
  const out = Buffer.from(prefix);
  out[out.length - 1] = TERM + 1;
  return out;
}

/** Length of the esc(...) component starting at pos (including its terminator). */
function escComponentEnd(key: Uint8Array, pos: number): number {
  return escComponentEndIn(key, pos, key.length);
}

/** escComponentEnd for a key that ends at `end` inside `key`. */
function escComponentEndIn(key: Uint8Array, pos: number, end: number): number {
  // A byte loop, not indexOf: components are short, and indexOf's call cost
  // was 7-9% of a flush (the bloom key of every entry) in profiles.
  for (let i = pos; i + 1 < end; i++) {
    if (key[i] !== 0) continue;
    if (key[i + 1] === ESC) { i++; continue; }
    return i + 2; // terminator (0x01) or family mark (0x00)
  }
  throw new RangeError('malformed cell key');
}

function unescape(key: Uint8Array, start: number, end: number): Buffer {
  // end points past the 2-byte terminator. One pass that copies and drops
  // escapes: a read calls this for every cell's qualifier, and a subarray
  // view, an indexOf and a Buffer.from per call showed in scan profiles.
  const rawEnd = end - 2;
  const out = Buffer.allocUnsafe(rawEnd - start);
  let n = 0;
  for (let i = start; i < rawEnd; i++) {
    const b = key[i]!;
    out[n++] = b;
    if (b === 0) i++; // skip the 0xFF escape
  }
  return n === out.length ? out : out.subarray(0, n);
}

/** Length of the bloom key (the esc(row) prefix) of the cell key at k[off, off+len). */
export function bloomKeyLengthOf(k: Uint8Array, off: number, len: number): number {
  return escComponentEndIn(k, off, off + len) - off;
}

/** The bloom key of a cell key: its esc(row) prefix, as a view (no copy). */
export function bloomKeyOf(key: Uint8Array): Uint8Array {
  return key.subarray(0, escComponentEnd(key, 0));
}

/** The key of a CellKeyView before its first decode (shared: one less allocation per read). */
const NO_KEY = new Uint8Array(0);

/**
 * A decoded cell key. Offsets point into `key`, so decoding allocates nothing
 * until a field is materialised. Reused by the read path (see decodeInto).
 */
export class CellKeyView {
  key: Uint8Array = NO_KEY;
  /** End of esc(row) (exclusive). */
  rowEnd = 0;
  /** End of esc(family). */
  familyEnd = 0;
  /** End of the qualifier component; qualifier === undefined for family/row tombstones. */
  qualEnd = 0;
  isFamilyMark = false;
  ts = 0;
  seq = 0;

  decode(key: Uint8Array): this {
    this.key = key;
    this.rowEnd = escComponentEnd(key, 0);
    this.familyEnd = escComponentEnd(key, this.rowEnd);
    const qStart = this.familyEnd;
    if (key[qStart] === 0 && key[qStart + 1] === FAMILY_MARK) {
      this.isFamilyMark = true;
      this.qualEnd = qStart + 2;
    } else {
      this.isFamilyMark = false;
      this.qualEnd = escComponentEnd(key, qStart);
    }
    if (this.qualEnd + 16 !== key.length) throw new RangeError('malformed cell key');
    this.ts = MAX_U53 - readUint64BE(key, this.qualEnd);
    this.seq = MAX_U53 - readUint64BE(key, this.qualEnd + 8);
    return this;
  }

  /** True for the row tombstone (family tombstone of family ""). */
  get isRowMark(): boolean {
    return this.isFamilyMark && this.familyEnd - this.rowEnd === 2;
  }

  row(): Buffer { return unescape(this.key, 0, this.rowEnd); }
  family(): string { return familyNameAt(this.key, this.rowEnd, this.familyEnd); }
  familyBytes(): Buffer { return unescape(this.key, this.rowEnd, this.familyEnd); }
  qualifier(): Buffer { return unescape(this.key, this.familyEnd, this.qualEnd); }
}

/**
 * Family names decoded lately, by their escaped bytes: a table has few
 * families, and a read decodes one per row and family, so the string is
 * found here instead of being built (unescape, copy, toString) each time.
 * The mapping is a pure function of the bytes, so one cache serves every tablet.
 */
const FAMILY_CACHE_SIZE = 16;
const familyCacheBytes: Buffer[] = [];
const familyCacheNames: string[] = [];
let familyCacheNext = 0;

/** The family name of the esc(family) component at key[start, end) (end past its terminator). */
function familyNameAt(key: Uint8Array, start: number, end: number): string {
  const len = end - start;
  for (let i = 0; i < familyCacheBytes.length; i++) {
    const b = familyCacheBytes[i]!;
    if (b.length === len && compareRanges(key, start, end, b, 0, len) === 0) return familyCacheNames[i]!;
  }
  const name = unescape(key, start, end).toString('latin1');
  familyCacheBytes[familyCacheNext] = Buffer.from(key.subarray(start, end));
  familyCacheNames[familyCacheNext] = name;
  familyCacheNext = (familyCacheNext + 1) % FAMILY_CACHE_SIZE;
  return name;
}

/** The sequence number of a well-formed cell key (its last 8 bytes), without decoding the rest. */
export function seqOfCellKey(key: Uint8Array): number {
  return seqAt(key, key.length);
}

/** seqOfCellKey of the cell key that ends at buf[end]. */
export function seqAt(buf: Uint8Array, end: number): number {
  return MAX_U53 - readUint64BE(buf, end - 8);
}

/** Decodes just the row key of a cell key. */
export function rowOfCellKey(key: Uint8Array): Buffer {
  return unescape(key, 0, escComponentEnd(key, 0));
}

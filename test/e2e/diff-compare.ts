/**
 * Normal forms for comparing two servers' answers. Rows become plain objects
 * with escaped bytes; cells are put in one canonical order (family name,
 * qualifier, timestamp descending, then labels and value to break ties
 * between interleave duplicates) because the emulator emits families in
 * their creation order. Tabula's own order is checked separately by
 * `canonicalOrderViolation`, so normalizing never hides a Tabula ordering bug.
 */
import { createHash } from 'node:crypto';
import type { Cell, Row } from '../../src/model/cell.js';
import type { Outcome, ReadResult } from './diff-clients.js';

/** Bytes as text: printable ASCII kept (backslash doubled), everything else `\xHH`. */
export function esc(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) s += String.fromCharCode(c);
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  return s;
}

export interface NCell { f: string; q: string; ts: number | string; v: string; labels?: string }
export interface NRow { key: string; cells: NCell[] }

export interface NormOptions {
  /** Timestamps within [from, to] (server-assigned "now") are replaced by 'now'. */
  nowWindow?: { from: number; to: number };
  /**
   * Keep only the newest 'now' cell of each column: two server-time writes
   * (ReadModifyWriteRow) land in one version or two depending on whether
   * they fell into the same millisecond.
   */
  collapseNow?: boolean;
}

function normCell(c: Cell, o: NormOptions): NCell {
  const w = o.nowWindow;
  const ts = w !== undefined && c.timestamp >= w.from && c.timestamp <= w.to ? 'now' : c.timestamp;
  const v = c.value.length > 256
    ? `<${c.value.length} bytes sha1:${createHash('sha1').update(c.value).digest('hex').slice(0, 12)}>`
    : esc(c.value);
  const n: NCell = { f: c.family, q: esc(c.qualifier), ts, v };
  if (c.labels !== undefined && c.labels.length > 0) n.labels = c.labels.join(',');
  return n;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpBuf(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

/** Canonical cell order plus deterministic tie-breaks (labels, value). */
function cmpCellTotal(a: Cell, b: Cell): number {
  return cmpStr(a.family, b.family) || cmpBuf(a.qualifier, b.qualifier) || (b.timestamp - a.timestamp)
    || cmpStr((a.labels ?? []).join(','), (b.labels ?? []).join(',')) || cmpBuf(a.value, b.value);
}

export function normRows(rows: Row[], o: NormOptions = {}): NRow[] {
  return rows.map((r) => {
    let cells = [...r.cells].sort(cmpCellTotal).map((c) => normCell(c, o));
    if (o.collapseNow === true) {
      cells = cells.filter((c, i) => !(c.ts === 'now' && i > 0 && cells[i - 1]!.ts === 'now' && cells[i - 1]!.f === c.f && cells[i - 1]!.q === c.q));
    }
    return { key: esc(r.key), cells };
  });
}

/** A ReadRows outcome reduced to rows or an error code. */
export type NRead = { rows: NRow[] } | { error: number };

export function normRead(o: Outcome<ReadResult>, opts: NormOptions = {}): NRead {
  return 'error' in o ? { error: o.error } : { rows: normRows(o.ok.rows, opts) };
}

/**
 * Describes the first place where `rows` break the Bigtable cell order
 * (family ascending, qualifier ascending, timestamp descending), or
 * undefined when the order is right. Row keys must ascend (descend when
 * `reversed`).
 */
export function canonicalOrderViolation(rows: Row[], reversed = false): string | undefined {
  for (let i = 1; i < rows.length; i++) {
    const c = cmpBuf(rows[i - 1]!.key, rows[i]!.key);
    if (reversed ? c <= 0 : c >= 0) return `row ${esc(rows[i]!.key)} after ${esc(rows[i - 1]!.key)}`;
  }
  for (const r of rows) {
    for (let i = 1; i < r.cells.length; i++) {
      const a = r.cells[i - 1]!;
      const b = r.cells[i]!;
      const c = cmpStr(a.family, b.family) || cmpBuf(a.qualifier, b.qualifier) || (b.timestamp - a.timestamp);
      if (c > 0) {
        return `row ${esc(r.key)}: ${a.family}:${esc(a.qualifier)}@${a.timestamp} before ${b.family}:${esc(b.qualifier)}@${b.timestamp}`;
      }
    }
  }
  return undefined;
}

/** Compact one-line text of a normalized read (for mismatch reports). */
export function showRead(r: NRead): string {
  if ('error' in r) return `error ${r.error}`;
  return r.rows.map((row) => `${row.key}: [${row.cells.map((c) => `${c.f}:${c.q}@${c.ts}=${c.v}${c.labels !== undefined ? `{${c.labels}}` : ''}`).join(' ')}]`).join(' | ') || '(no rows)';
}

/** JSON with Buffers as escaped text, for printing requests. */
export function showRequest(req: unknown): string {
  return JSON.stringify(req, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return `b'${esc(Buffer.from((v as { data: number[] }).data))}'`;
    }
    return v;
  });
}

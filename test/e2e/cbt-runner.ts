/**
 * Drives Google's `cbt` CLI (/usr/bin/cbt) as a child process against a
 * Bigtable-compatible server, and knows cbt's output format well enough to
 * write expected output compactly, parse actual output, and mask cell
 * timestamps that the client or server assigned ("now").
 *
 * cbt's read/lookup format (printRow in cbt.go), per row:
 *
 *     ----------------------------------------        40 dashes
 *     <row key>
 *       <family:qualifier padded to 40> @ 2006/01/02-15:04:05.000000
 *         "<value, Go %q-quoted>"
 *     ...
 *     <empty line>
 *
 * Families are sorted by name, and each family's cells by column with Go's
 * sort.Sort, which is an insertion sort (stable) below 13 elements: with fewer
 * than 13 cells per family, the order of a column's versions is the server's.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CBT_BIN } from '../support/servers.js';

export interface CbtResult {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A home without ~/.cbtrc, so the machine's config cannot leak into a run. */
const CBT_HOME = mkdtempSync(join(tmpdir(), 'tabula-cbt-home-'));

/**
 * Runs `cbt -project p -instance i -timeout 10s ARGS...` against `endpoint`
 * (host:port, as BIGTABLE_EMULATOR_HOST wants it). Never rejects: a failing
 * cbt resolves with its exit code and stderr.
 *
 * The environment is minimal on purpose: TZ=UTC pins the timestamp format, and
 * an empty PATH keeps cbt from running `gcloud config config-helper` to look for
 * credentials (it does so whenever -creds is unset, ~350 ms per call; without
 * gcloud on PATH it just logs "-creds flag unset" and goes on).
 */
export function runCbt(endpoint: string, args: readonly string[]): Promise<CbtResult> {
  return new Promise((resolve) => {
    execFile(
      CBT_BIN,
      ['-project', 'p', '-instance', 'i', '-timeout', '10s', ...args],
      { env: { BIGTABLE_EMULATOR_HOST: endpoint, TZ: 'UTC', HOME: CBT_HOME, PATH: '' }, timeout: 30_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Marker for a cell timestamp assigned at run time (cbt `set` without @ts). */
export const NOW = Symbol('now');
export type Timestamp = number | typeof NOW;

const NOW_TEXT = '<now>';

/** cbt's timestamp text for `micros` (microseconds since the epoch, UTC). */
export function formatTimestamp(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}-${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(frac, 6)}`;
}

const TS_LINE = /@ (\d{4})\/(\d\d)\/(\d\d)-(\d\d):(\d\d):(\d\d)\.(\d{6})$/gm;

/**
 * Replaces every cell timestamp that lies in [sinceMs - 60 s, now + 60 s] by
 * `<now>`; any other timestamp (explicit ones, or a wrong clock) stays as it is,
 * so a server that assigns a bad time still fails the comparison.
 */
export function maskNow(text: string, sinceMs: number): string {
  const hi = Date.now() + 60_000;
  const lo = sinceMs - 60_000;
  return text.replace(TS_LINE, (whole, y: string, mo: string, d: string, h: string, mi: string, s: string, us: string) => {
    const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) + Math.floor(+us / 1000);
    return ms >= lo && ms <= hi ? `@ ${NOW_TEXT}` : whole;
  });
}

export interface CbtCell {
  family: string;
  qualifier: string;
  /** Timestamp text as printed (or `<now>` after masking). */
  timestamp: string;
  value: string;
}

export interface CbtRow {
  key: string;
  cells: CbtCell[];
}

const ROW_SEPARATOR = '-'.repeat(40);

const GO_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/**
 * Go's %q of a byte string (one char per byte, as unquote returns \xNN):
 * printable ASCII as is, \" and \\, the C escapes, any other byte \xNN. The
 * script writes no non-ASCII text, whose UTF-8 Go would print as is.
 */
function quote(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += `\\${value[i]}`;
    else if (c >= 0x20 && c < 0x7f) out += value[i];
    else out += GO_ESCAPES[c] ?? `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** An int64 cell value as aggregate families hold it: 8 bytes, big-endian (one char per byte). */
export function int64Value(n: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b.toString('latin1');
}

/** Inverse of Go's %q for the escapes it produces (\", \\, \n, \t, \xNN, \uNNNN). */
function unquote(text: string): string {
  return JSON.parse(text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b')) as string;
}

/**
 * Parses cbt's read/lookup output into rows. Throws on text that does not
 * follow the format (which is itself a test failure worth seeing).
 */
export function parseCbtRows(text: string): CbtRow[] {
  if (text === '') return [];
  const lines = text.split('\n');
  const rows: CbtRow[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`cbt output line ${i + 1}: ${why}: ${JSON.stringify(lines[i])}`);
  };
  while (i < lines.length) {
    if (lines[i] === '' && i === lines.length - 1) break; // the final newline
    if (lines[i] !== ROW_SEPARATOR) fail('expected a row separator');
    i++;
    if (i >= lines.length) fail('missing row key');
    const row: CbtRow = { key: lines[i]!, cells: [] };
    i++;
    while (i < lines.length && lines[i]!.startsWith('  ')) {
      const m = /^ {2}(.*?) *@ (\S+)$/.exec(lines[i]!);
      if (!m) fail('expected "  family:qualifier @ timestamp"');
      const column = m![1]!;
      const colon = column.indexOf(':');
      if (colon < 0) fail('column without a family');
      i++;
      const v = /^ {4}(".*")$/.exec(lines[i] ?? '');
      if (!v) fail('expected a quoted value');
      row.cells.push({ family: column.slice(0, colon), qualifier: column.slice(colon + 1), timestamp: m![2]!, value: unquote(v![1]!) });
      i++;
    }
    if (lines[i] !== '') fail('expected the blank line that ends a row');
    i++;
    rows.push(row);
  }
  return rows;
}

/** One cell in an expectation: `cell('cf1:a', 1000, 'v')`. */
export interface CellSpec {
  column: string;
  ts: Timestamp;
  value: string;
}

export const cell = (column: string, ts: Timestamp, value: string): CellSpec => ({ column, ts, value });

export interface RowSpec {
  key: string;
  cells: CellSpec[];
}

export const row = (key: string, ...cells: CellSpec[]): RowSpec => ({ key, cells });

function formatRow(r: RowSpec): string {
  let out = `${ROW_SEPARATOR}\n${r.key}\n`;
  for (const c of r.cells) {
    const ts = c.ts === NOW ? NOW_TEXT : formatTimestamp(c.ts);
    out += `  ${c.column.padEnd(40)} @ ${ts}\n    ${quote(c.value)}\n`;
  }
  return `${out}\n`;
}

/** cbt `read` output for these rows (empty string for none). */
export function rows(...rs: RowSpec[]): string {
  return rs.map(formatRow).join('');
}

/** cbt `lookup` output: the row, or a separator and an empty key for a missing row. */
export function lookup(r?: RowSpec): string {
  return r ? formatRow(r) : `${ROW_SEPARATOR}\n\n\n`;
}

/** Same output as formatted from parsed rows (for a parse/format round-trip check). */
export function formatCbtRows(parsed: readonly CbtRow[]): string {
  return parsed
    .map((r) => {
      let out = `${ROW_SEPARATOR}\n${r.key}\n`;
      for (const c of r.cells) out += `  ${`${c.family}:${c.qualifier}`.padEnd(40)} @ ${c.timestamp}\n    ${quote(c.value)}\n`;
      return `${out}\n`;
    })
    .join('');
}

/**
 * cbt's Value Type column for an int64 aggregate family: Go's protojson of
 * the type cbt rebuilds (no state type), which in cbt 1.23.2 puts a space
 * after a comma.
 */
export function aggregateType(aggregator: 'sum' | 'min' | 'max'): string {
  return `{"aggregateType":{"inputType":{"int64Type":{"encoding":{"bigEndianBytes":{}}}}, "${aggregator}":{}}}`;
}

/**
 * cbt `ls <table>` output: Go's text/tabwriter (minwidth 10, tabwidth 8,
 * padding 4, padchar '\t') over "Family Name / GC Policy / Value Type".
 * `families` are [name, gc policy text, value type?] in the order cbt prints
 * (by name); the value type column shows `{}` for plain (non-aggregate)
 * families, the default.
 */
export function familyTable(families: ReadonlyArray<readonly [string, string, string?]>): string {
  const lines: string[][] = [['Family Name', 'GC Policy', 'Value Type'], ['-----------', '---------', '----------'], ...families.map(([n, p, t]) => [n, p, t ?? '{}'])];
  const widths = [0, 1].map((col) => {
    const w = Math.max(10, ...lines.map((l) => l[col]!.length + 4));
    return Math.ceil(w / 8) * 8;
  });
  return lines.map((l) => l.map((c, col) => (col < 2 ? c + '\t'.repeat(Math.ceil((widths[col]! - c.length) / 8)) : c)).join('')).join('\n') + '\n';
}

/**
 * cbt's output formats, byte for byte: rows as `cbt read` prints them (Go's
 * %q quoting of values, local-time timestamps with microseconds), GC policies
 * and value types as `cbt ls <table>` shows them, and a minimal Go
 * text/tabwriter with cbt's settings (minwidth 10, tabwidth 8, padding 4, tab
 * padding). Backups and authorized views (which cbt has no commands for) in
 * the style of `cbt ls`.
 */
import type { Aggregator, AuthorizedViewInfo, BackupInfo, Cell } from '../client/index.js';
import type { GcRule } from '../model/gc-rule.js';
import { formatViewColumns, formatViewRows } from './view-args.js';

const SEPARATOR = '-'.repeat(40);

/** Go's strconv.Quote applied to raw bytes (invalid UTF-8 bytes become \xNN). */
export function goQuote(b: Buffer): string {
  let out = '"';
  let i = 0;
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  while (i < b.length) {
    const [cp, size] = decodeRune(b, i);
    if (cp < 0) {
      out += `\\x${hex(b[i]!, 2)}`;
      i += 1;
      continue;
    }
    i += size;
    const ch = String.fromCodePoint(cp);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp === 0x20 || (cp > 0x20 && cp !== 0x7f && /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch))) out += ch;
    else if (cp === 7) out += '\\a';
    else if (cp === 8) out += '\\b';
    else if (cp === 12) out += '\\f';
    else if (cp === 10) out += '\\n';
    else if (cp === 13) out += '\\r';
    else if (cp === 9) out += '\\t';
    else if (cp === 11) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + '"';
}

/** The code point at b[i] and its byte length, or [-1, 1] when the bytes there are not valid UTF-8. */
function decodeRune(b: Buffer, i: number): [number, number] {
  const c0 = b[i]!;
  if (c0 < 0x80) return [c0, 1];
  const need = c0 >= 0xf0 && c0 <= 0xf4 ? 3 : c0 >= 0xe0 ? (c0 < 0xf0 ? 2 : -1) : c0 >= 0xc2 ? 1 : -1;
  if (need < 0) return [-1, 1];
  let cp = c0 & (0x3f >> need);
  for (let k = 1; k <= need; k++) {
    const c = b[i + k];
    if (c === undefined || (c & 0xc0) !== 0x80) return [-1, 1];
    cp = (cp << 6) | (c & 0x3f);
  }
  const min = [0, 0x80, 0x800, 0x10000][need]!;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return [-1, 1];
  return [cp, need + 1];
}

/** Go layout 2006/01/02-15:04:05.000000 in local time, from microseconds. */
export function formatTimestamp(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  return `${p(d.getFullYear(), 4)}/${p(d.getMonth() + 1)}/${p(d.getDate())}-${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(frac, 6)}`;
}

/** One row as `cbt read` / `cbt lookup` print it. */
export function formatRow(key: Buffer, cells: Cell[]): string {
  let out = `${SEPARATOR}\n${key.toString('utf8')}\n`;
  for (const c of cells) {
    const col = `${c.family}:${c.qualifier.toString('utf8')}`;
    out += `  ${col.padEnd(40)} @ ${formatTimestamp(c.timestamp)}\n    ${goQuote(c.value)}\n`;
  }
  return out + '\n';
}

/** cbt's rendering of a GC rule: `versions() > 2`, `(age() > 1d || versions() > 3)`, never → ''. */
export function formatGcPolicy(rule: GcRule): string {
  switch (rule.kind) {
    case 'never': return '';
    case 'maxVersions': return `versions() > ${rule.maxVersions}`;
    case 'maxAge': return `age() > ${shortDuration(rule.maxAgeMicros)}`;
    case 'union':
    case 'intersection':
      return `(${rule.rules.map(formatGcPolicy).join(rule.kind === 'union' ? ' || ' : ' && ')})`;
  }
}

/**
 * cbt's Value Type column: `{}` for a plain family, else the type as Go's
 * protojson prints the bigtable.Type cbt rebuilds from the schema (the
 * int64 input, the aggregator; no state type). protojson puts a space after
 * a comma or not by a hash of the binary; cbt 1.23 does.
 */
export function formatValueType(aggregate: Aggregator | undefined): string {
  if (aggregate === undefined) return '{}';
  return `{"aggregateType":{"inputType":{"int64Type":{"encoding":{"bigEndianBytes":{}}}}, "${aggregate}":{}}}`;
}

/** The largest unit that divides the duration exactly (cbt prints 1d, 36h, 90m, 500ms). */
function shortDuration(micros: number): string {
  const units: [string, number][] = [['d', 86_400_000_000], ['h', 3_600_000_000], ['m', 60_000_000], ['s', 1_000_000], ['ms', 1000]];
  for (const [u, f] of units) if (micros >= f && micros % f === 0) return `${micros / f}${u}`;
  return `${micros}us`;
}

/**
 * Go's tabwriter.NewWriter(w, 10, 8, 4, '\t', 0) over lines of cells: every
 * cell but a line's last is padded with tabs to its column's width.
 */
export function tabwrite(lines: string[][]): string {
  const minwidth = 10, tabwidth = 8, padding = 4;
  const widths: number[] = [];
  for (const line of lines) {
    for (let c = 0; c < line.length - 1; c++) widths[c] = Math.max(widths[c] ?? minwidth, line[c]!.length + padding);
  }
  let out = '';
  for (const line of lines) {
    for (let c = 0; c < line.length - 1; c++) {
      const cellw = Math.ceil(widths[c]! / tabwidth) * tabwidth;
      out += line[c]! + '\t'.repeat(Math.ceil((cellw - line[c]!.length) / tabwidth));
    }
    out += `${line[line.length - 1] ?? ''}\n`;
  }
  return out;
}

/** A backup time as RFC 3339 in UTC, to the second (what createbackup's expire= takes). */
export function formatBackupTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `listbackups`: one line per backup under a header, aligned as `ls <table>` is. */
export function formatBackupList(backups: readonly BackupInfo[]): string {
  const lines = [['Backup', 'Source table', 'State', 'Size', 'Expires'], ['------', '------------', '-----', '----', '-------']];
  for (const b of backups) lines.push([b.id, b.table, b.state, String(b.sizeBytes), formatBackupTime(b.expireTime)]);
  return tabwrite(lines);
}

/** `getbackup`: one field per line. */
export function formatBackup(b: BackupInfo): string {
  return tabwrite([
    ['Backup', b.id],
    ['Source table', b.table],
    ['State', b.state],
    ['Size', String(b.sizeBytes)],
    ['Started', formatBackupTime(b.startTime)],
    ['Finished', b.endTime === undefined ? '' : formatBackupTime(b.endTime)],
    ['Expires', formatBackupTime(b.expireTime)],
  ]);
}

/** `listauthorizedviews`: one line per view under a header, rows and columns as createauthorizedview takes them. */
export function formatAuthorizedViewList(views: readonly AuthorizedViewInfo[]): string {
  const lines = [['View', 'Deletion protection', 'Rows', 'Columns'], ['----', '-------------------', '----', '-------']];
  for (const v of views) lines.push([v.id, String(v.deletionProtection), formatViewRows(v), formatViewColumns(v)]);
  return tabwrite(lines);
}

/** `getauthorizedview`: one field per line. */
export function formatAuthorizedView(v: AuthorizedViewInfo): string {
  return tabwrite([
    ['View', v.id],
    ['Table', v.table],
    ['Deletion protection', String(v.deletionProtection)],
    ['Rows', formatViewRows(v)],
    ['Columns', formatViewColumns(v)],
    ['Etag', v.etag],
  ]);
}

/**
 * `import t file.csv` in cbt's CSV layout: an optional first row of column
 * families (first cell empty; a family applies to its column and those to
 * its right until the next one), a row of qualifiers (first cell empty),
 * then one row per row key. Empty cells are not written. Without a family
 * row, `column-family=` names the family of every column. With
 * `timestamp=value-encoded`, a value `v@123` is written at timestamp 123 µs.
 * CSV itself is RFC 4180: quoted fields may hold commas, quotes ("") and newlines.
 */
import { CliError } from './cli-error.js';

/** Parses RFC 4180 CSV into records of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(field); field = ''; i++; continue; }
    if (ch === '\n' || ch === '\r') {
      row.push(field); rows.push(row); row = []; field = '';
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += ch; i++;
  }
  if (quoted) throw new CliError('import: unterminated quoted field in CSV');
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

export interface ImportCell { family: string; qualifier: string; value: string; timestamp?: number }
export interface ImportRow { key: string; cells: ImportCell[] }

/** The rows a CSV file describes, validated (row keys non-empty, every column has a family). */
export function csvRows(records: string[][], opts: { family?: string; valueEncodedTimestamps?: boolean }): ImportRow[] {
  let r = 0;
  let families: string[];
  if (opts.family === undefined) {
    const famRow = records[r++];
    if (!famRow) throw new CliError('import: empty file (want a column-family row, a qualifier row, then data)');
    if (famRow[0] !== '') throw new CliError('import: first cell of the column-family row must be empty (or give column-family=)');
    families = [];
    let current = '';
    for (let c = 1; c < famRow.length; c++) { if (famRow[c] !== '') current = famRow[c]!; families[c] = current; }
  } else families = [];
  const qualRow = records[r++];
  if (!qualRow) throw new CliError('import: missing the column-qualifier row');
  if (qualRow[0] !== '') throw new CliError('import: first cell of the column-qualifier row must be empty');
  const out: ImportRow[] = [];
  for (; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.length === 1 && rec[0] === '') continue; // blank line
    const key = rec[0] ?? '';
    if (key === '') throw new CliError(`import: line ${r + 1}: empty row key`);
    const cells: ImportCell[] = [];
    for (let c = 1; c < rec.length; c++) {
      let value = rec[c]!;
      if (value === '') continue;
      const family = opts.family ?? families[c] ?? '';
      const qualifier = qualRow[c] ?? '';
      if (family === '') throw new CliError(`import: line ${r + 1}: column ${c + 1} has no column family`);
      if (qualifier === '') throw new CliError(`import: line ${r + 1}: column ${c + 1} has no qualifier`);
      let timestamp: number | undefined;
      if (opts.valueEncodedTimestamps) {
        const at = value.lastIndexOf('@');
        if (at >= 0 && /^\d+$/.test(value.slice(at + 1))) { timestamp = Number(value.slice(at + 1)); value = value.slice(0, at); }
      }
      cells.push(timestamp === undefined ? { family, qualifier, value } : { family, qualifier, value, timestamp });
    }
    out.push({ key, cells });
  }
  return out;
}

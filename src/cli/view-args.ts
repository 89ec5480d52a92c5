/**
 * An authorized view's definition as createauthorizedview and
 * updateauthorizedview take it, and back (for getauthorizedview and
 * listauthorizedviews):
 * - `rows=<prefix>,<prefix>…` row-key prefixes; a trailing `*` is allowed and
 *   means the same (`u*` = `u`), so `rows=*` is every row;
 * - `columns=<family>:<qualifier>,…` exact qualifiers; `<family>:<prefix>*`
 *   a qualifier prefix; `<family>:*` (or a bare `<family>`) the whole family.
 * Arguments are byte strings (byte-args.ts); family names are text.
 */
import type { AuthorizedViewColumns, AuthorizedViewInfo } from '../client/index.js';
import { bytes, text } from './byte-args.js';
import { CliError } from './cli-error.js';

const strip = (s: string): string => (s.endsWith('*') ? s.slice(0, -1) : s);

/** The row prefixes of a `rows=` value. */
export function parseViewRows(v: string, what: string): Buffer[] {
  const items = v.split(',').filter((s) => s !== '');
  if (items.length === 0) throw new CliError(`${what}: rows= needs at least one row-key prefix (rows=* for every row)`);
  return items.map((s) => bytes(strip(s)));
}

/** The families and columns of a `columns=` value. */
export function parseViewColumns(v: string, what: string): Record<string, AuthorizedViewColumns> {
  const items = v.split(',').filter((s) => s !== '');
  if (items.length === 0) throw new CliError(`${what}: columns= needs at least one <family>:<qualifier>`);
  const out: Record<string, { qualifiers: Buffer[]; qualifierPrefixes: Buffer[] }> = {};
  for (const item of items) {
    const colon = item.indexOf(':');
    const family = text(colon < 0 ? item : item.slice(0, colon));
    if (family === '') throw new CliError(`${what}: bad column "${text(item)}" (want <family>:<qualifier>, <family>:<prefix>* or <family>:*)`);
    const f = (out[family] ??= { qualifiers: [], qualifierPrefixes: [] });
    const q = colon < 0 ? '*' : item.slice(colon + 1);
    if (q.endsWith('*')) f.qualifierPrefixes.push(bytes(strip(q)));
    else f.qualifiers.push(bytes(q));
  }
  return out;
}

/** A prefix or qualifier for display: printable ASCII as is, other bytes (and space, backslash, comma) as \xNN. */
function shown(b: Buffer): string {
  let s = '';
  for (const c of b) s += c > 0x20 && c < 0x7f && c !== 0x5c && c !== 0x2c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return s;
}

/** A view's rows as `rows=` takes them (`*` = every row; empty when it has none). */
export function formatViewRows(v: Pick<AuthorizedViewInfo, 'rowPrefixes'>): string {
  if (v.rowPrefixes.some((p) => p.length === 0)) return '*';
  return v.rowPrefixes.map((p) => `${shown(p)}*`).join(',');
}

/** A view's columns as `columns=` takes them. */
export function formatViewColumns(v: Pick<AuthorizedViewInfo, 'families'>): string {
  const out: string[] = [];
  for (const [family, cols] of Object.entries(v.families)) {
    for (const q of cols.qualifiers) out.push(`${family}:${shown(q)}`);
    for (const p of cols.qualifierPrefixes) out.push(`${family}:${shown(p)}*`);
  }
  return out.join(',');
}

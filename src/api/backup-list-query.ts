/**
 * ListBackupsRequest's `filter` and `order_by` (bigtable_table_admin.proto):
 *
 *   filter   := expr
 *   expr     := term (("AND" | "OR") term)*      (AND binds tighter; a bare
 *                                               space between terms is AND)
 *   term     := "NOT" term | "(" expr ")" | field op value
 *   op       := "<" | ">" | "<=" | ">=" | "!=" | "=" | ":"
 *   value    := a bare word or a "quoted string"
 *
 * Fields: name, source_table, state, start_time, end_time, expire_time
 * (values YYYY-MM-DDTHH:MM:SSZ), size_bytes. `:` on name and source_table
 * means "contains" (the proto's `name:howl`), elsewhere equality. Keywords
 * and field names are case insensitive, as the proto says. order_by is
 * "field [asc|desc], ..." over the same fields; the default is start_time
 * descending. Malformed input: InvalidArgumentError naming the field.
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { BackupInfo } from './backend.js';
import { formatBackupName } from './backup-name.js';
import { formatTableName } from './table-name.js';

type Field = 'name' | 'source_table' | 'state' | 'start_time' | 'end_time' | 'expire_time' | 'size_bytes';
const FIELDS: readonly Field[] = ['name', 'source_table', 'state', 'start_time', 'end_time', 'expire_time', 'size_bytes'];
type Op = '<' | '>' | '<=' | '>=' | '!=' | '=' | ':';

export type BackupPredicate = (b: BackupInfo) => boolean;

/** The value a backup has for a field: strings for names and state, numbers (ms, bytes) otherwise; undefined if unset. */
function fieldValue(b: BackupInfo, f: Field): string | number | undefined {
  switch (f) {
    case 'name': return formatBackupName(b.name);
    case 'source_table': return formatTableName(b.sourceTable);
    case 'state': return b.state;
    case 'start_time': return b.startMs;
    case 'end_time': return b.endMs;
    case 'expire_time': return b.expireMs;
    case 'size_bytes': return b.sizeBytes;
  }
}

function parseField(word: string, where: string): Field {
  const f = word.toLowerCase() as Field;
  if (!FIELDS.includes(f)) throw new InvalidArgumentError(`${where}: unknown field "${word}" (one of ${FIELDS.join(', ')})`);
  return f;
}

const TOKEN_RE = /\s*(?:(\(|\))|(<=|>=|!=|<|>|=|:)|"((?:[^"\\]|\\.)*)"|([^\s()<>=!:"]+))/y;
/** After an operator, a bare value runs to the next space or parenthesis (times hold colons). */
const VALUE_RE = /\s*(?:"((?:[^"\\]|\\.)*)"|([^\s()"]+))/y;

interface Token { kind: 'paren' | 'op' | 'string' | 'word'; text: string }

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  while (TOKEN_RE.lastIndex < s.length) {
    if (/^\s*$/.test(s.slice(TOKEN_RE.lastIndex))) break;
    const at = TOKEN_RE.lastIndex;
    if (out.at(-1)?.kind === 'op') {
      VALUE_RE.lastIndex = at;
      const v = VALUE_RE.exec(s);
      if (v) {
        out.push(v[1] !== undefined ? { kind: 'string', text: v[1].replace(/\\(.)/g, '$1') } : { kind: 'word', text: v[2]! });
        TOKEN_RE.lastIndex = VALUE_RE.lastIndex;
        continue;
      }
    }
    const m = TOKEN_RE.exec(s);
    if (!m) throw new InvalidArgumentError(`filter: cannot parse at character ${at + 1}: "${s.slice(at, at + 20)}"`);
    if (m[1]) out.push({ kind: 'paren', text: m[1] });
    else if (m[2]) out.push({ kind: 'op', text: m[2] });
    else if (m[3] !== undefined) out.push({ kind: 'string', text: m[3].replace(/\\(.)/g, '$1') });
    else out.push({ kind: 'word', text: m[4]! });
  }
  return out;
}

/** Parses a ListBackups filter; the empty filter matches every backup. */
export function parseBackupFilter(filter: string): BackupPredicate {
  const toks = tokenize(filter);
  let i = 0;
  const peekKeyword = (k: string): boolean => toks[i]?.kind === 'word' && toks[i]!.text.toUpperCase() === k;
  const fail = (what: string): never => {
    throw new InvalidArgumentError(`filter: ${what} at token ${i + 1}${toks[i] ? ` ("${toks[i]!.text}")` : ' (end of filter)'}`);
  };

  const term = (): BackupPredicate => {
    if (peekKeyword('NOT')) { i++; const t = term(); return (b) => !t(b); }
    if (toks[i]?.kind === 'paren' && toks[i]!.text === '(') {
      i++;
      const e = expr();
      if (!(toks[i]?.kind === 'paren' && toks[i]!.text === ')')) fail('expected ")"');
      i++;
      return e;
    }
    if (toks[i]?.kind !== 'word') fail('expected a field name');
    const field = parseField(toks[i++]!.text, 'filter');
    if (toks[i]?.kind !== 'op') fail(`expected a comparison operator after ${field}`);
    const op = toks[i++]!.text as Op;
    if (toks[i]?.kind !== 'word' && toks[i]?.kind !== 'string') fail(`expected a value after ${field} ${op}`);
    return comparison(field, op, toks[i++]!.text);
  };
  const conj = (): BackupPredicate => {
    const parts = [term()];
    // AND, or terms side by side (AIP-160's implicit AND).
    while (i < toks.length && !peekKeyword('OR') && !(toks[i]!.kind === 'paren' && toks[i]!.text === ')')) {
      if (peekKeyword('AND')) i++;
      parts.push(term());
    }
    return parts.length === 1 ? parts[0]! : (b) => parts.every((p) => p(b));
  };
  const expr = (): BackupPredicate => {
    const parts = [conj()];
    while (peekKeyword('OR')) { i++; parts.push(conj()); }
    return parts.length === 1 ? parts[0]! : (b) => parts.some((p) => p(b));
  };

  if (toks.length === 0) return () => true;
  const e = expr();
  if (i < toks.length) fail('unexpected token');
  return e;
}

function comparison(field: Field, op: Op, raw: string): BackupPredicate {
  if (field === 'name' || field === 'source_table' || field === 'state') {
    const want = field === 'state' ? raw.toUpperCase() : raw;
    if (field === 'state' && want !== 'CREATING' && want !== 'READY') throw new InvalidArgumentError(`filter: state must be CREATING or READY, got "${raw}"`);
    const contains = op === ':' && field !== 'state';
    switch (op) {
      case ':': case '=': return (b) => { const v = String(fieldValue(b, field)); return contains ? v.includes(want) : v === want; };
      case '!=': return (b) => String(fieldValue(b, field)) !== want;
      default: return (b) => compareValues(String(fieldValue(b, field)), want, op);
    }
  }
  let want: number;
  if (field === 'size_bytes') {
    want = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(want)) throw new InvalidArgumentError(`filter: size_bytes takes a whole number, got "${raw}"`);
  } else {
    want = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(raw) ? Date.parse(raw) : NaN;
    if (Number.isNaN(want)) throw new InvalidArgumentError(`filter: ${field} takes a time like 2018-03-28T14:50:00Z, got "${raw}"`);
  }
  return (b) => {
    const v = fieldValue(b, field) as number | undefined;
    if (v === undefined) return op === '!=';
    return op === ':' || op === '=' ? v === want : op === '!=' ? v !== want : compareValues(v, want, op);
  };
}

function compareValues<T extends string | number>(a: T, b: T, op: Op): boolean {
  switch (op) {
    case '<': return a < b;
    case '>': return a > b;
    case '<=': return a <= b;
    case '>=': return a >= b;
    default: return a === b;
  }
}

/** Parses order_by into a comparator (default: start_time descending). */
export function parseBackupOrder(orderBy: string): (a: BackupInfo, b: BackupInfo) => number {
  const keys = orderBy.trim() === ''
    ? [{ field: 'start_time' as Field, desc: true }]
    : orderBy.split(',').map((part) => {
      const words = part.trim().split(/\s+/);
      if (words.length === 0 || words[0] === '' || words.length > 2) throw new InvalidArgumentError(`order_by: expected "field [asc|desc]", got "${part.trim()}"`);
      const dir = words[1]?.toLowerCase();
      if (dir !== undefined && dir !== 'asc' && dir !== 'desc') throw new InvalidArgumentError(`order_by: direction must be asc or desc, got "${words[1]}"`);
      return { field: parseField(words[0]!, 'order_by'), desc: dir === 'desc' };
    });
  return (a, b) => {
    for (const { field, desc } of keys) {
      const x = fieldValue(a, field);
      const y = fieldValue(b, field);
      // Unset values (a creating backup's end_time) sort first.
      const c = x === y ? 0 : x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1;
      if (c !== 0) return desc ? -c : c;
    }
    // Ties by name, so pages are stable.
    const n = formatBackupName(a.name);
    const m = formatBackupName(b.name);
    return n < m ? -1 : n > m ? 1 : 0;
  };
}

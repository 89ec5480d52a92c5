/**
 * One cbt session, as a table of (command, expected output) steps, run in
 * order against a fresh server. Expectations are what Cloud Bigtable documents;
 * where a server is known to differ, the step names the divergence (see
 * DIVERGENCES) and gives that server's output instead.
 *
 * Data written (table t1, split at "m"; cf1 keeps 2 versions, cf2 1 day, cf3 forever):
 *   a1: cf1:q=x1@now, cf3:c=one@1000
 *   a2: cf1:q=x2@now
 *   m1: cf1:a=m@3000, cf3:c=old@1000,mid@2000,new@3000, cf3:d="with space"@1000
 *   r1: cf1:a=v1@1000,v2@2000, cf2:b=hello@now, cf3:z=say "hi"@5000
 *   z9: cf3:c=last@7000
 * No column of t1 ever holds more versions than its GC rule keeps, so reads of
 * t1 do not depend on when garbage is collected; table gc tests that on purpose.
 * Table agg has aggregate families (sum s, min mn, max mx) and a plain one, p.
 */
import { NOW, aggregateType, cell, familyTable, int64Value, lookup, row, rows, type RowSpec } from './cbt-runner.js';

/** Known, explained differences between a server and Cloud Bigtable. */
export const DIVERGENCES = {
  emulatorLazyGc:
    'The emulator collects garbage lazily (a background loop, and per row just before a later write), so cells a GC rule ' +
    'condemns may still be read for a while. Bigtable documents GC as eventual too ("up to a week"); Tabula hides condemned ' +
    'cells on read (DESIGN §3), which is the output these steps expect.',
  emulatorUnknownFamilyCode:
    'For a column family that does not exist the emulator answers code Unknown; Bigtable answers NOT_FOUND ' +
    '("Requested column family not found").',
  emulatorMinMax:
    'The emulator\'s min and max families keep the last input written to a cell instead of combining them ' +
    '(9, 3, 5 → 5 for both); its sums are right.',
  emulatorAggregateIntoPlainFamily:
    'For an AddToCell into a family that does not aggregate the emulator answers code Unknown (an untyped error, as for ' +
    'unknown families); Tabula answers INVALID_ARGUMENT, the code of a mutation that does not fit the schema.',
} as const;

export type DivergenceName = keyof typeof DIVERGENCES;
export type ServerKind = 'emulator' | 'tabula';

export interface Expectation {
  /** Expected stdout after masking run-time timestamps; several = any of them. Default: empty. */
  out?: string | readonly string[];
  /** The command must fail (non-zero exit) with this gRPC code name in its error line. */
  fails?: string;
}

export interface Divergence extends Expectation {
  why: DivergenceName;
}

export interface Step extends Expectation {
  /** cbt arguments after `-project p -instance i`. */
  cbt: readonly string[];
  /** A server's known divergence from `out`/`fails`. */
  on?: Partial<Record<ServerKind, Divergence>>;
}

const ls = (...tables: string[]): string => tables.map((t) => `${t}\n`).join('');
const count = (n: number): string => `${n}\n`;

// The rows of t1 as first written (see the header).
const a1 = row('a1', cell('cf1:q', NOW, 'x1'), cell('cf3:c', 1000, 'one'));
const a2 = row('a2', cell('cf1:q', NOW, 'x2'));
const m1 = row('m1', cell('cf1:a', 3000, 'm'), cell('cf3:c', 3000, 'new'), cell('cf3:c', 2000, 'mid'), cell('cf3:c', 1000, 'old'), cell('cf3:d', 1000, 'with space'));
const r1 = row('r1', cell('cf1:a', 2000, 'v2'), cell('cf1:a', 1000, 'v1'), cell('cf2:b', NOW, 'hello'), cell('cf3:z', 5000, 'say "hi"'));
const z9 = row('z9', cell('cf3:c', 7000, 'last'));

const T1_FAMILIES = familyTable([['cf1', 'versions() > 2'], ['cf2', 'age() > 1d'], ['cf3', '']]);

// Table gc: one row whose cells the GC rules partly condemn.
const GC_FAMILIES: ReadonlyArray<readonly [string, string]> = [
  ['a', 'age() > 1h'],
  ['i', '(versions() > 1 && age() > 1h)'],
  ['u', '(versions() > 1 || age() > 1h)'],
  ['v', 'versions() > 2'],
];
const gcRaw = row('k',
  cell('a:new', NOW, 'n'), cell('a:old', 1000, 'o'),
  cell('i:c', 2000, 'i2'), cell('i:c', 1000, 'i1'), cell('i:n', NOW, 'in'),
  cell('u:c', 2000, 'u2'), cell('u:c', 1000, 'u1'), cell('u:n', NOW, 'un'),
  cell('v:c', 3000, '3'), cell('v:c', 2000, '2'), cell('v:c', 1000, '1'));
const gcCollected = row('k',
  cell('a:new', NOW, 'n'),
  cell('i:c', 2000, 'i2'), cell('i:n', NOW, 'in'),
  cell('u:n', NOW, 'un'),
  cell('v:c', 3000, '3'), cell('v:c', 2000, '2'));

// Table agg, row r: three inputs per cell in one request, more into s in a second one.
const aggRow = (min: bigint, max: bigint): RowSpec => row('r',
  cell('mn:c', 1000, int64Value(min)), cell('mx:c', 1000, int64Value(max)),
  cell('s:c', 2000, int64Value(16n)), cell('s:c', 1000, int64Value(10n)), cell('s:n', NOW, int64Value(1n)));

/**
 * What the lazily collecting emulator may show for row k: each family either
 * still raw or already collected, independently (it collects per family).
 */
const gcPartial: RowSpec[] = (() => {
  const fams = ['a', 'i', 'u', 'v'];
  const of = (r: RowSpec, f: string) => r.cells.filter((c) => c.column.startsWith(`${f}:`));
  return Array.from({ length: 1 << fams.length }, (_, mask) =>
    row('k', ...fams.flatMap((f, i) => of(mask & (1 << i) ? gcRaw : gcCollected, f))));
})();

export const CBT_SCRIPT: readonly Step[] = [
  // --- tables and families
  { cbt: ['ls'] },
  { cbt: ['createtable', 't1', 'families=cf1:maxversions=2,cf2:maxage=1d,cf3:never', 'splits=m'] },
  { cbt: ['createtable', 't2', 'families=f'] },
  { cbt: ['ls'], out: ls('t1', 't2') },
  { cbt: ['ls', 't1'], out: T1_FAMILIES },
  { cbt: ['ls', 't2'], out: familyTable([['f', '']]) },
  { cbt: ['createtable', 't1'], fails: 'AlreadyExists' },
  { cbt: ['ls', 'nosuch'], fails: 'NotFound' },

  // --- writes
  { cbt: ['set', 't1', 'a1', 'cf1:q=x1', 'cf3:c=one@1000'] },
  { cbt: ['set', 't1', 'a2', 'cf1:q=x2'] },
  { cbt: ['set', 't1', 'm1', 'cf1:a=m@3000', 'cf3:c=old@1000', 'cf3:c=mid@2000', 'cf3:c=new@3000', 'cf3:d=with space@1000'] },
  { cbt: ['set', 't1', 'r1', 'cf1:a=v1@1000', 'cf1:a=v2@2000', 'cf2:b=hello', 'cf3:z=say "hi"@5000'] },
  { cbt: ['set', 't1', 'z9', 'cf3:c=last@7000'] },
  { cbt: ['set', 't2', 'k', 'nofam:c=v'], fails: 'NotFound', on: { emulator: { why: 'emulatorUnknownFamilyCode', fails: 'Unknown' } } },
  // cbt (the Go client) truncates timestamps to milliseconds before sending: the server sees 1000.
  { cbt: ['set', 't2', 'k', 'f:c=v@1234'] },
  { cbt: ['lookup', 't2', 'k'], out: lookup(row('k', cell('f:c', 1000, 'v'))) },
  { cbt: ['set', 'nosuch', 'k', 'f:c=v'], fails: 'NotFound' },

  // --- read: ranges, prefix, regex, count (t1 has tablets [,m) and [m,))
  { cbt: ['read', 't1'], out: rows(a1, a2, m1, r1, z9) },
  { cbt: ['read', 't1', 'start=a2', 'end=r1'], out: rows(a2, m1) },
  { cbt: ['read', 't1', 'start=a2', 'end=z'], out: rows(a2, m1, r1) },
  { cbt: ['read', 't1', 'start=m1'], out: rows(m1, r1, z9) },
  { cbt: ['read', 't1', 'end=m'], out: rows(a1, a2) },
  { cbt: ['read', 't1', 'start=b', 'end=c'] },
  { cbt: ['read', 't1', 'prefix=a'], out: rows(a1, a2) },
  { cbt: ['read', 't1', 'prefix=m'], out: rows(m1) },
  { cbt: ['read', 't1', 'prefix=q'] },
  { cbt: ['read', 't1', 'regex=.*1'], out: rows(a1, m1, r1) },
  { cbt: ['read', 't1', 'regex=[am].'], out: rows(a1, a2, m1) },
  { cbt: ['read', 't1', 'regex=1'] }, // RE2 full match: no key is just "1"
  { cbt: ['read', 't1', 'regex=['], fails: 'InvalidArgument' },
  { cbt: ['read', 't1', 'count=2'], out: rows(a1, a2) },
  { cbt: ['read', 't1', 'start=m', 'count=2'], out: rows(m1, r1) },
  { cbt: ['read', 't1', 'prefix=a', 'count=10'], out: rows(a1, a2) },
  { cbt: ['read', 'nosuch'], fails: 'NotFound' },

  // --- read: cells-per-column, columns (family:qualifier, family:, :qualifier, qualifier), keys-only
  {
    cbt: ['read', 't1', 'cells-per-column=1'],
    out: rows(a1, a2,
      row('m1', cell('cf1:a', 3000, 'm'), cell('cf3:c', 3000, 'new'), cell('cf3:d', 1000, 'with space')),
      row('r1', cell('cf1:a', 2000, 'v2'), cell('cf2:b', NOW, 'hello'), cell('cf3:z', 5000, 'say "hi"')),
      z9),
  },
  { cbt: ['read', 't1', 'cells-per-column=2', 'prefix=m'], out: rows(row('m1', cell('cf1:a', 3000, 'm'), cell('cf3:c', 3000, 'new'), cell('cf3:c', 2000, 'mid'), cell('cf3:d', 1000, 'with space'))) },
  {
    cbt: ['read', 't1', 'columns=cf3:c'],
    out: rows(row('a1', cell('cf3:c', 1000, 'one')), row('m1', cell('cf3:c', 3000, 'new'), cell('cf3:c', 2000, 'mid'), cell('cf3:c', 1000, 'old')), z9),
  },
  {
    cbt: ['read', 't1', 'columns=cf1:'],
    out: rows(row('a1', cell('cf1:q', NOW, 'x1')), a2, row('m1', cell('cf1:a', 3000, 'm')), row('r1', cell('cf1:a', 2000, 'v2'), cell('cf1:a', 1000, 'v1'))),
  },
  {
    cbt: ['read', 't1', 'columns=:c,cf2:b'],
    out: rows(row('a1', cell('cf3:c', 1000, 'one')), row('m1', cell('cf3:c', 3000, 'new'), cell('cf3:c', 2000, 'mid'), cell('cf3:c', 1000, 'old')), row('r1', cell('cf2:b', NOW, 'hello')), z9),
  },
  { cbt: ['read', 't1', 'columns=q'], out: rows(row('a1', cell('cf1:q', NOW, 'x1')), a2) },
  { cbt: ['read', 't1', 'columns=cf3:c', 'cells-per-column=2', 'start=a', 'end=n'], out: rows(row('a1', cell('cf3:c', 1000, 'one')), row('m1', cell('cf3:c', 3000, 'new'), cell('cf3:c', 2000, 'mid'))) },
  { cbt: ['read', 't1', 'prefix=r', 'keys-only=true'], out: rows(row('r1', cell('cf1:a', 2000, ''), cell('cf1:a', 1000, ''), cell('cf2:b', NOW, ''), cell('cf3:z', 5000, ''))) },

  // --- lookup
  { cbt: ['lookup', 't1', 'm1'], out: lookup(m1) },
  { cbt: ['lookup', 't1', 'r1'], out: lookup(r1) },
  { cbt: ['lookup', 't1', 'm1', 'columns=cf3:c', 'cells-per-column=1'], out: lookup(row('m1', cell('cf3:c', 3000, 'new'))) },
  { cbt: ['lookup', 't1', 'm1', 'columns=cf3:', 'cells-per-column=2'], out: lookup(row('m1', cell('cf3:c', 3000, 'new'), cell('cf3:c', 2000, 'mid'), cell('cf3:d', 1000, 'with space'))) },
  { cbt: ['lookup', 't1', 'r1', 'cells-per-column=1'], out: lookup(row('r1', cell('cf1:a', 2000, 'v2'), cell('cf2:b', NOW, 'hello'), cell('cf3:z', 5000, 'say "hi"'))) },
  { cbt: ['lookup', 't1', 'r1', 'columns=cf1:a,cf3:z'], out: lookup(row('r1', cell('cf1:a', 2000, 'v2'), cell('cf1:a', 1000, 'v1'), cell('cf3:z', 5000, 'say "hi"'))) },
  { cbt: ['lookup', 't1', 'nosuch'], out: lookup() },
  { cbt: ['lookup', 't1', 'm'], out: lookup() },
  { cbt: ['lookup', 'nosuch', 'r'], fails: 'NotFound' },

  // --- count
  { cbt: ['count', 't1'], out: count(5) },
  { cbt: ['count', 't1', 'prefix=a'], out: count(2) },
  { cbt: ['count', 't1', 'prefix=x'], out: count(0) },
  { cbt: ['count', 'nosuch'], fails: 'NotFound' },

  // --- deleterow, deletecolumn
  { cbt: ['deleterow', 't1', 'a2'] },
  { cbt: ['lookup', 't1', 'a2'], out: lookup() },
  { cbt: ['count', 't1'], out: count(4) },
  { cbt: ['deleterow', 't1', 'never-written'] },
  { cbt: ['deletecolumn', 't1', 'm1', 'cf3', 'c'] },
  { cbt: ['lookup', 't1', 'm1'], out: lookup(row('m1', cell('cf1:a', 3000, 'm'), cell('cf3:d', 1000, 'with space'))) },
  { cbt: ['deletecolumn', 't1', 'm1', 'nofam', 'c'], fails: 'NotFound', on: { emulator: { why: 'emulatorUnknownFamilyCode', fails: 'Unknown' } } },
  { cbt: ['read', 't1', 'columns=cf3:c'], out: rows(row('a1', cell('cf3:c', 1000, 'one')), z9) },

  // --- deletefamily drops the family's data; createfamily does not bring it back
  { cbt: ['deletefamily', 't1', 'cf2'] },
  { cbt: ['ls', 't1'], out: familyTable([['cf1', 'versions() > 2'], ['cf3', '']]) },
  { cbt: ['lookup', 't1', 'r1'], out: lookup(row('r1', cell('cf1:a', 2000, 'v2'), cell('cf1:a', 1000, 'v1'), cell('cf3:z', 5000, 'say "hi"'))) },
  { cbt: ['deletefamily', 't1', 'cf2'], fails: 'NotFound', on: { emulator: { why: 'emulatorUnknownFamilyCode', fails: 'Unknown' } } },
  { cbt: ['createfamily', 't1', 'cf2'] },
  { cbt: ['createfamily', 't1', 'cf1'], fails: 'AlreadyExists' },
  { cbt: ['ls', 't1'], out: familyTable([['cf1', 'versions() > 2'], ['cf2', ''], ['cf3', '']]) },
  { cbt: ['lookup', 't1', 'r1'], out: lookup(row('r1', cell('cf1:a', 2000, 'v2'), cell('cf1:a', 1000, 'v1'), cell('cf3:z', 5000, 'say "hi"'))) },
  { cbt: ['set', 't1', 'r1', 'cf2:b=again'] },
  { cbt: ['lookup', 't1', 'r1', 'columns=cf2:'], out: lookup(row('r1', cell('cf2:b', NOW, 'again'))) },

  // --- setgcpolicy: cbt's syntax is `maxversions=N | maxage=D [(and|or|&&||) ...] | never`, parentheses allowed
  { cbt: ['setgcpolicy', 't1', 'cf1', 'maxversions=1'] },
  { cbt: ['setgcpolicy', 't1', 'cf2', 'maxage=1h'] },
  { cbt: ['setgcpolicy', 't1', 'cf3', 'maxversions=1 or maxage=1h'] },
  { cbt: ['ls', 't1'], out: familyTable([['cf1', 'versions() > 1'], ['cf2', 'age() > 1h'], ['cf3', '(versions() > 1 || age() > 1h)']]) },
  { cbt: ['setgcpolicy', 't1', 'cf2', 'maxversions=2', 'and', 'maxage=12h'] },
  { cbt: ['setgcpolicy', 't1', 'cf3', '(maxversions=1 || maxage=1h) && maxage=30m'] },
  { cbt: ['ls', 't1'], out: familyTable([['cf1', 'versions() > 1'], ['cf2', '(versions() > 2 && age() > 12h)'], ['cf3', '((versions() > 1 || age() > 1h) && age() > 30m)']]) },
  { cbt: ['setgcpolicy', 't1', 'cf2', 'never'] },
  { cbt: ['setgcpolicy', 't1', 'cf3', 'maxage=90m'] },
  { cbt: ['ls', 't1'], out: familyTable([['cf1', 'versions() > 1'], ['cf2', ''], ['cf3', 'age() > 90m']]) },
  { cbt: ['setgcpolicy', 't1', 'nofam', 'maxversions=1'], fails: 'NotFound', on: { emulator: { why: 'emulatorUnknownFamilyCode', fails: 'Unknown' } } },
  { cbt: ['setgcpolicy', 'nosuch', 'cf1', 'maxversions=1'], fails: 'NotFound' },

  // --- GC rules hide what they condemn (table gc, one row k)
  { cbt: ['createtable', 'gc', 'families=v:maxversions=2,a:maxage=1h,u:maxversions=1||maxage=1h,i:maxversions=1&&maxage=1h'] },
  { cbt: ['ls', 'gc'], out: familyTable(GC_FAMILIES) },
  { cbt: ['set', 'gc', 'k', 'v:c=1@1000', 'v:c=2@2000', 'v:c=3@3000', 'a:old=o@1000', 'a:new=n', 'u:c=u1@1000', 'u:c=u2@2000', 'u:n=un', 'i:c=i1@1000', 'i:c=i2@2000', 'i:n=in'] },
  { cbt: ['lookup', 'gc', 'k'], out: lookup(gcCollected), on: { emulator: { why: 'emulatorLazyGc', out: gcPartial.map((r) => lookup(r)) } } },
  { cbt: ['read', 'gc'], out: rows(gcCollected), on: { emulator: { why: 'emulatorLazyGc', out: gcPartial.map((r) => rows(r)) } } },
  { cbt: ['count', 'gc'], out: count(1) },
  { cbt: ['setgcpolicy', 'gc', 'v', 'maxversions=1'] },
  {
    cbt: ['lookup', 'gc', 'k', 'columns=v:'],
    out: lookup(row('k', cell('v:c', 3000, '3'))),
    on: { emulator: { why: 'emulatorLazyGc', out: [1, 2, 3].map((n) => lookup(row('k', ...[cell('v:c', 3000, '3'), cell('v:c', 2000, '2'), cell('v:c', 1000, '1')].slice(0, n)))) } },
  },

  // --- deleteallrows empties a table that stays usable
  { cbt: ['deleteallrows', 't1'] },
  { cbt: ['count', 't1'], out: count(0) },
  { cbt: ['read', 't1'] },
  { cbt: ['ls', 't1'], out: familyTable([['cf1', 'versions() > 1'], ['cf2', ''], ['cf3', 'age() > 90m']]) },
  { cbt: ['set', 't1', 'b1', 'cf1:q=again'] },
  { cbt: ['read', 't1'], out: rows(row('b1', cell('cf1:q', NOW, 'again'))) },
  { cbt: ['deleteallrows', 'nosuch'], fails: 'NotFound' },

  // --- aggregate families (createtable's <family>:<gcpolicy>:<type>) and addtocell
  { cbt: ['createtable', 'agg', 'families=s:never:intsum,mn:maxversions=1:intmin,mx:never:INTMAX,p:never'] },
  { cbt: ['ls', 'agg'], out: familyTable([['mn', 'versions() > 1', aggregateType('min')], ['mx', '', aggregateType('max')], ['p', ''], ['s', '', aggregateType('sum')]]) },
  { cbt: ['addtocell', 'agg', 'r', 's:c=5@1000', 's:c=7@1000', 'mn:c=9@1000', 'mn:c=3@1000', 'mn:c=5@1000', 'mx:c=9@1000', 'mx:c=3@1000', 'mx:c=5@1000'] },
  // cbt reads values and timestamps with Go's ParseInt (0x10 = 16) and cuts timestamps to milliseconds (1234 → 1000).
  { cbt: ['addtocell', 'agg', 'r', 's:c=-2@1234', 's:c=0x10@2000', 's:n=1'] },
  { cbt: ['lookup', 'agg', 'r'], out: lookup(aggRow(3n, 9n)), on: { emulator: { why: 'emulatorMinMax', out: lookup(aggRow(5n, 5n)) } } },
  { cbt: ['read', 'agg', 'columns=s:c', 'cells-per-column=1'], out: rows(row('r', cell('s:c', 2000, int64Value(16n)))) },
  { cbt: ['addtocell', 'agg', 'r', 'p:c=1@1000'], fails: 'InvalidArgument', on: { emulator: { why: 'emulatorAggregateIntoPlainFamily', fails: 'Unknown' } } },
  { cbt: ['addtocell', 'agg', 'r', 'nofam:c=1'], fails: 'NotFound', on: { emulator: { why: 'emulatorUnknownFamilyCode', fails: 'Unknown' } } },
  { cbt: ['addtocell', 'nosuch', 'r', 's:c=1'], fails: 'NotFound' },
  // A deleted cell starts again from the next input.
  { cbt: ['deletecolumn', 'agg', 'r', 's', 'c'] },
  { cbt: ['addtocell', 'agg', 'r', 's:c=4@1000'] },
  { cbt: ['lookup', 'agg', 'r', 'columns=s:c'], out: lookup(row('r', cell('s:c', 1000, int64Value(4n)))) },
  { cbt: ['deletetable', 'agg'] },

  // --- deletetable
  { cbt: ['deletetable', 't2'] },
  { cbt: ['ls'], out: ls('gc', 't1') },
  { cbt: ['deletetable', 't2'], fails: 'NotFound' },
  { cbt: ['read', 't2'], fails: 'NotFound' },
  { cbt: ['deletetable', 'gc'] },
  { cbt: ['deletetable', 't1'] },
  { cbt: ['ls'] },
];

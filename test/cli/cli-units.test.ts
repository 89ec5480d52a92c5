/** The pure pieces of the CLI: cbt's output formats, GC policy parsing, shell words, CSV, the progress bar. */
import { describe, expect, it } from 'vitest';
import { maxAge, maxVersions, never, union } from '../../src/client/index.js';
import { formatGcPolicy, formatRow, formatTimestamp, formatValueType, goQuote, tabwrite } from '../../src/cli/cbt-format.js';
import { parseAddToCellArg, parseCellArg, parseGoInt } from '../../src/cli/cell-args.js';
import { allCommands, helpText } from '../../src/cli/commands.js';
import { parseFamilies } from '../../src/cli/family-args.js';
import { parseGcPolicy } from '../../src/cli/gc-policy-parse.js';
import { splitWords } from '../../src/cli/shell-words.js';
import { csvRows, parseCsv } from '../../src/cli/csv-import.js';
import { ProgressBar } from '../../src/cli/progress-bar.js';
import { complete } from '../../src/cli/shell.js';

describe('cbt formats', () => {
  it('quotes values as Go %q does', () => {
    expect(goQuote(Buffer.from('plain'))).toBe('"plain"');
    expect(goQuote(Buffer.from([0x00, 0x07, 0x0a, 0x7f, 0xff, 0x22, 0x5c]))).toBe('"\\x00\\a\\n\\x7f\\xff\\"\\\\"');
    expect(goQuote(Buffer.from('é€😀', 'utf8'))).toBe('"é€😀"');
    expect(goQuote(Buffer.from('\u200b', 'utf8'))).toBe('"\\u200b"');
    expect(goQuote(Buffer.from([0xe2, 0x82]))).toBe('"\\xe2\\x82"');
  });
  it('formats timestamps and rows', () => {
    expect(formatTimestamp(1_000)).toMatch(/^\d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d\.001000$/);
    const row = formatRow(Buffer.from('k'), [{ family: 'cf', qualifier: Buffer.from('q'), timestamp: 2_000, value: Buffer.from('v') }]);
    expect(row.split('\n')).toEqual(['-'.repeat(40), 'k', `  ${'cf:q'.padEnd(40)} @ ${formatTimestamp(2_000)}`, '    "v"', '', '']);
  });
  it('aligns like Go tabwriter(10, 8, 4, tab)', () => {
    expect(tabwrite([['Family Name', 'GC Policy', 'V'], ['cf', '', '{}']])).toBe('Family Name\tGC Policy\tV\ncf\t\t\t\t{}\n');
  });
  it('renders GC policies as cbt does', () => {
    expect(formatGcPolicy(never())).toBe('');
    expect(formatGcPolicy(union(maxAge('36h'), maxVersions(2)))).toBe('(age() > 36h || versions() > 2)');
    expect(formatGcPolicy(maxAge('1d'))).toBe('age() > 1d');
  });
  it('renders value types as cbt 1.23.2 does (Go protojson, a space after the comma)', () => {
    expect(formatValueType(undefined)).toBe('{}');
    expect(formatValueType('sum')).toBe('{"aggregateType":{"inputType":{"int64Type":{"encoding":{"bigEndianBytes":{}}}}, "sum":{}}}');
    expect(formatValueType('hllppUniqueCount')).toBe('{"aggregateType":{"inputType":{"int64Type":{"encoding":{"bigEndianBytes":{}}}}, "hllppUniqueCount":{}}}');
  });
});

describe('addtocell arguments', () => {
  it('parse integers as Go\'s strconv.ParseInt(s, 0, 64) (cases checked against cbt 1.23.2)', () => {
    const ok: [string, bigint][] = [
      ['12', 12n], ['-3', -3n], ['+5', 5n], ['0', 0n], ['00', 0n], ['010', 8n], ['0x10', 16n], ['0X1F', 31n], ['-0x10', -16n], ['0x_1f', 31n],
      ['0o_7', 7n], ['0_7', 7n], ['0B11', 3n], ['+0b1', 1n], ['1_0', 10n], ['-1_0', -10n],
      ['9223372036854775807', (1n << 63n) - 1n], ['-9223372036854775808', -(1n << 63n)],
    ];
    for (const [s, n] of ok) expect(parseGoInt(s), s).toBe(n);
    const bad = ['', '+', '-', ' 1', '1 ', '1e3', '1.5', 'abc', '08', '0x', '0x1g', '1__0', '_1', '1_', '0_', '++1', '9223372036854775808', '-9223372036854775809'];
    for (const s of bad) expect(parseGoInt(s), s).toBeUndefined();
  });

  it('set\'s cells split as addtocell\'s: Go integer timestamps cut to milliseconds, -1 the server\'s time, any other @ kept in the value', () => {
    expect(parseCellArg('cf:h=hex@0x7d0', 'set')).toEqual({ family: 'cf', qualifier: Buffer.from('h'), value: 'hex', timestamp: 2000 });
    expect(parseCellArg('cf:m=v@4321', 'set')).toEqual({ family: 'cf', qualifier: Buffer.from('m'), value: 'v', timestamp: 4000 });
    expect(parseCellArg('cf:s=v@-1', 'set')).toEqual({ family: 'cf', qualifier: Buffer.from('s'), value: 'v', timestamp: -1 });
    expect(parseCellArg('cf:n=mail@example.com', 'set')).toEqual({ family: 'cf', qualifier: Buffer.from('n'), value: 'mail@example.com' });
    expect(parseCellArg('cf2:k=a=b:c@1_000', 'set')).toEqual({ family: 'cf2', qualifier: Buffer.from('k'), value: 'a=b:c', timestamp: 1000 });
    expect(() => parseCellArg('novalue', 'set')).toThrow('set: bad argument "novalue" (want family:column=value[@timestamp])');
    expect(() => parseCellArg('cf:c=v@-2000', 'set')).toThrow('set: bad timestamp -2000');
  });

  it('split family:column=value[@timestamp] as cbt\'s unanchored regexp does; timestamps cut to milliseconds', () => {
    expect(parseAddToCellArg('s:c=5')).toEqual({ family: 's', qualifier: Buffer.from('c'), value: 5n });
    expect(parseAddToCellArg('s:c=-5@1234')).toEqual({ family: 's', qualifier: Buffer.from('c'), value: -5n, timestamp: 1000 });
    expect(parseAddToCellArg('s:c=0x10@0x10')).toEqual({ family: 's', qualifier: Buffer.from('c'), value: 16n, timestamp: 0 });
    expect(parseAddToCellArg('s:=1@2000')).toEqual({ family: 's', qualifier: Buffer.alloc(0), value: 1n, timestamp: 2000 });
    expect(parseAddToCellArg('s:a:b=3')).toEqual({ family: 's', qualifier: Buffer.from('a:b'), value: 3n });
    expect(parseAddToCellArg('x=y:c=7').family).toBe('x=y');
    expect(parseAddToCellArg(':s:c=5')).toEqual({ family: 's', qualifier: Buffer.from('c'), value: 5n }); // the match starts after the ':'
    expect(parseAddToCellArg('s:c=7\nrest').value).toBe(7n); // Go's `.` stops at a newline
    expect(() => parseAddToCellArg('s:c=7\r')).toThrow(/Only int values .*"7\r"/); // but not at a carriage return
    expect(parseAddToCellArg('\xc3\xa9:\xff=1')).toEqual({ family: 'é', qualifier: Buffer.from([0xff]), value: 1n });
    const fails: [string, RegExp][] = [
      ['s:c=abc', /^Only int values are supported by addtocell: "abc" in "s:c=abc"/],
      ['s:c=5@x', /Only int values .*"5@x" in "s:c=5@x"/], // an @ that is no timestamp stays in the value
      ['s:c=5@1@2000', /Only int values .*"5@1" in/],
      ['s:c=1.5', /Only int values .*"1\.5"/],
      ['s:c=9223372036854775808', /Only int values/],
      ['nocolon=1', /addtocell: bad argument "nocolon=1"/],
      [':c=1', /addtocell: bad argument ":c=1"/],
      ['s:c=1@-1', /addtocell: bad timestamp -1 in "s:c=1@-1"/],
      ['s:c=1@-5000', /bad timestamp -5000/],
      ['s:c=1@9223372036854775807', /bad timestamp 9223372036854775807/],
    ];
    for (const [arg, re] of fails) expect(() => parseAddToCellArg(arg), arg).toThrow(re);
  });
});

describe('createtable families', () => {
  it('take cbt\'s <family>[:<gcpolicy>[:<type>]] with types intsum, intmin, intmax, inthll in any case', () => {
    expect(parseFamilies('a,b:maxversions=2,c:never:intsum,d:maxage=1d:INTMAX,e:maxversions=1:IntMin,h:never:inthll')).toEqual({
      a: undefined,
      b: maxVersions(2),
      c: { gcRule: never(), aggregate: 'sum' },
      d: { gcRule: maxAge('1d'), aggregate: 'max' },
      e: { gcRule: maxVersions(1), aggregate: 'min' },
      h: { gcRule: never(), aggregate: 'hllppUniqueCount' },
    });
    expect(parseFamilies('')).toEqual({});
    expect(() => parseFamilies('x:never:avg')).toThrow(/createtable: unknown type "avg" in "x:never:avg" \(want intsum, intmin, intmax, inthll\)/);
    expect(() => parseFamilies('x:never:')).toThrow(/unknown type ""/);
    expect(() => parseFamilies('x:never:intsum:y')).toThrow(/createtable: bad family "x:never:intsum:y"/);
    expect(() => parseFamilies(':never')).toThrow(/empty family name/);
    expect(() => parseFamilies('x::intsum')).toThrow(/GC policy/);
  });
});

describe('help', () => {
  it('lists addtocell first, as cbt does, and explains its value and the createtable types', async () => {
    expect(helpText().split('\n')[2]).toBe('tabula addtocell\tAdd a value to an aggregate cell (write)');
    const out: string[] = [];
    const help = allCommands().find((c) => c.name === 'help')!;
    const ctx = { conn: undefined as never, out: (s: string) => { out.push(s); }, err: () => undefined, progress: { write: () => true } };
    await help.run(ctx, ['addtocell']);
    expect(out.join('')).toMatch(/^tabula addtocell <table> <row> \[app-profile=<app-profile-id>\] <family>:<column>=<val>\[@<timestamp>\] \.\.\.\n\n {2}Add a value/);
    expect(out.join('')).toContain('\n  <val> is an integer as Go reads one');
    out.length = 0;
    await help.run(ctx, ['createtable']);
    expect(out.join('')).toContain('intsum, intmin or intmax');
  });
});

describe('parsing', () => {
  it('parses GC policies', () => {
    expect(parseGcPolicy('never')).toEqual(never());
    expect(parseGcPolicy('maxversions=3')).toEqual(maxVersions(3));
    expect(parseGcPolicy('maxage=1d||maxversions=1')).toEqual(union(maxAge('1d'), maxVersions(1)));
    expect(parseGcPolicy('maxage=1d and maxversions=1').kind).toBe('intersection');
    expect(() => parseGcPolicy('maxversions=0')).toThrow(/maxversions/);
    expect(() => parseGcPolicy('maxage=1d xor maxversions=1')).toThrow(/"and" or "or"/);
  });
  it('splits shell words with quotes and \\x escapes', () => {
    expect(splitWords(`set t 'a b' "c\\"d" \\x00\\xff e\\ f`)).toEqual(['set', 't', 'a b', 'c"d', '\x00\xff', 'e f']);
    expect(Buffer.from(splitWords('é')[0]!, 'latin1').toString('utf8')).toBe('é');
    expect(() => splitWords('a \\xZZ')).toThrow(/\\xZZ/);
    expect(() => splitWords("a 'open")).toThrow(/quote/);
  });
  it('parses cbt CSV layouts', () => {
    const recs = parseCsv(',f1,,f2\n,a,b,c\nk1,1,,"x,""y"""\r\nk2,,2,\n');
    expect(csvRows(recs, {})).toEqual([
      { key: 'k1', cells: [{ family: 'f1', qualifier: 'a', value: '1' }, { family: 'f2', qualifier: 'c', value: 'x,"y"' }] },
      { key: 'k2', cells: [{ family: 'f1', qualifier: 'b', value: '2' }] },
    ]);
    expect(csvRows(parseCsv(',a\nk,v@5000\n'), { family: 'cf', valueEncodedTimestamps: true })).toEqual([{ key: 'k', cells: [{ family: 'cf', qualifier: 'a', value: 'v', timestamp: 5000 }] }]);
    expect(() => csvRows(parseCsv('x,f\n,a\n'), {})).toThrow(/first cell/);
  });
});

describe('shell completion', () => {
  it('completes commands, then table names', async () => {
    const tables = async () => ['alpha', 'beta', 'alps'];
    expect(await complete('deletet', tables)).toEqual([['deletetable '], 'deletet']);
    expect((await complete('de', tables))[0]).toEqual(expect.arrayContaining(['deletetable', 'deleterow']));
    expect(await complete('read al', tables)).toEqual([['alpha', 'alps'], 'al']);
    expect(await complete('read be', tables)).toEqual([['beta '], 'be']);
    expect(await complete('read beta x', tables)).toEqual([[], 'x']);
    expect(await complete('addtocell be', tables)).toEqual([['beta '], 'be']);
    expect(await complete('addt', tables)).toEqual([['addtocell '], 'addt']);
  });
});

describe('progress bar', () => {
  it('draws only on a TTY', () => {
    const written: string[] = [];
    const tty = { isTTY: true, columns: 80, write: (s: string) => written.push(s) };
    const bar = new ProgressBar(tty, 'importing', 10);
    bar.tick(5);
    expect(bar.render()).toMatch(/^importing \[#+ +\] 5\/10 50%$/);
    bar.finish();
    expect(written.join('')).toContain('5/10');
    const piped: string[] = [];
    const plain = new ProgressBar({ write: (s: string) => piped.push(s) }, 'importing', 10);
    plain.tick(10);
    plain.finish();
    expect(piped).toEqual([]);
  });
});

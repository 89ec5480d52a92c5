/** The pure pieces of the CLI: cbt's output formats, GC policy parsing, shell words, CSV, the progress bar. */
import { describe, expect, it } from 'vitest';
import { maxAge, maxVersions, never, union } from '../../src/client/index.js';
import { formatGcPolicy, formatRow, formatTimestamp, goQuote, tabwrite } from '../../src/cli/cbt-format.js';
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

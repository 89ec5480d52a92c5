import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/base/errors.js';
import { compileByteRegex, rewriteAnyByte } from '../../src/tablet/filter/byte-regex.js';

const bytes = (...xs: number[]): Buffer => Buffer.from(xs);
const m = (pattern: string, subject: Buffer | string): boolean =>
  compileByteRegex(pattern, 'f').matchBytes(typeof subject === 'string' ? Buffer.from(subject, 'latin1') : subject);

describe('rewriteAnyByte', () => {
  it.each([
    ['\\C', '(?s:.)'],
    ['a\\C*b', 'a(?s:.)*b'],
    ['\\\\C', '\\\\C'], // escaped backslash, then a literal C
    ['\\\\\\C', '\\\\(?s:.)'],
    ['[\\C]', '[\\C]'], // inside a class: left for RE2 to reject
    ['[]\\C]\\C', '[]\\C](?s:.)'], // ']' first in a class is literal
    ['[^]\\C]\\C', '[^]\\C](?s:.)'],
    ['[[:alpha:]\\C]\\C', '[[:alpha:]\\C](?s:.)'],
    ['\\Qa\\Cb\\E\\C', '\\Qa\\Cb\\E(?s:.)'], // \Q...\E quotes
    ['abc', 'abc'],
  ])('%s -> %s', (input, want) => {
    expect(rewriteAnyByte(input)).toBe(want);
  });
});

describe('compileByteRegex', () => {
  it('is a full match, not a search', () => {
    expect(m('abc', 'abc')).toBe(true);
    expect(m('abc', 'xabc')).toBe(false);
    expect(m('abc', 'abcx')).toBe(false);
    expect(m('b', 'abc')).toBe(false);
    expect(m('a|ab', 'ab')).toBe(true); // full match must consider the longer alternative
    expect(m('', '')).toBe(true);
    expect(m('', 'a')).toBe(false);
  });

  it('. does not match newline; \\C matches any byte', () => {
    expect(m('a.b', 'a\nb')).toBe(false);
    expect(m('a\\Cb', 'a\nb')).toBe(true);
    for (let x = 0; x < 256; x++) expect(m('\\C', bytes(x))).toBe(true);
    expect(m('\\C', bytes(0xc3, 0xa9))).toBe(false); // one byte, not one UTF-8 character
    expect(m('\\C\\C', bytes(0xc3, 0xa9))).toBe(true);
  });

  it('matches raw bytes as Latin-1, pattern bytes included', () => {
    expect(m('\\xff\\x00', bytes(0xff, 0x00))).toBe(true);
    expect(m(Buffer.from([0xff, 0x2a]).toString('latin1'), bytes(0xff, 0xff, 0xff))).toBe(true); // "\xff*"
    expect(m('[\\x80-\\xff]+', bytes(0x80, 0xaa, 0xff))).toBe(true);
    expect(m('[^a]', bytes(0xe9))).toBe(true);
    expect(m('.', bytes(0xe9))).toBe(true);
    // A UTF-8 pattern "é" is two bytes and matches the two UTF-8 bytes of the subject.
    expect(m(Buffer.from('é', 'utf8').toString('latin1'), Buffer.from('é', 'utf8'))).toBe(true);
  });

  it('matchString works on family names', () => {
    const re = compileByteRegex('fam.*', 'f');
    expect(re.matchString('family')).toBe(true);
    expect(re.matchString('xfamily')).toBe(false);
    expect(compileByteRegex('cf1', 'f').matchString('cf1')).toBe(true);
    expect(compileByteRegex('cf1', 'f').matchString('cf10')).toBe(false);
  });

  it('rejects invalid patterns with InvalidArgumentError naming the field', () => {
    for (const bad of ['(a', '[\\C]', 'a{1001}', '\\', '*a', '(?<name', '\\8']) {
      let err: unknown;
      try {
        compileByteRegex(bad, 'filter.value_regex_filter');
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(/^filter\.value_regex_filter: invalid regex/);
    }
  });

  it('literal fast path agrees with the regex engine', () => {
    // A '(?:)' prefix forces the engine path for the same literal pattern.
    const lit = fc.stringMatching(/^[a-z0-9_#:\- ]{0,6}$/);
    fc.assert(
      fc.property(lit, lit, (p, s) => {
        const subject = Buffer.from(s, 'latin1');
        expect(m(p, subject)).toBe(m('(?:)' + p, subject));
        expect(m(p, subject)).toBe(p === s);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * RE2 full-match regexes over raw bytes, as RowFilter regex filters require
 * (data.proto: RE2 syntax, RE2::Latin1 mode, full match, `\C` = any byte).
 *
 * re2js works on JS strings, so bytes are mapped 1:1 to Latin-1 characters
 * (U+0000..U+00FF): the pattern is the Latin-1 decoding of its bytes and the
 * subject is the Latin-1 decoding of the key/qualifier/value. re2js does not
 * know `\C`, so it is rewritten to `(?s:.)` (any character = any byte here).
 * Never uses JavaScript RegExp (different semantics).
 */
import { RE2JS } from 're2js';
import { bytesEqual } from '../../base/bytes.js';
import { InvalidArgumentError } from '../../base/errors.js';

/** A compiled full-match regex. Stateless and reusable; compile once per request. */
export interface ByteRegex {
  /** True when the whole of `b` (bytes read as Latin-1) matches. */
  matchBytes(b: Buffer): boolean;
  /** True when the whole of `s` (a Latin-1/ASCII string) matches. */
  matchString(s: string): boolean;
}

/** Characters with a meaning in RE2 syntax; a pattern without any of them is a literal. */
const META = /[\\.+*?()|[\]{}^$]/;

/**
 * Compiles `pattern` (a Latin-1 string: one char per pattern byte).
 * Throws InvalidArgumentError naming `field` when RE2 rejects the pattern.
 */
export function compileByteRegex(pattern: string, field: string): ByteRegex {
  if (!META.test(pattern)) return literalRegex(pattern);
  const rewritten = rewriteAnyByte(pattern);
  if (rewritten === '(?s:.)*') return ANYTHING;
  let re: RE2JS;
  try {
    re = RE2JS.compile(rewritten);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new InvalidArgumentError(`${field}: invalid regex: ${msg}`);
  }
  return {
    matchBytes: (b) => re.testExact(b.toString('latin1')),
    matchString: (s) => re.testExact(s),
  };
}

/** Decodes regex bytes to the Latin-1 pattern string compileByteRegex expects. */
export function latin1(b: Buffer): string {
  return b.toString('latin1');
}

const ANYTHING: ByteRegex = { matchBytes: () => true, matchString: () => true };

/** Fast path: a pattern with no metacharacters matches exactly itself. */
function literalRegex(pattern: string): ByteRegex {
  const bytes = Buffer.from(pattern, 'latin1');
  return {
    matchBytes: (b) => bytesEqual(b, bytes),
    matchString: (s) => s === pattern,
  };
}

/**
 * Rewrites every `\C` outside character classes and `\Q...\E` quotes to
 * `(?s:.)`. Other escapes are copied untouched (so `\\C` stays a literal
 * backslash followed by `C`). `\C` inside a class is left for RE2 to reject,
 * as RE2 does.
 */
export function rewriteAnyByte(p: string): string {
  if (p.indexOf('\\C') < 0) return p;
  let out = '';
  let i = 0;
  let inClass = false;
  // Index at which a ']' would still be a literal (right after '[' or '[^').
  let classBodyStart = -1;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const d = p[i + 1];
      if (d === undefined) {
        out += c; // trailing backslash: RE2 reports it
        i++;
      } else if (d === 'Q' && !inClass) {
        const end = p.indexOf('\\E', i + 2);
        const stop = end < 0 ? p.length : end + 2;
        out += p.slice(i, stop);
        i = stop;
      } else if (d === 'C' && !inClass) {
        out += '(?s:.)';
        i += 2;
      } else {
        out += c + d;
        i += 2;
      }
      continue;
    }
    if (inClass) {
      if (c === '[' && p[i + 1] === ':') {
        const end = p.indexOf(':]', i + 2);
        if (end >= 0) {
          out += p.slice(i, end + 2);
          i = end + 2;
          continue;
        }
      }
      if (c === ']' && i > classBodyStart) inClass = false;
      out += c;
      i++;
      continue;
    }
    out += c;
    i++;
    if (c === '[') {
      inClass = true;
      if (p[i] === '^') {
        out += '^';
        i++;
      }
      classBodyStart = i;
    }
  }
  return out;
}

/**
 * Splits a shell line into words, as byte strings (one char per byte, 0–255;
 * text is UTF-8 encoded). Whitespace separates words; '…' is literal; "…" and
 * bare words take backslash escapes: \xNN (any byte, for binary keys), \\,
 * \", \', \n, \t and \  (a space).
 */
import { CliError } from './cli-error.js';

const utf8Bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const escape = (): void => {
    const next = line[i + 1];
    if (next === undefined) throw new CliError('trailing backslash');
    if (next === 'x') {
      const hex = line.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new CliError(`bad escape "\\x${hex}" (want \\x followed by two hex digits)`);
      word += String.fromCharCode(parseInt(hex, 16));
      i += 4;
      return;
    }
    word += next === 'n' ? '\n' : next === 't' ? '\t' : utf8Bytes(next);
    i += 2;
  };
  while (i < line.length) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (inWord) { words.push(word); word = ''; inWord = false; }
      i++;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new CliError('unterminated single quote');
      word += utf8Bytes(line.slice(i + 1, end));
      i = end + 1;
    } else if (ch === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\') escape();
        else { word += utf8Bytes(line[i]!); i++; }
      }
      if (i >= line.length) throw new CliError('unterminated double quote');
      i++;
    } else if (ch === '\\') escape();
    else {
      const cp = line.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      word += utf8Bytes(s);
      i += s.length;
    }
  }
  if (inWord) words.push(word);
  return words;
}

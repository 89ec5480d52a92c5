/**
 * cbt's GC policy expressions: `never`, `maxage=1d`, `maxversions=2`, joined by
 * `and`/`&&` (intersection) or `or`/`||` (union); one kind of joiner per expression.
 */
import { intersection, maxAge, maxVersions, never, parseDuration, union, type GcRule } from '../client/index.js';
import { CliError } from './cli-error.js';

export function parseGcPolicy(text: string): GcRule {
  const words = text.replace(/&&/g, ' and ').replace(/\|\|/g, ' or ').trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 1 && words[0] === 'never') return never();
  if (words.length === 0 || words.length % 2 === 0) throw new CliError(`bad GC policy "${text}" (want maxage=<d> | maxversions=<n> [(and|or) …] | never)`);
  const terms: GcRule[] = [];
  let op: string | undefined;
  words.forEach((w, i) => {
    if (i % 2 === 1) {
      if (w !== 'and' && w !== 'or') throw new CliError(`bad GC policy "${text}": expected "and" or "or", got "${w}"`);
      if (op !== undefined && op !== w) throw new CliError(`bad GC policy "${text}": cannot mix "and" and "or"`);
      op = w;
      return;
    }
    const m = /^(maxage|maxversions)=(.+)$/.exec(w);
    if (!m) throw new CliError(`bad GC policy term "${w}" (want maxage=<d> or maxversions=<n>)`);
    if (m[1] === 'maxversions') {
      if (!/^\d+$/.test(m[2]!) || Number(m[2]) < 1) throw new CliError(`bad maxversions "${m[2]}" (want a positive integer)`);
      terms.push(maxVersions(Number(m[2])));
    } else {
      let ms: number;
      try {
        ms = parseDuration(m[2]!);
      } catch {
        throw new CliError(`bad maxage "${m[2]}" (use e.g. 1d, 12h, 30m, 10s, 500ms)`);
      }
      terms.push(maxAge(ms));
    }
  });
  if (terms.length === 1) return terms[0]!;
  return op === 'and' ? intersection(...terms) : union(...terms);
}

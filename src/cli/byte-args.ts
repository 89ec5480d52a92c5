/**
 * Command arguments are byte strings, one char per byte (see shell-words.ts),
 * so binary row keys survive; these turn them into bytes, or into names
 * (tables, families) decoded as UTF-8.
 */

/** The bytes of a byte-string argument. */
export const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
/** A name (table, family) from a byte-string argument. */
export const text = (s: string): string => bytes(s).toString('utf8');

/**
 * addtocell's cell arguments as cbt reads them: `<family>:<column>=<val>[@<timestamp>]`
 * matched by cbt's unanchored regexp ([^:]+):([^=]*)=(.*), the value and the
 * timestamp parsed by Go's strconv.ParseInt(s, 0, 64) — so 0x1f, 0o17, 017,
 * 0b11 and 1_000 are integers too, and an `@…` that does not parse stays part
 * of the value (which then is not an int). Arguments are byte strings (one
 * char per byte, see shell-words.ts).
 */
import { bytes, text } from './byte-args.js';
import { CliError } from './cli-error.js';

export interface AddToCellArg {
  family: string;
  qualifier: Buffer;
  value: bigint;
  /** Microseconds, already truncated to milliseconds; undefined = now. */
  timestamp?: number;
}

// Go's `.` stops at \n only (JS's also at \r), hence [^\n].
const CELL_ARG = /([^:]+):([^=]*)=([^\n]*)/;
const MAX_I64 = (1n << 63n) - 1n;

/** A `<family>:<column>=<val>[@<timestamp>]` argument as cbt splits it; `value` still a byte string. */
export interface CellArg {
  family: string;
  qualifier: Buffer;
  value: string;
  /** Microseconds, already truncated to milliseconds, or -1 (cbt's "server time"); undefined = now. */
  timestamp?: number;
}

/** Splits one set / addtocell cell argument as cbt does; a CliError names the command and the argument. */
export function parseCellArg(arg: string, command: string): CellArg {
  const show = text(arg);
  const m = CELL_ARG.exec(arg);
  if (!m) throw new CliError(`${command}: bad argument "${show}" (want family:column=value[@timestamp])`);
  let value = m[3]!;
  let ts: bigint | undefined;
  const at = value.lastIndexOf('@');
  if (at >= 0) {
    ts = parseGoInt(value.slice(at + 1));
    if (ts !== undefined) value = value.slice(0, at);
  }
  const out: CellArg = { family: text(m[1]!), qualifier: bytes(m[2]!), value };
  if (ts !== undefined) {
    // cbt's Go client truncates to milliseconds (Bigtable's granularity), keeping -1 (its "server time").
    const ms = ts === -1n ? ts : ts - (ts % 1000n);
    if ((ms < 0n && ms !== -1n) || ms > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CliError(`${command}: bad timestamp ${ts} in "${show}" (want microseconds since 1970, not negative)`);
    }
    out.timestamp = Number(ms);
  }
  return out;
}

/** Parses one addtocell cell argument; a CliError names the argument. */
export function parseAddToCellArg(arg: string): AddToCellArg {
  const { value: raw, timestamp, ...cell } = parseCellArg(arg, 'addtocell');
  if (timestamp === -1) throw new CliError(`addtocell: bad timestamp -1 in "${text(arg)}" (want microseconds since 1970, not negative)`);
  const value = parseGoInt(raw);
  if (value === undefined) {
    throw new CliError(`Only int values are supported by addtocell: "${text(raw)}" in "${text(arg)}" is not a 64-bit integer`);
  }
  return { ...cell, value, ...(timestamp === undefined ? {} : { timestamp }) };
}

/**
 * Go's strconv.ParseInt(s, 0, 64): optional sign; 0x, 0o, 0b prefixes (any
 * case) or a leading 0 for octal; underscores only between digits (or after a
 * prefix). Undefined where Go answers an error (syntax, or outside int64).
 */
export function parseGoInt(s: string): bigint | undefined {
  let body = s;
  const neg = body.startsWith('-');
  if (neg || body.startsWith('+')) body = body.slice(1);
  if (body === '') return undefined;
  let base = 10;
  let digits = body;
  if (body[0] === '0') {
    const prefix = body.length >= 3 ? lower(body.charCodeAt(1)) : 0;
    base = prefix === 0x78 ? 16 : prefix === 0x6f ? 8 : prefix === 0x62 ? 2 : 8;
    digits = prefix === 0x78 || prefix === 0x6f || prefix === 0x62 ? body.slice(2) : body.slice(1);
  }
  let n = 0n;
  let underscores = false;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c === 0x5f) { underscores = true; continue; }
    const l = lower(c);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : l >= 0x61 && l <= 0x7a ? l - 0x61 + 10 : 99;
    if (d >= base) return undefined;
    n = n * BigInt(base) + BigInt(d);
  }
  if (underscores && !underscoreOK(body)) return undefined;
  if (neg ? n > MAX_I64 + 1n : n > MAX_I64) return undefined;
  return neg ? -n : n;
}

function lower(c: number): number {
  return c | 0x20;
}

/** Go's strconv.underscoreOK: underscores only between digits, or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && [0x62, 0x6f, 0x78].includes(lower(s.charCodeAt(1)))) {
    i = 2;
    saw = '0';
    hex = lower(s.charCodeAt(1)) === 0x78;
  }
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (hex && lower(c) >= 0x61 && lower(c) <= 0x66)) { saw = '0'; continue; }
    if (c === 0x5f) {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

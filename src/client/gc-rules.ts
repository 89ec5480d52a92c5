/**
 * Column-family garbage-collection rules: builders over the model's GcRule
 * and its conversion to and from google.bigtable.admin.v2.GcRule messages
 * (proto-loader objects: camelCase, int64 as strings).
 *
 *   union(maxVersions(3), maxAge('7d'))   // collect if either says so
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { GcRule } from '../model/gc-rule.js';

export type { GcRule } from '../model/gc-rule.js';

/** Keeps every cell (the default of a new family). */
export function never(): GcRule {
  return { kind: 'never' };
}

/** Keeps the newest `n` (≥ 1) cells of each column. */
export function maxVersions(n: number): GcRule {
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`maxVersions: must be an integer ≥ 1, got ${n}`);
  return { kind: 'maxVersions', maxVersions: n };
}

/** Collects cells older than `age`: milliseconds, or a duration such as '1d', '12h', '30m', '10s', '500ms', '1h30m'. */
export function maxAge(age: number | string): GcRule {
  const ms = typeof age === 'number' ? age : parseDuration(age);
  if (!Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError(`maxAge: must be a non-negative duration, got ${age}`);
  return { kind: 'maxAge', maxAgeMicros: Math.round(ms * 1000) };
}

/** Garbage if any of the rules says so. */
export function union(...rules: GcRule[]): GcRule {
  return { kind: 'union', rules };
}

/** Garbage only if all of the rules say so. */
export function intersection(...rules: GcRule[]): GcRule {
  return { kind: 'intersection', rules };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses '1d', '12h', '1h30m', '500ms', '2.5s' into milliseconds. */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let pos = 0;
  const text = s.trim();
  if (text.length === 0) throw new InvalidArgumentError('duration: empty');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== text.length) throw new InvalidArgumentError(`duration: cannot parse "${s}" (use e.g. 1d, 12h, 30m, 10s, 500ms)`);
  return total;
}

function formatMicros(us: number): string {
  const ms = us / 1000;
  for (const [u, f] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= f && ms % f === 0) return `${ms / f}${u}`;
  }
  return `${ms}ms`;
}

/** A readable form in cbt's style: `versions() > 2 || age() > 7d`; never → `(none)`. */
export function formatGcRule(rule: GcRule): string {
  switch (rule.kind) {
    case 'never': return '(none)';
    case 'maxVersions': return `versions() > ${rule.maxVersions}`;
    case 'maxAge': return `age() > ${formatMicros(rule.maxAgeMicros)}`;
    case 'union':
    case 'intersection': {
      if (rule.rules.length === 0) return '(none)';
      const parts = rule.rules.map((r) => (r.kind === 'union' || r.kind === 'intersection') && r.rules.length > 1 ? `(${formatGcRule(r)})` : formatGcRule(r));
      return parts.join(rule.kind === 'union' ? ' || ' : ' && ');
    }
  }
}

/** The GcRule message of `rule` (never → empty message). */
export function gcRuleToProto(rule: GcRule): Record<string, unknown> {
  switch (rule.kind) {
    case 'never': return {};
    case 'maxVersions': return { maxNumVersions: rule.maxVersions };
    case 'maxAge': {
      const seconds = Math.floor(rule.maxAgeMicros / 1_000_000);
      const nanos = (rule.maxAgeMicros - seconds * 1_000_000) * 1000;
      return { maxAge: { seconds: String(seconds), nanos } };
    }
    case 'union': return { union: { rules: rule.rules.map(gcRuleToProto) } };
    case 'intersection': return { intersection: { rules: rule.rules.map(gcRuleToProto) } };
  }
}

type ProtoObj = Record<string, unknown>;

/** The model rule of a GcRule message as a server returned it (absent or empty → never). */
export function gcRuleFromProto(p: unknown): GcRule {
  if (p === undefined || p === null) return never();
  const r = p as ProtoObj;
  if (r.maxNumVersions !== undefined && r.maxNumVersions !== null) return { kind: 'maxVersions', maxVersions: Number(r.maxNumVersions) };
  if (r.maxAge !== undefined && r.maxAge !== null) {
    const d = r.maxAge as { seconds?: string | number; nanos?: number };
    return { kind: 'maxAge', maxAgeMicros: Number(d.seconds ?? 0) * 1_000_000 + Math.trunc((d.nanos ?? 0) / 1000) };
  }
  for (const kind of ['union', 'intersection'] as const) {
    const sub = r[kind] as { rules?: unknown[] } | undefined | null;
    if (sub !== undefined && sub !== null) return { kind, rules: (sub.rules ?? []).map(gcRuleFromProto) };
  }
  return never();
}

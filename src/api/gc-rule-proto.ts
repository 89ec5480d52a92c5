/**
 * google.bigtable.admin.v2.GcRule ⇄ model GcRule. An absent or empty GcRule
 * message means "never collect". max_age is a google.protobuf.Duration
 * ({seconds: int64 string, nanos}) held in the model as microseconds.
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { GcRule } from '../model/gc-rule.js';
import { asArray, asObject, asSafeInt } from './proto-fields.js';

const MAX_NESTING = 32;

/** Converts a GcRule message; `field` is its path, e.g. `modifications[0].create.gc_rule`. */
export function gcRuleFromProto(p: unknown, field: string, depth = 0): GcRule {
  if (depth > MAX_NESTING) throw new InvalidArgumentError(`${field}: GC rule nested too deeply`);
  const r = asObject(p, field);
  const kind = (r.rule as string | undefined) ?? (r.maxNumVersions !== undefined ? 'maxNumVersions'
    : r.maxAge !== undefined ? 'maxAge' : r.union !== undefined ? 'union'
      : r.intersection !== undefined ? 'intersection' : undefined);
  switch (kind) {
    case undefined:
      return { kind: 'never' };
    case 'maxNumVersions': {
      const n = asSafeInt(r.maxNumVersions, `${field}.max_num_versions`);
      if (n < 1) throw new InvalidArgumentError(`${field}.max_num_versions: must be at least 1, got ${n}`);
      return { kind: 'maxVersions', maxVersions: n };
    }
    case 'maxAge': {
      const d = asObject(r.maxAge, `${field}.max_age`);
      const seconds = asSafeInt(d.seconds, `${field}.max_age.seconds`);
      const nanos = asSafeInt(d.nanos, `${field}.max_age.nanos`);
      if (nanos < -999_999_999 || nanos > 999_999_999) {
        throw new InvalidArgumentError(`${field}.max_age.nanos: ${nanos} is out of range`);
      }
      const micros = seconds * 1_000_000 + Math.trunc(nanos / 1000);
      if (micros < 0 || !Number.isSafeInteger(micros)) {
        throw new InvalidArgumentError(`${field}.max_age: must be a non-negative duration within range`);
      }
      return { kind: 'maxAge', maxAgeMicros: micros };
    }
    case 'union':
    case 'intersection': {
      const sub = asObject(r[kind], `${field}.${kind}`);
      const rules = asArray(sub.rules, `${field}.${kind}.rules`)
        .map((x, i) => gcRuleFromProto(x, `${field}.${kind}.rules[${i}]`, depth + 1));
      return { kind, rules };
    }
    default:
      throw new InvalidArgumentError(`${field}: unknown GC rule kind ${String(kind)}`);
  }
}

/** Converts a model GcRule to a GcRule message (never → empty message). */
export function gcRuleToProto(rule: GcRule): Record<string, unknown> {
  switch (rule.kind) {
    case 'never':
      return {};
    case 'maxVersions':
      return { maxNumVersions: rule.maxVersions };
    case 'maxAge': {
      const seconds = Math.floor(rule.maxAgeMicros / 1_000_000);
      const nanos = (rule.maxAgeMicros - seconds * 1_000_000) * 1000;
      return { maxAge: { seconds: String(seconds), nanos } };
    }
    case 'union':
      return { union: { rules: rule.rules.map(gcRuleToProto) } };
    case 'intersection':
      return { intersection: { rules: rule.rules.map(gcRuleToProto) } };
  }
}

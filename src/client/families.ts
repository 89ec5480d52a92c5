/**
 * Column families as createTable and modifyFamilies take them: a GC rule
 * alone, or `{ gcRule, aggregate }` for an aggregate family, whose cells
 * combine the int64s written to them (Table.addToCell, RowMutations
 * .addToCell / .mergeToCell) instead of keeping versions side by side.
 *
 *   families: { cf: maxVersions(1), hits: { aggregate: 'sum' }, peak: { aggregate: 'max', gcRule: maxAge('30d') } }
 *
 * The value type sent is Bigtable's Type.Aggregate with an int64 input in
 * big-endian encoding. Tabula implements sum, min and max;
 * hllppUniqueCount (HyperLogLog++) is there for servers that have it
 * (Bigtable, the emulator): Tabula answers it UNIMPLEMENTED.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { gcRuleToProto, never, type GcRule } from './gc-rules.js';
import type { ProtoObject } from './rpc.js';

/** How an aggregate family combines the values written to a cell. */
export type Aggregator = 'sum' | 'min' | 'max' | 'hllppUniqueCount';

export const AGGREGATORS: readonly Aggregator[] = ['sum', 'min', 'max', 'hllppUniqueCount'];

export interface FamilySpec {
  /** Default: never (keep everything). */
  gcRule?: GcRule;
  /** Makes the family an aggregate family (fixed at creation: servers refuse to change it). */
  aggregate?: Aggregator;
}

/** A family to create: a GC rule, a spec, or undefined (keep everything, plain values). */
export type FamilyInput = GcRule | FamilySpec | undefined;

const SPEC_KEYS: readonly string[] = ['gcRule', 'aggregate'];
const INT64_BIG_ENDIAN = { int64Type: { encoding: { bigEndianBytes: {} } } };

/** The google.bigtable.admin.v2.ColumnFamily message of `f`; `field` names it in errors (e.g. `families.hits`). */
export function familyToProto(f: FamilyInput, field: string): ProtoObject {
  if (f === undefined) return { gcRule: gcRuleToProto(never()) };
  if (typeof f !== 'object' || f === null) throw new InvalidArgumentError(`${field}: expected a GC rule or { gcRule, aggregate }, got ${f === null ? 'null' : typeof f}`);
  if ('kind' in f) return { gcRule: gcRuleToProto(f) };
  // A misspelt option (say `aggregator`) would otherwise create a plain family without a word.
  for (const k of Object.keys(f)) {
    if (!SPEC_KEYS.includes(k)) throw new InvalidArgumentError(`${field}: unknown option "${k}" (want ${SPEC_KEYS.join(', ')})`);
  }
  const out: ProtoObject = { gcRule: gcRuleToProto(f.gcRule ?? never()) };
  if (f.aggregate !== undefined) {
    if (!AGGREGATORS.includes(f.aggregate)) {
      throw new InvalidArgumentError(`${field}.aggregate: must be one of ${AGGREGATORS.join(', ')}, got ${JSON.stringify(f.aggregate)}`);
    }
    // state_type is output only: the server derives it from the input type and aggregator.
    out.valueType = { aggregateType: { inputType: INT64_BIG_ENDIAN, [f.aggregate]: {} } };
  }
  return out;
}

/** The aggregator of a ColumnFamily.value_type as a server reports it; undefined for a plain family. */
export function aggregatorFromProto(valueType: unknown): Aggregator | undefined {
  if (typeof valueType !== 'object' || valueType === null) return undefined;
  const agg = (valueType as { aggregateType?: Record<string, unknown> | null }).aggregateType;
  if (typeof agg !== 'object' || agg === null) return undefined;
  // The member of the `aggregator` oneof that is set (an aggregator this client does not know: none).
  return AGGREGATORS.find((a) => agg[a] !== undefined && agg[a] !== null);
}

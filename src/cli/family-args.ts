/**
 * createtable's `families=` list as cbt reads it: comma-separated
 * `<family>[:<gcpolicy>[:<type>]]`, where a type makes an aggregate family
 * with an int64 input: intsum, intmin, intmax or inthll (any case; Tabula's
 * server implements the first three). Arguments are byte strings.
 */
import type { Aggregator, FamilyInput } from '../client/index.js';
import { text } from './byte-args.js';
import { CliError } from './cli-error.js';
import { parseGcPolicy } from './gc-policy-parse.js';

const TYPES: Record<string, Aggregator> = { intsum: 'sum', intmin: 'min', intmax: 'max', inthll: 'hllppUniqueCount' };

/** The families of a `families=` value, by name. */
export function parseFamilies(list: string): Record<string, FamilyInput> {
  const families: Record<string, FamilyInput> = {};
  for (const spec of list.split(',').filter((s) => s !== '')) {
    const parts = spec.split(':');
    // cbt silently ignores a type after a fourth part; refusing says what is wrong.
    if (parts.length > 3) throw new CliError(`createtable: bad family "${text(spec)}" (want <family>[:<gcpolicy>[:<type>]])`);
    const [name, policy, type] = parts.map(text) as [string, string | undefined, string | undefined];
    if (name === '') throw new CliError(`createtable: empty family name in "${text(spec)}"`);
    const gcRule = policy === undefined ? undefined : parseGcPolicy(parts[1]!);
    if (type === undefined) {
      families[name] = gcRule;
      continue;
    }
    const aggregate = TYPES[type.toLowerCase()];
    if (aggregate === undefined) throw new CliError(`createtable: unknown type "${type}" in "${text(spec)}" (want ${Object.keys(TYPES).join(', ')})`);
    families[name] = gcRule === undefined ? { aggregate } : { gcRule, aggregate };
  }
  return families;
}

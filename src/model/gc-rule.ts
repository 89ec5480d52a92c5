/**
 * Garbage-collection rules of a column family (google.bigtable.admin.v2.GcRule).
 * `undefined` / `{ kind: 'never' }` keeps everything.
 */
export type GcRule =
  | { kind: 'never' }
  | { kind: 'maxVersions'; maxVersions: number }
  | { kind: 'maxAge'; maxAgeMicros: number }
  | { kind: 'union'; rules: GcRule[] }
  | { kind: 'intersection'; rules: GcRule[] };

export const NEVER: GcRule = { kind: 'never' };

/**
 * Decides whether a cell is garbage. `version` is the cell's 0-based rank among
 * the visible cells of its column (newest = 0); `ageMicros` is now - timestamp.
 * Union: garbage if any rule says so. Intersection: only if all rules say so
 * (an empty intersection or union collects nothing).
 */
export function isGarbage(rule: GcRule, version: number, ageMicros: number): boolean {
  switch (rule.kind) {
    case 'never':
      return false;
    case 'maxVersions':
      return version >= rule.maxVersions;
    case 'maxAge':
      return ageMicros > rule.maxAgeMicros;
    case 'union':
      return rule.rules.some((r) => isGarbage(r, version, ageMicros));
    case 'intersection':
      return rule.rules.length > 0 && rule.rules.every((r) => isGarbage(r, version, ageMicros));
  }
}

/** A family's schema: its name and GC rule. */
export interface ColumnFamily {
  name: string;
  gcRule: GcRule;
}

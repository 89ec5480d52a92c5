/** fast-check arbitraries of model values for the internal RPC tests. */
import fc from 'fast-check';
import type { Cell, Row } from '../../src/model/cell.js';
import type { GcRule } from '../../src/model/gc-rule.js';
import type { KeyRange } from '../../src/model/key-range.js';
import type { Mutation, RowMutation } from '../../src/model/mutation.js';
import type { FilterBound, RowFilter } from '../../src/model/row-filter.js';
import { compareBytes } from '../../src/base/bytes.js';

export const FAMILIES = ['a', 'b', 'fam-ü'];
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

export const bytesArb = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map((u) => Buffer.from(u));
export const keyArb = fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k\x00', 'k\xff').map(b);
export const qualifierArb = fc.constantFrom('', 'q', 'q1', '\x00', '\xff\x00').map(b);
export const tsArb = fc.integer({ min: 0, max: 9 }).map((t) => t * 1000);
export const familyArb = fc.constantFrom(...FAMILIES);

/** Mutations over families a and b (both exist in the test tablets). */
export const mutationArb = (families: string[] = ['a', 'b'], withServerTime = true): fc.Arbitrary<Mutation> => fc.oneof(
  { arbitrary: fc.record({
    family: fc.constantFrom(...families), qualifier: qualifierArb,
    timestamp: withServerTime ? fc.oneof(tsArb, fc.constant(-1)) : tsArb,
    value: bytesArb(12),
  }).map((m): Mutation => ({ type: 'setCell', ...m })), weight: 6 },
  { arbitrary: fc.record({ family: fc.constantFrom(...families), qualifier: qualifierArb, start: tsArb, len: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) })
    .map(({ len, ...m }): Mutation => ({ type: 'deleteFromColumn', ...m, end: len === undefined ? undefined : m.start + len * 1000 })), weight: 1 },
  { arbitrary: fc.constantFrom(...families).map((family): Mutation => ({ type: 'deleteFromFamily', family })), weight: 1 },
  { arbitrary: fc.constant<Mutation>({ type: 'deleteFromRow' }), weight: 1 },
  { arbitrary: fc.record({ family: fc.constantFrom(...families), qualifier: qualifierArb, timestamp: tsArb, value: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((u) => Buffer.from(u)) })
    .map((m): Mutation => ({ type: 'addToCell', ...m })), weight: 1 },
);

export const rowMutationArb = (families?: string[], withServerTime?: boolean): fc.Arbitrary<RowMutation> =>
  fc.record({ row: keyArb, mutations: fc.array(mutationArb(families, withServerTime), { minLength: 1, maxLength: 5 }) });

/** Rows in canonical cell order, keys ascending. */
export const rowsArb: fc.Arbitrary<Row[]> = fc.uniqueArray(
  fc.record({
    key: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((u) => Buffer.from(u)),
    cells: fc.uniqueArray(
      fc.record({
        family: familyArb, qualifier: qualifierArb,
        timestamp: fc.oneof(tsArb, fc.constant(Number.MAX_SAFE_INTEGER - 1), fc.constant(2 ** 40 * 1000)),
        value: bytesArb(20),
        labels: fc.option(fc.array(fc.constantFrom('x', 'y-1', 'é'), { minLength: 1, maxLength: 2 }), { nil: undefined }),
      }),
      { selector: (c) => `${c.family}/${c.qualifier.toString('hex')}/${c.timestamp}`, maxLength: 8 },
    ).map((cells) => cells.map((c): Cell => {
      const { labels, ...rest } = c;
      return labels ? { ...rest, labels } : rest;
    }).sort((x, y) => (x.family < y.family ? -1 : x.family > y.family ? 1 : compareBytes(x.qualifier, y.qualifier) || y.timestamp - x.timestamp))),
  }),
  { selector: (r) => r.key.toString('hex'), maxLength: 8 },
).map((rows) => rows.sort((x, y) => compareBytes(x.key, y.key)));

const boundArb: fc.Arbitrary<FilterBound | undefined> = fc.option(fc.record({ value: fc.constantFrom('', 'q', 'v1', '\xff').map(b), closed: fc.boolean() }), { nil: undefined });

/** Deterministic filter leaves (no rowSample: servers would disagree), all valid. */
export const leafFilterArb: fc.Arbitrary<RowFilter> = fc.oneof(
  fc.constant<RowFilter>({ kind: 'passAll' }),
  fc.constant<RowFilter>({ kind: 'blockAll' }),
  fc.constant<RowFilter>({ kind: 'stripValue' }),
  fc.constantFrom('k\\C', 'k.', '.*', '\\C*').map((r): RowFilter => ({ kind: 'rowKeyRegex', regex: b(r) })),
  fc.constantFrom('a', 'b|c', '.*').map((r): RowFilter => ({ kind: 'familyNameRegex', regex: r })),
  fc.constantFrom('q', 'q.*', '\\C*', '').map((r): RowFilter => ({ kind: 'columnQualifierRegex', regex: b(r) })),
  fc.constantFrom('.*', '\\C', '').map((r): RowFilter => ({ kind: 'valueRegex', regex: b(r) })),
  fc.record({ family: fc.constantFrom('a', 'b'), s: boundArb, e: boundArb }).map((x): RowFilter => ({
    kind: 'columnRange', family: x.family, ...(x.s ? { startQualifier: x.s } : {}), ...(x.e ? { endQualifier: x.e } : {}),
  })),
  fc.record({ s: boundArb, e: boundArb }).map((x): RowFilter => ({ kind: 'valueRange', ...(x.s ? { start: x.s } : {}), ...(x.e ? { end: x.e } : {}) })),
  fc.constantFrom('a', '\x01').map((m): RowFilter => ({ kind: 'valueBitmask', mask: b(m) })),
  fc.record({ s: fc.integer({ min: 0, max: 6 }), len: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }).map((x): RowFilter => ({
    kind: 'timestampRange', startMicros: x.s * 1000, ...(x.len === undefined ? {} : { endMicros: (x.s + x.len) * 1000 }),
  })),
  fc.integer({ min: 0, max: 4 }).map((n): RowFilter => ({ kind: 'cellsPerRowOffset', n })),
  fc.integer({ min: 1, max: 4 }).map((n): RowFilter => ({ kind: 'cellsPerRowLimit', n })),
  fc.integer({ min: 1, max: 3 }).map((n): RowFilter => ({ kind: 'cellsPerColumnLimit', n })),
  fc.constantFrom('x', 'y-1').map((label): RowFilter => ({ kind: 'applyLabel', label })),
);

export const filterArb = (leaf: fc.Arbitrary<RowFilter> = leafFilterArb): fc.Arbitrary<RowFilter> => fc.letrec<{ f: RowFilter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('f'), { minLength: 2, maxLength: 3 }).map((filters): RowFilter => ({ kind: 'chain', filters })),
    fc.array(tie('f'), { minLength: 2, maxLength: 3 }).map((filters): RowFilter => ({ kind: 'interleave', filters })),
    fc.record({ p: tie('f'), t: fc.option(tie('f'), { nil: undefined }), e: fc.option(tie('f'), { nil: undefined }) })
      .map((x): RowFilter => ({ kind: 'condition', predicate: x.p, ...(x.t ? { trueFilter: x.t } : {}), ...(x.e ? { falseFilter: x.e } : {}) })),
  ),
})).f;

/** Every filter kind, including ones a server would treat nondeterministically (codec tests). */
export const anyFilterArb = filterArb(fc.oneof(
  leafFilterArb,
  fc.constant<RowFilter>({ kind: 'sink' }),
  fc.double({ min: 0.01, max: 0.99, noNaN: true }).map((probability): RowFilter => ({ kind: 'rowSample', probability })),
));

export const gcRuleArb: fc.Arbitrary<GcRule> = fc.letrec<{ r: GcRule }>((tie) => ({
  r: fc.oneof(
    { depthSize: 'small' },
    fc.constant<GcRule>({ kind: 'never' }),
    fc.integer({ min: 1, max: 5 }).map((maxVersions): GcRule => ({ kind: 'maxVersions', maxVersions })),
    fc.integer({ min: 0, max: 2 ** 50 }).map((maxAgeMicros): GcRule => ({ kind: 'maxAge', maxAgeMicros })),
    fc.array(tie('r'), { maxLength: 3 }).map((rules): GcRule => ({ kind: 'union', rules })),
    fc.array(tie('r'), { maxLength: 3 }).map((rules): GcRule => ({ kind: 'intersection', rules })),
  ),
})).r;

/** Sorted, disjoint key ranges inside the whole key space. */
export const rangesArb: fc.Arbitrary<KeyRange[]> = fc.uniqueArray(fc.constantFrom('', 'k', 'k1', 'k2', 'k3', 'k4', 'k5', 'l').map(b), { maxLength: 6, selector: (x) => x.toString('hex') })
  .chain((points) => {
    const sorted = points.sort(compareBytes);
    const pairs: KeyRange[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) pairs.push({ start: sorted[i]!, end: sorted[i + 1]! });
    return fc.boolean().map((openLast) => {
      if (openLast && sorted.length % 2 === 1) pairs.push({ start: sorted[sorted.length - 1]! });
      return pairs.length ? pairs : [{ start: Buffer.alloc(0) }];
    });
  });

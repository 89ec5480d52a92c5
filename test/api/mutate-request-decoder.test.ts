/**
 * The hand-written MutateRow(s) decoder against proto-loader: on every
 * request it either gives up (undefined) or returns what proto-loader
 * returns (int64 values as numbers instead of decimal strings). Random
 * requests of every mutation kind, then the same requests with bytes
 * corrupted, truncated or with unknown fields appended.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeMutateRowRequest, decodeMutateRowsRequest } from '../../src/api/mutate-request-decoder.js';
import { dataServiceDefinition } from '../../src/api/protos.js';

const rowsDef = dataServiceDefinition.MutateRows!;
const rowDef = dataServiceDefinition.MutateRow!;

/** int64 decimal strings as numbers, Buffers as byte arrays: the form both decoders are compared in. */
function normalize(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return [...v];
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return v;
}

const int64 = fc.oneof(
  fc.constantFrom('0', '-1', '1000', '-1000', '9007199254740991', '9007199254740993', '-9223372036854775808', '9223372036854775807'),
  fc.integer({ min: -1, max: 2 ** 40 }).map((n) => String(n * 1000)),
);
const name = fc.oneof(fc.constantFrom('cf', 'f', '', 'a.b-c_d'), fc.string({ maxLength: 6 }), fc.constantFrom('é', '\u{1F600}'));
const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const setCell = fc.record({ familyName: opt(name), columnQualifier: opt(bytes), timestampMicros: opt(int64), value: opt(bytes) }, { requiredKeys: [] })
  .map((setCell) => ({ setCell }));
const deleteFromColumn = fc.record({
  familyName: opt(name), columnQualifier: opt(bytes),
  timeRange: opt(fc.record({ startTimestampMicros: opt(int64), endTimestampMicros: opt(int64) }, { requiredKeys: [] })),
}, { requiredKeys: [] }).map((deleteFromColumn) => ({ deleteFromColumn }));
const deleteFromFamily = fc.record({ familyName: opt(name) }, { requiredKeys: [] }).map((deleteFromFamily) => ({ deleteFromFamily }));
const mutation = fc.oneof(
  setCell, deleteFromColumn, deleteFromFamily,
  fc.constant({ deleteFromRow: {} }),
  fc.constant({ addToCell: { familyName: 'cf', columnQualifier: { rawValue: Buffer.from('q') }, timestamp: { rawTimestampMicros: '1000' }, input: { intValue: '1' } } }),
  fc.constant({}),
);
const mutations = opt(fc.array(mutation, { maxLength: 4 }));
const common = { tableName: opt(name), appProfileId: opt(name), authorizedViewName: opt(name) };
const rowsRequest = fc.record({
  ...common,
  entries: opt(fc.array(fc.record({ rowKey: opt(bytes), mutations, idempotency: opt(fc.constant({ token: Buffer.from('t') })) }, { requiredKeys: [] }), { maxLength: 4 })),
}, { requiredKeys: [] });
const rowRequest = fc.record({ ...common, rowKey: opt(bytes), mutations }, { requiredKeys: [] });

/** Corruptions of a serialized request: flipped bytes, truncation, an unknown field, a field repeated. */
const corruption = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.constant({ kind: 'double' as const }),
);

function corrupt(b: Buffer, c: fc.Arbitrary<unknown> extends never ? never : { kind: string; at?: number; xor?: number; bytes?: Uint8Array }): Buffer {
  if (b.length === 0) return b;
  switch (c.kind) {
    case 'flip': { const x = Buffer.from(b); x[c.at! % x.length]! ^= c.xor!; return x; }
    case 'truncate': return b.subarray(0, c.at! % b.length);
    case 'append': return Buffer.concat([b, c.bytes!]);
    default: return Buffer.concat([b, b]); // every field twice
  }
}

function agrees(fast: unknown, slow: () => unknown): void {
  if (fast === undefined) return;
  let expected: unknown;
  try {
    expected = slow();
  } catch {
    throw new Error(`fast decoder accepted what proto-loader refuses: ${JSON.stringify(normalize(fast))}`);
  }
  expect(normalize(fast)).toEqual(normalize(expected));
}

describe('hand-written MutateRow(s) request decoder', () => {
  it('MutateRowsRequest: equals proto-loader or gives up', () => {
    let taken = 0;
    fc.assert(fc.property(rowsRequest, (req) => {
      const b = rowsDef.requestSerialize(req);
      const fast = decodeMutateRowsRequest(b);
      if (fast !== undefined) taken++;
      agrees(fast, () => rowsDef.requestDeserialize(b));
    }), { numRuns: 1500 });
    expect(taken).toBeGreaterThan(100); // the fast path is taken, not always declined
  });

  it('MutateRowRequest: equals proto-loader or gives up', () => {
    let taken = 0;
    fc.assert(fc.property(rowRequest, (req) => {
      const b = rowDef.requestSerialize(req);
      const fast = decodeMutateRowRequest(b);
      if (fast !== undefined) taken++;
      agrees(fast, () => rowDef.requestDeserialize(b));
    }), { numRuns: 1500 });
    expect(taken).toBeGreaterThan(100);
  });

  it('corrupted requests: equals proto-loader or gives up', () => {
    fc.assert(fc.property(rowsRequest, rowRequest, corruption, (rs, r, c) => {
      const b1 = corrupt(rowsDef.requestSerialize(rs), c);
      agrees(decodeMutateRowsRequest(b1), () => rowsDef.requestDeserialize(b1));
      const b2 = corrupt(rowDef.requestSerialize(r), c);
      agrees(decodeMutateRowRequest(b2), () => rowDef.requestDeserialize(b2));
    }), { numRuns: 3000 });
  });

  it('decodes a typical YCSB write, server timestamps included', () => {
    const req = {
      tableName: 'projects/p/instances/i/tables/t',
      entries: [{ rowKey: Buffer.from('user1'), mutations: [
        { setCell: { familyName: 'cf', columnQualifier: Buffer.from('field0'), timestampMicros: '-1', value: Buffer.from('v') } },
        { deleteFromColumn: { familyName: 'cf', columnQualifier: Buffer.from('q'), timeRange: { startTimestampMicros: '1000' } } },
        { deleteFromFamily: { familyName: 'cf' } },
        { deleteFromRow: {} },
      ] }],
    };
    const fast = decodeMutateRowsRequest(rowsDef.requestSerialize(req));
    expect(fast).toBeDefined();
    expect(normalize(fast)).toEqual(normalize(rowsDef.requestDeserialize(rowsDef.requestSerialize(req))));
    expect(((fast!.entries as Array<{ mutations: Array<{ setCell?: { timestampMicros: unknown } }> }>)[0]!.mutations[0]!.setCell!.timestampMicros)).toBe(-1);
  });

  it('reuses a family name only for the same bytes (same length, other bytes; a longer name; back again)', () => {
    const fams = ['cf', 'cg', 'cf', 'cf2', 'cf', 'gf', 'cf'];
    const req = { entries: [{ rowKey: Buffer.from('r'), mutations: fams.map((familyName) => ({ deleteFromFamily: { familyName } })) }] };
    const fast = decodeMutateRowsRequest(rowsDef.requestSerialize(req)) as { entries: Array<{ mutations: Array<{ deleteFromFamily: { familyName: string } }> }> };
    expect(fast.entries[0]!.mutations.map((m) => m.deleteFromFamily.familyName)).toEqual(fams);
    // A length prefix in a non-minimal varint (0x82 0x00 = 2) reads the same name.
    // entries { row_key "r", mutations { delete_from_family { family_name "cf" } } }
    const b = Buffer.from('120c' + '0a0172' + '1207' + '1a05' + '0a8200' + '6366', 'hex');
    expect(decodeMutateRowsRequest(b)).toBeDefined();
    expect(normalize(decodeMutateRowsRequest(b))).toEqual(normalize(rowsDef.requestDeserialize(b)));
  });

  it('leaves two members of the mutation oneof to proto-loader (it keeps both and names the later-declared one)', () => {
    for (const hex of ['1a040a001a00', '1a041a000a00']) { // set_cell + delete_from_family, in both orders
      const b = Buffer.from(hex, 'hex');
      expect(decodeMutateRowRequest(b)).toBeUndefined();
      expect(rowDef.requestDeserialize(b)).toMatchObject({ mutations: [{ mutation: 'deleteFromFamily' }] });
    }
  });

  it('gives up on a negative length (a 10-byte varint) instead of reading backwards forever', () => {
    // MutateRowRequest.table_name (field 1) with length -11, which points back at its own tag.
    const b = Buffer.from('0af5ffffffffffffffff01', 'hex');
    expect(decodeMutateRowRequest(b)).toBeUndefined();
    expect(decodeMutateRowsRequest(b)).toBeUndefined();
  });
});

/**
 * mutationsFromProto's set_cell fast path remembers the last valid family
 * name. Before any request (a fresh module, as here: vitest isolates files)
 * that memory must not let an empty family name through unchecked: it did,
 * found by convert.test.ts's property test on one seed in CI.
 */
import { it, expect } from 'vitest';
import { mutationsFromProto } from '../../src/api/mutation-from-proto.js';

it('refuses an empty family name on the very first request', () => {
  const m = { mutation: 'setCell', setCell: { familyName: '', columnQualifier: Buffer.alloc(0), timestampMicros: 0, value: Buffer.alloc(0) } };
  expect(() => mutationsFromProto([m], 'mutations')).toThrow(/mutations\[0\]\.set_cell\.family_name/);
});

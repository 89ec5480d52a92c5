/**
 * rowFilterFromProto on real proto-loader objects: RowFilter messages are
 * encoded and decoded through @grpc/proto-loader with the API's options, so
 * the converter sees the oneof virtual fields, absent fields, int64 strings
 * and Buffers exactly as the server does.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { Code, InvalidArgumentError, TabulaError, UnimplementedError } from '../../src/base/errors.js';
import { rowFilterFromProto } from '../../src/api/filter-from-proto.js';
import type { RowFilter } from '../../src/model/row-filter.js';
import { compileFilter } from '../../src/tablet/filter/compile-filter.js';
import { describeCell, ROW } from './filter-fixtures.js';

// ---- tiny proto helper -----------------------------------------------------

const require = createRequire(import.meta.url);
const PROTO_ROOT = path.dirname(require.resolve('google-proto-files/package.json'));
const pkg = protoLoader.loadSync('google/bigtable/v2/bigtable.proto', {
  keepCase: false, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: [PROTO_ROOT],
});
const RowFilterType = pkg['google.bigtable.v2.RowFilter'] as protoLoader.MessageTypeDefinition<object, Record<string, unknown>>;

/** Encodes a RowFilter object and decodes it back, as the gRPC server would receive it. */
function wire(obj: object): Record<string, unknown> {
  return RowFilterType.deserialize(RowFilterType.serialize(obj));
}

const fromWire = (obj: object): RowFilter => rowFilterFromProto(wire(obj));

function errorOf(fn: () => unknown): TabulaError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TabulaError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

// ---- cases -----------------------------------------------------------------

/** [proto object (camelCase, as a client would send it), expected model] */
const ROUND_TRIP: Array<[string, object, RowFilter]> = [
  ['empty message = pass all', {}, { kind: 'passAll' }],
  ['pass_all', { passAllFilter: true }, { kind: 'passAll' }],
  ['block_all', { blockAllFilter: true }, { kind: 'blockAll' }],
  ['sink', { sink: true }, { kind: 'sink' }],
  ['strip', { stripValueTransformer: true }, { kind: 'stripValue' }],
  ['label', { applyLabelTransformer: 'foo' }, { kind: 'applyLabel', label: 'foo' }],
  ['row key regex (binary)', { rowKeyRegexFilter: Buffer.from([0x6b, 0x0a, 0xff]) }, { kind: 'rowKeyRegex', regex: Buffer.from([0x6b, 0x0a, 0xff]) }],
  ['row key regex empty', { rowKeyRegexFilter: Buffer.alloc(0) }, { kind: 'rowKeyRegex', regex: Buffer.alloc(0) }],
  ['row sample', { rowSampleFilter: 0.25 }, { kind: 'rowSample', probability: 0.25 }],
  ['family regex', { familyNameRegexFilter: 'cf.*' }, { kind: 'familyNameRegex', regex: 'cf.*' }],
  ['qualifier regex', { columnQualifierRegexFilter: b('q\\C') }, { kind: 'columnQualifierRegex', regex: b('q\\C') }],
  ['value regex', { valueRegexFilter: b('v.') }, { kind: 'valueRegex', regex: b('v.') }],
  ['offset 0 is present in a oneof', { cellsPerRowOffsetFilter: 0 }, { kind: 'cellsPerRowOffset', n: 0 }],
  ['row limit', { cellsPerRowLimitFilter: 7 }, { kind: 'cellsPerRowLimit', n: 7 }],
  ['column limit', { cellsPerColumnLimitFilter: 1 }, { kind: 'cellsPerColumnLimit', n: 1 }],
  ['bitmask', { valueBitmaskFilter: { mask: Buffer.from([0x0f]) } }, { kind: 'valueBitmask', mask: Buffer.from([0x0f]) }],
  ['column range, no bounds', { columnRangeFilter: { familyName: 'cf' } }, { kind: 'columnRange', family: 'cf' }],
  [
    'column range, closed start / open end',
    { columnRangeFilter: { familyName: 'cf', startQualifierClosed: b('a'), endQualifierOpen: b('z') } },
    { kind: 'columnRange', family: 'cf', startQualifier: { value: b('a'), closed: true }, endQualifier: { value: b('z'), closed: false } },
  ],
  [
    'column range, empty open start and empty closed end are present',
    { columnRangeFilter: { familyName: 'cf', startQualifierOpen: Buffer.alloc(0), endQualifierClosed: Buffer.alloc(0) } },
    { kind: 'columnRange', family: 'cf', startQualifier: { value: Buffer.alloc(0), closed: false }, endQualifier: { value: Buffer.alloc(0), closed: true } },
  ],
  [
    'value range',
    { valueRangeFilter: { startValueOpen: b('a'), endValueClosed: b('b') } },
    { kind: 'valueRange', start: { value: b('a'), closed: false }, end: { value: b('b'), closed: true } },
  ],
  ['timestamp range, both bounds', { timestampRangeFilter: { startTimestampMicros: '1000', endTimestampMicros: '5000' } }, { kind: 'timestampRange', startMicros: 1000, endMicros: 5000 }],
  ['timestamp range, empty = [0, inf)', { timestampRangeFilter: {} }, { kind: 'timestampRange', startMicros: 0 }],
  ['timestamp range, end 0 = infinity', { timestampRangeFilter: { startTimestampMicros: 2000, endTimestampMicros: 0 } }, { kind: 'timestampRange', startMicros: 2000 }],
  ['timestamp range, huge end = infinity', { timestampRangeFilter: { endTimestampMicros: '9223372036854775000' } }, { kind: 'timestampRange', startMicros: 0 }],
  [
    'chain',
    { chain: { filters: [{ familyNameRegexFilter: 'a' }, { cellsPerColumnLimitFilter: 1 }] } },
    { kind: 'chain', filters: [{ kind: 'familyNameRegex', regex: 'a' }, { kind: 'cellsPerColumnLimit', n: 1 }] },
  ],
  ['chain with no filters', { chain: {} }, { kind: 'chain', filters: [] }],
  [
    'interleave with an empty member',
    { interleave: { filters: [{}, { blockAllFilter: true }] } },
    { kind: 'interleave', filters: [{ kind: 'passAll' }, { kind: 'blockAll' }] },
  ],
  [
    'condition, all parts',
    { condition: { predicateFilter: { valueRegexFilter: b('x') }, trueFilter: { sink: true }, falseFilter: { blockAllFilter: true } } },
    { kind: 'condition', predicate: { kind: 'valueRegex', regex: b('x') }, trueFilter: { kind: 'sink' }, falseFilter: { kind: 'blockAll' } },
  ],
  ['condition, only predicate', { condition: { predicateFilter: { passAllFilter: true } } }, { kind: 'condition', predicate: { kind: 'passAll' } }],
  ['condition, no predicate = pass all', { condition: { trueFilter: { stripValueTransformer: true } } }, { kind: 'condition', predicate: { kind: 'passAll' }, trueFilter: { kind: 'stripValue' } }],
];

describe('rowFilterFromProto on decoded messages', () => {
  it('decoded objects carry the oneof virtual field and no defaults', () => {
    const d = wire({ chain: { filters: [{ cellsPerRowOffsetFilter: 0 }, { columnRangeFilter: { familyName: 'f', startQualifierOpen: Buffer.alloc(0) } }] } });
    expect(d.filter).toBe('chain');
    const filters = (d.chain as { filters: Array<Record<string, unknown>> }).filters;
    expect(filters[0]).toEqual({ filter: 'cellsPerRowOffsetFilter', cellsPerRowOffsetFilter: 0 });
    expect(filters[1]!.columnRangeFilter).toMatchObject({ startQualifier: 'startQualifierOpen' });
    expect(wire({ timestampRangeFilter: { startTimestampMicros: '5000' } }).timestampRangeFilter).toEqual({ startTimestampMicros: '5000' });
  });

  for (const [name, obj, want] of ROUND_TRIP) {
    it(name, () => {
      expect(fromWire(obj)).toEqual(want);
    });
  }

  it('absent filter (undefined/null) passes all', () => {
    expect(rowFilterFromProto(undefined)).toEqual({ kind: 'passAll' });
    expect(rowFilterFromProto(null)).toEqual({ kind: 'passAll' });
  });

  it('converts, compiles and evaluates the data.proto sink example end to end', () => {
    const proto = {
      chain: {
        filters: [
          { familyNameRegexFilter: 'a' },
          { interleave: { filters: [{ passAllFilter: true }, { chain: { filters: [{ applyLabelTransformer: 'foo' }, { sink: true }] } }] } },
          { columnQualifierRegexFilter: b('q2') },
        ],
      },
    };
    const out = compileFilter(fromWire(proto)).apply(ROW).map(describeCell);
    expect(out).toEqual(['a:0x0aff@5{foo}', 'a:q1@3{foo}', 'a:q1@2{foo}', 'a:q1@1{foo}', 'a:q2@2{foo}', 'a:q2@2']);
  });

  it('semantic errors from a decoded message name the field', () => {
    const f = fromWire({ chain: { filters: [{ passAllFilter: true }, { valueRegexFilter: b('(') }] } });
    const e = errorOf(() => compileFilter(f));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toMatch(/^filter\.chain\.filters\[1\]\.value_regex_filter: invalid regex/);
  });
});

describe('rowFilterFromProto shape errors', () => {
  function nestedChain(depth: number): object {
    let f: object = { passAllFilter: true };
    for (let i = 1; i < depth; i++) f = { chain: { filters: [f, { passAllFilter: true }] } };
    return f;
  }

  const CASES: Array<[string, unknown, RegExp]> = [
    ['flag false (pass_all)', wire({ passAllFilter: false }), /^filter\.pass_all_filter: must be true/],
    ['flag false (sink)', wire({ chain: { filters: [{ sink: false }, {}] } }), /^filter\.chain\.filters\[0\]\.sink: must be true/],
    ['flag false (strip)', wire({ stripValueTransformer: false }), /^filter\.strip_value_transformer: must be true/],
    ['nesting deeper than 20 on the wire', wire(nestedChain(25)), /^filter(\.chain\.filters\[0\]){20}: filters may not be nested deeper than 20/],
    ['not a message', 'chain', /^filter: expected a message/],
    ['bytes field of the wrong type', { filter: 'chain', chain: { filters: [{}, { filter: 'valueRegexFilter', valueRegexFilter: 42 }] } }, /^filter\.chain\.filters\[1\]\.value_regex_filter: expected bytes/],
    ['two members without the virtual field', { valueRegexFilter: b('a'), sink: true }, /^filter: more than one of sink and valueRegexFilter/],
    ['int32 of the wrong type', { cellsPerRowLimitFilter: 'many' }, /^filter\.cells_per_row_limit_filter: expected a 32-bit integer/],
    ['int32 out of range', { cellsPerRowLimitFilter: 2 ** 31 }, /^filter\.cells_per_row_limit_filter: expected a 32-bit integer/],
    ['double of the wrong type', { rowSampleFilter: '0.5' }, /^filter\.row_sample_filter: expected a number/],
    ['filters not a list', { chain: { filters: 3 } }, /^filter\.chain\.filters: expected a repeated field/],
    ['bad int64', { timestampRangeFilter: { startTimestampMicros: '1e3' } }, /^filter\.timestamp_range_filter\.start_timestamp_micros: /],
    ['huge end not in ms', wire({ timestampRangeFilter: { endTimestampMicros: '9223372036854775001' } }), /^filter\.timestamp_range_filter\.end_timestamp_micros: .*multiple of 1000/],
    ['end before start', wire({ timestampRangeFilter: { startTimestampMicros: '5000', endTimestampMicros: '1000' } }), /^filter\.timestamp_range_filter: /],
    ['both range bound members', { columnRangeFilter: { familyName: 'f', startQualifierOpen: b('a'), startQualifierClosed: b('b') } }, /^filter\.column_range_filter: more than one/],
    ['virtual field of the wrong type', { filter: 5 }, /^filter\.filter: /],
  ];
  for (const [name, obj, re] of CASES) {
    it(name, () => {
      const e = errorOf(() => rowFilterFromProto(obj));
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toMatch(re);
    });
  }

  it('a nesting depth of exactly 20 converts', () => {
    expect(() => compileFilter(rowFilterFromProto(wire(nestedChain(20))))).not.toThrow();
  });

  it('an unknown oneof member is UNIMPLEMENTED', () => {
    const e = errorOf(() => rowFilterFromProto({ filter: 'futureFilter', futureFilter: true }));
    expect(e).toBeInstanceOf(UnimplementedError);
    expect(e.code).toBe(Code.UNIMPLEMENTED);
    expect(e.message).toMatch(/^filter: /);
  });

  it('uses the caller-supplied field path', () => {
    expect(() => rowFilterFromProto({ sink: false }, 'predicate_filter')).toThrow(/^predicate_filter\.sink: /);
  });
});

/**
 * Unit tests of the client's pure parts: value encoding, GC-rule and filter
 * builders, mutation building, read options, backoff, and a property test of
 * scan resumption (scanRows + remainingRows) against a naive model.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  aggregatorFromProto, counter, decodeCounter, escapeRegex, familyToProto, filters, formatGcRule, gcRuleFromProto, gcRuleToProto, intersection,
  maxAge, maxVersions, never, parseDuration, Row, RowMutations, union, utf8, type FamilyInput,
} from '../../src/client/index.js';
import { backoffDelay } from '../../src/client/backoff.js';
import { addToCellMutation, deleteMutations, mergeToCellMutation, mutationSize, putMutations } from '../../src/client/mutations.js';
import { readFilter, remainingRows, scanRows, type ScanRows } from '../../src/client/read-options.js';
import { isRetryableReadError } from '../../src/client/client-errors.js';
import { compareBytes } from '../../src/base/bytes.js';

describe('values', () => {
  it('counters are 8-byte big-endian signed integers', () => {
    expect(counter(1)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
    expect(counter(-1n)).toEqual(Buffer.alloc(8, 0xff));
    expect(decodeCounter(counter((1n << 63n) - 1n))).toBe((1n << 63n) - 1n);
    expect(() => counter(1n << 63n)).toThrow(/64-bit/);
    expect(() => counter(1.5)).toThrow(/safe integer/);
    expect(() => decodeCounter(Buffer.from('abc'))).toThrow(/8 bytes/);
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (n) => decodeCounter(counter(n)) === n));
    expect(utf8('é')).toEqual(Buffer.from([0xc3, 0xa9]));
  });
});

describe('GC rules', () => {
  it('builds, formats and converts to and from the proto', () => {
    const r = union(maxVersions(3), intersection(maxAge('1d'), maxAge(90_000)));
    expect(formatGcRule(r)).toBe('versions() > 3 || (age() > 1d && age() > 90s)');
    expect(gcRuleToProto(r)).toEqual({
      union: { rules: [{ maxNumVersions: 3 }, { intersection: { rules: [{ maxAge: { seconds: '86400', nanos: 0 } }, { maxAge: { seconds: '90', nanos: 0 } }] } }] },
    });
    expect(gcRuleFromProto(gcRuleToProto(r))).toEqual(r);
    expect(gcRuleFromProto({})).toEqual(never());
    expect(gcRuleToProto(maxAge(1500))).toEqual({ maxAge: { seconds: '1', nanos: 500_000_000 } });
    expect(formatGcRule(never())).toBe('(none)');
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2.5s')).toBe(2500);
    expect(() => parseDuration('1 day')).toThrow(/duration/);
    expect(() => maxVersions(0)).toThrow(/maxVersions/);
  });
});

describe('family specs', () => {
  const int64 = { int64Type: { encoding: { bigEndianBytes: {} } } };

  it('build ColumnFamily messages: a GC rule alone, or { gcRule, aggregate } with the int64 aggregate value type', () => {
    expect(familyToProto(undefined, 'f')).toEqual({ gcRule: {} });
    expect(familyToProto(maxVersions(2), 'f')).toEqual({ gcRule: { maxNumVersions: 2 } });
    expect(familyToProto({ aggregate: 'sum' }, 'f')).toEqual({ gcRule: {}, valueType: { aggregateType: { inputType: int64, sum: {} } } });
    expect(familyToProto({ aggregate: 'max', gcRule: maxAge('1d') }, 'f'))
      .toEqual({ gcRule: { maxAge: { seconds: '86400', nanos: 0 } }, valueType: { aggregateType: { inputType: int64, max: {} } } });
    expect(familyToProto({ gcRule: maxVersions(1) }, 'f')).toEqual({ gcRule: { maxNumVersions: 1 } });
    expect(familyToProto({ aggregate: 'hllppUniqueCount' }, 'f').valueType).toEqual({ aggregateType: { inputType: int64, hllppUniqueCount: {} } });
    // Misspelt options and aggregators are refused, naming the family.
    expect(() => familyToProto({ aggregator: 'sum' } as unknown as FamilyInput, 'families.hits')).toThrow(/families\.hits: unknown option "aggregator"/);
    expect(() => familyToProto({ aggregate: 'avg' } as unknown as FamilyInput, 'families.hits')).toThrow(/families\.hits\.aggregate: must be one of sum, min, max/);
    expect(() => familyToProto(null as unknown as FamilyInput, 'families.x')).toThrow(/families\.x: expected a GC rule/);
  });

  it('read the aggregator of a value type as a server reports it', () => {
    expect(aggregatorFromProto(undefined)).toBeUndefined();
    expect(aggregatorFromProto(null)).toBeUndefined();
    expect(aggregatorFromProto({})).toBeUndefined();
    expect(aggregatorFromProto({ aggregateType: { inputType: int64, min: {}, aggregator: 'min' }, kind: 'aggregateType' })).toBe('min');
    expect(aggregatorFromProto({ aggregateType: { inputType: int64, stateType: int64, max: {} } })).toBe('max');
    expect(aggregatorFromProto({ aggregateType: { hllppUniqueCount: {}, sum: null } })).toBe('hllppUniqueCount');
    expect(aggregatorFromProto({ aggregateType: { aggregator: 'median' } })).toBeUndefined();
    expect(aggregatorFromProto({ stringType: {} })).toBeUndefined();
  });
});

describe('filters', () => {
  it('produce RowFilter messages', () => {
    expect(filters.chain()).toEqual({ passAllFilter: true });
    expect(filters.chain(filters.stripValue())).toEqual({ stripValueTransformer: true });
    expect(filters.interleave()).toEqual({ blockAllFilter: true });
    expect(filters.condition(filters.passAll(), undefined, filters.blockAll())).toEqual({ condition: { predicateFilter: { passAllFilter: true }, falseFilter: { blockAllFilter: true } } });
    expect(filters.columnRange('cf', { start: 'a', startInclusive: false, end: 'b', endInclusive: true }))
      .toEqual({ columnRangeFilter: { familyName: 'cf', startQualifierOpen: Buffer.from('a'), endQualifierClosed: Buffer.from('b') } });
    expect(filters.timestampRange(1000)).toEqual({ timestampRangeFilter: { startTimestampMicros: '1000' } });
    expect(filters.family('a.b')).toEqual({ familyNameRegexFilter: 'a\\.b' });
    expect(escapeRegex(Buffer.from([0x61, 0x2a, 0x00, 0xff])).toString('latin1')).toBe('a\\*\\x00\\xff');
    expect(() => filters.rowSample(1)).toThrow(/rowSample/);
    expect(() => filters.cellsPerRowLimit(0)).toThrow(/cellsPerRowLimit/);
    expect(filters.cellsPerRowOffset(0)).toEqual({ cellsPerRowOffsetFilter: 0 });
  });

  it('read options combine as (families ∪ columns) → timeRange → versions → filter', () => {
    expect(readFilter({})).toBeUndefined();
    expect(readFilter({ families: ['a'], columns: ['a:x', 'b:y'], timeRange: { end: 5000 }, versions: 2, filter: filters.stripValue() })).toEqual({
      chain: {
        filters: [
          { interleave: { filters: [{ familyNameRegexFilter: 'a' }, { columnRangeFilter: { familyName: 'b', startQualifierClosed: Buffer.from('y'), endQualifierClosed: Buffer.from('y') } }] } },
          { timestampRangeFilter: { endTimestampMicros: '5000' } },
          { cellsPerColumnLimitFilter: 2 },
          { stripValueTransformer: true },
        ],
      },
    });
  });
});

describe('mutations', () => {
  it('builds SetCell and delete mutations from both cell forms', () => {
    expect(putMutations({ cf: { q: 'v', n: 5n, t: { value: Buffer.from([1]), timestamp: 7000 }, s: { value: 'x', timestamp: 'server' } } }, 42_000)).toEqual([
      { setCell: { familyName: 'cf', columnQualifier: Buffer.from('q'), timestampMicros: '42000', value: Buffer.from('v') } },
      { setCell: { familyName: 'cf', columnQualifier: Buffer.from('n'), timestampMicros: '42000', value: counter(5) } },
      { setCell: { familyName: 'cf', columnQualifier: Buffer.from('t'), timestampMicros: '7000', value: Buffer.from([1]) } },
      { setCell: { familyName: 'cf', columnQualifier: Buffer.from('s'), timestampMicros: '-1', value: Buffer.from('x') } },
    ]);
    expect(putMutations({ family: 'f', qualifier: '', value: '' }, 1000)).toEqual([
      { setCell: { familyName: 'f', columnQualifier: Buffer.alloc(0), timestampMicros: '1000', value: Buffer.alloc(0) } },
    ]);
    expect(() => putMutations([])).toThrow(/nothing/);
    expect(() => putMutations([{ family: 'f', qualifier: 'q', value: 'v', timestamp: -5 }])).toThrow(/timestamp/);
    expect(deleteMutations()).toEqual([{ deleteFromRow: {} }]);
    expect(deleteMutations({ families: ['a'], columns: ['b:q:r', 'c'] })).toEqual([
      { deleteFromFamily: { familyName: 'a' } },
      { deleteFromColumn: { familyName: 'b', columnQualifier: Buffer.from('q:r') } },
      { deleteFromFamily: { familyName: 'c' } },
    ]);
    expect(deleteMutations({ columns: ['b:q'], timeRange: { start: 1000, end: 2000 } })).toEqual([
      { deleteFromColumn: { familyName: 'b', columnQualifier: Buffer.from('q'), timeRange: { startTimestampMicros: '1000', endTimestampMicros: '2000' } } },
    ]);
    expect(() => deleteMutations({ families: ['a'], columns: ['a'], timeRange: {} })).toThrow(/timeRange/);
    expect(new RowMutations().put({ cf: { q: 'v' } }).delete({ columns: ['cf:x'] }).mutations).toHaveLength(2);
  });

  it('builds AddToCell (int_value input) and MergeToCell (raw 8-byte state) mutations', () => {
    const at = (ts: string) => ({ familyName: 'agg', columnQualifier: { rawValue: Buffer.from('q') }, timestamp: { rawTimestampMicros: ts } });
    expect(addToCellMutation('agg', 'q', 5, 7000, 42_000)).toEqual({ addToCell: { ...at('7000'), input: { intValue: '5' } } });
    expect(addToCellMutation('agg', utf8('q'), -(1n << 63n), undefined, 42_000)).toEqual({ addToCell: { ...at('42000'), input: { intValue: '-9223372036854775808' } } });
    expect(mergeToCellMutation('agg', 'q', 100n, 1000, 0)).toEqual({ mergeToCell: { ...at('1000'), input: { rawValue: counter(100) } } });
    expect(mergeToCellMutation('agg', 'q', Buffer.from([1, 2]), undefined, 3000)).toEqual({ mergeToCell: { ...at('3000'), input: { rawValue: Buffer.from([1, 2]) } } });
    // The default timestamp is the client's now, in whole milliseconds.
    const before = Date.now() * 1000;
    const ts = Number(((addToCellMutation('agg', 'q', 1).addToCell as { timestamp: { rawTimestampMicros: string } }).timestamp.rawTimestampMicros));
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Date.now() * 1000);
    expect(ts % 1000).toBe(0);
    // Bad input names the argument.
    expect(() => addToCellMutation('agg', 'q', 1n << 63n)).toThrow(/value: 9223372036854775808 does not fit in a signed 64-bit integer/);
    expect(() => addToCellMutation('agg', 'q', 1.5)).toThrow(/value: 1.5 is not a safe integer/);
    expect(() => addToCellMutation('agg', 'q', 1, -1000)).toThrow(/timestamp: must be a non-negative integer/);
    expect(() => addToCellMutation('agg', 'q', 1, 'server' as unknown as number)).toThrow(/timestamp: an aggregate write needs microseconds, got "server"/);
    expect(() => addToCellMutation('', 'q', 1)).toThrow(/family/);
    expect(() => mergeToCellMutation('agg', 'q', 2 ** 60)).toThrow(/state: .* is not a safe integer/);
    const m = new RowMutations().addToCell('agg', 'q', 1, 1000).mergeToCell('agg', 'q', 2n, 1000).put({ cf: { q: 'v' } });
    expect(m.mutations.map((x) => Object.keys(x)[0])).toEqual(['addToCell', 'mergeToCell', 'setCell']);
    // Buffering limits count an aggregate mutation's qualifier, family and input.
    expect(mutationSize(addToCellMutation('agg', 'x'.repeat(100), 1, 1000))).toBeGreaterThan(100);
    expect(mutationSize(mergeToCellMutation('agg', 'q', Buffer.alloc(500), 1000))).toBeGreaterThan(500);
  });
});

describe('rows', () => {
  it('sorts cells canonically and exposes helpers', () => {
    const cell = (family: string, q: string, timestamp: number, v: string) => ({ family, qualifier: Buffer.from(q), timestamp, value: Buffer.from(v) });
    const r = new Row(Buffer.from('k'), [cell('b', 'x', 1, '1'), cell('a', 'y', 1, '2'), cell('a', 'x', 1, '3'), cell('a', 'x', 5, '4')]);
    expect(r.cells.map((c) => c.value.toString())).toEqual(['4', '3', '2', '1']);
    expect(r.string('a', 'x')).toBe('4');
    expect(r.families()).toEqual(['a', 'b']);
    expect(r.toObject()).toEqual({ a: { x: '4', y: '2' }, b: { x: '1' } });
    expect(() => r.counter('a', 'x')).toThrow(/8 bytes/);
  });
});

describe('retry policy', () => {
  it('classifies read errors and bounds backoff with jitter', () => {
    expect(isRetryableReadError({ code: 14 })).toBe(true);
    expect(isRetryableReadError({ code: 4 })).toBe(true);
    expect(isRetryableReadError({ code: 10 })).toBe(true);
    expect(isRetryableReadError({ code: 13, details: 'Received RST_STREAM with code 2' })).toBe(true);
    expect(isRetryableReadError({ code: 13, details: 'boom' })).toBe(false);
    expect(isRetryableReadError({ code: 3 })).toBe(false);
    expect(isRetryableReadError(new Error('x'))).toBe(false);
    const o = { initialBackoffMs: 10, maxBackoffMs: 100 };
    expect(backoffDelay(1, { ...o, random: () => 0.999 })).toBe(9);
    expect(backoffDelay(3, { ...o, random: () => 0.5 })).toBe(20);
    expect(backoffDelay(30, { ...o, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(5, { ...o, random: () => 0 })).toBe(0);
  });
});

describe('scan resumption (property, against a naive model)', () => {
  const key = fc.uint8Array({ minLength: 1, maxLength: 3 }).map((a) => Buffer.from(a.map((b) => b % 4)));

  it('after any delivered row, the remaining row set is exactly the not-yet-delivered rows of the original', () => {
    fc.assert(fc.property(
      fc.uniqueArray(key, { minLength: 0, maxLength: 20, comparator: (a, b) => compareBytes(a, b) === 0 }),
      fc.option(key, { nil: undefined }), fc.option(key, { nil: undefined }), fc.option(key, { nil: undefined }),
      fc.option(fc.array(key, { maxLength: 5 }), { nil: undefined }),
      fc.boolean(), fc.nat(30),
      (table, start, stop, prefix, keys, reversed, cut) => {
        const opts = keys !== undefined ? { keys } : { start, stop, prefix };
        const inSet = (rows: ScanRows | undefined, k: Buffer): boolean => {
          if (rows === undefined) return false;
          if ('keys' in rows) return rows.keys.some((x) => compareBytes(x, k) === 0);
          return compareBytes(k, rows.range.start) >= 0 && (rows.range.end === undefined || compareBytes(k, rows.range.end) < 0);
        };
        // Naive model of the selection.
        const model = (k: Buffer): boolean => {
          if (keys !== undefined) return keys.some((x) => compareBytes(x, k) === 0);
          if (start !== undefined && compareBytes(k, start) < 0) return false;
          if (stop !== undefined && compareBytes(k, stop) >= 0) return false;
          if (prefix !== undefined && compareBytes(k.subarray(0, prefix.length), prefix) !== 0) return false;
          return true;
        };
        const rows = scanRows(opts);
        const sorted = [...table].sort(compareBytes);
        if (reversed) sorted.reverse();
        const delivered = sorted.filter((k) => inSet(rows, k));
        expect(delivered).toEqual(sorted.filter(model));
        if (delivered.length === 0) return;
        const last = delivered[cut % delivered.length]!;
        const rest = remainingRows(rows!, last, reversed);
        const after = delivered.slice(delivered.indexOf(last) + 1);
        expect(sorted.filter((k) => inSet(rest, k))).toEqual(after);
      },
    ), { numRuns: 500 });
  });
});

/**
 * Validation: every rule answers InvalidArgumentError whose message starts
 * with the proto field path of the offending field.
 */
import { describe, expect, it } from 'vitest';
import { Code, InvalidArgumentError } from '../../src/base/errors.js';
import type { RowFilter } from '../../src/model/row-filter.js';
import { compileFilter } from '../../src/tablet/filter/compile-filter.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const PASS: RowFilter = { kind: 'passAll' };
const chain = (...filters: RowFilter[]): RowFilter => ({ kind: 'chain', filters });
const interleave = (...filters: RowFilter[]): RowFilter => ({ kind: 'interleave', filters });
const label = (l: string): RowFilter => ({ kind: 'applyLabel', label: l });

function nest(depth: number): RowFilter {
  let f: RowFilter = PASS;
  for (let i = 1; i < depth; i++) f = chain(f, PASS);
  return f;
}

/** [name, filter, expected message prefix (field path)] */
const INVALID: Array<[string, RowFilter, string]> = [
  ['chain with one filter', chain(PASS), 'filter.chain.filters: '],
  ['empty chain', chain(), 'filter.chain.filters: '],
  ['interleave with one filter', interleave(PASS), 'filter.interleave.filters: '],
  ['nested chain too short', chain(PASS, interleave(PASS)), 'filter.chain.filters[1].interleave.filters: '],
  ['nesting deeper than 20', nest(21), 'filter.chain.filters[0].chain.filters[0]'],
  ['label too long', label('a234567890123456'), 'filter.apply_label_transformer: '],
  ['label upper case', label('Foo'), 'filter.apply_label_transformer: '],
  ['label empty', label(''), 'filter.apply_label_transformer: '],
  ['label with underscore', label('a_b'), 'filter.apply_label_transformer: '],
  ['two labels in a chain', chain(label('a'), label('b')), 'filter.chain.filters: at most one'],
  ['labels in two chain elements via interleave', chain(label('a'), interleave(label('b'), PASS)), 'filter.chain.filters: at most one'],
  ['label then a condition that labels', chain(label('a'), { kind: 'condition', predicate: PASS, trueFilter: label('b') }), 'filter.chain.filters: at most one'],
  ['nested chain with two labels', interleave(PASS, chain(PASS, chain(label('a'), label('b')))), 'filter.interleave.filters[1].chain.filters[1].chain.filters: '],
  ['sink in a condition predicate', { kind: 'condition', predicate: { kind: 'sink' } }, 'filter.condition.predicate_filter.sink: '],
  ['sink deep in a true_filter', { kind: 'condition', predicate: PASS, trueFilter: chain(PASS, { kind: 'sink' }) }, 'filter.condition.true_filter.chain.filters[1].sink: '],
  ['sink in a false_filter', { kind: 'condition', predicate: PASS, falseFilter: { kind: 'sink' } }, 'filter.condition.false_filter.sink: '],
  ['row sample 0', { kind: 'rowSample', probability: 0 }, 'filter.row_sample_filter: '],
  ['row sample 1', { kind: 'rowSample', probability: 1 }, 'filter.row_sample_filter: '],
  ['row sample NaN', { kind: 'rowSample', probability: NaN }, 'filter.row_sample_filter: '],
  ['negative row offset', { kind: 'cellsPerRowOffset', n: -1 }, 'filter.cells_per_row_offset_filter: '],
  ['row limit 0', { kind: 'cellsPerRowLimit', n: 0 }, 'filter.cells_per_row_limit_filter: '],
  ['negative column limit', { kind: 'cellsPerColumnLimit', n: -3 }, 'filter.cells_per_column_limit_filter: '],
  ['fractional limit', { kind: 'cellsPerColumnLimit', n: 1.5 }, 'filter.cells_per_column_limit_filter: '],
  ['timestamp start not in ms', { kind: 'timestampRange', startMicros: 1500 }, 'filter.timestamp_range_filter.start_timestamp_micros: '],
  ['timestamp end not in ms', { kind: 'timestampRange', startMicros: 0, endMicros: 2001 }, 'filter.timestamp_range_filter.end_timestamp_micros: '],
  ['negative timestamp', { kind: 'timestampRange', startMicros: -1000 }, 'filter.timestamp_range_filter.start_timestamp_micros: '],
  ['timestamp end before start', { kind: 'timestampRange', startMicros: 5000, endMicros: 4000 }, 'filter.timestamp_range_filter: '],
  ['column range without family', { kind: 'columnRange', family: '' }, 'filter.column_range_filter.family_name: '],
  ['column range inverted', { kind: 'columnRange', family: 'f', startQualifier: { value: b('b'), closed: true }, endQualifier: { value: b('a'), closed: true } }, 'filter.column_range_filter: '],
  ['value range inverted', { kind: 'valueRange', start: { value: b('z'), closed: false }, end: { value: b('a'), closed: false } }, 'filter.value_range_filter: '],
  ['empty bitmask', { kind: 'valueBitmask', mask: b('') }, 'filter.value_bitmask_filter.mask: '],
  ['family regex with colon', { kind: 'familyNameRegex', regex: 'a:b' }, 'filter.family_name_regex_filter: '],
  ['invalid family regex', { kind: 'familyNameRegex', regex: '(a' }, 'filter.family_name_regex_filter: invalid regex'],
  ['invalid value regex in a chain', chain(PASS, { kind: 'valueRegex', regex: b('[a') }), 'filter.chain.filters[1].value_regex_filter: invalid regex'],
  ['invalid qualifier regex', interleave(PASS, { kind: 'columnQualifierRegex', regex: b('a**') }), 'filter.interleave.filters[1].column_qualifier_regex_filter: invalid regex'],
  ['invalid row key regex in predicate', { kind: 'condition', predicate: { kind: 'rowKeyRegex', regex: b('\\') } }, 'filter.condition.predicate_filter.row_key_regex_filter: invalid regex'],
  ['\\C in a character class', { kind: 'valueRegex', regex: b('[\\C]') }, 'filter.value_regex_filter: invalid regex'],
  ['unknown kind', { kind: 'bogus' } as unknown as RowFilter, 'filter: unknown filter kind'],
];

const VALID: Array<[string, RowFilter]> = [
  ['nesting of exactly 20', nest(20)],
  ['labels in separate interleave branches', interleave(label('a'), label('b'), chain(PASS, label('c')))],
  ['one labelled element per chain', chain(PASS, interleave(label('a'), label('b')), { kind: 'stripValue' })],
  ['labels in condition predicate do not count', chain(label('a'), { kind: 'condition', predicate: label('p'), trueFilter: PASS })],
  ['label of 15 chars', label('abcdefghij-1234')],
  ['sink outside conditions', chain(PASS, interleave({ kind: 'sink' }, PASS))],
  ['offset 0', { kind: 'cellsPerRowOffset', n: 0 }],
  ['empty timestamp range', { kind: 'timestampRange', startMicros: 1000, endMicros: 1000 }],
  ['timestamp start beyond representable', { kind: 'timestampRange', startMicros: 2 ** 60 }],
  ['equal open range bounds', { kind: 'valueRange', start: { value: b('a'), closed: false }, end: { value: b('a'), closed: false } }],
];

describe('filter validation', () => {
  for (const [name, filter, prefix] of INVALID) {
    it(`rejects: ${name}`, () => {
      let err: unknown;
      try {
        compileFilter(filter);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).code).toBe(Code.INVALID_ARGUMENT);
      expect((err as Error).message.startsWith(prefix), (err as Error).message).toBe(true);
    });
  }
  for (const [name, filter] of VALID) {
    it(`accepts: ${name}`, () => {
      expect(() => compileFilter(filter)).not.toThrow();
    });
  }

  it('uses the caller-supplied field path', () => {
    expect(() => compileFilter(chain(PASS), { field: 'predicate_filter' })).toThrow(/^predicate_filter\.chain\.filters: /);
  });
});

/**
 * Semantic validation of a RowFilter (data.proto rules plus Tabula's
 * documented limits). Regex syntax is checked when the regexes are compiled
 * (compile-filter.ts), so a filter is fully valid only once compiled.
 *
 * Every failure is an InvalidArgumentError whose message starts with the
 * proto field path, e.g. `filter.chain.filters[1].apply_label_transformer: ...`.
 */
import { compareBytes } from '../../base/bytes.js';
import { InvalidArgumentError } from '../../base/errors.js';
import { MAX_TIMESTAMP } from '../../model/cell.js';
import { FILTER_FIELD_NAMES, MAX_FILTER_DEPTH, type FilterBound, type RowFilter } from '../../model/row-filter.js';

/** Labels: at most 15 characters matching RE2 `[a-z0-9\-]+` (data.proto). */
export const MAX_LABEL_CHARS = 15;
const LABEL_RE = /^[a-z0-9-]+$/;
const INT32_MAX = 2 ** 31 - 1;

/** Path of the field holding filter `f` under the filter message at `path`. */
export function filterFieldPath(path: string, f: RowFilter): string {
  return `${path}.${FILTER_FIELD_NAMES[f.kind]}`;
}

/**
 * Validates `f`, the RowFilter message at field path `path` (e.g. `filter`
 * for ReadRowsRequest.filter). Throws InvalidArgumentError naming the field.
 */
export function validateFilter(f: RowFilter, path = 'filter'): void {
  walk(f, path, 1, false);
}

function fail(path: string, msg: string): never {
  throw new InvalidArgumentError(`${path}: ${msg}`);
}

/** Returns true when the output of `f` may carry a label applied inside `f`. */
function walk(f: RowFilter, path: string, depth: number, inCondition: boolean): boolean {
  if (depth > MAX_FILTER_DEPTH) fail(path, `filters may not be nested deeper than ${MAX_FILTER_DEPTH}`);
  const field = filterFieldPath(path, f);
  switch (f.kind) {
    case 'chain':
    case 'interleave': {
      const list = `${field}.filters`;
      if (!Array.isArray(f.filters) || f.filters.length < 2) {
        fail(list, `a ${f.kind} must contain at least 2 filters`);
      }
      let labelled = 0;
      for (let i = 0; i < f.filters.length; i++) {
        if (walk(f.filters[i]!, `${list}[${i}]`, depth + 1, inCondition)) labelled++;
      }
      // data.proto: a cell can carry one label, so at most one element of a
      // chain may contain an apply_label_transformer. An interleave labels
      // separate copies, so any number is fine there.
      if (f.kind === 'chain' && labelled > 1) {
        fail(list, 'at most one filter of a chain may contain an apply_label_transformer');
      }
      return labelled > 0;
    }
    case 'condition': {
      // Labels applied by the predicate never reach the output.
      walk(f.predicate, `${field}.predicate_filter`, depth + 1, true);
      let labelled = false;
      if (f.trueFilter !== undefined) labelled = walk(f.trueFilter, `${field}.true_filter`, depth + 1, true) || labelled;
      if (f.falseFilter !== undefined) labelled = walk(f.falseFilter, `${field}.false_filter`, depth + 1, true) || labelled;
      return labelled;
    }
    case 'sink':
      if (inCondition) fail(field, 'sink cannot be used inside a condition filter');
      return false;
    case 'passAll':
    case 'blockAll':
    case 'stripValue':
      return false;
    case 'rowKeyRegex':
    case 'columnQualifierRegex':
    case 'valueRegex':
      if (!Buffer.isBuffer(f.regex)) fail(field, 'expected bytes');
      return false;
    case 'familyNameRegex':
      if (typeof f.regex !== 'string') fail(field, 'expected a string');
      if (f.regex.includes(':')) fail(field, "the regex must not contain ':'");
      return false;
    case 'rowSample':
      if (typeof f.probability !== 'number' || !(f.probability > 0 && f.probability < 1)) {
        fail(field, `probability must be strictly between 0 and 1, got ${String(f.probability)}`);
      }
      return false;
    case 'columnRange':
      if (typeof f.family !== 'string' || f.family.length === 0) fail(`${field}.family_name`, 'must not be empty');
      checkBounds(f.startQualifier, f.endQualifier, field, 'start_qualifier', 'end_qualifier');
      return false;
    case 'valueRange':
      checkBounds(f.start, f.end, field, 'start_value', 'end_value');
      return false;
    case 'valueBitmask':
      if (!Buffer.isBuffer(f.mask) || f.mask.length === 0) fail(`${field}.mask`, 'a non-empty mask is required');
      return false;
    case 'timestampRange': {
      checkTimestamp(f.startMicros, `${field}.start_timestamp_micros`);
      if (f.endMicros !== undefined) {
        checkTimestamp(f.endMicros, `${field}.end_timestamp_micros`);
        if (f.endMicros < f.startMicros) {
          fail(field, `end_timestamp_micros ${f.endMicros} is before start_timestamp_micros ${f.startMicros}`);
        }
      }
      return false;
    }
    case 'cellsPerRowOffset':
      checkCount(f.n, 0, field);
      return false;
    case 'cellsPerRowLimit':
    case 'cellsPerColumnLimit':
      checkCount(f.n, 1, field);
      return false;
    case 'applyLabel':
      if (typeof f.label !== 'string' || f.label.length === 0 || f.label.length > MAX_LABEL_CHARS || !LABEL_RE.test(f.label)) {
        fail(field, `label "${String(f.label)}" must be 1 to ${MAX_LABEL_CHARS} characters matching [a-z0-9-]+`);
      }
      return true;
    default: {
      const kind = (f as { kind?: unknown }).kind;
      return fail(path, `unknown filter kind ${String(kind)}`);
    }
  }
}

function checkCount(n: number, min: number, field: string): void {
  if (!Number.isInteger(n) || n < min || n > INT32_MAX) {
    fail(field, `must be an integer between ${min} and ${INT32_MAX}, got ${String(n)}`);
  }
}

/** Microseconds, ≥ 0, millisecond granularity. Values beyond MAX_TIMESTAMP match no cell but are legal. */
function checkTimestamp(t: number, field: string): void {
  if (!Number.isInteger(t) || t < 0) fail(field, `must be a non-negative integer, got ${String(t)}`);
  if (t <= MAX_TIMESTAMP && t % 1000 !== 0) fail(field, `${t} is not a multiple of 1000 (millisecond granularity)`);
}

function checkBounds(
  start: FilterBound | undefined, end: FilterBound | undefined,
  field: string, startName: string, endName: string,
): void {
  if (start !== undefined && !Buffer.isBuffer(start.value)) fail(`${field}.${startName}`, 'expected bytes');
  if (end !== undefined && !Buffer.isBuffer(end.value)) fail(`${field}.${endName}`, 'expected bytes');
  if (start !== undefined && end !== undefined && compareBytes(start.value, end.value) > 0) {
    fail(field, `${startName} is after ${endName}`);
  }
}

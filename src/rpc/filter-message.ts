/**
 * model RowFilter ⇄ tabula.internal.v1.RowFilter in proto-loader object form
 * (camelCase fields, int64 as strings, oneof name in `filter`). The message
 * mirrors the model one-to-one, so conversion is lossless; semantic
 * validation stays with the tablet server (tablet/filter).
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { FilterBound, RowFilter } from '../model/row-filter.js';

interface BoundMessage { value?: Buffer; closed?: boolean }

/** tabula.internal.v1.RowFilter as proto-loader reads and writes it. */
export interface RowFilterMessage {
  filter?: string;
  chain?: { filters?: RowFilterMessage[] };
  interleave?: { filters?: RowFilterMessage[] };
  condition?: { predicate?: RowFilterMessage; trueFilter?: RowFilterMessage; falseFilter?: RowFilterMessage };
  sink?: boolean;
  passAll?: boolean;
  blockAll?: boolean;
  rowKeyRegex?: Buffer;
  rowSample?: number;
  familyNameRegex?: string;
  columnQualifierRegex?: Buffer;
  columnRange?: { family?: string; startQualifier?: BoundMessage; endQualifier?: BoundMessage };
  timestampRange?: { startMicros?: string | number; endMicros?: string | number };
  valueRegex?: Buffer;
  valueRange?: { start?: BoundMessage; end?: BoundMessage };
  valueBitmask?: Buffer;
  cellsPerRowOffset?: number;
  cellsPerRowLimit?: number;
  cellsPerColumnLimit?: number;
  stripValue?: boolean;
  applyLabel?: string;
}

const EMPTY: Buffer = Buffer.alloc(0);

function boundTo(b: FilterBound | undefined): BoundMessage | undefined {
  return b && { value: b.value, closed: b.closed };
}

function boundFrom(b: BoundMessage | undefined): FilterBound | undefined {
  return b && { value: b.value ?? EMPTY, closed: b.closed ?? false };
}

export function filterToMessage(f: RowFilter): RowFilterMessage {
  switch (f.kind) {
    case 'chain': return { chain: { filters: f.filters.map(filterToMessage) } };
    case 'interleave': return { interleave: { filters: f.filters.map(filterToMessage) } };
    case 'condition': return {
      condition: {
        predicate: filterToMessage(f.predicate),
        ...(f.trueFilter ? { trueFilter: filterToMessage(f.trueFilter) } : {}),
        ...(f.falseFilter ? { falseFilter: filterToMessage(f.falseFilter) } : {}),
      },
    };
    case 'sink': return { sink: true };
    case 'passAll': return { passAll: true };
    case 'blockAll': return { blockAll: true };
    case 'rowKeyRegex': return { rowKeyRegex: f.regex };
    case 'rowSample': return { rowSample: f.probability };
    case 'familyNameRegex': return { familyNameRegex: f.regex };
    case 'columnQualifierRegex': return { columnQualifierRegex: f.regex };
    case 'columnRange': return { columnRange: { family: f.family, startQualifier: boundTo(f.startQualifier), endQualifier: boundTo(f.endQualifier) } };
    case 'timestampRange': return { timestampRange: { startMicros: f.startMicros, ...(f.endMicros !== undefined ? { endMicros: f.endMicros } : {}) } };
    case 'valueRegex': return { valueRegex: f.regex };
    case 'valueRange': return { valueRange: { start: boundTo(f.start), end: boundTo(f.end) } };
    case 'valueBitmask': return { valueBitmask: f.mask };
    case 'cellsPerRowOffset': return { cellsPerRowOffset: f.n };
    case 'cellsPerRowLimit': return { cellsPerRowLimit: f.n };
    case 'cellsPerColumnLimit': return { cellsPerColumnLimit: f.n };
    case 'stripValue': return { stripValue: true };
    case 'applyLabel': return { applyLabel: f.label };
  }
}

function withOptional<T extends object, K extends string, V>(base: T, key: K, v: V | undefined): T & Partial<Record<K, V>> {
  return v === undefined ? base : { ...base, [key]: v } as T & Record<K, V>;
}

/** Throws InvalidArgumentError for a filter with no kind set. */
export function filterFromMessage(m: RowFilterMessage): RowFilter {
  switch (m.filter) {
    case 'chain': return { kind: 'chain', filters: (m.chain?.filters ?? []).map(filterFromMessage) };
    case 'interleave': return { kind: 'interleave', filters: (m.interleave?.filters ?? []).map(filterFromMessage) };
    case 'condition': {
      const c = m.condition ?? {};
      if (!c.predicate) throw new InvalidArgumentError('filter.condition.predicate: required');
      let out: RowFilter & { kind: 'condition' } = { kind: 'condition', predicate: filterFromMessage(c.predicate) };
      out = withOptional(out, 'trueFilter', c.trueFilter && filterFromMessage(c.trueFilter));
      out = withOptional(out, 'falseFilter', c.falseFilter && filterFromMessage(c.falseFilter));
      return out;
    }
    case 'sink': return { kind: 'sink' };
    case 'passAll': return { kind: 'passAll' };
    case 'blockAll': return { kind: 'blockAll' };
    case 'rowKeyRegex': return { kind: 'rowKeyRegex', regex: m.rowKeyRegex ?? EMPTY };
    case 'rowSample': return { kind: 'rowSample', probability: m.rowSample ?? 0 };
    case 'familyNameRegex': return { kind: 'familyNameRegex', regex: m.familyNameRegex ?? '' };
    case 'columnQualifierRegex': return { kind: 'columnQualifierRegex', regex: m.columnQualifierRegex ?? EMPTY };
    case 'columnRange': {
      const r = m.columnRange ?? {};
      let out: RowFilter & { kind: 'columnRange' } = { kind: 'columnRange', family: r.family ?? '' };
      out = withOptional(out, 'startQualifier', boundFrom(r.startQualifier));
      out = withOptional(out, 'endQualifier', boundFrom(r.endQualifier));
      return out;
    }
    case 'timestampRange': {
      const r = m.timestampRange ?? {};
      const out: RowFilter & { kind: 'timestampRange' } = { kind: 'timestampRange', startMicros: Number(r.startMicros ?? 0) };
      return withOptional(out, 'endMicros', r.endMicros === undefined ? undefined : Number(r.endMicros));
    }
    case 'valueRegex': return { kind: 'valueRegex', regex: m.valueRegex ?? EMPTY };
    case 'valueRange': {
      const r = m.valueRange ?? {};
      let out: RowFilter & { kind: 'valueRange' } = { kind: 'valueRange' };
      out = withOptional(out, 'start', boundFrom(r.start));
      out = withOptional(out, 'end', boundFrom(r.end));
      return out;
    }
    case 'valueBitmask': return { kind: 'valueBitmask', mask: m.valueBitmask ?? EMPTY };
    case 'cellsPerRowOffset': return { kind: 'cellsPerRowOffset', n: m.cellsPerRowOffset ?? 0 };
    case 'cellsPerRowLimit': return { kind: 'cellsPerRowLimit', n: m.cellsPerRowLimit ?? 0 };
    case 'cellsPerColumnLimit': return { kind: 'cellsPerColumnLimit', n: m.cellsPerColumnLimit ?? 0 };
    case 'stripValue': return { kind: 'stripValue' };
    case 'applyLabel': return { kind: 'applyLabel', label: m.applyLabel ?? '' };
    default: throw new InvalidArgumentError(`filter: no filter kind set${m.filter ? ` (unknown "${m.filter}")` : ''}`);
  }
}

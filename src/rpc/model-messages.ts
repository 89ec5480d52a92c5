/**
 * Model values ⇄ tabula.internal.v1 messages in proto-loader object form
 * (camelCase, int64/uint64 as decimal strings on read, absent fields
 * undefined, oneof name in its own field). Used by the cold paths; the hot
 * ones (Mutate, ReadRows batches) have hand codecs.
 */
import { InvalidArgumentError } from '../base/errors.js';
import type { Cell, Row } from '../model/cell.js';
import type { GcRule } from '../model/gc-rule.js';
import { AGGREGATOR_CODES, type Aggregator } from '../model/aggregate.js';
import type { KeyRange } from '../model/key-range.js';
import type { Mutation } from '../model/mutation.js';
import type { ReadModifyWriteRule, TabletDescriptor, TabletStatsEntry } from './tablet-service.js';

/** An int64/uint64 as proto-loader hands it out (longs: String) or takes it in. */
export type Long = string | number;

const EMPTY: Buffer = Buffer.alloc(0);

/** Number of an int64 field (absent = 0). */
export function num(v: Long | undefined | null): number {
  return v === undefined || v === null ? 0 : Number(v);
}

// ---- GC rules and families ------------------------------------------------------------

export interface GcRuleMessage {
  rule?: string;
  maxVersions?: number;
  maxAgeMicros?: Long;
  union?: { rules?: GcRuleMessage[] };
  intersection?: { rules?: GcRuleMessage[] };
}

export function gcRuleToMessage(r: GcRule): GcRuleMessage {
  switch (r.kind) {
    case 'never': return {};
    case 'maxVersions': return { maxVersions: r.maxVersions };
    case 'maxAge': return { maxAgeMicros: r.maxAgeMicros };
    case 'union': return { union: { rules: r.rules.map(gcRuleToMessage) } };
    case 'intersection': return { intersection: { rules: r.rules.map(gcRuleToMessage) } };
  }
}

export function gcRuleFromMessage(m: GcRuleMessage | undefined): GcRule {
  switch (m?.rule) {
    case 'maxVersions': return { kind: 'maxVersions', maxVersions: m.maxVersions ?? 0 };
    case 'maxAgeMicros': return { kind: 'maxAge', maxAgeMicros: num(m.maxAgeMicros) };
    case 'union': return { kind: 'union', rules: (m.union?.rules ?? []).map(gcRuleFromMessage) };
    case 'intersection': return { kind: 'intersection', rules: (m.intersection?.rules ?? []).map(gcRuleFromMessage) };
    default: return { kind: 'never' };
  }
}

export interface ColumnFamilyMessage { name?: string; gcRule?: GcRuleMessage; aggregate?: string }

export function familiesToMessage(fs: Array<[string, GcRule]>, aggregates: Array<[string, Aggregator]> = []): ColumnFamilyMessage[] {
  const agg = new Map(aggregates);
  return fs.map(([name, rule]) => ({ name, gcRule: gcRuleToMessage(rule), aggregate: agg.get(name) ?? '' }));
}

export function familiesFromMessage(fs: ColumnFamilyMessage[] | undefined): Array<[string, GcRule]> {
  return (fs ?? []).map((f) => [f.name ?? '', gcRuleFromMessage(f.gcRule)]);
}

/** The aggregate families among `fs`; an unknown aggregator is refused (a newer peer). */
export function aggregatesFromMessage(fs: ColumnFamilyMessage[] | undefined): Array<[string, Aggregator]> {
  const out: Array<[string, Aggregator]> = [];
  for (const f of fs ?? []) {
    if (!f.aggregate) continue;
    if (!(AGGREGATOR_CODES as readonly string[]).includes(f.aggregate)) throw new InvalidArgumentError(`families["${f.name ?? ''}"].aggregate: unknown aggregator "${f.aggregate}"`);
    out.push([f.name ?? '', f.aggregate as Aggregator]);
  }
  return out;
}

// ---- key ranges and descriptors -------------------------------------------------------

export interface KeyRangeMessage { start?: Buffer; end?: Buffer; _end?: string }

export function keyRangeToMessage(r: KeyRange): KeyRangeMessage {
  return r.end === undefined ? { start: r.start } : { start: r.start, end: r.end };
}

export function keyRangeFromMessage(m: KeyRangeMessage | undefined): KeyRange {
  const start = m?.start ?? EMPTY;
  return m?.end === undefined || m.end === null ? { start } : { start, end: m.end };
}

export interface TabletDescriptorMessage {
  id?: string;
  table?: string;
  startRow?: Buffer;
  endRow?: Buffer;
  epoch?: Long;
  families?: ColumnFamilyMessage[];
  recoverFrom?: string[];
  seedFrom?: string;
}

export function descriptorToMessage(d: TabletDescriptor): TabletDescriptorMessage {
  return {
    id: d.id, table: d.table, startRow: d.startRow, endRow: d.endRow, epoch: d.epoch,
    families: familiesToMessage(d.families, d.aggregates), recoverFrom: d.recoverFrom ?? [], seedFrom: d.seedFrom ?? '',
  };
}

export function descriptorFromMessage(m: TabletDescriptorMessage | undefined): TabletDescriptor {
  if (!m) throw new InvalidArgumentError('tablet: required');
  const d: TabletDescriptor = {
    id: m.id ?? '', table: m.table ?? '', startRow: m.startRow ?? EMPTY, endRow: m.endRow ?? EMPTY,
    epoch: num(m.epoch), families: familiesFromMessage(m.families),
  };
  if (m.recoverFrom?.length) d.recoverFrom = m.recoverFrom;
  if (m.seedFrom) d.seedFrom = m.seedFrom;
  const aggregates = aggregatesFromMessage(m.families);
  if (aggregates.length) d.aggregates = aggregates;
  return d;
}

// ---- mutations, rows, read-modify-write ----------------------------------------------

export interface MutationMessage {
  mutation?: string;
  setCell?: { family?: string; qualifier?: Buffer; timestampMicros?: Long; value?: Buffer };
  deleteFromColumn?: { family?: string; qualifier?: Buffer; startMicros?: Long; endMicros?: Long };
  deleteFromFamily?: { family?: string };
  deleteFromRow?: Record<string, never>;
  addToCell?: { family?: string; qualifier?: Buffer; timestampMicros?: Long; value?: Buffer };
}

export function mutationToMessage(m: Mutation): MutationMessage {
  switch (m.type) {
    case 'setCell': return { setCell: { family: m.family, qualifier: m.qualifier, timestampMicros: m.timestamp, value: m.value } };
    case 'deleteFromColumn': return {
      deleteFromColumn: { family: m.family, qualifier: m.qualifier, startMicros: m.start, ...(m.end !== undefined ? { endMicros: m.end } : {}) },
    };
    case 'deleteFromFamily': return { deleteFromFamily: { family: m.family } };
    case 'deleteFromRow': return { deleteFromRow: {} };
    case 'addToCell': return { addToCell: { family: m.family, qualifier: m.qualifier, timestampMicros: m.timestamp, value: m.value } };
  }
}

export function mutationFromMessage(m: MutationMessage): Mutation {
  switch (m.mutation) {
    case 'setCell': {
      const s = m.setCell ?? {};
      return { type: 'setCell', family: s.family ?? '', qualifier: s.qualifier ?? EMPTY, timestamp: num(s.timestampMicros), value: s.value ?? EMPTY };
    }
    case 'deleteFromColumn': {
      const d = m.deleteFromColumn ?? {};
      return {
        type: 'deleteFromColumn', family: d.family ?? '', qualifier: d.qualifier ?? EMPTY,
        start: num(d.startMicros), end: d.endMicros === undefined || d.endMicros === null ? undefined : Number(d.endMicros),
      };
    }
    case 'deleteFromFamily': return { type: 'deleteFromFamily', family: m.deleteFromFamily?.family ?? '' };
    case 'deleteFromRow': return { type: 'deleteFromRow' };
    case 'addToCell': {
      const a = m.addToCell ?? {};
      return { type: 'addToCell', family: a.family ?? '', qualifier: a.qualifier ?? EMPTY, timestamp: num(a.timestampMicros), value: a.value ?? EMPTY };
    }
    default: throw new InvalidArgumentError('mutation: no mutation type set');
  }
}

export interface CellMessage { family?: string; qualifier?: Buffer; timestampMicros?: Long; value?: Buffer; labels?: string[] }
export interface RowMessage { key?: Buffer; cells?: CellMessage[] }

export function rowToMessage(r: Row): RowMessage {
  return {
    key: r.key,
    cells: r.cells.map((c) => ({ family: c.family, qualifier: c.qualifier, timestampMicros: c.timestamp, value: c.value, labels: c.labels ?? [] })),
  };
}

/** An empty cell family means "the previous cell's family" (see the .proto). */
export function rowFromMessage(m: RowMessage | undefined): Row {
  let family = '';
  const cells = (m?.cells ?? []).map((c): Cell => {
    if (c.family) family = c.family;
    const cell: Cell = { family, qualifier: c.qualifier ?? EMPTY, timestamp: num(c.timestampMicros), value: c.value ?? EMPTY };
    if (c.labels?.length) cell.labels = c.labels;
    return cell;
  });
  return { key: m?.key ?? EMPTY, cells };
}

export interface RmwRuleMessage { family?: string; qualifier?: Buffer; rule?: string; appendValue?: Buffer; incrementAmount?: Long }

export function rmwRuleToMessage(r: ReadModifyWriteRule): RmwRuleMessage {
  return r.type === 'append'
    ? { family: r.family, qualifier: r.qualifier, appendValue: r.value }
    : { family: r.family, qualifier: r.qualifier, incrementAmount: r.amount.toString() };
}

export function rmwRuleFromMessage(m: RmwRuleMessage, i: number): ReadModifyWriteRule {
  const family = m.family ?? '';
  const qualifier = m.qualifier ?? EMPTY;
  if (m.rule === 'appendValue') return { type: 'append', family, qualifier, value: m.appendValue ?? EMPTY };
  if (m.rule === 'incrementAmount') return { type: 'increment', family, qualifier, amount: BigInt(m.incrementAmount ?? 0) };
  throw new InvalidArgumentError(`rules[${i}].rule: required`);
}

// ---- stats ----------------------------------------------------------------------------

export interface TabletStatsMessage { id?: string; bytes?: Long; sstables?: Long; memtableBytes?: Long; sortedRuns?: Long }

export function tabletStatsToMessage(t: TabletStatsEntry): TabletStatsMessage {
  return { id: t.id, bytes: t.bytes, sstables: t.sstables, memtableBytes: t.memtableBytes, sortedRuns: t.sortedRuns };
}

export function tabletStatsFromMessage(m: TabletStatsMessage): TabletStatsEntry {
  return { id: m.id ?? '', bytes: num(m.bytes), sstables: num(m.sstables), sortedRuns: num(m.sortedRuns), memtableBytes: num(m.memtableBytes) };
}

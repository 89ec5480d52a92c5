/**
 * The hand codecs (row batches, Mutate) against the .proto as proto-loader
 * reads it, and the object converters (filters, GC rules, mutations, rows)
 * through a real serialize/deserialize.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decodeRowBatch, encodeRowBatches } from '../../src/rpc/row-batch-codec.js';
import { decodeMutateRequest, decodeMutateResponse, encodeMutateRequest, encodeMutateResponse } from '../../src/rpc/mutate-codec.js';
import { internalMessage } from '../../src/rpc/internal-protos.js';
import { filterFromMessage, filterToMessage, type RowFilterMessage } from '../../src/rpc/filter-message.js';
import {
  gcRuleFromMessage, gcRuleToMessage, mutationFromMessage, mutationToMessage, rowFromMessage, rowToMessage,
  type GcRuleMessage, type MutationMessage, type RowMessage,
} from '../../src/rpc/model-messages.js';
import { WireReader, WireWriter, varintSize } from '../../src/rpc/wire.js';
import {
  AlreadyExistsError, Code, CorruptionError, InvalidArgumentError, NotFoundError, TabulaError, UnavailableError,
} from '../../src/base/errors.js';
import type { Row } from '../../src/model/cell.js';
import { anyFilterArb, gcRuleArb, rowMutationArb, rowsArb } from './arbitraries.js';

const ReadRowsResponse = internalMessage('ReadRowsResponse');
const MutateRequestMsg = internalMessage('MutateRequest');
const MutateResponseMsg = internalMessage('MutateResponse');
const RowFilterMsg = internalMessage('RowFilter');
const GcRuleMsg = internalMessage('GcRule');
const RowMsg = internalMessage('Row');

describe('wire varints', () => {
  it('round-trips int64 values including negatives and values near 2^53', () => {
    for (const v of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 49 + 3, 2 ** 53 - 1, -1, -1000, -(2 ** 40)]) {
      const w = new WireWriter(varintSize(v));
      w.varint(v);
      const r = new WireReader(w.finish());
      expect(r.varint()).toBe(v);
      expect(r.done).toBe(true);
    }
  });

  it('rejects truncated input with INVALID_ARGUMENT', () => {
    expect(() => new WireReader(Buffer.from([0x80])).varint()).toThrow(InvalidArgumentError);
    expect(() => new WireReader(Buffer.from([0x0a, 0x05, 1])).bytes()).toThrow(InvalidArgumentError);
  });

  it('rejects a negative length (a 10-byte varint), which would move the reader backwards', () => {
    // Tag 0x0a, then length -11: reading it ends 11 bytes in, and -11 would point back at the tag.
    const r = new WireReader(Buffer.from('0af5ffffffffffffffff01', 'hex'));
    r.varint();
    expect(() => r.bytes()).toThrow(InvalidArgumentError);
  });
});

describe('row batch codec', () => {
  it('round-trips rows, split into messages near the target size', () => {
    fc.assert(fc.property(rowsArb, fc.integer({ min: 1, max: 400 }), fc.option(fc.record({ rowsSeen: fc.nat(), cellsSeen: fc.nat() }), { nil: undefined }),
      (rows, target, stats) => {
        const msgs = encodeRowBatches(rows, target, stats);
        const decoded = msgs.map(decodeRowBatch);
        expect(decoded.flatMap((d) => d.rows)).toEqual(rows);
        // Every message but those holding one big row stays within the target (plus the stats fields).
        for (const d of decoded.slice(0, -1)) expect(d.rows.length).toBeGreaterThan(0);
        msgs.forEach((m, i) => { if (decoded[i]!.rows.length > 1) expect(m.length).toBeLessThanOrEqual(target + 22); });
        const seen = decoded.reduce((s, d) => ({ rowsSeen: s.rowsSeen + d.rowsSeen, cellsSeen: s.cellsSeen + d.cellsSeen }), { rowsSeen: 0, cellsSeen: 0 });
        expect(seen).toEqual(stats ?? { rowsSeen: 0, cellsSeen: 0 });
      }), { numRuns: 200 });
  });

  it('is the wire format of tabula.internal.v1.ReadRowsResponse (both directions)', () => {
    fc.assert(fc.property(rowsArb, (rows) => {
      for (const msg of encodeRowBatches(rows, 1 << 20)) {
        const obj = ReadRowsResponse.deserialize(msg) as { rows?: RowMessage[] };
        expect((obj.rows ?? []).map(rowFromMessage)).toEqual(rows);
      }
      const viaLoader = ReadRowsResponse.serialize({ rows: rows.map(rowToMessage), rowsSeen: 3, cellsSeen: 7 });
      expect(decodeRowBatch(viaLoader)).toEqual({ rows, rowsSeen: 3, cellsSeen: 7 });
    }), { numRuns: 150 });
  });

  it('skips unknown fields', () => {
    const row: Row = { key: Buffer.from('k'), cells: [{ family: 'a', qualifier: Buffer.from('q'), timestamp: 5000, value: Buffer.from('v') }] };
    const [msg] = encodeRowBatches([row], 1 << 20);
    // field 15 (varint) and field 14 (bytes) appended at the top level
    const extended = Buffer.concat([msg!, Buffer.from([0x78, 0x96, 0x01, 0x72, 0x02, 0x01, 0x02])]);
    expect(decodeRowBatch(extended).rows).toEqual([row]);
  });
});

describe('Mutate codec', () => {
  it('round-trips requests, including server-time (-1) timestamps and open delete ranges', () => {
    fc.assert(fc.property(fc.string(), fc.array(rowMutationArb(['a', 'b', 'fam-ü']), { maxLength: 6 }), (tabletId, entries) => {
      expect(decodeMutateRequest(encodeMutateRequest({ tabletId, entries }))).toEqual({ tabletId, entries });
    }), { numRuns: 200 });
  });

  it('is the wire format of tabula.internal.v1.MutateRequest (both directions)', () => {
    fc.assert(fc.property(fc.array(rowMutationArb(['a', 'b']), { maxLength: 6 }), (entries) => {
      const obj = MutateRequestMsg.deserialize(encodeMutateRequest({ tabletId: 't1', entries })) as { tabletId?: string; entries?: Array<{ row?: Buffer; mutations?: MutationMessage[] }> };
      expect(obj.tabletId).toBe('t1');
      expect((obj.entries ?? []).map((e) => ({ row: e.row ?? Buffer.alloc(0), mutations: (e.mutations ?? []).map(mutationFromMessage) }))).toEqual(entries);
      const viaLoader = MutateRequestMsg.serialize({ tabletId: 't1', entries: entries.map((e) => ({ row: e.row, mutations: e.mutations.map(mutationToMessage) })) });
      expect(decodeMutateRequest(viaLoader)).toEqual({ tabletId: 't1', entries });
    }), { numRuns: 150 });
  });

  it('carries per-entry errors with class, code and message; successes cost nothing', () => {
    const errs = [
      undefined, new NotFoundError('mutations[0].family_name: column family "x" not found'), undefined,
      new UnavailableError('row is outside tablet t'), new InvalidArgumentError('bad ✓'), new CorruptionError('f.sst', 'bad block'),
      new TabulaError(Code.ABORTED, 'plain'), new AlreadyExistsError(''),
    ];
    const decoded = decodeMutateResponse(encodeMutateResponse(errs), errs.length);
    expect(decoded.map((e) => e && [e.constructor, e.name, e.code, e.message])).toEqual(errs.map((e) => e && [
      e instanceof CorruptionError ? TabulaError : e.constructor, e.name, e.code, e.message,
    ]));
    expect(encodeMutateResponse([undefined, undefined]).length).toBe(0);
    const obj = MutateResponseMsg.deserialize(encodeMutateResponse(errs)) as { errors?: Array<{ index?: number; status?: { code?: number; message?: string; kind?: string } }> };
    expect(obj.errors?.map((e) => e.index ?? 0)).toEqual([1, 3, 4, 5, 6, 7]);
    expect(obj.errors?.[0]?.status).toEqual({ code: Code.NOT_FOUND, message: errs[1]!.message, kind: 'NotFoundError' });
  });
});

describe('object converters through proto-loader', () => {
  it('RowFilter round-trips every kind', () => {
    fc.assert(fc.property(anyFilterArb, (f) => {
      const back = filterFromMessage(RowFilterMsg.deserialize(RowFilterMsg.serialize(filterToMessage(f))) as RowFilterMessage);
      expect(back).toEqual(f);
    }), { numRuns: 300 });
  });

  it('keeps zero-valued oneof members (cells_per_row_offset 0, start 0)', () => {
    for (const f of [{ kind: 'cellsPerRowOffset', n: 0 }, { kind: 'timestampRange', startMicros: 0, endMicros: 0 }] as const) {
      expect(filterFromMessage(RowFilterMsg.deserialize(RowFilterMsg.serialize(filterToMessage(f))) as RowFilterMessage)).toEqual(f);
    }
  });

  it('rejects a filter with no kind', () => {
    expect(() => filterFromMessage({})).toThrow(InvalidArgumentError);
  });

  it('GcRule round-trips', () => {
    fc.assert(fc.property(gcRuleArb, (r) => {
      expect(gcRuleFromMessage(GcRuleMsg.deserialize(GcRuleMsg.serialize(gcRuleToMessage(r))) as GcRuleMessage)).toEqual(r);
    }), { numRuns: 200 });
  });

  it('Row round-trips through the object form', () => {
    fc.assert(fc.property(rowsArb, (rows) => {
      for (const r of rows) expect(rowFromMessage(RowMsg.deserialize(RowMsg.serialize(rowToMessage(r))) as RowMessage)).toEqual(r);
    }), { numRuns: 100 });
  });
});

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type * as protoLoader from '@grpc/proto-loader';
import { packageDefinition } from '../../src/api/protos.js';
import { ReadRowsEncoder } from '../../src/api/read-rows-encoder.js';
import { BigtableWire, countMutateRowsFailures, tallyReadRowsResponse } from '../../bench/ycsb/bigtable-wire.js';
import { LatencyHistogram, bucketLow, bucketOf } from '../../bench/ycsb/latency-histogram.js';

type Msg = protoLoader.MessageTypeDefinition<object, Record<string, unknown>>;
const msg = (name: string): Msg => packageDefinition[name] as Msg;
const TABLE = 'projects/p/instances/i/tables/usertable';
const wire = new BigtableWire(TABLE, 'cf');
const bytes = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a));

describe('BigtableWire requests decode with the official protos', () => {
  it('MutateRowRequest', () => {
    fc.assert(fc.property(bytes, fc.array(fc.tuple(bytes, fc.uint8Array({ maxLength: 200 })), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 2 ** 52 }), (key, cells, ts) => {
        const buf = wire.mutateRow(key, cells.map(([q, v]) => ({ qualifier: q, value: Buffer.from(v) })), ts);
        const d = msg('google.bigtable.v2.MutateRowRequest').deserialize(buf) as Record<string, unknown>;
        expect(d.tableName).toBe(TABLE);
        expect(Buffer.from(d.rowKey as Uint8Array)).toEqual(key);
        const muts = d.mutations as Array<{ setCell: Record<string, unknown> }>;
        expect(muts.length).toBe(cells.length);
        muts.forEach((m, i) => {
          expect(m.setCell.familyName).toBe('cf');
          expect(Buffer.from(m.setCell.columnQualifier as Uint8Array)).toEqual(cells[i]![0]);
          expect(String(m.setCell.timestampMicros ?? '0')).toBe(String(ts));
          expect(Buffer.from((m.setCell.value as Uint8Array | undefined) ?? [])).toEqual(Buffer.from(cells[i]![1]));
        });
      }));
  });

  it('MutateRowsRequest', () => {
    const keys = [Buffer.from('user1'), Buffer.from('user22')];
    const buf = wire.mutateRows(keys, (i) => [{ qualifier: Buffer.from(`field${i}`), value: Buffer.alloc(100, i) }], 1_700_000_000_000_000);
    const d = msg('google.bigtable.v2.MutateRowsRequest').deserialize(buf) as Record<string, unknown>;
    const entries = d.entries as Array<{ rowKey: Uint8Array; mutations: Array<{ setCell: { columnQualifier: Uint8Array; value: Uint8Array } }> }>;
    expect(d.tableName).toBe(TABLE);
    expect(entries.map((e) => Buffer.from(e.rowKey).toString())).toEqual(['user1', 'user22']);
    expect(Buffer.from(entries[1]!.mutations[0]!.setCell.columnQualifier).toString()).toBe('field1');
    expect(Buffer.from(entries[1]!.mutations[0]!.setCell.value)).toEqual(Buffer.alloc(100, 1));
  });

  it('ReadRowsRequest, point and scan', () => {
    fc.assert(fc.property(bytes, fc.boolean(), fc.integer({ min: 0, max: 100_000 }), fc.boolean(), (key, scan, limit, latest) => {
      const d = msg('google.bigtable.v2.ReadRowsRequest').deserialize(wire.readRows(key, scan, limit, latest)) as Record<string, unknown>;
      expect(d.tableName).toBe(TABLE);
      const rows = d.rows as { rowKeys?: Uint8Array[]; rowRanges?: Array<{ startKeyClosed: Uint8Array }> };
      if (scan) {
        expect(rows.rowKeys ?? []).toEqual([]);
        expect(Buffer.from(rows.rowRanges![0]!.startKeyClosed)).toEqual(key);
      } else {
        expect(rows.rowKeys!.map((k) => Buffer.from(k))).toEqual([key]);
      }
      expect(String(d.rowsLimit ?? '0')).toBe(String(limit));
      if (latest) expect((d.filter as Record<string, unknown>).cellsPerColumnLimitFilter).toBe(1);
      else expect(d.filter).toBeUndefined();
    }));
  });
});

describe('response decoders', () => {
  it('tallyReadRowsResponse counts rows, cells and value bytes of ReadRowsEncoder output', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 10 }), { minLength: 0, maxLength: 20 }),
      (rows) => {
        const enc = new ReadRowsEncoder({ targetResponseBytes: 4096, maxChunkValueBytes: 1000 });
        rows.forEach((sizes, r) => enc.addRow({
          key: Buffer.from(`row${String(r).padStart(3, '0')}`),
          cells: sizes.map((n, i) => ({ family: 'cf', qualifier: Buffer.from(`field${i}`), timestamp: 1000 * (i + 1), value: Buffer.alloc(n, 7) })),
        }));
        const t = { rows: 0, cells: 0, valueBytes: 0 };
        for (let b = enc.takeResponse(); b; b = enc.takeResponse()) tallyReadRowsResponse(b, t);
        const last = enc.flush();
        if (last) tallyReadRowsResponse(last, t);
        expect(t.rows).toBe(rows.length);
        expect(t.cells).toBe(rows.reduce((a, s) => a + s.length, 0));
        expect(t.valueBytes).toBe(rows.reduce((a, s) => a + s.reduce((x, y) => x + y, 0), 0));
      }));
  });

  it('countMutateRowsFailures counts non-OK entries', () => {
    const M = msg('google.bigtable.v2.MutateRowsResponse');
    const buf = M.serialize({ entries: [{ index: 0, status: { code: 0 } }, { index: 1, status: { code: 9, message: 'x' } }, { index: 2, status: {} }, { index: 3, status: { code: 14 } }] });
    expect(countMutateRowsFailures(buf)).toBe(2);
    expect(countMutateRowsFailures(Buffer.alloc(0))).toBe(0);
  });
});

describe('LatencyHistogram', () => {
  it('buckets are contiguous and ordered', () => {
    let prev = -1;
    for (let v = 0; v < 3_000_000; v = v < 1000 ? v + 1 : Math.ceil(v * 1.003)) {
      const b = bucketOf(v);
      expect(b).toBeGreaterThanOrEqual(prev);
      expect(bucketLow(b)).toBeLessThanOrEqual(v);
      expect(bucketLow(b + 1)).toBeGreaterThan(v);
      prev = b;
    }
  });

  it('quantiles are within 1% of the exact sample quantile', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 60_000_000 }), { minLength: 1, maxLength: 500 }), fc.double({ min: 0, max: 1, noNaN: true }),
      (samples, q) => {
        const h = new LatencyHistogram();
        for (const s of samples) h.record(s);
        const sorted = [...samples].sort((a, b) => a - b);
        const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
        expect(Math.abs(h.quantileUs(q) - exact)).toBeLessThanOrEqual(exact * 0.01 + 1);
      }));
  });

  it('merges through the sparse form', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) a.record(i * 10);
    for (let i = 101; i <= 200; i++) b.record(i * 10);
    const m = new LatencyHistogram();
    m.addSparse(a.toSparse());
    m.addSparse(b.toSparse());
    expect(m.count).toBe(200);
    expect(m.max).toBe(2000);
    expect(Math.abs(m.quantileUs(0.5) - 1000)).toBeLessThanOrEqual(10);
    expect(m.meanUs).toBeCloseTo(1005, 6);
  });
});

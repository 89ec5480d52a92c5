import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ReadRowsEncoder, encodeLastScannedRowKey } from '../../src/api/read-rows-encoder.js';
import { messages } from '../../src/api/protos.js';
import { compareCells, type Cell, type Row } from '../../src/model/cell.js';
import { compareBytes } from '../../src/base/bytes.js';
import { decodeResponse, mergeResponses } from './readrows-chunks.js';

function encodeAll(rows: Row[], enc = new ReadRowsEncoder()): Buffer[] {
  const out: Buffer[] = [];
  for (const r of rows) {
    enc.addRow(r);
    for (let b = enc.takeResponse(); b; b = enc.takeResponse()) out.push(b);
  }
  const last = enc.flush();
  if (last) out.push(last);
  return out;
}

const cellArb = fc.record({
  family: fc.constantFrom('a', 'b', 'cf', 'metrics-1'),
  qualifier: fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u)),
  timestamp: fc.integer({ min: 0, max: 2 ** 40 }).map((t) => t * 1000),
  value: fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u)),
  labels: fc.option(fc.array(fc.constantFrom('x', 'lbl-2', 'z9'), { minLength: 1, maxLength: 2 }), { nil: undefined }),
});

function normaliseCells(cells: Cell[]): Cell[] {
  const sorted = cells.map((c) => {
    const o: Cell = { family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, value: c.value };
    if (c.labels) o.labels = c.labels;
    return o;
  }).sort(compareCells);
  // One cell per (family, qualifier, timestamp).
  return sorted.filter((c, i) => i === 0 || compareCells(sorted[i - 1]!, c) !== 0);
}

const rowsArb = fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 8 }).map((u) => Buffer.from(u)), {
  maxLength: 12, selector: (k) => k.toString('hex'),
}).chain((keys) => fc.tuple(...keys.map((k) => fc.array(cellArb, { minLength: 1, maxLength: 10 })
  .map((cells): Row => ({ key: k, cells: normaliseCells(cells) }))))).map((rows) => rows.sort((a, b) => compareBytes(a.key, b.key)));

function plain(rows: Row[]): unknown {
  return rows.map((r) => ({
    key: r.key.toString('hex'),
    cells: r.cells.map((c) => ({ f: c.family, q: c.qualifier.toString('hex'), t: c.timestamp, v: c.value.toString('hex'), l: c.labels ?? [] })),
  }));
}

describe('ReadRowsEncoder', () => {
  it('encodes one simple row exactly like proto-loader would describe it', () => {
    const row: Row = { key: Buffer.from('r1'), cells: [
      { family: 'a', qualifier: Buffer.from('q'), timestamp: 2000, value: Buffer.from('v2'), labels: ['L'] },
      { family: 'a', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.from('v1') },
      { family: 'a', qualifier: Buffer.from(''), timestamp: 0, value: Buffer.from('') },
      { family: 'b', qualifier: Buffer.from(''), timestamp: 1000, value: Buffer.from('x') },
    ] };
    const [resp, ...rest] = encodeAll([row]);
    expect(rest).toEqual([]);
    const msg = decodeResponse(resp!);
    expect(msg.chunks).toEqual([
      { rowKey: Buffer.from('r1'), familyName: { value: 'a' }, qualifier: { value: Buffer.from('q') }, timestampMicros: '2000', labels: ['L'], value: Buffer.from('v2') },
      { timestampMicros: '1000', value: Buffer.from('v1') },
      { qualifier: {} },
      { familyName: { value: 'b' }, qualifier: {}, timestampMicros: '1000', value: Buffer.from('x'), commitRow: true, rowStatus: 'commitRow' },
    ]);
    // Same bytes as proto-loader's own encoder for that object.
    const viaLoader = messages.ReadRowsResponse.serialize({ chunks: msg.chunks });
    expect(viaLoader.equals(resp!)).toBe(true);
  });

  it('splits large values with value_size on all but the last piece', () => {
    const big = Buffer.alloc(2.5 * 1024 * 1024, 7);
    big[12345] = 1;
    const row: Row = { key: Buffer.from('k'), cells: [{ family: 'f', qualifier: Buffer.from('q'), timestamp: 5000, value: big, labels: ['a'] }] };
    const responses = encodeAll([row]);
    const chunks = responses.flatMap((r) => decodeResponse(r).chunks ?? []);
    expect(chunks.length).toBe(3);
    expect(chunks.map((c) => c.valueSize ?? 0)).toEqual([big.length, big.length, 0]);
    expect(chunks[0]!.labels).toEqual(['a']);
    expect(chunks[1]!.labels).toBeUndefined();
    expect(chunks.map((c) => c.commitRow === true)).toEqual([false, false, true]);
    for (const r of responses) expect(r.length).toBeLessThanOrEqual(1024 * 1024 + 64);
    const merged = mergeResponses(responses);
    expect(merged[0]!.cells[0]!.value.equals(big)).toBe(true);
  });

  it('batches many small rows into responses of about the target size', () => {
    const rows: Row[] = [];
    for (let i = 0; i < 20000; i++) {
      rows.push({ key: Buffer.from(`row${String(i).padStart(6, '0')}`), cells: [{ family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.alloc(100, 1) }] });
    }
    const responses = encodeAll(rows);
    expect(responses.length).toBeGreaterThan(1);
    for (const r of responses.slice(0, -1)) {
      expect(r.length).toBeLessThanOrEqual(1024 * 1024);
      expect(r.length).toBeGreaterThan(1024 * 1024 - 200);
    }
    expect(mergeResponses(responses).length).toBe(20000);
  });

  it('skips rows without cells', () => {
    expect(encodeAll([{ key: Buffer.from('a'), cells: [] }])).toEqual([]);
  });

  it('encodes last_scanned_row_key alone', () => {
    const msg = decodeResponse(encodeLastScannedRowKey(Buffer.from('zz')));
    expect(msg.lastScannedRowKey).toEqual(Buffer.from('zz'));
    expect(msg.chunks).toBeUndefined();
  });

  it('round-trips random rows through the merger (small pieces and responses)', () => {
    fc.assert(fc.property(rowsArb, fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 400 }), (rows, piece, target) => {
      const enc = new ReadRowsEncoder({ maxChunkValueBytes: piece, targetResponseBytes: target });
      const merged = mergeResponses(encodeAll(rows, enc));
      expect(plain(merged)).toEqual(plain(rows));
    }), { numRuns: 300 });
  });

  it('round-trips random rows with default sizes, including a few values over 1 MiB', () => {
    fc.assert(fc.property(rowsArb, fc.nat({ max: 2 }), (rows, nBig) => {
      for (let i = 0; i < nBig && rows.length > 0; i++) {
        const r = rows[i % rows.length]!;
        const c = r.cells[r.cells.length - 1]!;
        c.value = Buffer.alloc(1024 * 1024 + 1 + i * 300_000, 0x41 + i);
      }
      const merged = mergeResponses(encodeAll(rows));
      expect(plain(merged)).toEqual(plain(rows));
    }), { numRuns: 25 });
  });
});

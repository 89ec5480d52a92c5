import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { messages } from '../../src/api/protos.js';
import { ChunkMerger, InvalidChunkError, type CellChunkLike } from '../../src/client/chunk-merger.js';
import type { Row } from '../../src/model/cell.js';

interface JsonChunk {
  rowKey?: string; familyName?: string; qualifier?: string; timestampMicros?: string;
  labels?: string[]; value?: string; valueSize?: number; resetRow?: boolean; commitRow?: boolean;
}
interface JsonResult {
  rowKey?: string; familyName?: string; qualifier?: string; timestampMicros?: string;
  value?: string; label?: string; error?: boolean;
}
interface Case { description: string; chunks: JsonChunk[]; results?: JsonResult[] }

const file = new URL('../../../shared/testdata/bigtable-readrows-conformance.json', import.meta.url);
const cases = (JSON.parse(readFileSync(file, 'utf8')) as { readRowsTests: Case[] }).readRowsTests;

/** proto3 JSON chunk → proto-loader object → wire bytes → decoded chunk (as a client sees it). */
function toWireChunk(c: JsonChunk): CellChunkLike {
  const o: Record<string, unknown> = {};
  if (c.rowKey !== undefined) o.rowKey = Buffer.from(c.rowKey, 'base64');
  if (c.familyName !== undefined) o.familyName = { value: c.familyName };
  if (c.qualifier !== undefined) o.qualifier = { value: Buffer.from(c.qualifier, 'base64') };
  if (c.timestampMicros !== undefined) o.timestampMicros = c.timestampMicros;
  if (c.labels !== undefined) o.labels = c.labels;
  if (c.value !== undefined) o.value = Buffer.from(c.value, 'base64');
  if (c.valueSize !== undefined) o.valueSize = c.valueSize;
  if (c.resetRow) o.resetRow = true;
  else if (c.commitRow) o.commitRow = true;
  const bytes = messages.ReadRowsResponse.serialize({ chunks: [o] });
  const decoded = messages.ReadRowsResponse.deserialize(bytes) as { chunks: CellChunkLike[] };
  return decoded.chunks[0]!;
}

function flatten(rows: Row[]): Required<Omit<JsonResult, 'error'>>[] {
  const out: Required<Omit<JsonResult, 'error'>>[] = [];
  for (const r of rows) {
    for (const c of r.cells) {
      out.push({
        rowKey: r.key.toString('utf8'), familyName: c.family, qualifier: c.qualifier.toString('utf8'),
        timestampMicros: String(c.timestamp), value: c.value.toString('utf8'), label: (c.labels ?? []).join(','),
      });
    }
  }
  return out;
}

describe('ChunkMerger: ReadRows acceptance tests', () => {
  it('has the published cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(48);
  });
  for (const tc of cases) {
    it(tc.description, () => {
      const results = tc.results ?? [];
      const expectError = results.some((r) => r.error === true);
      const expected = results.filter((r) => r.error !== true).map((r) => ({
        rowKey: r.rowKey ?? '', familyName: r.familyName ?? '', qualifier: r.qualifier ?? '',
        timestampMicros: r.timestampMicros ?? '0', value: r.value ?? '', label: r.label ?? '',
      }));
      const m = new ChunkMerger();
      const rows: Row[] = [];
      let error: unknown;
      try {
        for (const c of tc.chunks) {
          const row = m.push(toWireChunk(c));
          if (row) rows.push(row);
        }
        m.finish();
      } catch (e) {
        error = e;
      }
      if (expectError) expect(error).toBeInstanceOf(InvalidChunkError);
      else expect(error).toBeUndefined();
      expect(flatten(rows)).toEqual(expected);
    });
  }
});

describe('ChunkMerger: ordering', () => {
  const chunk = (key: string): CellChunkLike => ({
    rowKey: Buffer.from(key), familyName: { value: 'f' }, qualifier: { value: Buffer.from('q') }, value: Buffer.from('v'), commitRow: true,
  });
  it('rejects descending keys in a forward read and accepts them reversed', () => {
    const fwd = new ChunkMerger();
    fwd.push(chunk('b'));
    expect(() => fwd.push(chunk('a'))).toThrow(InvalidChunkError);
    const rev = new ChunkMerger({ reversed: true });
    rev.push(chunk('b'));
    expect(rev.push(chunk('a'))?.key.toString()).toBe('a');
    expect(() => rev.push(chunk('c'))).toThrow(InvalidChunkError);
  });
  it('rejects rows at or before last_scanned_row_key', () => {
    const m = new ChunkMerger();
    m.markScanned(Buffer.from('m'));
    expect(() => m.push(chunk('m'))).toThrow(InvalidChunkError);
  });
  it('treats an empty qualifier wrapper as a set qualifier', () => {
    const m = new ChunkMerger();
    const row = m.push({ rowKey: Buffer.from('r'), familyName: { value: 'f' }, qualifier: {}, commitRow: true });
    expect(row?.cells[0]?.qualifier.length).toBe(0);
  });
});

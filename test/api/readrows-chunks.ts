/** Test helpers: decode serialized ReadRowsResponses and merge their chunks into rows. */
import { messages } from '../../src/api/protos.js';
import { ChunkMerger, type CellChunkLike } from '../../src/client/chunk-merger.js';
import type { Row } from '../../src/model/cell.js';

export function decodeResponse(b: Buffer): { chunks?: CellChunkLike[]; lastScannedRowKey?: Buffer } {
  return messages.ReadRowsResponse.deserialize(b) as { chunks?: CellChunkLike[]; lastScannedRowKey?: Buffer };
}

/** Merges the chunks of serialized responses into rows; throws on an invalid sequence. */
export function mergeResponses(responses: Buffer[], reversed = false): Row[] {
  const m = new ChunkMerger({ reversed });
  const rows: Row[] = [];
  for (const r of responses) {
    const msg = decodeResponse(r);
    for (const c of msg.chunks ?? []) {
      const row = m.push(c);
      if (row) rows.push(row);
    }
    if (msg.lastScannedRowKey) m.markScanned(msg.lastScannedRowKey);
  }
  m.finish();
  return rows;
}

/** ReadRows flow control: cancellation reaches the backend, slow readers get backpressure. */
import type { CancelSignal } from '../../src/base/cancel-signal.js';
import { describe, it, expect, afterEach } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { startApiServer, type ApiServer } from '../../src/api/api-server.js';
import type { AdminBackend, DataBackend, ReadRowsOptions } from '../../src/api/backend.js';
import { MemoryBackend } from './memory-backend.js';
import type { Row } from '../../src/model/cell.js';
import { rawClients, type RawClients } from './api-clients.js';

class EndlessBackend extends MemoryBackend implements DataBackend {
  produced = 0;
  finished = false;
  signal: CancelSignal | undefined;
  override async *readRows(_t: unknown, _s: unknown, opts: ReadRowsOptions): AsyncIterable<Row> {
    this.signal = opts.signal;
    try {
      for (let i = 0; ; i++) {
        if (opts.signal.aborted) return;
        this.produced++;
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
        yield { key: Buffer.from(`row${String(i).padStart(10, '0')}`), cells: [{ family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.alloc(1000, 1) }] };
      }
    } finally {
      this.finished = true;
    }
  }
}

let server: ApiServer | undefined;
let raw: RawClients | undefined;
afterEach(async () => {
  raw?.close();
  await server?.close();
});

async function start(backend: EndlessBackend): Promise<RawClients> {
  server = await startApiServer({ host: '127.0.0.1', port: 0, data: backend, admin: backend as AdminBackend });
  raw = rawClients(server.port);
  return raw;
}

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('ReadRows flow control', () => {
  it('stops the backend when the client cancels', async () => {
    const backend = new EndlessBackend();
    const c = await start(backend);
    const stream = c.data.ReadRows!({ tableName: 'projects/p/instances/i/tables/t' }) as grpc.ClientReadableStream<unknown>;
    let responses = 0;
    await new Promise<void>((resolve) => {
      stream.on('data', () => {
        if (++responses === 3) {
          stream.cancel();
          resolve();
        }
      });
      stream.on('error', () => undefined);
    });
    await until(() => backend.finished);
    expect(backend.signal?.aborted).toBe(true);
  });

  it('applies backpressure to a reader that does not read', async () => {
    const backend = new EndlessBackend();
    const c = await start(backend);
    const stream = c.data.ReadRows!({ tableName: 'projects/p/instances/i/tables/t' }) as grpc.ClientReadableStream<unknown>;
    stream.on('error', () => undefined);
    // Take the first response, then stop reading.
    await new Promise<void>((resolve) => stream.once('data', () => { stream.pause(); resolve(); }));
    await new Promise((r) => setTimeout(r, 1000));
    const produced = backend.produced;
    // ~1 KB rows: without backpressure the backend would have produced hundreds of thousands by now;
    // with it, only what fills the server's write buffer (16 responses of 1 MiB) and the HTTP/2 windows.
    expect(produced).toBeGreaterThan(1000);
    expect(produced).toBeLessThan(60_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(backend.produced - produced).toBeLessThan(2000);
    stream.cancel();
    await until(() => backend.finished);
  });
});

/**
 * Tabula's gRPC servers (the API and the internal services) open wider HTTP/2
 * receive windows than grpc-js's 64 KiB (src/rpc/flow-control.ts): checked
 * from a raw HTTP/2 client, which sees the server's SETTINGS and its
 * connection-level WINDOW_UPDATE.
 */
import http2 from 'node:http2';
import { afterAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/api-server.js';
import { CONNECTION_WINDOW_BYTES, STREAM_WINDOW_BYTES, widenFlowControlWindows } from '../../src/rpc/flow-control.js';
import { bindInternalServer, createInternalServer, shutdownInternalServer } from '../../src/rpc/internal-server.js';
import { MemoryBackend } from '../api/memory-backend.js';

/** The receive windows a client is granted: the stream window from SETTINGS, the connection window after the server's WINDOW_UPDATE. */
function windowsSeenBy(port: number): Promise<{ stream: number; connection: number }> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(`http://127.0.0.1:${port}`);
    s.on('error', reject);
    s.once('remoteSettings', (settings) => {
      // The WINDOW_UPDATE follows the SETTINGS frame; give it a moment.
      setTimeout(() => {
        const r = { stream: settings.initialWindowSize ?? 65_535, connection: s.state.remoteWindowSize ?? 65_535 };
        s.close();
        resolve(r);
      }, 100);
    });
  });
}

let api: ApiServer | undefined;
afterAll(async () => { await api?.close(); });

describe('HTTP/2 flow-control windows', () => {
  it('the API server grants 1 MiB per stream and 16 MiB per connection', async () => {
    const backend = new MemoryBackend();
    api = await startApiServer({ host: '127.0.0.1', port: 0, data: backend, admin: backend });
    expect(await windowsSeenBy(api.port)).toEqual({ stream: STREAM_WINDOW_BYTES, connection: CONNECTION_WINDOW_BYTES });
  });

  it('so do internal servers (bindInternalServer)', async () => {
    const server = createInternalServer();
    const port = await bindInternalServer(server, '127.0.0.1', 0);
    try {
      expect(await windowsSeenBy(port)).toEqual({ stream: STREAM_WINDOW_BYTES, connection: CONNECTION_WINDOW_BYTES });
    } finally {
      await shutdownInternalServer(server, 100);
    }
  });

  it('reports false, changing nothing, when grpc-js does not expose its HTTP/2 servers where expected', () => {
    expect(widenFlowControlWindows({} as never)).toBe(false);
    expect(widenFlowControlWindows({ http2Servers: new Map([[{}, {}]]) } as never)).toBe(false);
  });
});

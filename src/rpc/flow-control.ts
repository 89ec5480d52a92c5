/**
 * HTTP/2 flow-control windows of Tabula's gRPC servers.
 *
 * grpc-js leaves a server's receive windows at Node's default of 64 KiB, per
 * stream and per connection, and has no option to raise them (grpc-node PR
 * #3058 proposes one). A client sending a 128 KB MutateRows then stops twice
 * per request until a WINDOW_UPDATE comes back, and the update waits for the
 * server's event loop, busy with other requests: in a YCSB load through
 * `tabula serve`, 58 of a request's 71 ms server time went to receiving its
 * body. grpc-java's servers open 1 MiB stream windows; Go's (Google's
 * emulator) size them to the bandwidth-delay product.
 *
 * The windows bound how much a client may send before the server has read
 * it, not what a request may contain (grpc.max_receive_message_length does).
 */
import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { logger } from '../base/log.js';

const log = logger('rpc');

/** Each stream's receive window (SETTINGS_INITIAL_WINDOW_SIZE), as grpc-java's default. */
export const STREAM_WINDOW_BYTES = 1 << 20;
/** Each connection's receive window, shared by its streams. */
export const CONNECTION_WINDOW_BYTES = 16 << 20;

type AnyHttp2Server = Http2Server | Http2SecureServer;

function isHttp2Server(x: unknown): x is AnyHttp2Server {
  return typeof (x as AnyHttp2Server | undefined)?.updateSettings === 'function' && typeof (x as AnyHttp2Server).on === 'function';
}

/**
 * Opens the windows of every HTTP/2 server behind a bound grpc-js Server (call
 * once, after bindAsync: the HTTP/2 servers exist from then on). False, with
 * a warning logged, when grpc-js no longer keeps them where this looks (a
 * private field): the server then works as before, with 64 KiB windows.
 */
export function widenFlowControlWindows(server: grpc.Server): boolean {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return notWidened();
  let found = false;
  for (const h of servers.keys()) {
    if (!isHttp2Server(h)) continue;
    found = true;
    h.updateSettings({ initialWindowSize: STREAM_WINDOW_BYTES });
    h.on('session', (s: ServerHttp2Session) => {
      try {
        s.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      } catch {
        // The session is already closing: nothing to widen.
      }
    });
  }
  return found || notWidened();
}

function notWidened(): false {
  log.warn('could not widen the HTTP/2 flow-control windows (grpc-js internals changed?); large requests will be slower');
  return false;
}

/**
 * A grpc-js server for the internal services (TabletServer, Master): created
 * with INTERNAL_CHANNEL_OPTIONS so big values fit, bound to host:port (TLS
 * when given server credentials), and shut down gracefully with a bounded wait.
 */
import * as grpc from '@grpc/grpc-js';
import { widenFlowControlWindows } from './flow-control.js';
import { INTERNAL_CHANNEL_OPTIONS } from './internal-protos.js';

/** A server configured for internal services (register with serveTabletServer / serveMaster before or after binding). */
export function createInternalServer(options: grpc.ServerOptions = {}): grpc.Server {
  return new grpc.Server({ ...INTERNAL_CHANNEL_OPTIONS, ...options });
}

/**
 * Binds `server` to host:port (0 = any free port), plaintext unless
 * `credentials` say otherwise, with widened flow-control windows
 * (flow-control.ts); resolves the bound port.
 */
export async function bindInternalServer(
  server: grpc.Server, host: string, port: number, credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
): Promise<number> {
  const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  widenFlowControlWindows(server);
  return bound;
}

/** Stops accepting calls, lets running ones finish for up to `graceMs`, then cancels the rest. */
export function shutdownInternalServer(server: grpc.Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.forceShutdown(), graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

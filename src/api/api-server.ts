/**
 * The Cloud Bigtable v2 gRPC frontend: registers every RPC of the data,
 * table-admin and instance-admin services over the given backends.
 */
import * as grpc from '@grpc/grpc-js';
import { logger } from '../base/log.js';
import { widenFlowControlWindows } from '../rpc/flow-control.js';
import type { AdminBackend, DataBackend } from './backend.js';
import { adminViewDirectory } from './authorized-view-access.js';
import { dataServiceHandlers, dataServiceServerDefinition } from './data-service.js';
import { instanceAdminServiceHandlers } from './instance-admin-service.js';
import { MAX_RECEIVE_MESSAGE_BYTES } from './limits.js';
import { instanceAdminServiceDefinition, tableAdminServiceDefinition } from './protos.js';
import { tableAdminServiceHandlers } from './table-admin-service.js';

const log = logger('rpc');

export interface ApiServerOptions {
  host: string;
  /** 0 = pick a free port. */
  port: number;
  data: DataBackend;
  admin: AdminBackend;
  /** Default insecure (plaintext). */
  credentials?: grpc.ServerCredentials;
  /** Milliseconds close() lets running calls finish before cancelling them (default 2000). */
  drainMs?: number;
  /** Called once the server is bound (e.g. to mark a health service SERVING). */
  onListening?: (server: grpc.Server) => void;
}

/** Transport-level settings of the gRPC server; ops code passes auth/metrics interceptors here. */
export interface GrpcServerSettings {
  /** Run around every call, outermost first (grpc-js server interceptors). */
  interceptors?: grpc.ServerInterceptor[];
  /** Largest request message accepted (default MAX_RECEIVE_MESSAGE_BYTES); larger ones get RESOURCE_EXHAUSTED. */
  maxReceiveMessageBytes?: number;
  /** Largest response message (default unlimited: ReadRows responses are chunked anyway). */
  maxSendMessageBytes?: number;
  /** HTTP/2 concurrent streams per connection (default: grpc-js / Node default). */
  maxConcurrentStreams?: number;
  /** Registers extra services (e.g. grpc.health.v1) on the same server. */
  extraServices?: (server: grpc.Server) => void;
}

export interface ApiServer {
  /** The bound port. */
  port: number;
  /** Stops accepting calls, waits briefly for running ones, then cancels the rest. */
  close(): Promise<void>;
}

/** Builds a grpc-js Server with all three services registered (not bound). */
export function createApiGrpcServer(data: DataBackend, admin: AdminBackend, settings: GrpcServerSettings = {}): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': settings.maxReceiveMessageBytes ?? MAX_RECEIVE_MESSAGE_BYTES,
    'grpc.max_send_message_length': settings.maxSendMessageBytes ?? -1,
    // Channelz bookkeeping costs ~5% of a small call's CPU and nothing here reads it.
    'grpc.enable_channelz': 0,
    ...(settings.maxConcurrentStreams !== undefined ? { 'grpc.max_concurrent_streams': settings.maxConcurrentStreams } : {}),
    ...(settings.interceptors?.length ? { interceptors: settings.interceptors } : {}),
  });
  settings.extraServices?.(server);
  server.addService(dataServiceServerDefinition, dataServiceHandlers(data, adminViewDirectory(admin)));
  server.addService(tableAdminServiceDefinition, tableAdminServiceHandlers(admin));
  server.addService(instanceAdminServiceDefinition, instanceAdminServiceHandlers(admin));
  return server;
}

export async function startApiServer(opts: ApiServerOptions & GrpcServerSettings): Promise<ApiServer> {
  const server = createApiGrpcServer(opts.data, opts.admin, opts);
  const address = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, opts.credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  widenFlowControlWindows(server);
  log.info({ port, tls: opts.credentials !== undefined && opts.credentials._isSecure() }, 'api server listening');
  opts.onListening?.(server);
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      const started = Date.now();
      const timer = setTimeout(() => {
        log.warn({ drainMs: opts.drainMs ?? 2000 }, 'calls still running after the drain period; cancelling them');
        server.forceShutdown();
      }, opts.drainMs ?? 2000);
      server.tryShutdown(() => {
        log.info({ ms: Date.now() - started }, 'api server stopped');
        clearTimeout(timer);
        resolve();
      });
    }),
  };
}

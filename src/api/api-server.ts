/**
 * The Cloud Bigtable v2 gRPC frontend: registers every RPC of the data,
 * table-admin and instance-admin services over the given backends.
 */
import * as grpc from '@grpc/grpc-js';
import { logger } from '../base/log.js';
import type { AdminBackend, DataBackend } from './backend.js';
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
}

export interface ApiServer {
  /** The bound port. */
  port: number;
  /** Stops accepting calls, waits briefly for running ones, then cancels the rest. */
  close(): Promise<void>;
}

/** Builds a grpc-js Server with all three services registered (not bound). */
export function createApiGrpcServer(data: DataBackend, admin: AdminBackend): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES,
    'grpc.max_send_message_length': -1,
  });
  server.addService(dataServiceServerDefinition, dataServiceHandlers(data));
  server.addService(tableAdminServiceDefinition, tableAdminServiceHandlers(admin));
  server.addService(instanceAdminServiceDefinition, instanceAdminServiceHandlers());
  return server;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const server = createApiGrpcServer(opts.data, opts.admin);
  const address = opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  log.info({ port }, 'api server listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.forceShutdown(), 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }),
  };
}

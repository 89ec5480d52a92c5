/**
 * Everything operational a Tabula gRPC server process needs, built from its
 * OpsOptions in one call: log level, metrics (installed as the engine hooks),
 * the auth + metrics interceptor, TLS credentials, gRPC limits, the
 * grpc.health.v1 service and the /metrics /healthz /readyz HTTP endpoint.
 *
 *   const ops = prepareServerOps(opts, host);            // throws ConfigError on bad options
 *   const server = createApiGrpcServer(data, admin, ops.grpcSettings);
 *   … bind with ops.credentials …; ops.health.setServing(true);
 *   await ops.startHttp(() => readiness);  …  await ops.close();
 */
import type * as grpc from '@grpc/grpc-js';
import { setLogLevel } from '../base/log.js';
import { loadAuthTokens, AuthTokenFileError, type AuthTokens } from './auth-tokens.js';
import { ConfigError } from './config-options.js';
import { addGrpcHealth, type GrpcHealth } from './grpc-health.js';
import { startOpsHttpServer, type OpsHttpServer, type Readiness } from './ops-http-server.js';
import type { OpsOptions } from './ops-options.js';
import { rpcInterceptor } from './rpc-interceptor.js';
import { serverCredentials } from './tls-credentials.js';
import { createTabulaMetrics, type TabulaMetrics } from './tabula-metrics.js';

/** gRPC service names reported by the health service besides "" (the whole server). */
export const BIGTABLE_SERVICES = ['google.bigtable.v2.Bigtable', 'google.bigtable.admin.v2.BigtableTableAdmin', 'google.bigtable.admin.v2.BigtableInstanceAdmin'];

export interface ServerOps {
  metrics: TabulaMetrics;
  auth?: AuthTokens;
  credentials: grpc.ServerCredentials;
  /** Pass to createApiGrpcServer / startApiServer. */
  grpcSettings: {
    interceptors: grpc.ServerInterceptor[];
    maxReceiveMessageBytes: number;
    maxConcurrentStreams: number;
    extraServices: (server: grpc.Server) => void;
  };
  /**
   * The same settings as grpc.Server options, for a server that is not
   * built by createApiGrpcServer (a tablet server's): call
   * grpcSettings.extraServices(server) on it too.
   */
  grpcServerOptions(): grpc.ServerOptions;
  /** Available once grpcSettings.extraServices ran (i.e. after the server was created). */
  health(): GrpcHealth | undefined;
  /** Starts the HTTP endpoint if --metrics-port was given; its port, or undefined. */
  startHttp(ready: () => Promise<Readiness> | Readiness): Promise<number | undefined>;
  close(): Promise<void>;
}

export function prepareServerOps(o: OpsOptions, host: string, services: string[] = BIGTABLE_SERVICES): ServerOps {
  setLogLevel(o.logLevel);
  let auth: AuthTokens | undefined;
  try {
    auth = o.authTokenFile ? loadAuthTokens(o.authTokenFile) : undefined;
  } catch (e) {
    throw e instanceof AuthTokenFileError ? new ConfigError(e.message) : e;
  }
  const credentials = serverCredentials(o);
  const metrics = createTabulaMetrics();
  const uninstall = metrics.installEngineHooks();
  const interceptor = rpcInterceptor({ metrics, auth });
  let health: GrpcHealth | undefined;
  let http: OpsHttpServer | undefined;
  return {
    metrics,
    auth,
    credentials,
    grpcSettings: {
      interceptors: [interceptor],
      maxReceiveMessageBytes: o.maxMessageSize,
      maxConcurrentStreams: o.maxConcurrentStreams,
      extraServices: (server) => { health = addGrpcHealth(server, services); },
    },
    grpcServerOptions: () => ({
      'grpc.max_receive_message_length': o.maxMessageSize,
      'grpc.max_send_message_length': -1,
      'grpc.max_concurrent_streams': o.maxConcurrentStreams,
      interceptors: [interceptor],
    }),
    health: () => health,
    async startHttp(ready) {
      if (o.metricsPort === undefined) return undefined;
      http = await startOpsHttpServer({ host: o.metricsHost ?? host, port: o.metricsPort, registry: metrics.registry, ready });
      return http.port;
    },
    async close() {
      health?.setServing(false);
      await http?.close();
      uninstall();
    },
  };
}

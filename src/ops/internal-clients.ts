/**
 * Credentials of a cluster process's outbound internal calls (master ⇄
 * tablet servers, and between tablet servers when routing data), built from
 * its own server options so one configuration serves both directions:
 *
 * - TLS: when the process serves TLS (--tls-cert), its clients use TLS too,
 *   verifying peers with --tls-ca (default: --tls-cert itself, which works
 *   for one self-signed certificate shared by every process) and, if
 *   --tls-server-name is set, expecting that name in their certificates.
 *   Under mTLS (--tls-client-ca) they present the process's own cert/key.
 * - Auth: with --auth-token-file, every internal call carries the file's
 *   cluster-scope token. It is added by a client interceptor rather than call
 *   credentials because grpc-js refuses to compose call credentials with
 *   insecure channel credentials (token without TLS), and one mechanism for
 *   both cases is simpler.
 *
 * `forward` is for calls made on behalf of a caller (a tablet server
 * forwarding table admin to the master): same TLS, no token of our own, since
 * the caller's `authorization` travels in the forwarded metadata and the
 * master checks the caller's scope.
 */
import * as grpc from '@grpc/grpc-js';
import type { AuthTokens } from './auth-tokens.js';
import { ConfigError } from './config-options.js';
import type { InternalClientOptions, OpsOptions } from './ops-options.js';
import { readPem } from './tls-credentials.js';

/** What RemoteMaster, RemoteTabletServer and ServerPool's `remote` take. */
export interface InternalClientSettings {
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
}

export interface InternalClients {
  /** TLS as configured and the cluster token. */
  cluster: InternalClientSettings;
  /** TLS as configured, no token (the forwarded call carries the caller's). */
  forward: InternalClientSettings;
}

/** Adds `authorization: Bearer <token>` to every call of a channel. */
export function bearerTokenInterceptor(token: string): grpc.Interceptor {
  return (options, nextCall) => new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('authorization', `Bearer ${token}`);
      next(metadata, listener);
    },
  });
}

export function internalClients(o: Pick<OpsOptions, 'tlsCert' | 'tlsKey' | 'tlsClientCa' | 'authTokenFile'> & InternalClientOptions, auth?: AuthTokens): InternalClients {
  let credentials: grpc.ChannelCredentials;
  const tlsOptions: grpc.ChannelOptions = {};
  if (o.tlsCert && o.tlsKey) {
    const ca = o.tlsCa ? readPem('--tls-ca', o.tlsCa) : readPem('--tls-cert', o.tlsCert);
    credentials = o.tlsClientCa
      ? grpc.credentials.createSsl(ca, readPem('--tls-key', o.tlsKey), readPem('--tls-cert', o.tlsCert))
      : grpc.credentials.createSsl(ca);
    if (o.tlsServerName) tlsOptions['grpc.ssl_target_name_override'] = o.tlsServerName;
  } else {
    if (o.tlsCa) throw new ConfigError('--tls-ca: needs --tls-cert and --tls-key (internal calls use TLS only when the processes serve it)');
    if (o.tlsServerName) throw new ConfigError('--tls-server-name: needs --tls-cert and --tls-key');
    credentials = grpc.credentials.createInsecure();
  }
  let token: string | undefined;
  if (auth) {
    token = auth.clusterToken;
    if (token === undefined) {
      throw new ConfigError(`--auth-token-file ${o.authTokenFile ?? ''}: needs a token of scope "cluster" (the master and tablet servers send it on their internal calls)`);
    }
  }
  return {
    cluster: { credentials, channelOptions: token === undefined ? { ...tlsOptions } : { ...tlsOptions, interceptors: [bearerTokenInterceptor(token)] } },
    forward: { credentials, channelOptions: { ...tlsOptions } },
  };
}

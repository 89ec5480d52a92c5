/**
 * gRPC server credentials from PEM files: --tls-cert and --tls-key serve TLS;
 * with --tls-client-ca clients must also present a certificate signed by that
 * CA (mTLS). Without cert and key the server is plaintext.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from './config-options.js';

export interface TlsFiles {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
}

/** The bytes of a PEM file named by `option`; ConfigError naming the option when unreadable. */
export function readPem(option: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(`${option}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function serverCredentials(o: TlsFiles): grpc.ServerCredentials {
  if (!o.tlsCert && !o.tlsKey) {
    if (o.tlsClientCa) throw new ConfigError('--tls-client-ca: needs --tls-cert and --tls-key');
    return grpc.ServerCredentials.createInsecure();
  }
  if (!o.tlsCert) throw new ConfigError('--tls-cert: required with --tls-key');
  if (!o.tlsKey) throw new ConfigError('--tls-key: required with --tls-cert');
  const cert = readPem('--tls-cert', o.tlsCert);
  const key = readPem('--tls-key', o.tlsKey);
  const ca = o.tlsClientCa ? readPem('--tls-client-ca', o.tlsClientCa) : null;
  try {
    return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
  } catch (e) {
    throw new ConfigError(`--tls-cert/--tls-key: ${(e as Error).message}`);
  }
}

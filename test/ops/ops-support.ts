/** Helpers for the operations tests: scrape /metrics and pick samples out of the text format; TLS clients with tokens. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Bigtable } from '@google-cloud/bigtable';

/**
 * Writes into `dir`, with the openssl CLI: a CA (ca.pem, ca.key), a server
 * certificate for 127.0.0.1/localhost (server.pem, server.key) and a client
 * certificate (client.pem, client.key), both signed by the CA.
 */
export function makeTestCertificates(dir: string): void {
  const openssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }); };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=tabula-test-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'server.ext');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=tabula-client');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '1');
}

/** The gRPC status code a call ended with (OK when it resolved). */
export async function statusCode(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return grpc.status.OK;
  } catch (e) {
    return (e as { code?: number }).code;
  }
}

/**
 * The official client over TLS (trusting `ca`, presenting `clientCert` when
 * given), sending `token` as `authorization: Bearer …` when given.
 */
export function officialTlsClient(endpoint: string, ca: Buffer, token: string | undefined, clientCert?: { key: Buffer; cert: Buffer }): Bigtable {
  let creds = clientCert ? grpc.credentials.createSsl(ca, clientCert.key, clientCert.cert) : grpc.credentials.createSsl(ca);
  if (token !== undefined) {
    creds = grpc.credentials.combineChannelCredentials(creds, grpc.credentials.createFromMetadataGenerator((_p, cb) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${token}`);
      cb(null, md);
    }));
  }
  return new Bigtable({
    projectId: 'p', apiEndpoint: endpoint, metricsEnabled: false, universeDomain: 'googleapis.com', sslCreds: creds,
  } as ConstructorParameters<typeof Bigtable>[0]);
}

export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** Sum of every sample of `name` whose labels include all of `labels`. */
/** `missing` is returned when no such sample exists yet (labelled series appear on first use); without it that throws. */
export function sample(text: string, name: string, labels: Record<string, string> = {}, missing?: number): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      sum += Number(m[4]);
      found = true;
    }
  }
  if (!found && missing !== undefined) return missing;
  if (!found) throw new Error(`no sample ${name}${JSON.stringify(labels)} in /metrics`);
  return sum;
}

/** Polls `check` every 100 ms until it returns true, at most `ms` milliseconds. */
export async function eventually(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

/**
 * The operations HTTP endpoint of a process (--metrics-port):
 *   GET /metrics  Prometheus text format from the process's registry
 *   GET /healthz  200 "ok" while the process is alive (liveness probe)
 *   GET /readyz   200 when ready() says so, else 503, with a JSON body of reasons
 * Anything else is 404. Node's http module suffices; no framework needed.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** Per check: true, or why not (e.g. { tablets: true, master: "unreachable: …" }). */
  checks: Record<string, true | string>;
}

export interface OpsHttpServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  registry: Registry;
  ready: () => Promise<Readiness> | Readiness;
}

export interface OpsHttpServer {
  port: number;
  close(): Promise<void>;
}

export async function startOpsHttpServer(opts: OpsHttpServerOptions): Promise<OpsHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return send(200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      Promise.resolve().then(opts.ready).then(
        (r) => send(r.ready ? 200 : 503, 'application/json', JSON.stringify(r) + '\n'),
        (e) => send(503, 'application/json', JSON.stringify({ ready: false, checks: { error: String(e) } }) + '\n'),
      );
      return;
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => send(200, opts.registry.contentType, text),
        (e) => send(500, 'text/plain', `metrics collection failed: ${String(e)}\n`),
      );
      return;
    }
    send(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve((server.address() as { port: number }).port));
  });
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

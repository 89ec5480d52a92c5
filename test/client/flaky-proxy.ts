/**
 * A tiny in-process Bigtable data-service proxy for fault tests. It forwards
 * ReadRows and MutateRows to a real server and injects failures:
 *  - ReadRows: re-chunks the upstream stream into one CellChunk per message
 *    and, following `readFailures` (one plan per call, in order), ends the
 *    call with an error after that many chunks — possibly in the middle of a
 *    row or of a split value;
 *  - MutateRows: fails whole calls (`failWholeMutateRows`), fails every
 *    entry once with UNAVAILABLE before letting it through (`failEntriesOnce`),
 *    and always fails entries whose row key starts with `alwaysFailPrefix`.
 * It records every request so tests can check what the client resent.
 */
import * as grpc from '@grpc/grpc-js';
import { DATA_SERVICE_NAME, dataServiceDefinition, serviceClientConstructor } from '../../src/api/protos.js';

type Obj = Record<string, unknown>;

export interface ReadFailure {
  afterChunks: number;
  code: grpc.status;
  details: string;
}

export interface FlakyProxy {
  endpoint: string;
  readRequests: Obj[];
  mutateRequests: Obj[];
  readFailures: ReadFailure[];
  failWholeMutateRows: number;
  failEntriesOnce: boolean;
  alwaysFailPrefix: string | undefined;
  close(): Promise<void>;
}

export async function startFlakyProxy(upstreamEndpoint: string): Promise<FlakyProxy> {
  const Ctor = serviceClientConstructor(DATA_SERVICE_NAME);
  const upstream = new Ctor(upstreamEndpoint, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, (req: object, md?: grpc.Metadata) => grpc.ClientReadableStream<Obj>>;
  const seenEntries = new Set<string>();
  const server = new grpc.Server();

  const proxy: FlakyProxy = {
    endpoint: '',
    readRequests: [],
    mutateRequests: [],
    readFailures: [],
    failWholeMutateRows: 0,
    failEntriesOnce: false,
    alwaysFailPrefix: undefined,
    close: () => new Promise<void>((resolve) => {
      upstream.close();
      server.tryShutdown(() => resolve());
    }),
  };

  const handlers: grpc.UntypedServiceImplementation = {
    ReadRows(call: grpc.ServerWritableStream<Obj, Obj>) {
      proxy.readRequests.push(call.request);
      const plan = proxy.readFailures.shift();
      const md = new grpc.Metadata();
      for (const v of call.metadata.get('bigtable-features')) md.set('bigtable-features', v);
      const up = upstream.ReadRows!(call.request, md);
      let sent = 0;
      let done = false;
      const fail = (err: Partial<grpc.StatusObject>) => {
        if (done) return;
        done = true;
        up.cancel();
        call.emit('error', err);
      };
      up.on('data', (resp: Obj) => {
        for (const c of (resp.chunks ?? []) as Obj[]) {
          if (plan !== undefined && sent === plan.afterChunks) { fail({ code: plan.code, details: plan.details }); return; }
          if (done) return;
          call.write({ chunks: [c] });
          sent++;
        }
        const scanned = resp.lastScannedRowKey as Buffer | undefined;
        if (!done && scanned !== undefined && scanned.length > 0) call.write({ lastScannedRowKey: scanned });
      });
      up.on('error', (e: grpc.ServiceError) => { if (!done && e.code !== grpc.status.CANCELLED) fail({ code: e.code, details: e.details }); });
      up.on('end', () => {
        if (done) return;
        // A plan beyond the end of the data fails at the end of the stream.
        if (plan !== undefined) { fail({ code: plan.code, details: plan.details }); return; }
        done = true;
        call.end();
      });
      call.on('cancelled', () => { done = true; up.cancel(); });
    },

    MutateRows(call: grpc.ServerWritableStream<Obj, Obj>) {
      const req = call.request;
      proxy.mutateRequests.push(req);
      if (proxy.failWholeMutateRows > 0) {
        proxy.failWholeMutateRows--;
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'injected: whole MutateRows call failed' });
        return;
      }
      const entries = (req.entries ?? []) as Obj[];
      const results: Obj[] = [];
      const forward: Obj[] = [];
      const forwardIndex: number[] = [];
      entries.forEach((e, i) => {
        const key = (e.rowKey as Buffer).toString('latin1');
        if (proxy.alwaysFailPrefix !== undefined && key.startsWith(proxy.alwaysFailPrefix)) {
          results.push({ index: String(i), status: { code: grpc.status.UNAVAILABLE, message: 'injected: always unavailable' } });
        } else if (proxy.failEntriesOnce && !seenEntries.has(key)) {
          seenEntries.add(key);
          results.push({ index: String(i), status: { code: grpc.status.UNAVAILABLE, message: 'injected: unavailable once' } });
        } else {
          forward.push(e);
          forwardIndex.push(i);
        }
      });
      const finish = () => { call.write({ entries: results }); call.end(); };
      if (forward.length === 0) { finish(); return; }
      const up = upstream.MutateRows!({ tableName: req.tableName, entries: forward });
      up.on('data', (resp: Obj) => {
        for (const r of (resp.entries ?? []) as Obj[]) results.push({ index: String(forwardIndex[Number(r.index)]), status: r.status });
      });
      up.on('error', (e: grpc.ServiceError) => call.emit('error', { code: e.code, details: e.details }));
      up.on('end', finish);
    },
  };

  server.addService(dataServiceDefinition, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  proxy.endpoint = `127.0.0.1:${port}`;
  return proxy;
}

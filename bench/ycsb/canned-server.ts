/**
 * The harness ceiling: a grpc-js server that speaks just enough of the
 * Bigtable v2 API for the YCSB workloads and does no work at all. Reads
 * answer rows built once at start (the requested keys, 10 fields x 100 B),
 * writes answer OK without storing anything, GetTable/CreateTable answer the
 * table. No interceptors, no validation, no storage.
 *
 * Run by run-ycsb.ts as `--target ceiling`: its throughput is what the
 * load-generator processes and grpc-js itself allow on this machine, the
 * roof any Node server measured by this harness lives under.
 *
 *   node --import tsx bench/ycsb/canned-server.ts [port]   (prints "listening on 127.0.0.1:PORT")
 */
import * as grpc from '@grpc/grpc-js';
import { dataServiceServerDefinition } from '../../src/api/data-service.js';
import { tableAdminServiceDefinition } from '../../src/api/protos.js';
import { ReadRowsEncoder } from '../../src/api/read-rows-encoder.js';
import type { Cell } from '../../src/model/cell.js';
import { FAMILY, FIELD_COUNT, FIELD_LENGTH } from './core-workload.js';

const cells: Cell[] = Array.from({ length: FIELD_COUNT }, (_, i) => ({
  family: FAMILY, qualifier: Buffer.from(`field${i}`), timestamp: 1000, value: Buffer.alloc(FIELD_LENGTH, 0x61),
}));

/** One ReadRowsResponse per call holding `n` rows; keys follow `first`. */
function rowsResponse(first: Buffer, n: number): Buffer {
  const enc = new ReadRowsEncoder();
  for (let i = 0; i < n; i++) enc.addRow({ key: i === 0 ? first : Buffer.concat([first, Buffer.from([i])]), cells });
  const out: Buffer[] = [];
  for (let b = enc.takeResponse(); b !== undefined; b = enc.takeResponse()) out.push(b);
  const last = enc.flush();
  if (last) out.push(last);
  return Buffer.concat(out);
}

type Req = Record<string, any>;

const server = new grpc.Server({ 'grpc.enable_channelz': 0, 'grpc.max_receive_message_length': -1 });
server.addService(dataServiceServerDefinition, {
  ReadRows(call: grpc.ServerWritableStream<Req, unknown>) {
    const r = call.request;
    const key: Buffer | undefined = r.rows?.rowKeys?.[0] ?? r.rows?.rowRanges?.[0]?.startKeyClosed;
    const n = r.rows?.rowKeys?.length ?? Math.max(1, Number(r.rowsLimit ?? 1));
    call.write(rowsResponse(key ?? Buffer.from('user'), n));
    call.end();
  },
  MutateRow(_call: unknown, cb: grpc.sendUnaryData<unknown>) { cb(null, {}); },
  MutateRows(call: grpc.ServerWritableStream<Req, unknown>) {
    const n: number = call.request.entries?.length ?? 0;
    call.write({ entries: Array.from({ length: n }, (_, i) => ({ index: String(i), status: { code: 0 } })) });
    call.end();
  },
});
const table = (name: string) => ({ name, columnFamilies: { [FAMILY]: { gcRule: { maxNumVersions: 1 } } } });
server.addService(tableAdminServiceDefinition, {
  GetTable(call: grpc.ServerUnaryCall<Req, unknown>, cb: grpc.sendUnaryData<unknown>) { cb(null, table(call.request.name)); },
  CreateTable(call: grpc.ServerUnaryCall<Req, unknown>, cb: grpc.sendUnaryData<unknown>) { cb(null, table(`${call.request.parent}/tables/${call.request.tableId}`)); },
});
server.bindAsync(`127.0.0.1:${Number(process.argv[2] ?? 0)}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(`canned server listening on 127.0.0.1:${port}`);
});
for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => process.exit(0));

/** Test helpers: raw grpc-js clients for the three services, built from the same protos. */
import * as grpc from '@grpc/grpc-js';
import { ChunkMerger, type CellChunkLike } from '../../src/client/chunk-merger.js';
import type { Row } from '../../src/model/cell.js';
import {
  DATA_SERVICE_NAME, INSTANCE_ADMIN_SERVICE_NAME, serviceClientConstructor, TABLE_ADMIN_SERVICE_NAME,
} from '../../src/api/protos.js';

type Callback = (err: grpc.ServiceError | null, res: Record<string, unknown>) => void;
type RawClient = grpc.Client & Record<string, (req: object, cb?: Callback) => unknown>;

export interface RawClients {
  data: RawClient;
  tableAdmin: RawClient;
  instanceAdmin: RawClient;
  close(): void;
}

export function rawClients(port: number): RawClients {
  const opts = { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 };
  const make = (name: string): RawClient => {
    const Ctor = serviceClientConstructor(name);
    return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), opts) as unknown as RawClient;
  };
  const data = make(DATA_SERVICE_NAME);
  const tableAdmin = make(TABLE_ADMIN_SERVICE_NAME);
  const instanceAdmin = make(INSTANCE_ADMIN_SERVICE_NAME);
  return { data, tableAdmin, instanceAdmin, close: () => { data.close(); tableAdmin.close(); instanceAdmin.close(); } };
}

export function callUnary(client: RawClient, method: string, req: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    client[method]!(req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export function callStream(client: RawClient, method: string, req: object, md?: grpc.Metadata): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const out: Record<string, unknown>[] = [];
    const s = (md ? (client[method] as unknown as (r: object, m: grpc.Metadata) => unknown)(req, md) : client[method]!(req)) as grpc.ClientReadableStream<Record<string, unknown>>;
    s.on('data', (d) => out.push(d));
    s.on('error', reject);
    s.on('end', () => resolve(out));
  });
}

/** Resolves to the error of a call that must fail. */
export async function failure(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

/** Metadata announcing the client's support of reverse scans, as Google's service requires for reversed reads. */
export function reverseScansMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  // FeatureFlags { reverse_scans: true } = field 1, varint 1.
  md.set('bigtable-features', Buffer.from([0x08, 0x01]).toString('base64url'));
  return md;
}

/** ReadRows over a raw client, the response chunks merged into rows. */
export async function readRowsRaw(client: RawClient, req: object, reversed = false): Promise<Row[]> {
  const responses = await callStream(client, 'ReadRows', req, reversed ? reverseScansMetadata() : undefined);
  const m = new ChunkMerger({ reversed });
  const rows: Row[] = [];
  for (const r of responses) {
    for (const c of (r.chunks ?? []) as CellChunkLike[]) {
      const row = m.push(c);
      if (row) rows.push(row);
    }
  }
  m.finish();
  return rows;
}

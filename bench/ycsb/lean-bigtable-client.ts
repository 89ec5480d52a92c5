/**
 * A lean Bigtable data client for load generation: raw grpc-js calls with
 * pass-through (de)serializers around the hand-encoded requests of
 * bigtable-wire.ts, over `channels` HTTP/2 channels used round-robin.
 * ensureTable() uses the proto-loader admin client (once per run, not hot).
 */
import * as grpc from '@grpc/grpc-js';
import { TABLE_ADMIN_SERVICE_NAME, serviceClientConstructor } from '../../src/api/protos.js';
import { countMutateRowsFailures, tallyReadRowsResponse, type ReadRowsTally } from './bigtable-wire.js';

const DATA = '/google.bigtable.v2.Bigtable/';
const passThrough = (b: Buffer): Buffer => b;

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  // Distinct channels must not be merged into one subchannel.
  'grpc.use_local_subchannel_pool': 1,
  // Load-generator CPU is the scarce resource on a 2-core machine; channelz is never read.
  'grpc.enable_channelz': 0,
};

export class LeanBigtableClient {
  private readonly clients: grpc.Client[];
  private next = 0;

  constructor(endpoint: string, channels = 1) {
    this.clients = Array.from({ length: Math.max(1, channels) }, (_, i) =>
      new grpc.Client(endpoint, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, 'grpc.channel_id': i } as grpc.ChannelOptions));
  }

  private pick(): grpc.Client {
    const c = this.clients[this.next]!;
    this.next = (this.next + 1) % this.clients.length;
    return c;
  }

  /** MutateRow with an encoded MutateRowRequest. */
  mutateRow(request: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pick().makeUnaryRequest<Buffer, Buffer>(DATA + 'MutateRow', passThrough, passThrough, request, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** MutateRows with an encoded request; resolves to the number of failed entries. */
  mutateRows(request: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      const call = this.pick().makeServerStreamRequest<Buffer, Buffer>(DATA + 'MutateRows', passThrough, passThrough, request);
      let failures = 0;
      call.on('data', (b: Buffer) => { failures += countMutateRowsFailures(b); });
      call.on('error', reject);
      call.on('status', (s: grpc.StatusObject) => { if (s.code === grpc.status.OK) resolve(failures); });
    });
  }

  /** ReadRows with an encoded request; resolves to what came back. */
  readRows(request: Buffer): Promise<ReadRowsTally> {
    return new Promise((resolve, reject) => {
      const call = this.pick().makeServerStreamRequest<Buffer, Buffer>(DATA + 'ReadRows', passThrough, passThrough, request);
      const t: ReadRowsTally = { rows: 0, cells: 0, valueBytes: 0 };
      call.on('data', (b: Buffer) => tallyReadRowsResponse(b, t));
      call.on('error', reject);
      call.on('status', (s: grpc.StatusObject) => { if (s.code === grpc.status.OK) resolve(t); });
    });
  }

  close(): void {
    for (const c of this.clients) c.close();
  }
}

type Callback = (err: grpc.ServiceError | null, res?: Record<string, unknown>) => void;
type AdminClient = grpc.Client & Record<string, (req: object, cb: Callback) => void>;

function adminCall(client: AdminClient, method: string, req: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    client[method]!.call(client, req, (err, res) => (err ? reject(err) : resolve(res ?? {})));
  });
}

/**
 * Creates `projects/{project}/instances/{instance}/tables/{table}` with family
 * `family` (GC: max 1 version) unless it exists; adds the family if the table
 * lacks it. Returns the table's full name.
 */
export async function ensureTable(endpoint: string, project: string, instance: string, table: string, family: string): Promise<string> {
  const Ctor = serviceClientConstructor(TABLE_ADMIN_SERVICE_NAME);
  const admin = new Ctor(endpoint, grpc.credentials.createInsecure()) as unknown as AdminClient;
  const parent = `projects/${project}/instances/${instance}`;
  const name = `${parent}/tables/${table}`;
  const gcRule = { maxNumVersions: 1 };
  try {
    let existing: Record<string, unknown> | undefined;
    try {
      existing = await adminCall(admin, 'getTable', { name, view: 'SCHEMA_VIEW' });
    } catch (e) {
      if ((e as grpc.ServiceError).code !== grpc.status.NOT_FOUND) throw e;
    }
    if (existing === undefined) {
      try {
        await adminCall(admin, 'createTable', { parent, tableId: table, table: { columnFamilies: { [family]: { gcRule } } } });
      } catch (e) {
        if ((e as grpc.ServiceError).code !== grpc.status.ALREADY_EXISTS) throw e;
      }
    } else {
      const fams = (existing.columnFamilies ?? {}) as Record<string, unknown>;
      if (!(family in fams)) {
        await adminCall(admin, 'modifyColumnFamilies', { name, modifications: [{ id: family, create: { gcRule } }] });
      }
    }
  } finally {
    admin.close();
  }
  return name;
}

/**
 * proto/tabula_internal.proto loaded once per process with proto-loader, the
 * service definitions with the hand codecs plugged into the hot methods, and
 * the channel options every internal server and client uses.
 *
 * Object conventions (model-messages.ts relies on them): camelCase fields,
 * int64/uint64 read as decimal strings, absent fields undefined, each oneof
 * exposing the name of its set member.
 */
import { STREAM_WINDOW_BYTES } from './flow-control.js';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { encodeMutateRequest, receiveMutateRequest, type MutateRequest } from './mutate-codec.js';
import { decodeRowBatch } from './row-batch-codec.js';

/** The .proto, found relative to this module (same layout under src/ and dist/). */
export const INTERNAL_PROTO_PATH = fileURLToPath(new URL('../../proto/tabula_internal.proto', import.meta.url));

export const INTERNAL_PROTO_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

export const internalPackageDefinition: protoLoader.PackageDefinition = protoLoader.loadSync(INTERNAL_PROTO_PATH, INTERNAL_PROTO_OPTIONS);

export const TABLET_SERVER_SERVICE_NAME = 'tabula.internal.v1.TabletServer';
export const MASTER_SERVICE_NAME = 'tabula.internal.v1.Master';

function service(name: string): grpc.ServiceDefinition {
  const def = internalPackageDefinition[name];
  if (def === undefined || 'format' in def) throw new Error(`proto service ${name} not found`);
  return def as unknown as grpc.ServiceDefinition;
}

/** Type of a message as proto-loader encodes it (tests use it to check the hand codecs). */
export type InternalMessageType = protoLoader.MessageTypeDefinition<object, Record<string, unknown>>;

export function internalMessage(name: string): InternalMessageType {
  const def = internalPackageDefinition[`tabula.internal.v1.${name}`];
  if (def === undefined || !('format' in def) || !('serialize' in def)) throw new Error(`proto message ${name} not found`);
  return def as InternalMessageType;
}

const identity = (b: Buffer): Buffer => b;

/**
 * The TabletServer service. Mutate requests use the hand codec both ways
 * (stubs send a MutateRequest, handlers get a ReceivedMutateRequest); Mutate responses and ReadRows
 * responses travel as pre-encoded Buffers on the sending side
 * (encodeMutateResponse / encodeRowBatches), and ReadRows responses arrive
 * decoded (RowBatch) while Mutate responses arrive as Buffers (their decoder
 * needs the entry count).
 */
export const tabletServerServiceDefinition: grpc.ServiceDefinition = (() => {
  const def = service(TABLET_SERVER_SERVICE_NAME);
  const mutate = def.Mutate!;
  const readRows = def.ReadRows!;
  return {
    ...def,
    Mutate: {
      ...mutate,
      requestSerialize: (r: MutateRequest) => encodeMutateRequest(r),
      requestDeserialize: receiveMutateRequest,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
    ReadRows: { ...readRows, responseSerialize: identity, responseDeserialize: decodeRowBatch },
  } as grpc.ServiceDefinition;
})();

export const masterServiceDefinition: grpc.ServiceDefinition = service(MASTER_SERVICE_NAME);

/**
 * Largest internal message: a row or a mutation batch may carry a 100 MiB
 * value and then some (a row may hold several big cells); 512 MiB bounds a
 * runaway message without limiting any legal request.
 */
export const MAX_INTERNAL_MESSAGE_BYTES = 512 * 1024 * 1024;

/** Channel options for internal servers and clients (the grpc-js receive default is only 4 MiB). */
export const INTERNAL_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_INTERNAL_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_INTERNAL_MESSAGE_BYTES,
  // Channelz bookkeeping costs ~5% of a small call's CPU and nothing here reads it.
  'grpc.enable_channelz': 0,
  // Clients' receive windows (stream and connection; servers ignore this and
  // are widened by flow-control.ts): forwarded reads stream large responses.
  'grpc-node.flow_control_window': STREAM_WINDOW_BYTES,
};

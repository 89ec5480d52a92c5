/**
 * Pieces of google.longrunning.Operation and google.protobuf well-known types
 * the admin handlers answer with: packed Any messages and Timestamps.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { asObject, type ProtoObject } from './proto-fields.js';
import { messages, TYPE_URL_PREFIX } from './protos.js';

/**
 * google.protobuf.Any comes from protobufjs's built-in well-known types, whose
 * field names stay snake_case (`type_url`) whatever keepCase says.
 */
export function packAny(typeName: string, message: { serialize(v: object): Buffer }, value: object): ProtoObject {
  return { type_url: TYPE_URL_PREFIX + typeName, value: message.serialize(value) };
}

/** An admin message of `messages` (protos.ts) by its short name, e.g. 'Backup'. */
type AdminMessage = 'Table' | 'UpdateTableMetadata' | 'Backup' | 'CreateBackupMetadata' | 'RestoreTableMetadata' | 'CopyBackupMetadata'
  | 'AuthorizedView' | 'CreateAuthorizedViewMetadata' | 'UpdateAuthorizedViewMetadata';

let operationSeq = 0;

/**
 * A long-running operation that is already done, as the admin handlers
 * answer (they finish before replying): named `<resource>/operations/<kind>-…`,
 * with google.bigtable.admin.v2 `metadata` and `response` packed as Any.
 */
export function doneOperation(
  resource: string, kind: string,
  metadata: [AdminMessage, object], response: [AdminMessage, object],
): ProtoObject {
  const pack = ([type, value]: [AdminMessage, object]) => packAny(`google.bigtable.admin.v2.${type}`, messages[type], value);
  return {
    name: `${resource}/operations/${kind}-${Date.now().toString(36)}-${++operationSeq}`,
    metadata: pack(metadata),
    done: true,
    response: pack(response),
  };
}

export function timestampNow(): ProtoObject {
  return timestampToProto(Date.now());
}

/** Milliseconds since the epoch → google.protobuf.Timestamp. */
export function timestampToProto(ms: number): ProtoObject {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Timestamp's valid range (timestamp.proto): 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, in seconds. */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

/**
 * google.protobuf.Timestamp → milliseconds since the epoch (sub-millisecond
 * nanos dropped). InvalidArgumentError naming `field` when it is absent or
 * outside Timestamp's range.
 */
export function timestampFromProto(v: unknown, field: string): number {
  if (v === undefined || v === null) throw new InvalidArgumentError(`${field}: required`);
  const t = asObject(v, field);
  const seconds = Number(t.seconds ?? 0);
  const nanos = Number(t.nanos ?? 0);
  if (!Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new InvalidArgumentError(`${field}.seconds: must lie between 0001-01-01 and 9999-12-31, got ${String(t.seconds)}`);
  }
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) throw new InvalidArgumentError(`${field}.nanos: must be 0-999999999, got ${String(t.nanos)}`);
  return seconds * 1000 + Math.floor(nanos / 1_000_000);
}


/**
 * google.longrunning.Operation as the table-admin API answers CreateBackup
 * and RestoreTable: a failed operation becomes the TabulaError of its
 * status; a finished one yields its response (a google.protobuf.Any)
 * decoded with the official protos; one still running yields undefined, and
 * the caller describes the resource instead (this client does not poll the
 * Operations service; Tabula's operations are always done when answered).
 */
import { Code, TabulaError } from '../base/errors.js';
import type { MessageType } from '../api/protos.js';
import { errorFromStatus } from './client-errors.js';
import type { ProtoObject } from './rpc.js';

/**
 * The response of a done Operation, unpacked as `typeName` (e.g.
 * `google.bigtable.admin.v2.Backup`) with `type`; undefined while it runs.
 * Throws the operation's error, or INTERNAL for a response of another type.
 */
export function operationResponse(op: ProtoObject, typeName: string, type: MessageType): ProtoObject | undefined {
  const error = op.error as { code?: unknown; message?: unknown } | null | undefined;
  if (error && typeof error.code === 'number' && error.code !== Code.OK) {
    throw errorFromStatus(error.code, `operation ${String(op.name ?? '')} failed: ${String(error.message ?? '')}`);
  }
  if (op.done !== true) return undefined;
  // protobufjs keeps Any's field names snake_case whatever keepCase says; accept both.
  const any = op.response as { type_url?: unknown; typeUrl?: unknown; value?: unknown } | null | undefined;
  if (!any) return undefined;
  const typeUrl = String(any.type_url ?? any.typeUrl ?? '');
  // The type is what follows the URL's last '/' (type.googleapis.com/ in practice).
  if (typeUrl.slice(typeUrl.lastIndexOf('/') + 1) !== typeName) {
    throw new TabulaError(Code.INTERNAL, `operation ${String(op.name ?? '')}: expected a ${typeName} response, got "${typeUrl}"`);
  }
  const value = any.value;
  const bytes = Buffer.isBuffer(value) ? value : value instanceof Uint8Array ? Buffer.from(value) : Buffer.alloc(0);
  return type.deserialize(bytes);
}

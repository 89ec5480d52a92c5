/**
 * TabulaErrors across the internal RPC: the server sends code, message and
 * the error's class name ("kind", trailing metadata `tabula-error-kind`, or
 * the Status message for per-entry results); the client rebuilds an error of
 * the same class, code and message. Errors grpc-js raises itself (no
 * connection, deadline, cancelled) become TabulaErrors of their gRPC code
 * with the peer's address in the message.
 */
import * as grpc from '@grpc/grpc-js';
import {
  AlreadyExistsError, Code, FailedPreconditionError, FencedError, InvalidArgumentError, NotFoundError, NotServingError,
  StorageError, TabulaError, UnavailableError, UnimplementedError, asTabulaError,
} from '../base/errors.js';
import { logger } from '../base/log.js';

const log = logger('rpc');

export const ERROR_KIND_METADATA = 'tabula-error-kind';

/** Error classes whose constructor takes just the message, by class name. */
const SIMPLE_KINDS: Record<string, new (message: string) => TabulaError> = {
  InvalidArgumentError,
  NotFoundError,
  AlreadyExistsError,
  FailedPreconditionError,
  UnimplementedError,
  StorageError,
  FencedError,
  UnavailableError,
  NotServingError,
};

/** A wire status: code, message and class name. */
export interface WireStatus {
  code: number;
  message: string;
  kind: string;
}

/** Any thrown value as a wire status (non-TabulaErrors become INTERNAL and are logged). */
export function toWireStatus(e: unknown): WireStatus {
  if (!(e instanceof TabulaError)) log.error({ err: e }, 'internal error in RPC handler');
  const t = asTabulaError(e);
  return { code: t.code, message: t.message, kind: t.name };
}

/** Rebuilds the TabulaError a wire status describes. */
export function fromWireStatus(s: WireStatus): TabulaError {
  const ctor = SIMPLE_KINDS[s.kind];
  if (ctor) {
    const e = new ctor(s.message);
    if (e.code === s.code) return e;
  }
  const e = new TabulaError(s.code as Code, s.message);
  if (s.kind) e.name = s.kind;
  return e;
}

/** A thrown value as the error object grpc-js handlers send (callback / emit('error')). */
export function toServiceError(e: unknown): Partial<grpc.StatusObject> & { message: string } {
  const s = toWireStatus(e);
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_KIND_METADATA, s.kind);
  return { code: s.code === Code.OK ? Code.UNKNOWN : s.code, details: s.message, message: s.message, metadata };
}

/** A grpc-js client error as a TabulaError (see the module comment). */
export function fromServiceError(e: unknown, address: string): TabulaError {
  if (e instanceof TabulaError) return e;
  const se = e as Partial<grpc.ServiceError>;
  if (typeof se?.code !== 'number') return asTabulaError(e);
  const kind = se.metadata?.get(ERROR_KIND_METADATA)[0];
  const details = se.details ?? se.message ?? '';
  if (typeof kind === 'string' && kind) return fromWireStatus({ code: se.code, message: details, kind });
  // Raised by grpc-js (transport), not by the remote handler.
  const message = `${address}: ${details}`;
  // grpc-js fails a call it could not put on any connection with this status: nothing was sent.
  if (se.code === Code.UNAVAILABLE && /^(\w+: )?No connection established/.test(details)) return new NotServingError(message);
  return se.code === Code.UNAVAILABLE ? new UnavailableError(message) : new TabulaError(se.code as Code, message);
}

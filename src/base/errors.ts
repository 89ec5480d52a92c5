/**
 * The few typed error kinds used everywhere in Tabula. Each carries the gRPC
 * status code it maps to; the API layer turns them into gRPC statuses in one
 * place (api/status.ts). Codes are the numeric gRPC codes so this module does
 * not depend on grpc-js.
 */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export class TabulaError extends Error {
  constructor(readonly code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request is malformed or breaks a documented limit; the message names the field. */
export class InvalidArgumentError extends TabulaError {
  constructor(message: string) { super(Code.INVALID_ARGUMENT, message); }
}

export class NotFoundError extends TabulaError {
  constructor(message: string) { super(Code.NOT_FOUND, message); }
}

export class AlreadyExistsError extends TabulaError {
  constructor(message: string) { super(Code.ALREADY_EXISTS, message); }
}

/** The caller may not do this (e.g. a write outside the authorized view it names). */
export class PermissionDeniedError extends TabulaError {
  constructor(message: string) { super(Code.PERMISSION_DENIED, message); }
}

/** A concurrency check failed (e.g. a stale etag); the caller may read again and retry. */
export class AbortedError extends TabulaError {
  constructor(message: string) { super(Code.ABORTED, message); }
}

export class FailedPreconditionError extends TabulaError {
  constructor(message: string) { super(Code.FAILED_PRECONDITION, message); }
}

export class UnimplementedError extends TabulaError {
  constructor(message: string) { super(Code.UNIMPLEMENTED, message); }
}

/** Stored bytes failed a checksum or a format check; the message names the file. */
export class CorruptionError extends TabulaError {
  constructor(readonly file: string, message: string) { super(Code.DATA_LOSS, `${file}: ${message}`); }
}

/** A storage operation failed (I/O error or injected fault). */
export class StorageError extends TabulaError {
  constructor(message: string, options?: { cause?: unknown }) { super(Code.UNAVAILABLE, message, options); }
}

/** A writer holding an older epoch was refused: another server owns the tablet now. */
export class FencedError extends TabulaError {
  constructor(message: string) { super(Code.UNAVAILABLE, message); }
}

/** The component is closed or not serving (tablet unloaded, server shutting down). */
export class UnavailableError extends TabulaError {
  constructor(message: string) { super(Code.UNAVAILABLE, message); }
}

/**
 * A tablet server refused a request before applying any of it (it does not
 * serve the tablet, the row is outside it, the tablet is closing, or the
 * server holds no valid lease). Unlike other UNAVAILABLE errors this one
 * promises nothing was applied, so a router may retry it elsewhere even for
 * non-idempotent operations (ReadModifyWriteRow, CheckAndMutateRow, writes
 * with server timestamps). A kind of UnavailableError; test for it with
 * isNotServing(), which also knows one rebuilt from the wire by name.
 */
export class NotServingError extends UnavailableError {}

/** True for a NotServingError, also one rebuilt from the wire (matched by name). */
export function isNotServing(e: unknown): boolean {
  return e instanceof TabulaError && e.name === 'NotServingError';
}

/** Maps any thrown value to a TabulaError (unknown errors become INTERNAL). */
export function asTabulaError(e: unknown): TabulaError {
  if (e instanceof TabulaError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TabulaError(Code.INTERNAL, msg, { cause: e });
}

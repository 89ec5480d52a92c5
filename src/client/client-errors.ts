/**
 * How the client reports failures: every gRPC error becomes a TabulaError
 * (src/base/errors.ts) carrying the gRPC status code, so callers test
 * `err.code` (or instanceof NotFoundError etc.) without knowing grpc-js.
 */
import {
  AbortedError, AlreadyExistsError, Code, FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError,
  TabulaError, UnavailableError, UnimplementedError,
} from '../base/errors.js';

/** A status as the server reported it for one call or one MutateRows entry. */
export interface StatusLike {
  code: number;
  message: string;
}

function codeName(code: number): string {
  for (const [k, v] of Object.entries(Code)) if (v === code) return k;
  return String(code);
}

/** The TabulaError for a status code and message (the typed subclass where there is one). */
export function errorFromStatus(code: number, message: string, cause?: unknown): TabulaError {
  const msg = `${codeName(code)}: ${message}`;
  let e: TabulaError;
  switch (code) {
    case Code.INVALID_ARGUMENT: e = new InvalidArgumentError(msg); break;
    case Code.NOT_FOUND: e = new NotFoundError(msg); break;
    case Code.ALREADY_EXISTS: e = new AlreadyExistsError(msg); break;
    case Code.PERMISSION_DENIED: e = new PermissionDeniedError(msg); break;
    case Code.ABORTED: e = new AbortedError(msg); break;
    case Code.FAILED_PRECONDITION: e = new FailedPreconditionError(msg); break;
    case Code.UNIMPLEMENTED: e = new UnimplementedError(msg); break;
    case Code.UNAVAILABLE: e = new UnavailableError(msg); break;
    default: return new TabulaError(code as Code, msg, { cause });
  }
  if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, enumerable: false });
  return e;
}

/** Converts anything a grpc-js call rejected with into a TabulaError. */
export function fromGrpcError(e: unknown): TabulaError {
  if (e instanceof TabulaError) return e;
  const g = e as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof g?.code === 'number') {
    const details = typeof g.details === 'string' && g.details !== '' ? g.details : String(g.message ?? '');
    return errorFromStatus(g.code, details, e);
  }
  return new TabulaError(Code.INTERNAL, e instanceof Error ? e.message : String(e), { cause: e });
}

/** Status code and message of any thrown value. */
export function statusOf(e: unknown): StatusLike {
  const t = fromGrpcError(e);
  return { code: t.code, message: t.message };
}

/** Codes worth retrying for idempotent mutations (MutateRows entries). */
export const RETRYABLE_MUTATION_CODES: ReadonlySet<number> = new Set([
  Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.ABORTED, Code.RESOURCE_EXHAUSTED,
]);

/** True for errors after which a ReadRows stream is resumed: UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, INTERNAL RST_STREAM. */
export function isRetryableReadError(e: unknown): boolean {
  const g = e as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof g?.code !== 'number') return false;
  if (g.code === Code.UNAVAILABLE || g.code === Code.DEADLINE_EXCEEDED || g.code === Code.ABORTED) return true;
  if (g.code === Code.INTERNAL) {
    const text = `${String(g.details ?? '')} ${String(g.message ?? '')}`;
    return /rst_stream|rst stream|stream removed|received unexpected eos/i.test(text);
  }
  return false;
}

/** One mutation entry that failed for good (non-retryable code, or retries exhausted). */
export interface MutationFailure {
  row: Buffer;
  code: number;
  message: string;
  /** Attempts made, including the first. */
  attempts: number;
}

/** Thrown by BufferedMutator.flush()/close() (when no onError handler is set) for entries that failed for good. */
export class MutationsFailedError extends TabulaError {
  constructor(readonly failures: MutationFailure[]) {
    const first = failures[0]!;
    super(first.code as Code, `${failures.length} mutation entr${failures.length === 1 ? 'y' : 'ies'} failed; first (row ${first.row.toString('utf8')}): ${first.message}`);
  }
}

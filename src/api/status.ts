/**
 * The one place that turns thrown values into gRPC statuses (DESIGN §8.8).
 * TabulaError carries its numeric gRPC code; anything else is an internal
 * error whose stack never reaches the client (it is logged instead).
 */
import { Code, TabulaError } from '../base/errors.js';
import { logger } from '../base/log.js';

const log = logger('rpc');

/** What grpc-js accepts as an error for callbacks and `call.destroy()`/`emit('error')`. */
export interface ServiceErrorLike {
  code: number;
  details: string;
  message: string;
}

/** google.rpc.Status in proto-loader object form (MutateRows entries). */
export interface RpcStatus {
  code: number;
  message: string;
}

function codeAndMessage(e: unknown): { code: number; message: string } {
  if (e instanceof TabulaError) return { code: e.code, message: e.message };
  log.error({ err: e }, 'internal error');
  const msg = e instanceof Error ? e.message : String(e);
  return { code: Code.INTERNAL, message: `internal error: ${msg}` };
}

/** Maps any thrown value to a grpc-js error object. */
export function toServiceError(e: unknown): ServiceErrorLike {
  const { code, message } = codeAndMessage(e);
  return { code, details: message, message };
}

/** Maps any thrown value (or undefined = success) to a google.rpc.Status. */
export function toRpcStatus(e: unknown): RpcStatus {
  if (e === undefined) return { code: Code.OK, message: '' };
  return codeAndMessage(e);
}

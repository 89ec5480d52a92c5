/**
 * Adapters between grpc-js call shapes and async functions for the internal
 * services, on both sides: handlers whose rejections become statuses via
 * rpc-errors.ts (no handler can crash the server), and client calls whose
 * failures become TabulaErrors.
 */
import { Cancellation, type CancelSignal } from '../base/cancel-signal.js';
import * as grpc from '@grpc/grpc-js';
import { fromServiceError, toServiceError } from './rpc-errors.js';

/** Wraps an async unary implementation (request → response). */
export function unaryHandler<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let p: Promise<Res>;
    try {
      p = fn(call.request);
    } catch (e) {
      callback(toServiceError(e));
      return;
    }
    p.then((res) => callback(null, res), (e: unknown) => callback(toServiceError(e)));
  };
}

/**
 * Wraps an async server-streaming implementation: `fn` writes through the
 * call and gets a signal aborted when the client cancels; afterwards the
 * stream is ended, or its rejection becomes the status (`toError` maps it:
 * the internal services' mapping by default; the public API passes its own).
 * Nothing is sent once the client has cancelled.
 */
export function serverStreamHandler<Req, Res>(
  fn: (req: Req, call: grpc.ServerWritableStream<Req, Res>, signal: CancelSignal) => Promise<void>,
  toError: (e: unknown) => Partial<grpc.StatusObject> = toServiceError,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const ac = new Cancellation();
    const abort = (): void => ac.abort();
    call.on('cancelled', abort);
    const run = async (): Promise<void> => fn(call.request, call, ac.signal);
    run().then(
      () => { if (!call.cancelled) call.end(); },
      (e: unknown) => { if (!call.cancelled) call.emit('error', toError(e)); },
    ).finally(() => call.off('cancelled', abort));
  };
}

/** Resolves when the stream takes data again ('drain') or the call is cancelled. */
export function waitForDrain<Req, Res>(call: grpc.ServerWritableStream<Req, Res>, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    signal.addEventListener('abort', done);
  });
}

/** Per-call options of internal stubs. */
export interface CallDefaults {
  /** Deadline of each unary call in ms (undefined = none). */
  deadlineMs?: number;
}

/** Calls a unary method; failures are TabulaErrors (see rpc-errors.ts). */
export function callUnary<Req, Res>(
  client: grpc.Client, address: string, def: grpc.MethodDefinition<Req, Res>, req: Req, defaults: CallDefaults,
): Promise<Res> {
  const options: grpc.CallOptions = defaults.deadlineMs !== undefined ? { deadline: Date.now() + defaults.deadlineMs } : {};
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, req, new grpc.Metadata(), options,
      (err, res) => (err ? reject(fromServiceError(err, address)) : resolve(res as Res)));
  });
}

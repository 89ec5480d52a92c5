/**
 * Small adapters between grpc-js handler signatures and async functions, so
 * every handler's errors go through status.ts and none can crash the server.
 */
import type { CancelSignal } from '../base/cancel-signal.js';
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, UnimplementedError } from '../base/errors.js';
import { asSafeInt, asString, type ProtoObject } from './proto-fields.js';
import { toServiceError } from './status.js';
import { serverStreamHandler } from '../rpc/grpc-call.js';

export type UnaryHandler = grpc.handleUnaryCall<ProtoObject, object>;
export type ServerStreamHandler = grpc.handleServerStreamingCall<ProtoObject, unknown>;

/** Wraps an async unary implementation (request → response object). */
export function unary(fn: (req: ProtoObject, call: grpc.ServerUnaryCall<ProtoObject, object>) => Promise<object>): UnaryHandler {
  return (call, callback) => {
    let p: Promise<object>;
    try {
      p = fn(call.request, call);
    } catch (e) {
      callback(toServiceError(e) as grpc.ServiceError);
      return;
    }
    p.then((res) => callback(null, res), (e: unknown) => callback(toServiceError(e) as grpc.ServiceError));
  };
}

/**
 * Wraps an async server-streaming implementation. `fn` writes through the
 * call; after it resolves the stream is ended, a rejection becomes the
 * status. Nothing is sent once the client has cancelled.
 */
export function serverStream(
  fn: (req: ProtoObject, call: grpc.ServerWritableStream<ProtoObject, unknown>, signal: CancelSignal) => Promise<void>,
): ServerStreamHandler {
  return serverStreamHandler(fn, toServiceError);
}

/** Waits until the stream can take more data ('drain') or the call ends (one implementation, shared with the internal services). */
export { waitForDrain } from '../rpc/grpc-call.js';

/** Handlers answering UNIMPLEMENTED (naming the method) for every method of a service. */
export function unimplementedHandlers(def: grpc.ServiceDefinition, serviceName: string): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [method, m] of Object.entries(def)) {
    const err = (): grpc.ServiceError =>
      toServiceError(new UnimplementedError(`${serviceName}.${method} is not implemented by Tabula`)) as grpc.ServiceError;
    if (m.requestStream && m.responseStream) {
      out[method] = ((call: grpc.ServerDuplexStream<unknown, unknown>) => call.emit('error', err())) as grpc.UntypedHandleCall;
    } else if (m.requestStream) {
      out[method] = ((_call: grpc.ServerReadableStream<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(err())) as grpc.UntypedHandleCall;
    } else if (m.responseStream) {
      out[method] = ((call: grpc.ServerWritableStream<unknown, unknown>) => call.emit('error', err())) as grpc.UntypedHandleCall;
    } else {
      out[method] = ((_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(err())) as grpc.UntypedHandleCall;
    }
  }
  return out;
}

/**
 * One page of a List request over `items` ascending by `idOf`: the items
 * after `page_token` (the last id of the previous page), at most `page_size`
 * of them (0 = all); `nextPageToken` is set while more remain.
 */
export function pageById<T>(items: T[], idOf: (t: T) => string, req: ProtoObject): { page: T[]; nextPageToken: string } {
  const pageSize = asSafeInt(req.pageSize, 'page_size');
  if (pageSize < 0) throw new InvalidArgumentError('page_size: must not be negative');
  const after = asString(req.pageToken, 'page_token');
  let page = after === '' ? items : items.filter((t) => idOf(t) > after);
  let nextPageToken = '';
  if (pageSize > 0 && page.length > pageSize) {
    page = page.slice(0, pageSize);
    nextPageToken = idOf(page[page.length - 1]!);
  }
  return { page, nextPageToken };
}

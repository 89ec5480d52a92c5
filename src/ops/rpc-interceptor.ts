/**
 * A grpc-js server interceptor for every public RPC: bearer-token auth
 * (UNAUTHENTICATED / PERMISSION_DENIED before the handler runs) and RPC
 * metrics (count and latency per method and status code, messages sent,
 * cancellations). Reusable by any process that serves gRPC.
 */
import * as grpc from '@grpc/grpc-js';
import { scopeCovers, type AuthTokens } from './auth-tokens.js';
import { requiredScope } from './method-scope.js';
import type { TabulaMetrics } from './tabula-metrics.js';

export interface RpcInterceptorOptions {
  metrics?: TabulaMetrics;
  /** Without tokens every call is allowed. */
  auth?: AuthTokens;
}

const CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]),
);

export function codeName(code: number): string {
  return CODE_NAMES[code] ?? String(code);
}

function bearer(md: grpc.Metadata): string | undefined {
  const v = md.get('authorization')[0];
  if (typeof v !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(v);
  return m ? m[1] : undefined;
}

/** Why a call is refused, or undefined when it may proceed. */
export function authorize(auth: AuthTokens | undefined, path: string, md: grpc.Metadata): { code: grpc.status; details: string } | undefined {
  const need = requiredScope(path);
  if (!auth || need === undefined) return undefined;
  const token = bearer(md);
  if (token === undefined) return { code: grpc.status.UNAUTHENTICATED, details: 'authorization: missing "Bearer <token>" metadata' };
  const have = auth.scopeOf(token);
  if (!have) return { code: grpc.status.UNAUTHENTICATED, details: 'authorization: unknown bearer token' };
  if (!scopeCovers(have, need)) return { code: grpc.status.PERMISSION_DENIED, details: `authorization: ${path} needs a ${need} token, this one is ${have}` };
  return undefined;
}

export function rpcInterceptor(opts: RpcInterceptorOptions): grpc.ServerInterceptor {
  const { metrics, auth } = opts;
  return (descriptor, call) => {
    const method = descriptor.path;
    const started = performance.now();
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      metrics?.rpcFinished(method, codeName(code), (performance.now() - started) / 1000);
    };
    metrics?.rpcStarted(method);
    // grpc-js ends some calls itself, on the call below this interceptor: an
    // over-size request (RESOURCE_EXHAUSTED), a passed deadline
    // (DEADLINE_EXCEEDED). Only onCancel reaches us then, so remember the
    // status it sent and count that instead of CANCELLED.
    let sentBelow: number | undefined;
    const sendBelow = call.sendStatus.bind(call);
    call.sendStatus = (status) => {
      sentBelow ??= status.code;
      sendBelow(status);
    };
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(md, mdNext) {
            const refused = authorize(auth, method, md);
            if (refused) {
              finish(refused.code);
              call.sendStatus({ ...refused, metadata: new grpc.Metadata() });
              return;
            }
            mdNext(md);
          },
          onCancel() {
            finish(sentBelow ?? grpc.status.CANCELLED);
          },
        });
      },
      sendMessage(message, next) {
        metrics?.rpcMessageSent(method);
        next(message);
      },
      sendStatus(status, next) {
        finish(status.code);
        next(status);
      },
    });
  };
}

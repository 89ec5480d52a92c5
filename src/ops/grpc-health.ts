/**
 * The standard grpc.health.v1.Health service (from the maintained
 * grpc-health-check package, which also ships the proto). Reports "" (the
 * whole server) and each named service; NOT_SERVING until setServing(true).
 */
import type * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

export interface GrpcHealth {
  setServing(serving: boolean): void;
}

export function addGrpcHealth(server: grpc.Server, services: string[]): GrpcHealth {
  const names = ['', ...services];
  const health = new HealthImplementation(Object.fromEntries(names.map((n) => [n, 'NOT_SERVING' as const])));
  health.addToServer(server);
  return {
    setServing(serving) {
      for (const n of names) health.setStatus(n, serving ? 'SERVING' : 'NOT_SERVING');
    },
  };
}

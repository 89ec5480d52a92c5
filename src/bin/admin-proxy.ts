/**
 * Forwards every unary method of a gRPC service to another server (a tablet
 * server's table admin goes to the master, which owns the catalog). Requests
 * and responses pass through the service's own (de)serializers; metadata,
 * status codes and messages come back unchanged.
 */
import * as grpc from '@grpc/grpc-js';

export function forwardingHandlers(def: grpc.ServiceDefinition, client: grpc.Client): grpc.UntypedServiceImplementation {
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [name, m] of Object.entries(def)) {
    if (m.requestStream || m.responseStream) continue;
    handlers[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, call.request, call.metadata, {},
        (err, res) => (err ? callback(err) : callback(null, res)));
    };
  }
  return handlers;
}

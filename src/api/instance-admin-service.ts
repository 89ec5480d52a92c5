/**
 * google.bigtable.admin.v2.BigtableInstanceAdmin: Tabula has one implicit
 * instance per name and no clusters to manage, so every RPC answers
 * UNIMPLEMENTED naming the method.
 */
import type * as grpc from '@grpc/grpc-js';
import { unimplementedHandlers } from './handler-helpers.js';
import { instanceAdminServiceDefinition, INSTANCE_ADMIN_SERVICE_NAME } from './protos.js';

export function instanceAdminServiceHandlers(): grpc.UntypedServiceImplementation {
  return unimplementedHandlers(instanceAdminServiceDefinition, INSTANCE_ADMIN_SERVICE_NAME);
}

/**
 * The official Cloud Bigtable v2 protos (from the google-proto-files package,
 * never copied into this repo), loaded once per process with @grpc/proto-loader.
 *
 * Message objects follow proto-loader's conventions for the options below:
 * camelCase field names, int64 as decimal strings, enums as their names,
 * absent fields left undefined (no defaults), and each oneof exposing the name
 * of its set field (e.g. `mutation: 'setCell'`). Other modules (filter
 * conversion in particular) rely on exactly these options.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** Root directory of the google-proto-files package (holds google/...). */
export const PROTO_ROOT = path.dirname(require.resolve('google-proto-files/package.json'));

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

const FILES = [
  'google/bigtable/v2/bigtable.proto',
  'google/bigtable/v2/feature_flags.proto',
  'google/bigtable/admin/v2/bigtable_table_admin.proto',
  'google/bigtable/admin/v2/bigtable_instance_admin.proto',
];

/** The loaded package definition (all three services and their imports). */
export const packageDefinition: protoLoader.PackageDefinition = protoLoader.loadSync(FILES, PROTO_LOADER_OPTIONS);

/** The same definitions as a grpc-js object tree (for building clients in tests and tools). */
export const grpcObject: grpc.GrpcObject = grpc.loadPackageDefinition(packageDefinition);

function service(name: string): grpc.ServiceDefinition {
  const def = packageDefinition[name];
  if (def === undefined || 'format' in def) throw new Error(`proto service ${name} not found`);
  return def as unknown as grpc.ServiceDefinition;
}

/** A top-level message type with proto-loader's serialize/deserialize (plain objects in, plain objects out). */
export type MessageType = protoLoader.MessageTypeDefinition<object, Record<string, unknown>>;

function message(name: string): MessageType {
  const def = packageDefinition[name];
  if (def === undefined || !('format' in def) || !('serialize' in def)) throw new Error(`proto message ${name} not found`);
  return def as MessageType;
}

export const DATA_SERVICE_NAME = 'google.bigtable.v2.Bigtable';
export const TABLE_ADMIN_SERVICE_NAME = 'google.bigtable.admin.v2.BigtableTableAdmin';
export const INSTANCE_ADMIN_SERVICE_NAME = 'google.bigtable.admin.v2.BigtableInstanceAdmin';

export const dataServiceDefinition = service(DATA_SERVICE_NAME);
export const tableAdminServiceDefinition = service(TABLE_ADMIN_SERVICE_NAME);
export const instanceAdminServiceDefinition = service(INSTANCE_ADMIN_SERVICE_NAME);

/** Client constructors (tests, tools). */
export function serviceClientConstructor(fullName: string): grpc.ServiceClientConstructor {
  let node: unknown = grpcObject;
  for (const part of fullName.split('.')) node = (node as Record<string, unknown>)[part];
  return node as grpc.ServiceClientConstructor;
}

export const messages = {
  RowFilter: message('google.bigtable.v2.RowFilter'),
  ReadRowsResponse: message('google.bigtable.v2.ReadRowsResponse'),
  Table: message('google.bigtable.admin.v2.Table'),
  UpdateTableMetadata: message('google.bigtable.admin.v2.UpdateTableMetadata'),
  Backup: message('google.bigtable.admin.v2.Backup'),
  CreateBackupMetadata: message('google.bigtable.admin.v2.CreateBackupMetadata'),
  RestoreTableMetadata: message('google.bigtable.admin.v2.RestoreTableMetadata'),
  CopyBackupMetadata: message('google.bigtable.admin.v2.CopyBackupMetadata'),
  AuthorizedView: message('google.bigtable.admin.v2.AuthorizedView'),
  CreateAuthorizedViewMetadata: message('google.bigtable.admin.v2.CreateAuthorizedViewMetadata'),
  UpdateAuthorizedViewMetadata: message('google.bigtable.admin.v2.UpdateAuthorizedViewMetadata'),
  Status: message('google.rpc.Status'),
  FeatureFlags: message('google.bigtable.v2.FeatureFlags'),
};

/** Type URL prefix of google.protobuf.Any. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

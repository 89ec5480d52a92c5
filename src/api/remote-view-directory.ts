/**
 * A ViewDirectory that asks another server's table admin service (a tablet
 * server asks the master, which owns the catalog) over a gRPC client to it.
 */
import * as grpc from '@grpc/grpc-js';
import { TabulaError, type Code } from '../base/errors.js';
import type { ViewDirectory } from './authorized-view-access.js';
import { subsetViewFromProto } from './authorized-view-admin.js';
import { formatAuthorizedViewName } from './authorized-view-name.js';
import type { ProtoObject } from './proto-fields.js';
import { tableAdminServiceDefinition } from './protos.js';
import { formatTableName } from './table-name.js';

function call(client: grpc.Client, method: string, request: object, metadata = new grpc.Metadata()): Promise<ProtoObject> {
  const m = tableAdminServiceDefinition[method]!;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, metadata, { deadline: Date.now() + 10_000 },
      // The master's status passes through unchanged (NOT_FOUND for a missing view, UNAVAILABLE, ...).
      (err, res) => (err ? reject(new TabulaError(err.code as Code, err.details || err.message)) : resolve(res as ProtoObject)));
  });
}

export function remoteViewDirectory(client: grpc.Client): ViewDirectory {
  return {
    async view(name, metadata) {
      const v = await call(client, 'GetAuthorizedView', { name: formatAuthorizedViewName(name), view: 'FULL' }, metadata);
      return {
        name, subset: subsetViewFromProto(v.subsetView ?? {}, 'subset_view'),
        deletionProtection: v.deletionProtection === true, etag: typeof v.etag === 'string' ? v.etag : '',
      };
    },
    async families(table, metadata) {
      const t = await call(client, 'GetTable', { name: formatTableName(table), view: 'SCHEMA_VIEW' }, metadata);
      return Object.keys((t.columnFamilies ?? {}) as object);
    },
  };
}

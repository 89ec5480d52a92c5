/**
 * google.bigtable.admin.v2.BigtableInstanceAdmin, read-only. Tabula's
 * instances are implicit (any name works; ListInstances lists those holding
 * a table or a backup) and each has one cluster, `{instance}-c1`
 * (backup-name.ts), where its backups live. GetInstance, ListInstances,
 * GetCluster and ListClusters describe them; everything that would create,
 * change or delete instances, clusters, app profiles or IAM policies
 * answers UNIMPLEMENTED naming the method.
 */
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../base/errors.js';
import type { AdminBackend, InstanceName } from './backend.js';
import { clusterIdOf, formatClusterName, parseClusterName } from './backup-name.js';
import { unary, unimplementedHandlers } from './handler-helpers.js';
import { instanceAdminServiceDefinition, INSTANCE_ADMIN_SERVICE_NAME } from './protos.js';
import type { ProtoObject } from './proto-fields.js';
import { formatInstanceName, parseInstanceName } from './table-name.js';

/** Where Tabula says its clusters are (Cluster.location). */
const LOCATION = 'tabula';

function instanceToProto(n: InstanceName): ProtoObject {
  return { name: formatInstanceName(n), displayName: n.instance, state: 'READY', type: 'PRODUCTION' };
}

/** The instance's one cluster; its nodes are the tablet servers (all of them serve every instance). */
function clusterToProto(n: InstanceName, serveNodes: number): ProtoObject {
  return { name: formatClusterName({ ...n, cluster: clusterIdOf(n.instance) }), location: `projects/${n.project}/locations/${LOCATION}`, state: 'READY', serveNodes };
}

/** `projects/{p}`; InvalidArgumentError naming `field` otherwise. */
function parseProjectName(name: unknown, field: string): string {
  const m = typeof name === 'string' ? /^projects\/([^/]+)$/.exec(name) : null;
  if (!m) throw new InvalidArgumentError(`${field}: malformed project name ${JSON.stringify(name)}, expected projects/{project}`);
  return m[1]!;
}

export function instanceAdminServiceHandlers(backend: AdminBackend): grpc.UntypedServiceImplementation {
  const handlers = unimplementedHandlers(instanceAdminServiceDefinition, INSTANCE_ADMIN_SERVICE_NAME);

  /** GetInstance (GetInstanceRequest → Instance): every instance name exists. */
  handlers.GetInstance = unary(async (req) => instanceToProto(parseInstanceName(req.name, 'name')));

  /** ListInstances (ListInstancesRequest → ListInstancesResponse): the instances holding a table or a backup. */
  handlers.ListInstances = unary(async (req) => {
    const project = parseProjectName(req.parent, 'parent');
    return { instances: (await backend.listInstances(project)).map(instanceToProto), failedLocations: [], nextPageToken: '' };
  });

  /** GetCluster (GetClusterRequest → Cluster): the instance's one cluster; another id is NOT_FOUND. */
  handlers.GetCluster = unary(async (req) => clusterToProto(parseClusterName(req.name, 'name'), await backend.servingNodes()));

  /** ListClusters (ListClustersRequest → ListClustersResponse): the instance's cluster, or with `-` every listed instance's. */
  handlers.ListClusters = unary(async (req) => {
    const parent = typeof req.parent === 'string' ? req.parent : '';
    const m = /^projects\/([^/]+)\/instances\/-$/.exec(parent);
    const instances = m ? await backend.listInstances(m[1]!) : [parseInstanceName(req.parent, 'parent')];
    const nodes = await backend.servingNodes();
    return { clusters: instances.map((n) => clusterToProto(n, nodes)), failedLocations: [], nextPageToken: '' };
  });

  return handlers;
}

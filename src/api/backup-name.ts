/**
 * Resource names of Bigtable backups: `projects/{p}/instances/{i}/clusters/{c}`
 * and `.../clusters/{c}/backups/{b}`. Tabula has one data copy per instance,
 * which it reports as the instance's single cluster `{instance}-c1` (in a
 * table's cluster_states and as the place backups live); another cluster id
 * is NOT_FOUND, as a cluster that does not exist is in Bigtable. ListBackups
 * also takes the wildcard cluster `-`.
 */
import { InvalidArgumentError, NotFoundError } from '../base/errors.js';
import { MAX_TABLE_ID_CHARS, TABLE_ID_RE } from './limits.js';
import { formatInstanceName, type InstanceName } from './table-name.js';

export interface ClusterName extends InstanceName {
  cluster: string;
}

export interface BackupName extends ClusterName {
  backup: string;
}

const SEGMENT_RE = /^[^/]+$/;

/** The id of the one cluster Tabula reports for an instance. */
export function clusterIdOf(instance: string): string {
  return `${instance}-c1`;
}

export function formatClusterName(n: ClusterName): string {
  return `${formatInstanceName(n)}/clusters/${n.cluster}`;
}

export function formatBackupName(n: BackupName): string {
  return `${formatClusterName(n)}/backups/${n.backup}`;
}

/** Throws unless `id` is a valid backup id (`[_a-zA-Z0-9][-_.a-zA-Z0-9]*`, 1-50 chars, as table ids). */
export function validateBackupId(id: string, field: string): void {
  if (id.length === 0) throw new InvalidArgumentError(`${field}: backup id must not be empty`);
  if (id.length > MAX_TABLE_ID_CHARS) throw new InvalidArgumentError(`${field}: backup id longer than ${MAX_TABLE_ID_CHARS} characters`);
  if (!TABLE_ID_RE.test(id)) throw new InvalidArgumentError(`${field}: backup id "${id}" must match [_a-zA-Z0-9][-_.a-zA-Z0-9]*`);
}

/**
 * Parses `projects/{p}/instances/{i}/clusters/{c}`. `wildcard`: `-` is
 * accepted as the cluster (every cluster). NotFoundError for a cluster the
 * instance does not have.
 */
export function parseClusterName(name: unknown, field: string, opts: { wildcard?: boolean } = {}): ClusterName {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(`${field}: missing cluster name`);
  const parts = name.split('/');
  if (parts.length !== 6 || parts[0] !== 'projects' || parts[2] !== 'instances' || parts[4] !== 'clusters'
    || !SEGMENT_RE.test(parts[1]!) || !SEGMENT_RE.test(parts[3]!) || !SEGMENT_RE.test(parts[5]!)) {
    throw new InvalidArgumentError(`${field}: malformed cluster name "${name}", expected projects/{project}/instances/{instance}/clusters/{cluster}`);
  }
  const n = { project: parts[1]!, instance: parts[3]!, cluster: parts[5]! };
  if (!(opts.wildcard && n.cluster === '-')) checkCluster(n, field);
  return n;
}

/** Parses `projects/{p}/instances/{i}/clusters/{c}/backups/{b}`; NotFoundError for an unknown cluster. */
export function parseBackupName(name: unknown, field: string): BackupName {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(`${field}: missing backup name`);
  const parts = name.split('/');
  if (parts.length !== 8 || parts[0] !== 'projects' || parts[2] !== 'instances' || parts[4] !== 'clusters' || parts[6] !== 'backups'
    || !SEGMENT_RE.test(parts[1]!) || !SEGMENT_RE.test(parts[3]!) || !SEGMENT_RE.test(parts[5]!)) {
    throw new InvalidArgumentError(`${field}: malformed backup name "${name}", expected projects/{project}/instances/{instance}/clusters/{cluster}/backups/{backup}`);
  }
  validateBackupId(parts[7]!, field);
  const n = { project: parts[1]!, instance: parts[3]!, cluster: parts[5]!, backup: parts[7]! };
  checkCluster(n, field);
  return n;
}

function checkCluster(n: ClusterName, field: string): void {
  const only = clusterIdOf(n.instance);
  if (n.cluster !== only) throw new NotFoundError(`${field}: cluster "${n.cluster}" not found (instance "${n.instance}" has one cluster, "${only}")`);
}

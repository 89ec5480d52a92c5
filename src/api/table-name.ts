/**
 * Resource names of the Bigtable API: `projects/{p}/instances/{i}` and
 * `projects/{p}/instances/{i}/tables/{t}`. Parsing validates the shape and the
 * table id rules and throws InvalidArgumentError naming the request field.
 */
import { InvalidArgumentError } from '../base/errors.js';
import { MAX_TABLE_ID_CHARS, TABLE_ID_RE } from './limits.js';

export interface InstanceName {
  project: string;
  instance: string;
}

export interface TableName extends InstanceName {
  table: string;
}

const SEGMENT_RE = /^[^/]+$/;

/** `projects/{p}/instances/{i}`. */
export function formatInstanceName(n: InstanceName): string {
  return `projects/${n.project}/instances/${n.instance}`;
}

/** The canonical string form `projects/{p}/instances/{i}/tables/{t}`. */
export function formatTableName(n: TableName): string {
  return `projects/${n.project}/instances/${n.instance}/tables/${n.table}`;
}

/** Throws unless `id` is a valid table id (`[_a-zA-Z0-9][-_.a-zA-Z0-9]*`, ≤ 50 chars). */
export function validateTableId(id: string, field: string): void {
  if (id.length === 0) throw new InvalidArgumentError(`${field}: table id must not be empty`);
  if (id.length > MAX_TABLE_ID_CHARS) {
    throw new InvalidArgumentError(`${field}: table id longer than ${MAX_TABLE_ID_CHARS} characters`);
  }
  if (!TABLE_ID_RE.test(id)) {
    throw new InvalidArgumentError(`${field}: table id "${id}" must match [_a-zA-Z0-9][-_.a-zA-Z0-9]*`);
  }
}

/** Parses `projects/{p}/instances/{i}`. */
export function parseInstanceName(name: unknown, field = 'parent'): InstanceName {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(`${field}: missing instance name`);
  const parts = name.split('/');
  if (parts.length !== 4 || parts[0] !== 'projects' || parts[2] !== 'instances'
    || !SEGMENT_RE.test(parts[1]!) || !SEGMENT_RE.test(parts[3]!)) {
    throw new InvalidArgumentError(`${field}: malformed instance name "${name}", expected projects/{project}/instances/{instance}`);
  }
  return { project: parts[1]!, instance: parts[3]! };
}

/** Parses `projects/{p}/instances/{i}/tables/{t}` and validates the table id. */
export function parseTableName(name: unknown, field = 'table_name'): TableName {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(`${field}: missing table name`);
  const parts = name.split('/');
  if (parts.length !== 6 || parts[0] !== 'projects' || parts[2] !== 'instances' || parts[4] !== 'tables'
    || !SEGMENT_RE.test(parts[1]!) || !SEGMENT_RE.test(parts[3]!)) {
    throw new InvalidArgumentError(
      `${field}: malformed table name "${name}", expected projects/{project}/instances/{instance}/tables/{table}`);
  }
  validateTableId(parts[5]!, field);
  return { project: parts[1]!, instance: parts[3]!, table: parts[5]! };
}

/**
 * Resource names of authorized views:
 * `projects/{p}/instances/{i}/tables/{t}/authorizedViews/{v}`. View ids follow
 * the table id rules (`[_a-zA-Z0-9][-_.a-zA-Z0-9]*`, 1-50 characters).
 */
import { InvalidArgumentError } from '../base/errors.js';
import { MAX_TABLE_ID_CHARS, TABLE_ID_RE } from './limits.js';
import { formatTableName, parseTableName, type TableName } from './table-name.js';

export interface AuthorizedViewName extends TableName {
  view: string;
}

export function formatAuthorizedViewName(n: AuthorizedViewName): string {
  return `${formatTableName(n)}/authorizedViews/${n.view}`;
}

/** Throws unless `id` is a valid authorized view id. */
export function validateAuthorizedViewId(id: string, field: string): void {
  if (id.length === 0) throw new InvalidArgumentError(`${field}: authorized view id must not be empty`);
  if (id.length > MAX_TABLE_ID_CHARS) throw new InvalidArgumentError(`${field}: authorized view id longer than ${MAX_TABLE_ID_CHARS} characters`);
  if (!TABLE_ID_RE.test(id)) throw new InvalidArgumentError(`${field}: authorized view id "${id}" must match [_a-zA-Z0-9][-_.a-zA-Z0-9]*`);
}

/** Parses `projects/{p}/instances/{i}/tables/{t}/authorizedViews/{v}`. */
export function parseAuthorizedViewName(name: unknown, field: string): AuthorizedViewName {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError(`${field}: missing authorized view name`);
  const parts = name.split('/');
  if (parts.length !== 8 || parts[6] !== 'authorizedViews') {
    throw new InvalidArgumentError(`${field}: malformed authorized view name "${name}", expected projects/{project}/instances/{instance}/tables/{table}/authorizedViews/{authorized_view}`);
  }
  const table = parseTableName(parts.slice(0, 6).join('/'), field);
  validateAuthorizedViewId(parts[7]!, field);
  return { ...table, view: parts[7]! };
}

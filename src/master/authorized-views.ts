/**
 * A table's authorized views as the catalog keeps them (TableRecord.views):
 * the admin rules over that list — create, find, update, delete, and what
 * they forbid on the table — as pure functions returning the new list. The
 * master and the API suite's in-memory backend both use them.
 */
import { createHash } from 'node:crypto';
import { AbortedError, AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../base/errors.js';
import { subsetViewFromJson, subsetViewToJson, type SubsetView, type SubsetViewJson } from '../model/authorized-view.js';
import type { AuthorizedViewInfo, AuthorizedViewName, TableName } from '../api/backend.js';
import { formatAuthorizedViewName } from '../api/authorized-view-name.js';

export interface AuthorizedViewRecord {
  subset: SubsetViewJson;
  deletionProtection: boolean;
  etag: string;
}

/** View id → record, in the order the table's views were created. */
export type ViewList = Array<[string, AuthorizedViewRecord]>;

/** A content hash: the same definition has the same etag, any change a new one. */
function etagOf(subset: SubsetViewJson, deletionProtection: boolean): string {
  return createHash('sha256').update(JSON.stringify([subset, deletionProtection])).digest('base64url').slice(0, 22);
}

function record(subset: SubsetView, deletionProtection: boolean): AuthorizedViewRecord {
  const json = subsetViewToJson(subset);
  return { subset: json, deletionProtection, etag: etagOf(json, deletionProtection) };
}

export function viewInfo(table: TableName, id: string, r: AuthorizedViewRecord): AuthorizedViewInfo {
  return { name: { ...table, view: id }, subset: subsetViewFromJson(r.subset), deletionProtection: r.deletionProtection, etag: r.etag };
}

/** NotFoundError naming the field for a family of the subset that the table lacks. */
function checkFamilies(subset: SubsetView, families: ReadonlySet<string>, table: string): void {
  for (const f of subset.families.keys()) {
    if (!families.has(f)) throw new NotFoundError(`authorized_view.subset_view.family_subsets["${f}"]: column family "${f}" not found in table "${table}"`);
  }
}

function find(views: ViewList, name: AuthorizedViewName): AuthorizedViewRecord {
  const r = views.find(([id]) => id === name.view)?.[1];
  if (r === undefined) throw new NotFoundError(`authorized view "${formatAuthorizedViewName(name)}" not found`);
  return r;
}

function checkEtag(r: AuthorizedViewRecord, etag: string | undefined, name: AuthorizedViewName): void {
  if (etag !== undefined && etag !== '' && etag !== r.etag) {
    throw new AbortedError(`etag: "${etag}" is not the current etag of authorized view "${formatAuthorizedViewName(name)}"; read it again`);
  }
}

export function getView(views: ViewList, name: AuthorizedViewName): AuthorizedViewInfo {
  return viewInfo(name, name.view, find(views, name));
}

export function addView(
  views: ViewList, families: ReadonlySet<string>, name: AuthorizedViewName, subset: SubsetView, deletionProtection: boolean,
): ViewList {
  if (views.some(([id]) => id === name.view)) throw new AlreadyExistsError(`authorized view "${formatAuthorizedViewName(name)}" already exists`);
  checkFamilies(subset, families, name.table);
  return [...views, [name.view, record(subset, deletionProtection)]];
}

export function updateView(
  views: ViewList, families: ReadonlySet<string>, name: AuthorizedViewName,
  changes: { subset?: SubsetView; deletionProtection?: boolean }, etag: string | undefined,
): ViewList {
  const old = find(views, name);
  checkEtag(old, etag, name);
  if (changes.subset) checkFamilies(changes.subset, families, name.table);
  const next = record(changes.subset ?? subsetViewFromJson(old.subset), changes.deletionProtection ?? old.deletionProtection);
  return views.map(([id, r]) => [id, id === name.view ? next : r]);
}

export function removeView(views: ViewList, name: AuthorizedViewName, etag: string | undefined): ViewList {
  const r = find(views, name);
  checkEtag(r, etag, name);
  if (r.deletionProtection) {
    throw new FailedPreconditionError(`authorized view "${formatAuthorizedViewName(name)}" is protected from deletion; turn deletion_protection off first`);
  }
  return views.filter(([id]) => id !== name.view);
}

/** FailedPreconditionError when a view of the table is protected from deletion (the table cannot go). */
export function checkTableDeletable(views: ViewList, table: string): void {
  const held = views.filter(([, r]) => r.deletionProtection).map(([id]) => id);
  if (held.length > 0) {
    throw new FailedPreconditionError(`table "${table}" has authorized views protected from deletion (${held.join(', ')}); turn their deletion_protection off first`);
  }
}

/** FailedPreconditionError when a view names `family` (it cannot be dropped). */
export function checkFamilyDroppable(views: ViewList, family: string, field: string): void {
  const users = views.filter(([, r]) => r.subset.families.some(([f]) => f === family)).map(([id]) => id);
  if (users.length > 0) {
    throw new FailedPreconditionError(`${field}: column family "${family}" is part of authorized views (${users.join(', ')}); update or delete them first`);
  }
}

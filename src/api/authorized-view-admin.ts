/**
 * The authorized-view RPCs of google.bigtable.admin.v2.BigtableTableAdmin:
 * Create (a done Operation), Get, List (pages by view id), Update (a done
 * Operation; update_mask `subset_view`, `deletion_protection` or `*`) and
 * Delete, with AuthorizedView ⇄ model conversion. What a view permits is
 * enforced on the data path (authorized-view-access.ts).
 */
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../base/errors.js';
import type { FamilySubset, SubsetView } from '../model/authorized-view.js';
import type { AdminBackend, AuthorizedViewInfo } from './backend.js';
import { formatAuthorizedViewName, parseAuthorizedViewName, validateAuthorizedViewId } from './authorized-view-name.js';
import { pageById, unary } from './handler-helpers.js';
import { MAX_ROW_KEY_BYTES } from './limits.js';
import { doneOperation, timestampNow } from './operation-proto.js';
import { asArray, asBytes, asObject, asString, validateFamilyName, validateQualifier, type ProtoObject } from './proto-fields.js';
import { parseTableName } from './table-name.js';

type ViewDetail = 'NAME_ONLY' | 'BASIC' | 'FULL';

/** AuthorizedView.ResponseView; `dflt` for RESPONSE_VIEW_UNSPECIFIED. */
function parseResponseView(v: unknown, dflt: ViewDetail): ViewDetail {
  if (v === undefined || v === null || v === 'RESPONSE_VIEW_UNSPECIFIED') return dflt;
  if (v === 'NAME_ONLY' || v === 'BASIC' || v === 'FULL') return v;
  throw new InvalidArgumentError(`view: unknown authorized view response view ${String(v)}`);
}

/** AuthorizedView.SubsetView → model; `field` is its path. */
export function subsetViewFromProto(p: unknown, field: string): SubsetView {
  const s = asObject(p, field);
  const rowPrefixes = asArray(s.rowPrefixes, `${field}.row_prefixes`).map((x, i) => {
    const b = asBytes(x, `${field}.row_prefixes[${i}]`);
    if (b.length > MAX_ROW_KEY_BYTES) throw new InvalidArgumentError(`${field}.row_prefixes[${i}]: ${b.length} bytes, the limit is ${MAX_ROW_KEY_BYTES}`);
    return b;
  });
  const families = new Map<string, FamilySubset>();
  for (const [name, v] of Object.entries(asObject(s.familySubsets, `${field}.family_subsets`))) {
    const f = `${field}.family_subsets["${name}"]`;
    validateFamilyName(name, f);
    const fs = asObject(v, f);
    families.set(name, {
      qualifiers: asArray(fs.qualifiers, `${f}.qualifiers`).map((q, i) => validateQualifier(asBytes(q, `${f}.qualifiers[${i}]`), `${f}.qualifiers[${i}]`)),
      qualifierPrefixes: asArray(fs.qualifierPrefixes, `${f}.qualifier_prefixes`)
        .map((q, i) => validateQualifier(asBytes(q, `${f}.qualifier_prefixes[${i}]`), `${f}.qualifier_prefixes[${i}]`)),
    });
  }
  return { rowPrefixes, families };
}

/** Model → google.bigtable.admin.v2.AuthorizedView with the fields `detail` populates. */
export function authorizedViewToProto(v: AuthorizedViewInfo, detail: ViewDetail): ProtoObject {
  const out: ProtoObject = { name: formatAuthorizedViewName(v.name) };
  if (detail === 'NAME_ONLY') return out;
  out.deletionProtection = v.deletionProtection;
  out.etag = v.etag;
  if (detail === 'FULL') {
    const familySubsets: Record<string, ProtoObject> = {};
    for (const [f, s] of v.subset.families) familySubsets[f] = { qualifiers: s.qualifiers, qualifierPrefixes: s.qualifierPrefixes };
    out.subsetView = { rowPrefixes: v.subset.rowPrefixes, familySubsets };
  }
  return out;
}

/** The subset_view of an AuthorizedView in a request (the one kind of view there is). */
function requiredSubset(av: ProtoObject, field: string): SubsetView {
  if (av.subsetView === undefined || av.subsetView === null) throw new InvalidArgumentError(`${field}.subset_view: required`);
  return subsetViewFromProto(av.subsetView, `${field}.subset_view`);
}

export function authorizedViewHandlers(backend: AdminBackend): Record<string, grpc.handleUnaryCall<ProtoObject, object>> {
  return {
    /** CreateAuthorizedView (→ done Operation with the AuthorizedView). */
    CreateAuthorizedView: unary(async (req) => {
      const table = parseTableName(req.parent, 'parent');
      const id = asString(req.authorizedViewId, 'authorized_view_id');
      validateAuthorizedViewId(id, 'authorized_view_id');
      const av = asObject(req.authorizedView, 'authorized_view');
      const subset = requiredSubset(av, 'authorized_view');
      const start = timestampNow();
      const info = await backend.createAuthorizedView({ ...table, view: id }, subset, av.deletionProtection === true);
      return doneOperation(formatAuthorizedViewName(info.name), 'create',
        ['CreateAuthorizedViewMetadata', { originalRequest: req, requestTime: start, finishTime: timestampNow() }],
        ['AuthorizedView', authorizedViewToProto(info, 'FULL')]);
    }),

    /** GetAuthorizedView (→ AuthorizedView; BASIC unless asked). */
    GetAuthorizedView: unary(async (req) => {
      const detail = parseResponseView(req.view, 'BASIC');
      return authorizedViewToProto(await backend.getAuthorizedView(parseAuthorizedViewName(req.name, 'name')), detail);
    }),

    /** ListAuthorizedViews (→ ListAuthorizedViewsResponse; NAME_ONLY unless asked); page_token is the last view id returned. */
    ListAuthorizedViews: unary(async (req) => {
      const table = parseTableName(req.parent, 'parent');
      const detail = parseResponseView(req.view, 'NAME_ONLY');
      const { page, nextPageToken } = pageById(await backend.listAuthorizedViews(table), (v) => v.name.view, req);
      return { authorizedViews: page.map((v) => authorizedViewToProto(v, detail)), nextPageToken };
    }),

    /**
     * UpdateAuthorizedView (→ done Operation with the AuthorizedView). An
     * empty mask updates the fields the request sets; `*` every field.
     */
    UpdateAuthorizedView: unary(async (req) => {
      const av = asObject(req.authorizedView, 'authorized_view');
      const name = parseAuthorizedViewName(av.name, 'authorized_view.name');
      const paths = req.updateMask === undefined || req.updateMask === null
        ? [] : asArray(asObject(req.updateMask, 'update_mask').paths, 'update_mask.paths').map((p) => asString(p, 'update_mask.paths'));
      const changes: { subset?: SubsetView; deletionProtection?: boolean } = {};
      if (paths.length === 0) {
        if (av.subsetView !== undefined && av.subsetView !== null) changes.subset = requiredSubset(av, 'authorized_view');
        if (av.deletionProtection !== undefined) changes.deletionProtection = av.deletionProtection === true;
      }
      for (const p of paths) {
        if (p === 'subset_view' || p === '*') changes.subset = requiredSubset(av, 'authorized_view');
        if (p === 'deletion_protection' || p === '*') changes.deletionProtection = av.deletionProtection === true;
        if (p !== 'subset_view' && p !== 'deletion_protection' && p !== '*') {
          throw new InvalidArgumentError(`update_mask.paths: "${p}" is not an updatable field (subset_view, deletion_protection or *)`);
        }
      }
      const start = timestampNow();
      const etag = av.etag === undefined ? undefined : asString(av.etag, 'authorized_view.etag');
      const info = await backend.updateAuthorizedView(name, changes, etag);
      return doneOperation(formatAuthorizedViewName(name), 'update',
        ['UpdateAuthorizedViewMetadata', { originalRequest: req, requestTime: start, finishTime: timestampNow() }],
        ['AuthorizedView', authorizedViewToProto(info, 'FULL')]);
    }),

    /** DeleteAuthorizedView (→ Empty); FAILED_PRECONDITION under deletion protection, ABORTED for a stale etag. */
    DeleteAuthorizedView: unary(async (req) => {
      const name = parseAuthorizedViewName(req.name, 'name');
      const etag = req.etag === undefined ? undefined : asString(req.etag, 'etag');
      await backend.deleteAuthorizedView(name, etag);
      return {};
    }),
  };
}

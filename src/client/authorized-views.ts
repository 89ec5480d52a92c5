/**
 * Authorized views (google.bigtable.admin.v2.AuthorizedView): a named subset
 * of a table — rows by row-key prefix, columns by family as exact qualifiers
 * and qualifier prefixes — that data requests may address instead of the
 * table. Create, describe, list, change and delete them here; read and write
 * through one with `connection.authorizedView(table, viewId)`, a Table whose
 * reads see only the view's cells and whose writes outside it fail with
 * PermissionDeniedError.
 *
 *   await admin.createAuthorizedView('users', 'public', {
 *     rowPrefixes: ['u#'],
 *     families: { profile: { qualifiers: ['name'], qualifierPrefixes: ['pub_'] }, stats: { qualifierPrefixes: [''] } },
 *   });
 *   const pub = conn.authorizedView('users', 'public');
 *
 * A view's cells are its rows ∩ its columns. The prefix '' stands for every
 * row (rowPrefixes: ['']) or for every qualifier of a family
 * (qualifierPrefixes: [''], the whole family); an empty list selects
 * nothing. Prefixes and qualifiers are byte strings (bytes-input.ts).
 *
 * Every view has an etag that changes whenever the view does: an update or
 * delete given `{ etag }` fails with AbortedError if the view changed since
 * it was read. A view under deletion protection cannot be deleted
 * (FailedPreconditionError). Create and Update are long-running operations;
 * an answer still running (not Tabula's) is followed by a Get of the view.
 */
import { messages } from '../api/protos.js';
import { validateTableId } from '../api/table-name.js';
import { InvalidArgumentError } from '../base/errors.js';
import { toBytes, type Bytes } from './bytes-input.js';
import { operationResponse } from './long-running.js';
import { requestMetadata, unary, type ProtoObject, type RpcContext } from './rpc.js';
import { lastSegment } from './table-info.js';

/** The columns of one family in a view: exact qualifiers and qualifier prefixes ('' = the whole family). */
export interface AuthorizedViewColumns {
  qualifiers?: Bytes[];
  qualifierPrefixes?: Bytes[];
}

/** What a view holds: its rows (by key prefix) and its columns (by family). */
export interface AuthorizedViewDefinition {
  /** Row-key prefixes; [''] = every row. */
  rowPrefixes: Bytes[];
  /** Family name → the columns of that family in the view; families not named are not in the view. */
  families: Record<string, AuthorizedViewColumns>;
}

export interface CreateAuthorizedViewOptions extends AuthorizedViewDefinition {
  /** While on, the view (and its table) cannot be deleted. Default off. */
  deletionProtection?: boolean;
}

/**
 * Changes to a view: a new definition and/or deletion protection. A
 * definition is replaced as a whole; given only `rowPrefixes` or only
 * `families`, the other is kept as the view has it (read first, and the
 * update made conditional on that read's etag unless one is given).
 */
export interface AuthorizedViewChanges {
  rowPrefixes?: Bytes[];
  families?: Record<string, AuthorizedViewColumns>;
  deletionProtection?: boolean;
}

/** An authorized view in client form (the server's FULL view of it). */
export interface AuthorizedViewInfo {
  /** View id (the last segment of its name). */
  id: string;
  /** Id of its table. */
  table: string;
  rowPrefixes: Buffer[];
  /** Family → its columns in the view, families in ascending order. */
  families: Record<string, { qualifiers: Buffer[]; qualifierPrefixes: Buffer[] }>;
  deletionProtection: boolean;
  /** Changes whenever the view does; pass it to update/delete to make them conditional. */
  etag: string;
}

/** A conditional update or delete: AbortedError unless the view's etag is still this one. */
export interface AuthorizedViewEtag {
  etag?: string;
}

export interface ListAuthorizedViewsOptions {
  /** Views per ListAuthorizedViews request (default: the server's choice); every page is fetched either way. */
  pageSize?: number;
}

export interface AuthorizedViewAdmin {
  /** Creates view `viewId` of `table` (an id); AlreadyExistsError if the id is taken, NotFoundError if the table is missing. */
  createAuthorizedView(table: string, viewId: string, opts: CreateAuthorizedViewOptions): Promise<AuthorizedViewInfo>;
  /** The whole view (definition, deletion protection, etag); NotFoundError if there is no such view. */
  getAuthorizedView(table: string, viewId: string): Promise<AuthorizedViewInfo>;
  /** Every view of the table (all pages), in full, by ascending id. */
  listAuthorizedViews(table: string, opts?: ListAuthorizedViewsOptions): Promise<AuthorizedViewInfo[]>;
  /** Applies `changes`; resolves to the view as it is afterwards. */
  updateAuthorizedView(table: string, viewId: string, changes: AuthorizedViewChanges, opts?: AuthorizedViewEtag): Promise<AuthorizedViewInfo>;
  /** FailedPreconditionError under deletion protection, AbortedError for a stale etag. */
  deleteAuthorizedView(table: string, viewId: string, opts?: AuthorizedViewEtag): Promise<void>;
}

const VIEW_TYPE = 'google.bigtable.admin.v2.AuthorizedView';
const VIEW_ID_RE = /^[_a-zA-Z0-9][-_.a-zA-Z0-9]*$/;
const MAX_VIEW_ID_CHARS = 50;
const CREATE_KEYS: readonly string[] = ['rowPrefixes', 'families', 'deletionProtection'];
const COLUMN_KEYS: readonly string[] = ['qualifiers', 'qualifierPrefixes'];
const ETAG_KEYS: readonly string[] = ['etag'];

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** `viewId` if it is a valid view id (the table id rules: [_a-zA-Z0-9][-_.a-zA-Z0-9]*, 1–50 characters); InvalidArgumentError naming `field` otherwise. */
export function checkAuthorizedViewId(viewId: unknown, field: string): string {
  if (typeof viewId !== 'string') throw new InvalidArgumentError(`${field}: expected a string, got ${kindOf(viewId)}`);
  if (viewId.length === 0) throw new InvalidArgumentError(`${field}: authorized view id must not be empty`);
  if (viewId.length > MAX_VIEW_ID_CHARS) throw new InvalidArgumentError(`${field}: authorized view id longer than ${MAX_VIEW_ID_CHARS} characters`);
  if (!VIEW_ID_RE.test(viewId)) throw new InvalidArgumentError(`${field}: authorized view id "${viewId}" must match [_a-zA-Z0-9][-_.a-zA-Z0-9]*`);
  return viewId;
}

function checkKeys(o: object, keys: readonly string[], field: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new InvalidArgumentError(`${field}: unknown option "${k}" (want ${keys.join(', ')})`);
  }
}

function bytesList(v: unknown, field: string): Buffer[] {
  if (!Array.isArray(v)) throw new InvalidArgumentError(`${field}: expected an array, got ${kindOf(v)}`);
  return v.map((b, i) => toBytes(b as Bytes, `${field}[${i}]`));
}

/** The SubsetView proto of a definition. */
function subsetToProto(rowPrefixes: unknown, families: unknown, field: string): ProtoObject {
  const prefixes = bytesList(rowPrefixes, `${field}.rowPrefixes`);
  if (typeof families !== 'object' || families === null || Array.isArray(families)) {
    throw new InvalidArgumentError(`${field}.families: expected { [family]: { qualifiers?, qualifierPrefixes? } }, got ${kindOf(families)}`);
  }
  const familySubsets: Record<string, ProtoObject> = {};
  for (const [family, cols] of Object.entries(families as Record<string, unknown>)) {
    const f = `${field}.families.${family}`;
    if (family === '') throw new InvalidArgumentError(`${field}.families: family name must not be empty`);
    if (typeof cols !== 'object' || cols === null || Array.isArray(cols)) throw new InvalidArgumentError(`${f}: expected { qualifiers?, qualifierPrefixes? }, got ${kindOf(cols)}`);
    checkKeys(cols, COLUMN_KEYS, f);
    const { qualifiers, qualifierPrefixes } = cols as AuthorizedViewColumns;
    familySubsets[family] = {
      qualifiers: qualifiers === undefined ? [] : bytesList(qualifiers, `${f}.qualifiers`),
      qualifierPrefixes: qualifierPrefixes === undefined ? [] : bytesList(qualifierPrefixes, `${f}.qualifierPrefixes`),
    };
  }
  return { rowPrefixes: prefixes, familySubsets };
}

function checkFlag(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new InvalidArgumentError(`${field}: expected true or false, got ${kindOf(v)}`);
  return v;
}

function etagOf(opts: AuthorizedViewEtag | undefined, field: string): string | undefined {
  if (opts === undefined) return undefined;
  if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError(`${field}: expected { etag }`);
  checkKeys(opts, ETAG_KEYS, field);
  if (opts.etag === undefined) return undefined;
  if (typeof opts.etag !== 'string') throw new InvalidArgumentError(`${field}.etag: expected a string, got ${kindOf(opts.etag)}`);
  return opts.etag;
}

const buffers = (v: unknown): Buffer[] => (Array.isArray(v) ? v.map((b) => toBytes(b as Uint8Array)) : []);

/** google.bigtable.admin.v2.AuthorizedView (proto-loader object) → AuthorizedViewInfo. */
export function authorizedViewFromProto(v: ProtoObject): AuthorizedViewInfo {
  const parts = String(v.name ?? '').split('/');
  const subset = (v.subsetView ?? {}) as ProtoObject;
  const subsets = (subset.familySubsets ?? {}) as Record<string, ProtoObject>;
  const families: AuthorizedViewInfo['families'] = {};
  for (const f of Object.keys(subsets).sort()) {
    families[f] = { qualifiers: buffers(subsets[f]?.qualifiers), qualifierPrefixes: buffers(subsets[f]?.qualifierPrefixes) };
  }
  return {
    id: lastSegment(v.name),
    table: parts.length >= 3 ? parts[parts.length - 3]! : '',
    rowPrefixes: buffers(subset.rowPrefixes),
    families,
    deletionProtection: v.deletionProtection === true,
    etag: String(v.etag ?? ''),
  };
}

export function createAuthorizedViewAdmin(ctx: RpcContext): AuthorizedViewAdmin {
  const call = (method: string, req: ProtoObject, params: Record<string, string>): Promise<ProtoObject> =>
    unary(ctx.admin, method, req, requestMetadata(params), ctx.timeoutMs);
  /** A table id (validated) or a full table name (passed on as it is). */
  const tableName = (t: unknown): string => {
    if (typeof t === 'string' && t.includes('/')) return t;
    if (typeof t !== 'string') throw new InvalidArgumentError(`table: expected a string, got ${kindOf(t)}`);
    validateTableId(t, 'table');
    return `${ctx.instanceName}/tables/${t}`;
  };
  const viewName = (table: unknown, viewId: unknown): string => `${tableName(table)}/authorizedViews/${checkAuthorizedViewId(viewId, 'viewId')}`;

  async function getAuthorizedView(table: string, viewId: string): Promise<AuthorizedViewInfo> {
    const name = viewName(table, viewId);
    return authorizedViewFromProto(await call('GetAuthorizedView', { name, view: 'FULL' }, { name }));
  }

  /** The view in an Operation's response, or (still running) as a Get describes it. */
  async function fromOperation(op: ProtoObject, table: string, viewId: string): Promise<AuthorizedViewInfo> {
    const view = operationResponse(op, VIEW_TYPE, messages.AuthorizedView);
    return view !== undefined ? authorizedViewFromProto(view) : getAuthorizedView(table, viewId);
  }

  return {
    async createAuthorizedView(table, viewId, opts) {
      const parent = tableName(table);
      checkAuthorizedViewId(viewId, 'viewId');
      if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('opts: expected { rowPrefixes, families, deletionProtection? }');
      checkKeys(opts, CREATE_KEYS, 'opts');
      const authorizedView: ProtoObject = { subsetView: subsetToProto(opts.rowPrefixes, opts.families, 'opts') };
      if (opts.deletionProtection !== undefined && checkFlag(opts.deletionProtection, 'opts.deletionProtection')) authorizedView.deletionProtection = true;
      const op = await call('CreateAuthorizedView', { parent, authorizedViewId: viewId, authorizedView }, { parent });
      return fromOperation(op, table, viewId);
    },

    getAuthorizedView,

    async listAuthorizedViews(table, opts = {}) {
      const parent = tableName(table);
      const pageSize = opts.pageSize ?? 0;
      if (!Number.isSafeInteger(pageSize) || pageSize < 0 || pageSize > 0x7fffffff) throw new InvalidArgumentError(`opts.pageSize: must be a positive integer, got ${String(opts.pageSize)}`);
      const out: AuthorizedViewInfo[] = [];
      let pageToken = '';
      do {
        const res = await call('ListAuthorizedViews', { parent, pageSize, pageToken, view: 'FULL' }, { parent });
        for (const v of (res.authorizedViews ?? []) as ProtoObject[]) out.push(authorizedViewFromProto(v));
        pageToken = String(res.nextPageToken ?? '');
      } while (pageToken !== '');
      return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    async updateAuthorizedView(table, viewId, changes, opts) {
      const name = viewName(table, viewId);
      if (typeof changes !== 'object' || changes === null) throw new InvalidArgumentError('changes: expected { rowPrefixes?, families?, deletionProtection? }');
      checkKeys(changes, CREATE_KEYS, 'changes');
      let etag = etagOf(opts, 'opts');
      const authorizedView: ProtoObject = { name };
      const paths: string[] = [];
      if (changes.rowPrefixes !== undefined || changes.families !== undefined) {
        let { rowPrefixes, families } = changes as { rowPrefixes?: unknown; families?: unknown };
        if (rowPrefixes === undefined || families === undefined) {
          // Half a definition: keep the other half as the view has it, and fail if it changes meanwhile.
          const current = await getAuthorizedView(table, viewId);
          rowPrefixes ??= current.rowPrefixes;
          families ??= current.families;
          etag ??= current.etag;
        }
        authorizedView.subsetView = subsetToProto(rowPrefixes, families, 'changes');
        paths.push('subset_view');
      }
      if (changes.deletionProtection !== undefined) {
        authorizedView.deletionProtection = checkFlag(changes.deletionProtection, 'changes.deletionProtection');
        paths.push('deletion_protection');
      }
      if (paths.length === 0) throw new InvalidArgumentError('changes: nothing to change (give rowPrefixes, families or deletionProtection)');
      if (etag !== undefined) authorizedView.etag = etag;
      const op = await call('UpdateAuthorizedView', { authorizedView, updateMask: { paths } }, { 'authorized_view.name': name });
      return fromOperation(op, table, viewId);
    },

    async deleteAuthorizedView(table, viewId, opts) {
      const name = viewName(table, viewId);
      const etag = etagOf(opts, 'opts');
      await call('DeleteAuthorizedView', etag === undefined ? { name } : { name, etag }, { name });
    },
  };
}

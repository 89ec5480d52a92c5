/**
 * Data requests through an authorized view (`authorized_view_name` instead
 * of `table_name`), as Bigtable serves them:
 * - reads see only the view: rows outside its row prefixes are skipped and
 *   cells outside its columns dropped, before the request's own filter runs
 *   (so cells_per_row_limit, conditions and the like count only view cells);
 * - a write of a cell outside the view is refused with PERMISSION_DENIED
 *   (MutateRows: that entry only); so is deleting a family, or a row, unless
 *   the view holds every column of it (a qualifier prefix "" for the family,
 *   for every family of the table), since the delete would reach data the
 *   view does not show. (Bigtable checks a delete against the row's data;
 *   Tabula against the view's definition, which never lets one through that
 *   Bigtable would refuse.)
 * - CheckAndMutateRow and ReadModifyWriteRow need the row in the view, and
 *   the predicate sees only the view's cells.
 */
import type { Metadata } from '@grpc/grpc-js';
import { InvalidArgumentError, PermissionDeniedError, UnimplementedError } from '../base/errors.js';
import {
  viewFilter, viewHasColumn, viewHasRow, viewHasWholeFamily, viewRowSet, type SubsetView,
} from '../model/authorized-view.js';
import type { Mutation } from '../model/mutation.js';
import type { RowFilter } from '../model/row-filter.js';
import type { RowSet } from '../model/row-set.js';
import type { AdminBackend, AuthorizedViewInfo, AuthorizedViewName, ReadModifyWriteRule } from './backend.js';
import { formatAuthorizedViewName, parseAuthorizedViewName } from './authorized-view-name.js';
import { asString, type ProtoObject } from './proto-fields.js';
import { parseTableName, type TableName } from './table-name.js';

/**
 * Where the data service looks up views (and, for row deletes, the table's
 * families). `metadata` is the data call's: a lookup on another server goes
 * with the caller's credentials.
 */
export interface ViewDirectory {
  view(name: AuthorizedViewName, metadata?: Metadata): Promise<AuthorizedViewInfo>;
  families(table: TableName, metadata?: Metadata): Promise<string[]>;
}

/** The directory of a process that holds the admin backend itself. */
export function adminViewDirectory(admin: AdminBackend): ViewDirectory {
  return {
    view: (name) => admin.getAuthorizedView(name),
    families: async (table) => [...(await admin.getTable(table)).families.keys()],
  };
}

/** An authorized view a request goes through. */
export class ViewAccess {
  constructor(
    private readonly info: AuthorizedViewInfo,
    private readonly directory: ViewDirectory,
    private readonly metadata: Metadata | undefined,
  ) {}

  private get v(): SubsetView {
    return this.info.subset;
  }

  /** The table's families, looked up once per request (a MutateRows may delete many rows; in a cluster each lookup is a call to the master). */
  private families: Promise<string[]> | undefined;

  private tableFamilies(): Promise<string[]> {
    return (this.families ??= this.directory.families(this.info.name, this.metadata));
  }

  private denied(what: string): PermissionDeniedError {
    return new PermissionDeniedError(`${what} is outside authorized view "${formatAuthorizedViewName(this.info.name)}"`);
  }

  /** The rows of `rs` in the view. */
  rows(rs: RowSet): RowSet {
    return viewRowSet(this.v, rs);
  }

  /** The view's columns, then `filter`. */
  filter(filter: RowFilter | undefined): RowFilter {
    const only = viewFilter(this.v);
    return filter === undefined ? only : { kind: 'chain', filters: [only, filter] };
  }

  /**
   * An error the backend raised for the request's filter (at `field`) while
   * it ran inside filter(): the message names the request's field again,
   * not the chain the view wrapped it in.
   */
  static unwrapFilterError(e: unknown, field: string): unknown {
    const wrapped = `${field}.chain.filters[1]`;
    if (e instanceof InvalidArgumentError && e.message.startsWith(wrapped)) return new InvalidArgumentError(field + e.message.slice(wrapped.length));
    return e;
  }

  checkRow(row: Buffer, field: string): void {
    if (!viewHasRow(this.v, row)) throw this.denied(`${field} "${printable(row)}"`);
  }

  /** PermissionDeniedError unless the row and every mutation lie in the view. */
  async checkMutations(row: Buffer, mutations: Mutation[], field: string, rowField: string): Promise<void> {
    this.checkRow(row, rowField);
    for (let i = 0; i < mutations.length; i++) {
      const m = mutations[i]!;
      const f = `${field}[${i}]`;
      switch (m.type) {
        case 'setCell':
        case 'addToCell':
        case 'deleteFromColumn':
          if (!viewHasColumn(this.v, m.family, m.qualifier)) throw this.denied(`${f}: column ${m.family}:${printable(m.qualifier)}`);
          break;
        case 'deleteFromFamily':
          if (!viewHasWholeFamily(this.v, m.family)) throw this.denied(`${f}.delete_from_family: part of column family "${m.family}"`);
          break;
        case 'deleteFromRow': {
          const outside = (await this.tableFamilies()).filter((fam) => !viewHasWholeFamily(this.v, fam));
          if (outside.length > 0) throw this.denied(`${f}.delete_from_row: part of the row (column families ${outside.join(', ')})`);
          break;
        }
      }
    }
  }

  /** PermissionDeniedError unless the row and every rule's column lie in the view. */
  checkRules(row: Buffer, rules: ReadModifyWriteRule[]): void {
    this.checkRow(row, 'row_key');
    rules.forEach((r, i) => {
      if (!viewHasColumn(this.v, r.family, r.qualifier)) throw this.denied(`rules[${i}]: column ${r.family}:${printable(r.qualifier)}`);
    });
  }

  /** Sample keys within the view's rows (the last, empty key always stays). */
  samples<T extends { rowKey: Buffer }>(samples: T[]): T[] {
    return samples.filter((s) => s.rowKey.length === 0 || viewHasRow(this.v, s.rowKey));
  }
}

/** A row key or qualifier for a message: printable ASCII as is, other bytes escaped. */
function printable(b: Buffer): string {
  const s = b.subarray(0, 64).toString('latin1').replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return b.length > 64 ? `${s}…` : s;
}

/**
 * The table a data request addresses and, when it names an authorized view,
 * that view. Exactly one of table_name and authorized_view_name; materialized
 * views are UNIMPLEMENTED, and so are authorized views without a directory.
 */
export async function requestTarget(
  req: ProtoObject, directory: ViewDirectory | undefined, metadata?: Metadata,
): Promise<{ table: TableName; view?: ViewAccess }> {
  const table = asString(req.tableName, 'table_name');
  const viewName = asString(req.authorizedViewName, 'authorized_view_name');
  const materialized = asString(req.materializedViewName, 'materialized_view_name');
  if ([table, viewName, materialized].filter((n) => n !== '').length > 1) {
    throw new InvalidArgumentError('table_name: only one of table_name, authorized_view_name and materialized_view_name may be set');
  }
  if (viewName !== '') {
    if (directory === undefined) throw new UnimplementedError('authorized_view_name: authorized views are not supported here');
    const name = parseAuthorizedViewName(viewName, 'authorized_view_name');
    const { project, instance, table: t } = name;
    return { table: { project, instance, table: t }, view: new ViewAccess(await directory.view(name, metadata), directory, metadata) };
  }
  if (materialized !== '') throw new UnimplementedError('materialized_view_name: materialized views are not supported');
  return { table: parseTableName(table, 'table_name') };
}

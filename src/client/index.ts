/**
 * Tabula's TypeScript client: an HBase-style API over the public Cloud
 * Bigtable v2 gRPC API. Works against `tabula serve`, Google's emulator and
 * (with credentials) any Bigtable-compatible endpoint.
 *
 *   import { connect, maxVersions, filters } from 'tabula/client';
 *   const conn = connect('localhost:8086', { project: 'p', instance: 'i' });
 *   await conn.admin.createTable('users', { families: { cf: maxVersions(1), hits: { aggregate: 'sum' } } });
 *   const users = conn.table('users');
 *   await users.put('u1', { cf: { name: 'Ada' } });
 *   (await users.get('u1'))?.string('cf', 'name');   // 'Ada'
 *   await users.addToCell('u1', 'hits', 'day', 1);     // aggregate family: combined on the server
 *   for await (const row of users.scan({ prefix: 'u' })) console.log(row.keyString);
 *   await conn.admin.createBackup('users', 'users-mon', { ttlMs: 7 * 86_400_000 });  // or snapshot('users-mon', 'users')
 *   await conn.admin.restoreTable('users-mon', 'users_copy');                        // or cloneSnapshot(…)
 *
 * Authorized views: a named subset of a table (rows by key prefix, columns by
 * family as qualifiers and qualifier prefixes; '' = all) that reads and writes
 * can go through. conn.authorizedView(table, id) is a Table whose reads see only
 * the view and whose writes outside it fail with PermissionDeniedError:
 *
 *   await conn.admin.createAuthorizedView('users', 'public', { rowPrefixes: ['u'], families: { cf: { qualifiers: ['name'] } } });
 *   const pub = conn.authorizedView('users', 'public');
 *   (await pub.get('u1'))?.cells;                       // cf:name only
 *   await pub.put('u1', { cf: { ssn: 'x' } });           // rejects: PermissionDeniedError (code 7)
 *   // also getAuthorizedView, listAuthorizedViews, updateAuthorizedView(…, { etag }), deleteAuthorizedView
 */
export { connect, DEFAULT_ENDPOINT, type Connection, type ConnectOptions } from './connection.js';
export type { Admin, CreateTableOptions, DropTarget, FamilyChanges, TableInfo } from './admin.js';
export { DEFAULT_SNAPSHOT_TTL_MS, type BackupAdmin, type BackupExpiry, type BackupInfo, type ListBackupsOptions } from './backups.js';
export type {
  AuthorizedViewAdmin, AuthorizedViewChanges, AuthorizedViewColumns, AuthorizedViewDefinition, AuthorizedViewEtag, AuthorizedViewInfo,
  CreateAuthorizedViewOptions, ListAuthorizedViewsOptions,
} from './authorized-views.js';
export type { ClusterInfo, InstanceAdmin, InstanceInfo } from './instances.js';
export { aggregatorFromProto, familyToProto, type Aggregator, type FamilyInput, type FamilySpec } from './families.js';
export { rowFromProto, type ReadModifyWriteRule, type RowKeySample, type Table } from './table.js';
export type { Scanner, ScanRetryOptions } from './scanner.js';
export type { ReadOptions, ScanOptions } from './read-options.js';
export type { CheckAndMutate } from './check-and-mutate.js';
export type { Batch, BatchResult } from './batch.js';
export type { BufferedMutator, BufferedMutatorOptions, BufferedMutatorStats } from './buffered-mutator.js';
export type { BackoffOptions } from './backoff.js';
export {
  RowMutations, parseColumn,
  type CellInput, type CellsInput, type CellsObject, type CellValue, type ColumnSpec, type DeleteOptions, type TimeRange, type Timestamp,
} from './mutations.js';
export { Row, type Cell } from './row.js';
export { filters, escapeRegex, type ByteRange, type RowFilterProto } from './filters.js';
export {
  formatGcRule, gcRuleFromProto, gcRuleToProto, intersection, maxAge, maxVersions, never, parseDuration, union, type GcRule,
} from './gc-rules.js';
export { counter, decodeCounter, toBytes, utf8, type Bytes } from './bytes-input.js';
export { MutationsFailedError, RETRYABLE_MUTATION_CODES, isRetryableReadError, type MutationFailure } from './client-errors.js';
export { ChunkMerger, InvalidChunkError, type CellChunkLike } from './chunk-merger.js';
export {
  AbortedError, AlreadyExistsError, Code, FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError, TabulaError,
  UnavailableError, UnimplementedError,
} from '../base/errors.js';

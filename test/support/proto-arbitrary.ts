/**
 * fast-check arbitraries for any message of the Bigtable protos, built from
 * the protos themselves (protobufjs reflection over the same google-proto-files
 * the server loads): every field, oneof, repeated field and map of a request,
 * nested messages down to a depth limit, values biased towards what reaches
 * the server's logic (resource names of a known instance, existing family
 * names, boundary integers, regex syntax, oversized keys). Used to fuzz the
 * API over the wire; messages are encoded here, so the bytes can also be
 * corrupted before they are sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { PROTO_ROOT } from '../../src/api/protos.js';

export const PROTO_FILES = [
  'google/bigtable/v2/bigtable.proto',
  'google/bigtable/admin/v2/bigtable_table_admin.proto',
  'google/bigtable/admin/v2/bigtable_instance_admin.proto',
];

/**
 * The Bigtable protos (or `files` given by path, e.g. Tabula's internal
 * protocol) as a protobufjs root, camelCase field names as the servers see them.
 */
export function loadProtoRoot(files: string[] = PROTO_FILES): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    const p = path.join(PROTO_ROOT, target);
    return fs.existsSync(p) ? p : target;
  };
  root.loadSync(files, { keepCase: false });
  root.resolveAll();
  return root;
}

/** Where generated resource names point: the instance a fuzz run may touch, and its table. */
export interface FuzzTargets {
  instance: string; // projects/P/instances/I
  table: string; // an existing table's id in that instance
  families: string[]; // its families
}

const INT64 = ['0', '1', '-1', '1000', '-1000', '999', '1000000', '9007199254740993', '9223372036854775807', '-9223372036854775808'];
const INT32 = [0, 1, -1, 2, 3, 20, 100, 1000, 2147483647, -2147483648];
const DOUBLES = [0, 0.5, 1, -1, 2, 1e-9, Number.NaN, Number.POSITIVE_INFINITY];
const REGEXES = ['.*', '', '(', '[a-', '\\C*', 'a|b', '^r', '\\x00', '(?i)A', '\\', 'a{1000}', '\\p{L}'];

const bytesArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.constantFrom(0x00, 0x01, 0x61, 0x62, 0x72, 0x7f, 0x80, 0xff), { maxLength: 4 }).map((a) => Buffer.from(a)) },
  { weight: 2, arbitrary: fc.constantFrom(...REGEXES).map((s) => Buffer.from(s, 'latin1')) },
  { weight: 1, arbitrary: fc.constantFrom(4097, 16 * 1024 + 1, 20 * 1024 + 1).map((n) => Buffer.alloc(n, 0x61)) },
  { weight: 1, arbitrary: fc.constantFrom(8).map((n) => Buffer.alloc(n, 0)) }, // an 8-byte counter
);

/**
 * What a resource-name field of a backup request names (`Owner.field`), so
 * most such requests get past name parsing to the checks behind it.
 */
const BACKUP_NAME_KINDS: Record<string, 'cluster' | 'backup' | 'instance'> = {
  'CreateBackupRequest.parent': 'cluster', 'ListBackupsRequest.parent': 'cluster', 'CopyBackupRequest.parent': 'cluster',
  'GetBackupRequest.name': 'backup', 'DeleteBackupRequest.name': 'backup', 'Backup.name': 'backup',
  'RestoreTableRequest.backup': 'backup', 'CopyBackupRequest.sourceBackup': 'backup', 'RestoreTableRequest.parent': 'instance',
};

function stringArb(field: string, t: FuzzTargets, owner = ''): fc.Arbitrary<string> {
  const any = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('', ' ', 'é', '\u{1F600}', 'x'.repeat(70)));
  const tablePath = `${t.instance}/tables/${t.table}`;
  // The one cluster Tabula reports for an instance, and backups in it (src/api/backup-name.ts).
  const cluster = `${t.instance}/clusters/${t.instance.split('/').pop()}-c1`;
  const kind = BACKUP_NAME_KINDS[`${owner}.${field}`];
  if (kind) {
    const likely = kind === 'cluster' ? fc.constantFrom(cluster, `${t.instance}/clusters/-`) : kind === 'backup' ? fc.constantFrom(`${cluster}/backups/fzb`, `${cluster}/backups/fzc`) : fc.constant(t.instance);
    return fc.oneof({ weight: 6, arbitrary: likely }, { weight: 1, arbitrary: stringArb(field, t) });
  }
  if (/name$|^parent$|^(source|table|backup|sourceTable|sourceBackup)$/i.test(field) && !/^familyName$|^columnFamily/i.test(field)) {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant(tablePath) },
      { weight: 3, arbitrary: fc.constantFrom(cluster, `${cluster}/backups/fzb`, `${cluster}/backups/fzc`, `${t.instance}/clusters/-`) },
      { weight: 3, arbitrary: fc.constantFrom(t.instance, `${tablePath}/authorizedViews/v`, `${t.instance}/tables/absent`, `${t.instance}/clusters/c`,
        `${t.instance}/clusters/c/backups/b`, `${t.instance}/appProfiles/a`, 'projects/p', `${tablePath}/`, 'tables/raw', `${t.instance}/tables/${'x'.repeat(60)}`) },
      { weight: 1, arbitrary: any },
    );
  }
  if (/family|^id$|columnFamily/i.test(field)) return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...t.families, 'absent', 'a.b-c_d') }, { weight: 1, arbitrary: any });
  if (/tableId$/.test(field)) return fc.oneof(fc.constantFrom(t.table, 'fz-a', 'fz-b', '', 'a b', '-x', 'x'.repeat(51)), any);
  if (/backupId$/.test(field)) return fc.oneof(fc.constantFrom('fzb', 'fzc', '', '-x', 'x'.repeat(51)), any);
  if (/^(filter|orderBy)$/.test(field)) return fc.oneof(fc.constantFrom('name:fz', 'state:READY AND NOT (size_bytes > 5)', 'expire_time < "2030-01-01T00:00:00Z" OR name = x', '(', 'colour:red', 'start_time desc', 'name, size_bytes asc', 'x y z'), any);
  if (/regex/i.test(field)) return fc.constantFrom(...REGEXES);
  if (/label/i.test(field)) return fc.oneof(fc.constantFrom('l', 'lab-1', 'UP', 'x'.repeat(16), ''), any);
  if (/paths$/.test(field)) return fc.constantFrom('deletion_protection', 'change_stream_config', 'column_families', 'expire_time', 'nope', '');
  return any;
}

/**
 * How often a field is left out against set: the fields a request cannot do
 * without are nearly always set (so most requests get past them to the
 * interesting checks), an authorized view a quarter of the time, the views
 * and app profiles Tabula does not serve rarely, others half the time.
 */
function presence(field: string): [number, number] {
  if (/^(tableName|name|parent|rowKey|mutations|entries|rules|modifications|tableId|table|rows|filter|setCell|familyName|columnQualifier)$/.test(field)) return [1, 12];
  if (field === 'authorizedViewName') return [3, 1];
  if (/^(materializedViewName|appProfileId)$/.test(field)) return [12, 1];
  return [1, 1];
}

/** Arbitraries for the messages of one protobufjs root. */
export class ProtoArbitraries {
  private readonly cache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

  constructor(private readonly targets: FuzzTargets) {}

  /** A message of `type` (plain object, protobufjs `fromObject` form), nested messages `depth` levels deep at most. */
  message(type: protobuf.Type, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const key = `${type.fullName}/${depth}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    // Fields outside oneofs are each present or not; a oneof sets at most one of its fields.
    const parts: Array<fc.Arbitrary<Record<string, unknown>>> = [];
    for (const f of type.fieldsArray) {
      if (f.partOf) continue;
      const v = this.field(f, depth);
      if (!v) continue;
      const [absent, present] = presence(f.name);
      parts.push(fc.oneof({ weight: absent, arbitrary: fc.constant({}) }, { weight: present, arbitrary: v.map((x) => ({ [f.name]: x })) }));
    }
    for (const o of type.oneofsArray) {
      const choices = o.fieldsArray.flatMap((f) => {
        const v = this.field(f, depth);
        return v ? [v.map((x) => ({ [f.name]: x }))] : [];
      });
      if (choices.length) parts.push(fc.oneof(fc.constant({}), ...choices));
    }
    const arb = (parts.length ? fc.tuple(...parts) : fc.constant([])).map((xs) => Object.assign({}, ...xs) as Record<string, unknown>);
    this.cache.set(key, arb);
    return arb;
  }

  /** A field's value (an array for repeated fields, an object for maps); undefined when depth allows no nested message. */
  private field(f: protobuf.Field, depth: number): fc.Arbitrary<unknown> | undefined {
    const one = this.single(f, depth);
    if (!one) return undefined;
    if (f instanceof protobuf.MapField) {
      const keys = f.keyType === 'string' ? stringArb('familyName', this.targets) : fc.constantFrom(...INT32.map(String));
      return fc.dictionary(keys, one, { maxKeys: 3 });
    }
    if (f.repeated) return fc.array(one, { maxLength: 4 });
    return one;
  }

  private single(f: protobuf.Field, depth: number): fc.Arbitrary<unknown> | undefined {
    const rt = f.resolvedType;
    if (rt instanceof protobuf.Enum) return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...Object.values(rt.values)) }, { weight: 1, arbitrary: fc.constant(999) });
    // Expire times: often within a backup's bounds (6 h to 90 days ahead), else anything.
    if (rt instanceof protobuf.Type && rt.fullName === '.google.protobuf.Timestamp' && /expireTime$/.test(f.name)) {
      return fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 7, max: 24 * 89 }).map((h) => ({ seconds: String(Math.floor(Date.now() / 1000) + h * 3600) })) },
        { weight: 1, arbitrary: this.message(rt, 0) },
      );
    }
    if (rt instanceof protobuf.Type) return depth > 0 ? this.message(rt, depth - 1) : undefined;
    switch (f.type) {
      case 'string': return stringArb(f.name, this.targets, f.parent?.name);
      case 'bytes': return bytesArb;
      case 'bool': return fc.boolean();
      case 'double': case 'float': return fc.oneof(fc.constantFrom(...DOUBLES), fc.double());
      case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
        return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...INT64) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 1e6 }).map((n) => String(n * 1000)) });
      default: return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...INT32) }, { weight: 1, arbitrary: fc.integer() });
    }
  }
}

/** One RPC to make: `/package.Service/Method`, its request type and kind. */
export interface FuzzMethod {
  path: string;
  requestType: protobuf.Type;
  requestStream: boolean;
  responseStream: boolean;
}

export function serviceMethods(root: protobuf.Root, serviceName: string): FuzzMethod[] {
  const svc = root.lookupService(serviceName);
  return svc.methodsArray.map((m) => ({
    path: `/${serviceName}/${m.name}`,
    requestType: m.resolvedRequestType ?? root.lookupType(m.requestType),
    requestStream: Boolean(m.requestStream),
    responseStream: Boolean(m.responseStream),
  }));
}

/** The encoded request (protobufjs fromObject + encode). */
export function encodeRequest(type: protobuf.Type, obj: Record<string, unknown>): Buffer {
  return Buffer.from(type.encode(type.fromObject(obj)).finish());
}

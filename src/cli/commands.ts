/**
 * The cbt-vocabulary commands: name, usage line, one-line summary and the
 * implementation over src/client. Arguments are byte strings (one char per
 * byte, see byte-args.ts) so binary row keys survive; names are decoded as UTF-8.
 * cbt 1.23 has no backup commands: createbackup, getbackup, listbackups,
 * updatebackup, deletebackup, copybackup and restoretable are Tabula's, in cbt's style.
 * Nor has it commands for authorized views (only read's and set's authorized-view=):
 * createauthorizedview, getauthorizedview, listauthorizedviews, updateauthorizedview
 * and deleteauthorizedview are Tabula's too.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_SNAPSHOT_TTL_MS, filters, never, RowMutations, type Connection, type ScanOptions, type Table } from '../client/index.js';
import { backupExpiry } from './backup-args.js';
import { bytes, text } from './byte-args.js';
import { boolOption, intOption, parseOptions } from './cbt-args.js';
import {
  formatAuthorizedView, formatAuthorizedViewList, formatBackup, formatBackupList, formatGcPolicy, formatRow, formatValueType, tabwrite,
} from './cbt-format.js';
import { parseAddToCellArg, parseCellArg } from './cell-args.js';
import { CliError } from './cli-error.js';
import { csvRows, parseCsv } from './csv-import.js';
import { parseFamilies } from './family-args.js';
import { parseGcPolicy } from './gc-policy-parse.js';
import { ProgressBar, type ProgressStream } from './progress-bar.js';
import { parseViewColumns, parseViewRows } from './view-args.js';

export interface CommandContext {
  conn: Connection;
  /** Writes to standard output. */
  out(s: string): void;
  /** Writes to standard error (cbt's log lines). */
  err(s: string): void;
  /** Where progress bars go (drawn only if it is a TTY). */
  progress: ProgressStream;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** More lines for `help <command>`. */
  details?: string;
  run(ctx: CommandContext, args: string[]): Promise<void>;
}

function need(args: string[], n: number, cmd: Command): void {
  if (args.length < n) throw new CliError(`usage: tabula ${cmd.usage}`);
}

function noExtra(args: string[], n: number, cmd: Command): void {
  if (args.length > n) throw new CliError(`${cmd.name}: unexpected argument "${text(args[n]!)}" (usage: tabula ${cmd.usage})`);
}

function columnsOption(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').filter((c) => c !== '').map(text);
}

function readOptions(opts: Map<string, string>, cmdName: string): Pick<ScanOptions, 'columns' | 'versions' | 'filter'> {
  const out: Pick<ScanOptions, 'columns' | 'versions' | 'filter'> = {};
  const columns = columnsOption(opts.get('columns'));
  if (columns) out.columns = columns;
  const cpc = intOption(opts, 'cells-per-column', cmdName);
  if (cpc !== undefined) {
    if (cpc < 1) throw new CliError(`${cmdName}: cells-per-column must be at least 1`);
    out.versions = cpc;
  }
  if (boolOption(opts, 'keys-only', cmdName)) out.filter = filters.stripValue();
  return out;
}

/** The table, or (a non-empty `authorized-view=`, as cbt) its authorized view. */
function tableOrView(ctx: CommandContext, table: string, view: string | undefined): Table {
  return view === undefined || view === '' ? ctx.conn.table(text(table)) : ctx.conn.authorizedView(text(table), text(view));
}

/** read's and set's authorized-view=. */
const AUTHORIZED_VIEW_DETAILS = 'authorized-view=<authorized-view-id> goes through that authorized view of the table (see createauthorizedview):\n' +
  'a read shows only the view\'s rows and columns; a write outside the view fails with PERMISSION_DENIED.';

/** createauthorizedview's and updateauthorizedview's rows= and columns= (view-args.ts). */
const VIEW_DEFINITION_DETAILS = 'rows=<prefix>,... row-key prefixes (a trailing * means the same: u* = u; rows=* is every row).\n' +
  'columns=<family>:<qualifier>,... exact columns; <family>:<prefix>* a qualifier prefix; <family>:* the whole family.\n' +
  'The view holds the cells of its rows in its columns: read … authorized-view=<view-id> shows only those, and\n' +
  'set … authorized-view=<view-id> may write only those. Deletion protection keeps the view (and its table) from deletion.';

/** createbackup's and updatebackup's ttl= and expire= (backup-args.ts). */
const EXPIRY_DETAILS = '<duration> counts from now, as maxage= does (6h, 7d, 1d12h); <time> is RFC 3339 (2030-01-02T15:04:05Z).\n' +
  'The server wants the expiry 6 hours to 90 days after the backup was made; createbackup ttl=6h falls a moment short.';

const commands: Command[] = [
  {
    name: 'addtocell', usage: 'addtocell <table> <row> [app-profile=<app-profile-id>] <family>:<column>=<val>[@<timestamp>] ...', summary: 'Add a value to an aggregate cell (write)',
    details: '<val> is an integer as Go reads one (12, -3, 0x1f, 0o17, 1_000); the aggregator of the family combines it\n' +
      'with the cell (createtable families=<family>:<gcpolicy>:intsum|intmin|intmax makes aggregate families).\n' +
      '<timestamp> is in microseconds, cut to milliseconds; without it, the current time.',
    async run(ctx, args) {
      need(args, 3, this);
      const { positional } = parseOptions(args, ['app-profile'], this.name, true);
      need(positional, 3, this);
      const m = new RowMutations();
      for (const a of positional.slice(2)) {
        const c = parseAddToCellArg(a);
        m.addToCell(c.family, c.qualifier, c.value, c.timestamp);
      }
      await ctx.conn.table(text(positional[0]!)).mutate(bytes(positional[1]!), m);
    },
  },
  {
    name: 'copybackup', usage: 'copybackup <backup-id> <new-backup-id> [instance=<instance>] [ttl=<duration> | expire=<time>]', summary: 'Copy a backup',
    details: `Into this instance, or instance='s (its one cluster). Without ttl= or expire=, the copy is kept ${DEFAULT_SNAPSHOT_TTL_MS / 86_400_000} days;\n` +
      'a copy may be kept 6 hours to 30 days, and cannot be copied again.',
    async run(ctx, args) {
      need(args, 2, this);
      const { positional, opts } = parseOptions(args, ['instance', 'ttl', 'expire'], this.name);
      need(positional, 2, this); noExtra(positional, 2, this);
      const instance = opts.get('instance');
      await ctx.conn.admin.copyBackup(text(positional[0]!), text(positional[1]!), {
        ...backupExpiry(opts, this.name, { ttlMs: DEFAULT_SNAPSHOT_TTL_MS }), ...(instance === undefined ? {} : { instance: text(instance) }),
      });
    },
  },
  {
    name: 'count', usage: 'count <table> [prefix=<row-key-prefix>]', summary: 'Count rows in a table',
    async run(ctx, args) {
      need(args, 1, this);
      const { positional, opts } = parseOptions(args, ['prefix'], this.name);
      noExtra(positional, 1, this);
      const scan: ScanOptions = { filter: filters.chain(filters.cellsPerRowLimit(1), filters.stripValue()) };
      if (opts.has('prefix')) scan.prefix = bytes(opts.get('prefix')!);
      const bar = new ProgressBar(ctx.progress, 'counting rows');
      let n = 0;
      for await (const _row of ctx.conn.table(text(positional[0]!)).scan(scan)) { n++; bar.tick(); }
      bar.finish();
      ctx.out(`${n}\n`);
    },
  },
  {
    name: 'createauthorizedview', usage: 'createauthorizedview <table> <view-id> [deletion-protection=<true|false>] rows=<prefix>,... columns=<family>:<qualifier>,...', summary: 'Create an authorized view of a table',
    details: VIEW_DEFINITION_DETAILS,
    async run(ctx, args) {
      need(args, 2, this);
      const { positional, opts } = parseOptions(args, ['deletion-protection', 'rows', 'columns'], this.name);
      need(positional, 2, this); noExtra(positional, 2, this);
      const rows = opts.get('rows');
      const columns = opts.get('columns');
      if (rows === undefined) throw new CliError(`${this.name}: give rows=<prefix>,... (rows=* for every row)`);
      if (columns === undefined) throw new CliError(`${this.name}: give columns=<family>:<qualifier>,...`);
      await ctx.conn.admin.createAuthorizedView(text(positional[0]!), text(positional[1]!), {
        rowPrefixes: parseViewRows(rows, this.name),
        families: parseViewColumns(columns, this.name),
        deletionProtection: boolOption(opts, 'deletion-protection', this.name),
      });
    },
  },
  {
    name: 'createbackup', usage: 'createbackup <table> <backup-id> [ttl=<duration> | expire=<time>]', summary: 'Create a backup of a table',
    details: `Without ttl= or expire=, the backup is kept ${DEFAULT_SNAPSHOT_TTL_MS / 86_400_000} days.\n${EXPIRY_DETAILS}`,
    async run(ctx, args) {
      need(args, 2, this);
      const { positional, opts } = parseOptions(args, ['ttl', 'expire'], this.name);
      need(positional, 2, this); noExtra(positional, 2, this);
      await ctx.conn.admin.createBackup(text(positional[0]!), text(positional[1]!), backupExpiry(opts, this.name, { ttlMs: DEFAULT_SNAPSHOT_TTL_MS }));
    },
  },
  {
    name: 'createfamily', usage: 'createfamily <table> <family>', summary: 'Create a column family',
    async run(ctx, args) {
      need(args, 2, this); noExtra(args, 2, this);
      await ctx.conn.admin.modifyFamilies(text(args[0]!), { create: { [text(args[1]!)]: never() } });
    },
  },
  {
    name: 'createtable', usage: 'createtable <table> [families=<family>[:<gcpolicy>[:<type>]],...] [splits=<row-key>,...]', summary: 'Create a table',
    details: '<type> makes an aggregate family of int64s: intsum, intmin or intmax (inthll is not implemented by Tabula).',
    async run(ctx, args) {
      need(args, 1, this);
      const { positional, opts } = parseOptions(args, ['families', 'splits'], this.name);
      noExtra(positional, 1, this);
      const families = parseFamilies(opts.get('families') ?? '');
      const splits = (opts.get('splits') ?? '').split(',').filter((s) => s !== '').map(bytes);
      await ctx.conn.admin.createTable(text(positional[0]!), { families, splits });
    },
  },
  {
    name: 'deleteallrows', usage: 'deleteallrows <table>', summary: 'Delete all rows',
    async run(ctx, args) {
      need(args, 1, this); noExtra(args, 1, this);
      const bar = new ProgressBar(ctx.progress, 'deleting all rows');
      bar.tick(0);
      await ctx.conn.admin.dropRowRange(text(args[0]!), { all: true });
      bar.finish();
    },
  },
  {
    name: 'deleteauthorizedview', usage: 'deleteauthorizedview <table> <view-id>', summary: 'Delete an authorized view',
    details: 'Refused while the view has deletion protection (updateauthorizedview <table> <view-id> deletion-protection=false).',
    async run(ctx, args) {
      need(args, 2, this); noExtra(args, 2, this);
      await ctx.conn.admin.deleteAuthorizedView(text(args[0]!), text(args[1]!));
    },
  },
  {
    name: 'deletebackup', usage: 'deletebackup <backup-id>', summary: 'Delete a backup',
    async run(ctx, args) {
      need(args, 1, this); noExtra(args, 1, this);
      await ctx.conn.admin.deleteBackup(text(args[0]!));
    },
  },
  {
    name: 'deletecolumn', usage: 'deletecolumn <table> <row> <family> <column>', summary: 'Delete all cells in a column',
    async run(ctx, args) {
      need(args, 4, this); noExtra(args, 4, this);
      await ctx.conn.table(text(args[0]!)).delete(bytes(args[1]!), { columns: [{ family: text(args[2]!), qualifier: bytes(args[3]!) }] });
    },
  },
  {
    name: 'deletefamily', usage: 'deletefamily <table> <family>', summary: 'Delete a column family',
    async run(ctx, args) {
      need(args, 2, this); noExtra(args, 2, this);
      await ctx.conn.admin.modifyFamilies(text(args[0]!), { drop: [text(args[1]!)] });
    },
  },
  {
    name: 'deleterow', usage: 'deleterow <table> <row>', summary: 'Delete a row',
    async run(ctx, args) {
      need(args, 2, this); noExtra(args, 2, this);
      await ctx.conn.table(text(args[0]!)).delete(bytes(args[1]!));
    },
  },
  {
    name: 'deletetable', usage: 'deletetable <table>', summary: 'Delete a table',
    async run(ctx, args) {
      need(args, 1, this); noExtra(args, 1, this);
      await ctx.conn.admin.deleteTable(text(args[0]!));
    },
  },
  {
    name: 'getauthorizedview', usage: 'getauthorizedview <table> <view-id>', summary: 'Describe an authorized view',
    details: 'Rows and columns are printed as createauthorizedview takes them (bytes other than printable ASCII as \\xNN).',
    async run(ctx, args) {
      need(args, 2, this); noExtra(args, 2, this);
      ctx.out(formatAuthorizedView(await ctx.conn.admin.getAuthorizedView(text(args[0]!), text(args[1]!))));
    },
  },
  {
    name: 'getbackup', usage: 'getbackup <backup-id>', summary: 'Describe a backup',
    async run(ctx, args) {
      need(args, 1, this); noExtra(args, 1, this);
      ctx.out(formatBackup(await ctx.conn.admin.getBackup(text(args[0]!))));
    },
  },
  {
    name: 'help', usage: 'help [<command>]', summary: 'Print help text',
    async run(ctx, args) {
      if (args.length === 0) { ctx.out(helpText()); return; }
      const c = findCommand(text(args[0]!));
      if (!c) throw new CliError(`help: unknown command "${text(args[0]!)}" (try "help")`);
      ctx.out(`tabula ${c.usage}\n\n  ${c.summary}\n${c.details === undefined ? '' : `\n${c.details.replace(/^/gm, '  ')}\n`}`);
    },
  },
  {
    name: 'import', usage: 'import <table> <input-file> [column-family=<family>] [batch-size=<500>] [timestamp=<now|value-encoded>]', summary: 'Batch write many rows based on the input file',
    async run(ctx, args) {
      need(args, 2, this);
      const { positional, opts } = parseOptions(args, ['column-family', 'batch-size', 'timestamp', 'app-profile', 'workers'], this.name);
      noExtra(positional, 2, this);
      const ts = opts.get('timestamp') ?? 'now';
      if (ts !== 'now' && ts !== 'value-encoded') throw new CliError(`import: bad timestamp "${ts}" (want now or value-encoded)`);
      const batchSize = intOption(opts, 'batch-size', this.name) ?? 500;
      if (batchSize < 1) throw new CliError('import: batch-size must be at least 1');
      const file = text(positional[1]!);
      let content: string;
      try { content = readFileSync(file, 'utf8'); } catch (e) { throw new CliError(`import: cannot read ${file}: ${(e as Error).message}`); }
      const family = opts.get('column-family');
      const rows = csvRows(parseCsv(content), { family: family === undefined ? undefined : text(family), valueEncodedTimestamps: ts === 'value-encoded' });
      const table = ctx.conn.table(text(positional[0]!));
      // Fail before writing anything if a family does not exist (never half-import).
      const info = await ctx.conn.admin.getTable(text(positional[0]!));
      for (const r of rows) for (const c of r.cells) {
        if (!(c.family in info.families)) throw new CliError(`import: column family "${c.family}" does not exist in table ${info.name}`);
      }
      const bar = new ProgressBar(ctx.progress, 'importing', rows.length);
      const now = Date.now() * 1000;
      for (let i = 0; i < rows.length; i += batchSize) {
        const batch = table.batch();
        for (const r of rows.slice(i, i + batchSize)) {
          batch.put(bytes(r.key), r.cells.map((c) => ({ family: c.family, qualifier: bytes(c.qualifier), value: bytes(c.value), timestamp: c.timestamp ?? now })));
        }
        const failed = (await batch.execute()).filter((r) => !r.ok);
        if (failed.length > 0) throw new CliError(`import: ${failed.length} rows failed (rows before them were written), first: ${failed[0]!.message}`);
        bar.tick(Math.min(batchSize, rows.length - i));
      }
      bar.finish();
      ctx.err(`Done importing ${rows.length} rows.\n`);
    },
  },
  {
    name: 'listauthorizedviews', usage: 'listauthorizedviews <table>', summary: 'List the authorized views of a table',
    details: 'By view id; rows and columns as createauthorizedview takes them.',
    async run(ctx, args) {
      need(args, 1, this); noExtra(args, 1, this);
      ctx.out(formatAuthorizedViewList(await ctx.conn.admin.listAuthorizedViews(text(args[0]!))));
    },
  },
  {
    name: 'listbackups', usage: 'listbackups [filter=<filter>] [order-by=<field> [asc|desc],...]', summary: 'List backups',
    details: 'Newest first unless order-by= says otherwise. <filter> is ListBackups\' filter, e.g. "source_table:users AND state:READY"\n' +
      '(fields name, source_table, state, start_time, end_time, expire_time, size_bytes). Sizes are in bytes, times in UTC.',
    async run(ctx, args) {
      const { positional, opts } = parseOptions(args, ['filter', 'order-by'], this.name);
      noExtra(positional, 0, this);
      const filter = opts.get('filter');
      const orderBy = opts.get('order-by');
      const backups = await ctx.conn.admin.listBackups({ ...(filter === undefined ? {} : { filter: text(filter) }), ...(orderBy === undefined ? {} : { orderBy: text(orderBy) }) });
      ctx.out(formatBackupList(backups));
    },
  },
  {
    name: 'listclusters', usage: 'listclusters', summary: 'List clusters in an instance',
    async run(ctx, args) {
      noExtra(args, 0, this);
      const clusters = await ctx.conn.admin.listClusters();
      // As cbt prints them: tabwriter, state with the serve nodes.
      ctx.out(tabwrite([['Cluster Name', 'Zone', 'State'], ['------------', '----', '----'],
        ...clusters.map((c) => [c.id, c.zone, `${c.state} (${c.serveNodes} serve nodes)`])]));
    },
  },
  {
    name: 'listinstances', usage: 'listinstances', summary: 'List instances in a project',
    async run(ctx, args) {
      noExtra(args, 0, this);
      const instances = await ctx.conn.admin.listInstances();
      ctx.out(tabwrite([['Instance Name', 'Info'], ['-------------', '----'], ...instances.map((i) => [i.id, i.displayName])]));
    },
  },
  {
    name: 'lookup', usage: 'lookup <table> <row> [columns=<family>:<qualifier>,...] [cells-per-column=<n>] [keys-only=<true|false>]', summary: 'Read from a single row',
    async run(ctx, args) {
      need(args, 2, this);
      const { positional, opts } = parseOptions(args, ['columns', 'cells-per-column', 'keys-only', 'app-profile'], this.name);
      noExtra(positional, 2, this);
      const key = bytes(positional[1]!);
      const row = await ctx.conn.table(text(positional[0]!)).get(key, readOptions(opts, this.name));
      ctx.out(formatRow(row?.key ?? Buffer.alloc(0), row?.cells ?? []));
    },
  },
  {
    name: 'ls', usage: 'ls [<table>]', summary: 'List tables and column families',
    async run(ctx, args) {
      noExtra(args, 1, this);
      if (args.length === 0) {
        for (const t of await ctx.conn.admin.listTables()) ctx.out(`${t}\n`);
        return;
      }
      const info = await ctx.conn.admin.getTable(text(args[0]!));
      const lines = [['Family Name', 'GC Policy', 'Value Type'], ['-----------', '---------', '----------']];
      for (const f of Object.keys(info.families).sort()) lines.push([f, formatGcPolicy(info.families[f]!), formatValueType(info.aggregates[f])]);
      ctx.out(tabwrite(lines));
    },
  },
  {
    name: 'read', usage: 'read <table> [authorized-view=<authorized-view-id>] [start=<row-key>] [end=<row-key>] [prefix=<row-key-prefix>] [regex=<regex>] [columns=<family>:<qualifier>,...] [count=<n>] [cells-per-column=<n>] [keys-only=<true|false>] [reversed=<true|false>]', summary: 'Read rows',
    details: AUTHORIZED_VIEW_DETAILS,
    async run(ctx, args) {
      need(args, 1, this);
      const { positional, opts } = parseOptions(args, ['authorized-view', 'start', 'end', 'prefix', 'regex', 'columns', 'count', 'cells-per-column', 'keys-only', 'reversed', 'app-profile'], this.name);
      noExtra(positional, 1, this);
      const scan: ScanOptions = readOptions(opts, this.name);
      if (opts.has('start')) scan.start = bytes(opts.get('start')!);
      if (opts.has('end')) scan.stop = bytes(opts.get('end')!);
      if (opts.has('prefix')) scan.prefix = bytes(opts.get('prefix')!);
      const count = intOption(opts, 'count', this.name);
      if (count !== undefined && count > 0) scan.limit = count;
      if (boolOption(opts, 'reversed', this.name)) scan.reversed = true;
      if (opts.has('regex')) {
        const re = filters.rowKeyRegex(bytes(opts.get('regex')!));
        scan.filter = scan.filter ? filters.chain(re, scan.filter) : re;
      }
      for await (const row of tableOrView(ctx, positional[0]!, opts.get('authorized-view')).scan(scan)) ctx.out(formatRow(row.key, row.cells));
    },
  },
  {
    name: 'restoretable', usage: 'restoretable <backup-id> <new-table>', summary: 'Create a table from a backup',
    details: 'The new table gets the families and the data of the backup\'s source table as it was backed up.',
    async run(ctx, args) {
      need(args, 2, this); noExtra(args, 2, this);
      await ctx.conn.admin.restoreTable(text(args[0]!), text(args[1]!));
    },
  },
  {
    name: 'set', usage: 'set <table> <row> [authorized-view=<authorized-view-id>] <family>:<column>=<val>[@<timestamp>] ...', summary: 'Set value of a cell (write)',
    details: AUTHORIZED_VIEW_DETAILS,
    async run(ctx, args) {
      need(args, 3, this);
      // As cbt: the table and the row are the first two words whatever they look like; options come after them.
      const { positional: cellArgs, opts } = parseOptions(args.slice(2), ['app-profile', 'authorized-view'], this.name, true);
      need(cellArgs, 1, this);
      const cells = cellArgs.map((a) => {
        const { value, timestamp, ...cell } = parseCellArg(a, 'set');
        return { ...cell, value: bytes(value), ...(timestamp === undefined ? {} : { timestamp: timestamp === -1 ? ('server' as const) : timestamp }) };
      });
      // cbt takes an option's value up to a further '=' (strings.Split(arg, "=")[1]).
      const view = opts.get('authorized-view')?.split('=')[0];
      await tableOrView(ctx, args[0]!, view).put(bytes(args[1]!), cells);
    },
  },
  {
    name: 'setgcpolicy', usage: 'setgcpolicy <table> <family> ((maxage=<d> | maxversions=<n>) [(and|or) (maxage=<d> | maxversions=<n>),...] | never)', summary: 'Set the garbage-collection policy (age, versions) for a column family',
    async run(ctx, args) {
      need(args, 3, this);
      const words = args.slice(2).filter((w) => w !== 'force');
      await ctx.conn.admin.modifyFamilies(text(args[0]!), { update: { [text(args[1]!)]: parseGcPolicy(words.join(' ')) } });
    },
  },
  {
    name: 'updateauthorizedview', usage: 'updateauthorizedview <table> <view-id> [deletion-protection=<true|false>] [rows=<prefix>,...] [columns=<family>:<qualifier>,...]', summary: 'Change an authorized view',
    details: `Give at least one option; rows= or columns= replace the view's rows or columns, the rest stays.\n${VIEW_DEFINITION_DETAILS}`,
    async run(ctx, args) {
      need(args, 3, this);
      const { positional, opts } = parseOptions(args, ['deletion-protection', 'rows', 'columns'], this.name);
      need(positional, 2, this); noExtra(positional, 2, this);
      const rows = opts.get('rows');
      const columns = opts.get('columns');
      await ctx.conn.admin.updateAuthorizedView(text(positional[0]!), text(positional[1]!), {
        ...(rows === undefined ? {} : { rowPrefixes: parseViewRows(rows, this.name) }),
        ...(columns === undefined ? {} : { families: parseViewColumns(columns, this.name) }),
        ...(opts.has('deletion-protection') ? { deletionProtection: boolOption(opts, 'deletion-protection', this.name) } : {}),
      });
    },
  },
  {
    name: 'updatebackup', usage: 'updatebackup <backup-id> (ttl=<duration> | expire=<time>)', summary: 'Change when a backup expires',
    details: EXPIRY_DETAILS,
    async run(ctx, args) {
      need(args, 2, this);
      const { positional, opts } = parseOptions(args, ['ttl', 'expire'], this.name);
      need(positional, 1, this); noExtra(positional, 1, this);
      await ctx.conn.admin.updateBackup(text(positional[0]!), backupExpiry(opts, this.name));
    },
  },
];

const SERVER_COMMANDS: [string, string][] = [
  ['serve', 'Run a single-node Tabula server (Bigtable v2 API)'],
  ['master', 'Run a cluster master'],
  ['tablet-server', 'Run a cluster tablet server'],
  ['cluster', 'Cluster administration (tabula cluster --help)'],
  ['shell', 'Interactive shell with the commands above'],
];

export function allCommands(): readonly Command[] {
  return commands;
}

export function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}

/** The `help` listing, in cbt's two-column style. */
export function helpText(): string {
  const line = (name: string, summary: string) => `tabula ${name}${'\t'.repeat(Math.max(1, Math.ceil((24 - 7 - name.length) / 8)))}${summary}\n`;
  let out = 'Usage: tabula [-project p] [-instance i] <command> ...\n\n';
  for (const c of commands) out += line(c.name, c.summary);
  out += '\n';
  for (const [n, s] of SERVER_COMMANDS) out += line(n, s);
  out += '\nDefaults for -project and -instance come from ~/.cbtrc (project = …, instance = …); the server from BIGTABLE_EMULATOR_HOST.\n';
  return out;
}

/**
 * Differential test: the same Bigtable v2 requests against Google's emulator
 * (the oracle) and Tabula (`tabula serve`), comparing assembled rows,
 * MutateRows per-entry codes, CheckAndMutateRow / ReadModifyWriteRow results
 * and error codes. A fixed table of hand-written cases plus a fast-check
 * property over random data sets and queries (diff-arbitraries.ts).
 *
 * Where the emulator is known to deviate from the Bigtable documentation the
 * requests are not compared: each deviation is a named test below asserting
 * what Tabula answers (per data.proto / bigtable.proto and the documented
 * limits) and recording what the emulator was observed to do.
 *
 * TABULA_DIFF_SUBJECT=emulator|memory swaps Tabula for a second emulator or
 * the in-process reference backend (harness self-checks); DIFF_RUNS sets the
 * number of property runs.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { startEmulator } from '../support/servers.js';
import { codeOnly, isFailed, makeTarget, type Outcome, type ReadResult, type Target } from './diff-clients.js';
import {
  canonicalOrderViolation, normRead, normRows, showRead, showRequest, type NormOptions,
} from './diff-compare.js';
import { FAMILIES, scenarioArb, type MutateEntry } from './diff-arbitraries.js';
import { CHECK_AND_MUTATE_CASES, ERROR_CASES, F, FIXED_DATA, FIXED_FAMILIES, L, READ_CASES } from './diff-cases.js';
import { startPair, SUBJECT, type Pair } from './diff-servers.js';

const NUM_RUNS = Number(process.env.DIFF_RUNS ?? 40);
const OK = 0, INVALID_ARGUMENT = 3, NOT_FOUND = 5, UNIMPLEMENTED = 12;
const UNKNOWN = 2, INTERNAL = 13, UNAVAILABLE = 14;

let pair: Pair;
let emu: Target;
let sub: Target;
let tableSeq = 0;

/** A fresh table id (≤ 50 chars), unique per process. */
function newTableId(prefix: string): string {
  return `${prefix}-${process.pid}-${++tableSeq}`;
}

/** Server-assigned "now" timestamps (ReadModifyWriteRow) compare as 'now'. */
function nowWindow(collapseNow = false): NormOptions {
  const now = Date.now() * 1000;
  return { nowWindow: { from: now - 300e6, to: now + 300e6 }, collapseNow };
}

class Mismatch extends Error {}

/** How many compared reads returned rows / failed (printed with DIFF_STATS=1, to keep the generators honest). */
const readStats = { reads: 0, nonEmpty: 0, errors: 0 };

function same(what: string, req: unknown, e: unknown, s: unknown, show: (x: never) => string = (x) => JSON.stringify(x)): void {
  if (JSON.stringify(e) === JSON.stringify(s)) return;
  throw new Mismatch(`${what} differs\n  request:  ${showRequest(req)}\n  emulator: ${show(e as never)}\n  ${SUBJECT}:${' '.repeat(Math.max(1, 9 - SUBJECT.length))}${show(s as never)}`);
}

async function onBoth<T>(f: (t: Target) => Promise<T>): Promise<[T, T]> {
  return Promise.all([f(emu), f(sub)]);
}

async function createOnBoth(tableId: string, families: Record<string, object>): Promise<void> {
  const [e, s] = await onBoth((t) => t.createTable(tableId, families));
  if (isFailed(e)) throw new Error(`emulator CreateTable ${tableId}: ${e.message}`);
  if (isFailed(s)) throw new Error(`${SUBJECT} CreateTable ${tableId}: ${s.message}`);
}

async function dropOnBoth(tableId: string): Promise<void> {
  await onBoth((t) => t.deleteTable(tableId));
}

/** Tabula's own rows must already be in Bigtable order (the comparison itself normalizes). */
function checkSubjectOrder(req: unknown, s: Outcome<ReadResult>, reversed = false): void {
  // (A second emulator as subject has the emulator's family order.)
  if (isFailed(s) || SUBJECT === 'emulator') return;
  const v = canonicalOrderViolation(s.ok.rows, reversed);
  if (v !== undefined) throw new Mismatch(`${SUBJECT} returned cells out of Bigtable order: ${v}\n  request: ${showRequest(req)}`);
}

async function compareRead(tableId: string, req: object, what = 'ReadRows', collapseNow = false): Promise<void> {
  const [e, s] = await onBoth((t) => t.readRows(tableId, req));
  checkSubjectOrder(req, s);
  readStats.reads++;
  if (isFailed(e)) readStats.errors++;
  else if (e.ok.rows.length > 0) readStats.nonEmpty++;
  const opts = nowWindow(collapseNow);
  same(what, req, normRead(e, opts), normRead(s, opts), showRead);
}

async function compareMutateRows(tableId: string, entries: MutateEntry[]): Promise<void> {
  const [e, s] = await onBoth((t) => t.mutateRows(tableId, entries));
  same('MutateRows per-entry codes', { entries }, codeOnly(e), codeOnly(s));
}

async function compareCheckAndMutate(tableId: string, req: Record<string, unknown>): Promise<void> {
  const [e, s] = await onBoth((t) => t.checkAndMutate(tableId, req));
  same('CheckAndMutateRow predicate_matched', req, codeOnly(e), codeOnly(s));
  await compareRead(tableId, { rows: { rowKeys: [req.rowKey] } }, 'row after CheckAndMutateRow');
}

async function compareRmw(tableId: string, rowKey: Buffer, rules: object[]): Promise<void> {
  const [e, s] = await onBoth((t) => t.readModifyWrite(tableId, rowKey, rules));
  const opts = nowWindow();
  const n = (o: typeof e): unknown => (isFailed(o) ? { error: o.error } : normRows([o.ok], opts));
  same('ReadModifyWriteRow result row', { rowKey, rules }, n(e), n(s));
  await compareRead(tableId, { rows: { rowKeys: [rowKey] } }, 'row after ReadModifyWriteRow', true);
}

beforeAll(async () => {
  pair = await startPair();
  emu = pair.emulator;
  sub = pair.subject;
});

afterAll(async () => {
  if (process.env.DIFF_STATS === '1') console.log('compared reads:', readStats);
  await pair?.stop();
});

// ------------------------------------------------------------------------ fixed

describe('fixed data set', () => {
  const T = newTableId('fixed');

  beforeAll(async () => {
    await createOnBoth(T, FIXED_FAMILIES);
    await compareMutateRows(T, FIXED_DATA);
  });

  for (const [name, req] of READ_CASES) {
    it(`ReadRows: ${name}`, async () => {
      await compareRead(T, req);
    });
  }

  it('CheckAndMutateRow cases, each followed by a read of its row', async () => {
    for (const [name, req] of CHECK_AND_MUTATE_CASES) {
      try {
        await compareCheckAndMutate(T, req);
      } catch (e) {
        throw new Error(`CheckAndMutateRow "${name}": ${(e as Error).message}`);
      }
    }
    await compareRead(T, {}, 'whole table after CheckAndMutateRow cases', true);
  });

  it('ReadModifyWriteRow: increments, appends, several rules, and a cell from the future', async () => {
    const cnt = L('cnt');
    await compareRmw(T, L('rmw'), [{ familyName: 'a', columnQualifier: cnt, incrementAmount: '5' }]);
    await compareRmw(T, L('rmw'), [{ familyName: 'a', columnQualifier: cnt, incrementAmount: '-7' }]);
    await compareRmw(T, L('rmw'), [
      { familyName: 'a', columnQualifier: cnt, incrementAmount: '1' },
      { familyName: 'a', columnQualifier: cnt, incrementAmount: '2' },
      { familyName: 'b', columnQualifier: L('log'), appendValue: L('x') },
      { familyName: 'b', columnQualifier: L('log'), appendValue: L('\x00\xff') },
    ]);
    // Appends to a value the data set wrote (timestamp 3 ms): the new cell is "now".
    await compareRmw(T, L('a'), [{ familyName: 'a', columnQualifier: L('q'), appendValue: L('+') }]);
    // user#1 b:age holds an 8-byte big-endian 42.
    await compareRmw(T, L('user#1'), [{ familyName: 'b', columnQualifier: L('age'), incrementAmount: '-50' }]);
    // Increments wrap around in two's complement (int64 max + 1 = int64 min).
    const max = Buffer.from('7fffffffffffffff', 'hex');
    await onBoth((t) => t.mutateRow(T, L('wrap'), [{ setCell: { familyName: 'a', columnQualifier: cnt, timestampMicros: '1000', value: max } }]));
    await compareRmw(T, L('wrap'), [{ familyName: 'a', columnQualifier: cnt, incrementAmount: '1' }]);
    // Server-assigned timestamps (-1) on ordinary writes.
    await onBoth((t) => t.mutateRow(T, L('server-time'), [{ setCell: { familyName: 'b', columnQualifier: L('s'), timestampMicros: '-1', value: L('now') } }]));
    await compareRead(T, { rows: { rowKeys: [L('server-time')] } }, 'cell written with timestamp -1');
    // A latest cell in the future keeps its timestamp: new timestamp = max(now, latest).
    const future = String(9_000_000_000_000_000);
    await onBoth((t) => t.mutateRow(T, L('future'), [{ setCell: { familyName: 'a', columnQualifier: L('f'), timestampMicros: future, value: L('ab') } }]));
    await compareRmw(T, L('future'), [{ familyName: 'a', columnQualifier: L('f'), appendValue: L('c') }]);
  });

  for (const [name, kind, req] of ERROR_CASES) {
    it(`same error code: ${name}`, async () => {
      const [e, s] = await onBoth((t): Promise<Outcome<unknown>> => {
        if (kind === 'read') return t.readRows(T, req);
        if (kind === 'mutateRow') return t.mutateRow(T, req.rowKey as Buffer, req.mutations as object[]);
        if (kind === 'mutateRows') return t.mutateRows(T, req.entries as object[]);
        return t.checkAndMutate(T, req);
      });
      expect(isFailed(e), `the emulator accepted ${name}`).toBe(true);
      same(`${kind} error code`, req, codeOnly(e), codeOnly(s));
    });
  }

  it('same error code (NOT_FOUND) for a table that does not exist', async () => {
    const missing = 'no-such-table';
    const set = [{ setCell: { familyName: 'a', columnQualifier: L('q'), timestampMicros: '1000', value: L('v') } }];
    const calls: Array<[string, (t: Target) => Promise<Outcome<unknown>>]> = [
      ['ReadRows', (t) => t.readRows(missing, {})],
      ['MutateRow', (t) => t.mutateRow(missing, L('r'), set)],
      ['MutateRows', (t) => t.mutateRows(missing, [{ rowKey: L('r'), mutations: set }])],
      ['CheckAndMutateRow', (t) => t.checkAndMutate(missing, { rowKey: L('r'), trueMutations: set })],
      ['ReadModifyWriteRow', (t) => t.readModifyWrite(missing, L('r'), [{ familyName: 'a', columnQualifier: L('q'), appendValue: L('x') }])],
    ];
    for (const [name, call] of calls) {
      const [e, s] = await onBoth(call);
      expect(codeOnly(e)).toEqual({ error: NOT_FOUND });
      same(`${name} on a missing table`, { table: missing }, codeOnly(e), codeOnly(s));
    }
  });
});

// ----------------------------------------------------------------- property

describe('random data sets and queries (fast-check)', () => {
  it(`agree on ${NUM_RUNS} random tables`, async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb,
        async ({ writes, deletes, reads, cams, rmws }) => {
          const T = newTableId('prop');
          await createOnBoth(T, Object.fromEntries(FAMILIES.map((f) => [f, {}])));
          try {
            await compareMutateRows(T, writes);
            if (deletes.length > 0) await compareMutateRows(T, deletes);
            await compareRead(T, {}, 'whole table after the writes');
            for (const req of reads) await compareRead(T, req);
            for (const req of cams) await compareCheckAndMutate(T, req);
            for (const { rowKey, rules } of rmws) await compareRmw(T, rowKey, rules);
            if (cams.length + rmws.length > 0) await compareRead(T, {}, 'whole table at the end', true);
          } finally {
            await dropOnBoth(T);
          }
        },
      ),
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: 45_000, markInterruptAsFailure: false },
    );
  });
});

// (Only sum: the emulator's min and max keep the last input; see "known emulator divergences".)
describe('aggregate families (fast-check): int64 sums', () => {
  const int64 = { int64Type: { encoding: { bigEndianBytes: {} } } };
  const families = { s: { valueType: { aggregateType: { inputType: int64, sum: {} } } }, t: { valueType: { aggregateType: { inputType: int64, sum: {} } } } };
  const i64 = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return b; };
  const coord = fc.record({ f: fc.constantFrom('s', 't'), q: fc.constantFrom('', 'c'), ts: fc.constantFrom('0', '1000', '2000') });
  const num = fc.constantFrom(0n, 1n, -1n, 5n, -300n, 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n));
  const target = ({ f, q, ts }: { f: string; q: string; ts: string }) => ({ familyName: f, columnQualifier: { rawValue: Buffer.from(q) }, timestamp: { rawTimestampMicros: ts } });
  const mutation = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(coord, num).map(([c, v]) => ({ addToCell: { ...target(c), input: { intValue: String(v) } } })) },
    { weight: 2, arbitrary: fc.tuple(coord, num).map(([c, v]) => ({ mergeToCell: { ...target(c), input: { rawValue: i64(v) } } })) },
    { weight: 1, arbitrary: fc.tuple(coord, num).map(([c, v]) => ({ setCell: { familyName: c.f, columnQualifier: Buffer.from(c.q), timestampMicros: c.ts, value: i64(v) } })) },
    { weight: 1, arbitrary: coord.map((c) => ({ deleteFromColumn: { familyName: c.f, columnQualifier: Buffer.from(c.q) } })) },
  );
  const batch = fc.array(fc.record({ rowKey: fc.constantFrom('a', 'b').map((k) => Buffer.from(k)), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 3 });

  it(`agree on ${NUM_RUNS} random sequences of add_to_cell, merge_to_cell, 8-byte set_cell and column deletes`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 5 }), async (batches) => {
        const T = newTableId('agg');
        await createOnBoth(T, families);
        try {
          for (const entries of batches) await compareMutateRows(T, entries);
          await compareRead(T, {}, 'aggregate table after the writes');
        } finally {
          await dropOnBoth(T);
        }
      }),
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: false },
    );
  });
});

describe.runIf(SUBJECT === 'tabula')('random data sets across restarts (SSTables under memtables)', () => {
  it('agree after a flush on restart, with deletes layered over flushed data, and after a second restart', async () => {
    const seed = Number(process.env.DIFF_SEED ?? Date.now() % 1_000_000);
    const scenarios = fc.sample(scenarioArb, { seed, numRuns: 12 });
    const tables = scenarios.map(() => newTableId('restart'));
    const step = async (what: string, f: () => Promise<void>): Promise<void> => {
      try {
        await f();
      } catch (e) {
        throw new Error(`${what} (DIFF_SEED=${seed}): ${(e as Error).message}`);
      }
    };
    for (const [i, sc] of scenarios.entries()) {
      await createOnBoth(tables[i]!, Object.fromEntries(FAMILIES.map((f) => [f, {}])));
      await step(`writes of table ${i}`, () => compareMutateRows(tables[i]!, sc.writes));
    }
    expect(await pair.restartSubject()).toBe(true);
    sub = pair.subject;
    for (const [i, sc] of scenarios.entries()) {
      await step(`table ${i} after the first restart`, async () => {
        await compareRead(tables[i]!, {}, 'whole table after a restart');
        if (sc.deletes.length > 0) await compareMutateRows(tables[i]!, sc.deletes);
        for (const req of sc.reads) await compareRead(tables[i]!, req);
      });
    }
    expect(await pair.restartSubject()).toBe(true);
    sub = pair.subject;
    for (const [i, sc] of scenarios.entries()) {
      await step(`table ${i} after the second restart`, async () => {
        await compareRead(tables[i]!, {}, 'whole table after the second restart');
        for (const req of sc.reads) await compareRead(tables[i]!, req);
        for (const { rowKey, rules } of sc.rmws) await compareRmw(tables[i]!, rowKey, rules);
      });
      await dropOnBoth(tables[i]!);
    }
  });
});

// --------------------------------------------------------------- divergences

/**
 * Known emulator deviations. Each test asserts Tabula's documented answer
 * and what the emulator (cbtemulator of google-cloud-sdk) was observed to
 * answer, so a change on either side shows up.
 */
describe.runIf(SUBJECT !== 'emulator')('known emulator divergences', () => {
  const T = newTableId('div');
  const cell = (f: string, q: string, ms: number, v: string): object =>
    ({ setCell: { familyName: f, columnQualifier: L(q), timestampMicros: String(ms * 1000), value: L(v) } });

  beforeAll(async () => {
    await createOnBoth(T, { a: {}, b: {}, m: {}, z: {} });
    await compareMutateRows(T, [
      { rowKey: L('r1'), mutations: [cell('z', 'q', 1, 'z1'), cell('m', 'q', 1, 'm1'), cell('a', 'q', 2, 'a2'), cell('a', 'q', 1, 'a1'), cell('b', 'q', 1, 'b1')] },
      { rowKey: L('r2'), mutations: [cell('a', 'q', 1, 'x')] },
    ]);
  });

  const ids = (o: Outcome<ReadResult>): string[][] | { error: number } =>
    isFailed(o) ? { error: o.error } : o.ok.rows.map((r) => r.cells.map((c) =>
      `${r.key.toString('latin1')}/${c.family}:${c.qualifier.toString('latin1')}@${c.timestamp / 1000}=${c.value.toString('latin1')}${c.labels?.length ? `{${c.labels.join(',')}}` : ''}`));
  const read = (t: Target, req: object, table = T): Promise<Outcome<ReadResult>> => t.readRows(table, req);

  it('sink: Tabula sends the chain input to the output; the emulator ignores sink', async () => {
    const req = { filter: F.chain({ sink: true }, F.block) };
    const [e, s] = await onBoth((t) => read(t, req));
    expect(ids(s)).toEqual([
      ['r1/a:q@2=a2', 'r1/a:q@1=a1', 'r1/b:q@1=b1', 'r1/m:q@1=m1', 'r1/z:q@1=z1'],
      ['r2/a:q@1=x'],
    ]);
    expect(ids(e)).toEqual([]); // the emulator treats sink as a no-op, so block_all wins
    // data.proto: sink may not be used inside a condition (Tabula refuses it; the emulator accepts it).
    const cond = { filter: F.cond({ sink: true }, F.pass) };
    const [e2, s2] = await onBoth((t) => read(t, cond));
    expect(codeOnly(s2)).toEqual({ error: INVALID_ARGUMENT });
    expect(isFailed(e2)).toBe(false);
  });

  it('cells_per_row_limit/offset count cells in family-name order; the emulator walks families in random order', async () => {
    const one = { rows: { rowKeys: [L('r1')] } };
    const [, s] = await onBoth((t) => read(t, { ...one, filter: F.cprl(1) }));
    expect(ids(s)).toEqual([['r1/a:q@2=a2']]);
    const so = await read(sub, { ...one, filter: F.cpro(4) });
    expect(ids(so)).toEqual([['r1/z:q@1=z1']]);
    // The emulator iterates a Go map of families: the "first" cell changes from call to call.
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const e = ids(await read(emu, { ...one, filter: F.cprl(1) })) as string[][];
      expect(e).toHaveLength(1);
      expect(e[0]).toHaveLength(1);
      seen.add(e[0]![0]!);
    }
    expect([...seen].every((c) => ['r1/a:q@2=a2', 'r1/b:q@1=b1', 'r1/m:q@1=m1', 'r1/z:q@1=z1'].includes(c))).toBe(true);
    expect(seen.size).toBeGreaterThan(1);
  });

  it('apply_label_transformer: Tabula refuses labels outside [a-z0-9-]{1,15}; the emulator checks an unanchored regex', async () => {
    for (const label of ['Bad-label', 'abcdefghijklmnop', 'ok label']) {
      const req = { rows: { rowKeys: [L('r2')] }, filter: F.label(label) };
      const [e, s] = await onBoth((t) => read(t, req));
      expect(codeOnly(s), label).toEqual({ error: INVALID_ARGUMENT });
      expect(ids(e), label).toEqual([[`r2/a:q@1=x{${label}}`]]);
    }
  });

  it('a chain may apply only one label (data.proto); the emulator lets the last one win', async () => {
    const req = { rows: { rowKeys: [L('r2')] }, filter: F.chain(F.label('x'), F.label('y')) };
    const [e, s] = await onBoth((t) => read(t, req));
    expect(codeOnly(s)).toEqual({ error: INVALID_ARGUMENT });
    expect(ids(e)).toEqual([['r2/a:q@1=x{y}']]);
  });

  it('strip_value_transformer keeps labels; the emulator drops them', async () => {
    const req = { rows: { rowKeys: [L('r2')] }, filter: F.chain(F.label('x'), F.strip) };
    const [e, s] = await onBoth((t) => read(t, req));
    expect(ids(s)).toEqual([['r2/a:q@1={x}']]);
    expect(ids(e)).toEqual([['r2/a:q@1=']]);
  });

  it('value_bitmask_filter: Tabula applies it; the emulator ignores it', async () => {
    // (value & 'a1') == 'a1' for the 2-byte values a1 and m1 only.
    const req = { rows: { rowKeys: [L('r1')] }, filter: { valueBitmaskFilter: { mask: L('a1') } } };
    const [e, s] = await onBoth((t) => read(t, req));
    expect(ids(s)).toEqual([['r1/a:q@1=a1', 'r1/m:q@1=m1']]);
    expect((ids(e) as string[][])[0]).toHaveLength(5);
  });

  it('GC rules: Tabula hides cells the rule condemns; the emulator returns them until its background GC', async () => {
    const G = newTableId('gc');
    await createOnBoth(G, {
      v1: { gcRule: { maxNumVersions: 1 } },
      age: { gcRule: { maxAge: { seconds: '3600' } } },
      both: { gcRule: { intersection: { rules: [{ maxNumVersions: 1 }, { maxAge: { seconds: '3600' } }] } } },
    });
    try {
      const now = Date.now() * 1000 - (Date.now() * 1000) % 1000;
      await compareMutateRows(G, [{ rowKey: L('r'), mutations: [
        cell('v1', 'q', 1, 'old'), cell('v1', 'q', 2, 'new'),
        cell('age', 'q', 1, 'ancient'),
        { setCell: { familyName: 'age', columnQualifier: L('q'), timestampMicros: String(now), value: L('fresh') } },
        cell('both', 'q', 1, 'old'),
        { setCell: { familyName: 'both', columnQualifier: L('q'), timestampMicros: String(now - 1_000_000), value: L('recent') } },
        { setCell: { familyName: 'both', columnQualifier: L('q'), timestampMicros: String(now), value: L('fresh') } },
      ] }]);
      const [e, s] = await onBoth((t) => read(t, {}, G));
      const values = (o: Outcome<ReadResult>): string[] => (isFailed(o) ? [`error ${o.error}`] : o.ok.rows.flatMap((r) => r.cells.map((c) => `${c.family}=${c.value.toString()}`)));
      // intersection(1 version, 1 hour): a cell is garbage only when both condemn it.
      expect(values(s).sort()).toEqual(['age=fresh', 'both=fresh', 'both=recent', 'v1=new'].sort());
      expect(values(e).sort()).toEqual(['age=ancient', 'age=fresh', 'both=fresh', 'both=old', 'both=recent', 'v1=new', 'v1=old'].sort());
    } finally {
      await dropOnBoth(G);
    }
  });

  it('large values: Tabula splits them across chunks (value_size); the emulator sends one chunk', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 0x5a);
    big[1_234_567] = 0;
    await onBoth((t) => t.mutateRow(T, L('big'), [{ setCell: { familyName: 'a', columnQualifier: L('blob'), timestampMicros: '1000', value: big } }]));
    const req = { rows: { rowKeys: [L('big')] } };
    const [e, s] = await onBoth((t) => read(t, req));
    if (isFailed(e) || isFailed(s)) throw new Error(`read failed: ${JSON.stringify([codeOnly(e), codeOnly(s)])}`);
    expect(s.ok.rows[0]!.cells[0]!.value.equals(big)).toBe(true);
    expect(e.ok.rows[0]!.cells[0]!.value.equals(big)).toBe(true);
    expect(s.ok.stats.splitCells).toBe(1);
    expect(s.ok.stats.maxChunkValueBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(e.ok.stats).toMatchObject({ chunks: 1, splitCells: 0, maxChunkValueBytes: big.length });
    await onBoth((t) => t.mutateRow(T, L('big'), [{ deleteFromRow: {} }]));
  });

  it('documented limits: Tabula answers INVALID_ARGUMENT where the emulator is lenient', async () => {
    const set = (o: Record<string, unknown>): object => ({ setCell: { familyName: 'a', columnQualifier: L('q'), timestampMicros: '1000', value: L('v'), ...o } });
    const cases: Array<[string, (t: Target) => Promise<Outcome<unknown>>]> = [
      ['rows_limit -1', (t) => read(t, { rowsLimit: '-1' })],
      ['row key of 4097 bytes (MutateRow)', (t) => t.mutateRow(T, Buffer.alloc(4097, 0x61), [set({})])],
      ['row key of 4097 bytes (ReadRows row_keys)', (t) => read(t, { rows: { rowKeys: [Buffer.alloc(4097, 0x61)] } })],
      ['qualifier of 16 KiB + 1', (t) => t.mutateRow(T, L('lim'), [set({ columnQualifier: Buffer.alloc(16 * 1024 + 1, 0x61) })])],
      ['filter over 20 KiB', (t) => read(t, { filter: F.val('a'.repeat(21 * 1024)) })],
      ['timestamp_range_filter not in milliseconds', (t) => read(t, { filter: { timestampRangeFilter: { startTimestampMicros: '1500' } } })],
      ['inverted timestamp_range_filter', (t) => read(t, { filter: F.ts(5, 2) })],
      ['inverted value_range_filter', (t) => read(t, { filter: { valueRangeFilter: { startValueClosed: L('z'), endValueClosed: L('a') } } })],
      ['inverted column_range_filter', (t) => read(t, { filter: { columnRangeFilter: { familyName: 'a', startQualifierClosed: L('z'), endQualifierClosed: L('a') } } })],
      ['column_range_filter without family_name', (t) => read(t, { filter: { columnRangeFilter: { startQualifierClosed: L('a') } } })],
      ["family_name_regex_filter containing ':'", (t) => read(t, { filter: F.fam('a:q') })],
      ['CheckAndMutateRow without mutations', (t) => t.checkAndMutate(T, { rowKey: L('r1') })],
      ['ReadModifyWriteRow without rules', (t) => t.readModifyWrite(T, L('rmw-none'), [])],
      ['empty row key in ReadRows row_keys', (t) => read(t, { rows: { rowKeys: [L('')] } })],
      ['empty family name in delete_from_family', (t) => t.mutateRow(T, L('m'), [{ deleteFromFamily: { familyName: '' } }])],
      ['value_bitmask_filter with an empty mask (field is REQUIRED)', (t) => read(t, { filter: { valueBitmaskFilter: { mask: L('') } } })],
      ['CreateTable with a malformed family name', (t) => t.createTable(newTableId('badfam'), { 'bad fam': {} })],
      ['CreateTable with an empty table id', (t) => t.createTable('', { a: {} })],
    ];
    const seen: string[] = [];
    for (const [name, call] of cases) {
      const [e, s] = await onBoth(call);
      expect(codeOnly(s), name).toMatchObject({ error: INVALID_ARGUMENT });
      seen.push(`${name}: emulator ${isFailed(e) ? `error ${e.error}` : 'OK'}`);
    }
    // Every one of them is accepted by the emulator.
    expect(seen.filter((l) => !l.endsWith('OK'))).toEqual([]);
    // MutateRowsRequest.Entry.mutations must hold at least one mutation: Tabula fails that entry alone.
    const entries = [{ rowKey: L('m1'), mutations: [] }, { rowKey: L('m2'), mutations: [set({})] }];
    const [e, s] = await onBoth((t) => t.mutateRows(T, entries));
    expect(codeOnly(s)).toEqual({ ok: [INVALID_ARGUMENT, OK] });
    expect(codeOnly(e)).toEqual({ ok: [OK, OK] });
  });

  it('error codes of invalid mutations: Tabula answers NOT_FOUND / INVALID_ARGUMENT; the emulator UNKNOWN or INTERNAL', async () => {
    const set = (o: Record<string, unknown>): object => ({ setCell: { familyName: 'a', columnQualifier: L('q'), timestampMicros: '1000', value: L('v'), ...o } });
    const cases: Array<[string, (t: Target) => Promise<Outcome<unknown>>, unknown, unknown]> = [
      ['MutateRow: unknown family', (t) => t.mutateRow(T, L('m'), [set({ familyName: 'nofam' })]), { error: NOT_FOUND }, { error: UNKNOWN }],
      ['MutateRow: delete_from_family of an unknown family', (t) => t.mutateRow(T, L('m'), [{ deleteFromFamily: { familyName: 'nofam' } }]), { error: NOT_FOUND }, { ok: true }],
      ['MutateRow: mutation without a kind', (t) => t.mutateRow(T, L('m'), [{}]), { error: INVALID_ARGUMENT }, { error: UNKNOWN }],
      ['MutateRow: timestamp not in milliseconds', (t) => t.mutateRow(T, L('m'), [set({ timestampMicros: '1500' })]), { error: INVALID_ARGUMENT }, { error: UNKNOWN }],
      ['MutateRow: negative timestamp', (t) => t.mutateRow(T, L('m'), [set({ timestampMicros: '-2000' })]), { error: INVALID_ARGUMENT }, { error: UNKNOWN }],
      ['MutateRow: malformed family name', (t) => t.mutateRow(T, L('m'), [set({ familyName: 'bad name!' })]), { error: INVALID_ARGUMENT }, { error: UNKNOWN }],
      // (The emulator checks the range only when the row holds the family.)
      ['MutateRow: inverted delete time range', (t) => t.mutateRow(T, L('r1'), [{ deleteFromColumn: { familyName: 'a', columnQualifier: L('q'), timeRange: { startTimestampMicros: '5000', endTimestampMicros: '2000' } } }]), { error: INVALID_ARGUMENT }, { error: UNKNOWN }],
      ['MutateRows: per-entry codes', (t) => t.mutateRows(T, [
        { rowKey: L('m1'), mutations: [set({})] },
        { rowKey: L('m2'), mutations: [set({ familyName: 'nofam' })] },
        { rowKey: L(''), mutations: [set({})] },
        { rowKey: L('m3'), mutations: [set({ timestampMicros: '1500' })] },
      ]), { ok: [OK, NOT_FOUND, INVALID_ARGUMENT, INVALID_ARGUMENT] }, { ok: [OK, INTERNAL, INTERNAL, INTERNAL] }],
      ['CheckAndMutateRow: unknown family', (t) => t.checkAndMutate(T, { rowKey: L('m'), trueMutations: [set({ familyName: 'nofam' })], falseMutations: [set({ familyName: 'nofam' })] }), { error: NOT_FOUND }, { error: UNKNOWN }],
      ['ReadModifyWriteRow: unknown family', (t) => t.readModifyWrite(T, L('m'), [{ familyName: 'nofam', columnQualifier: L('q'), appendValue: L('x') }]), { error: NOT_FOUND }, { error: UNKNOWN }],
      ['ReadModifyWriteRow: increment of a non 8-byte value', (t) => t.readModifyWrite(T, L('r1'), [{ familyName: 'a', columnQualifier: L('q'), incrementAmount: '1' }]), { error: INVALID_ARGUMENT }, { error: UNKNOWN }],
      ['ReadModifyWriteRow: rule without append or increment', (t) => t.readModifyWrite(T, L('m'), [{ familyName: 'a', columnQualifier: L('q') }]), { error: INVALID_ARGUMENT }, { error: UNKNOWN }],
    ];
    for (const [name, call, tabula, emulator] of cases) {
      const [e, s] = await onBoth(call);
      expect(codeOnly(s), name).toEqual(tabula);
      expect(codeOnly(e), `${name} (emulator)`).toEqual(emulator);
    }
  });

  it('reversed scans: Tabula returns rows in descending key order; the emulator answers UNIMPLEMENTED', async () => {
    const [e, s] = await onBoth((t) => read(t, { reversed: true }));
    const forward = await read(sub, {});
    expect(codeOnly(e)).toEqual({ error: UNIMPLEMENTED });
    if (isFailed(s) || isFailed(forward)) throw new Error(`read failed: ${JSON.stringify([s, forward])}`);
    checkSubjectOrder({ reversed: true }, s, true);
    expect(normRows(s.ok.rows)).toEqual(normRows([...forward.ok.rows].reverse()));
  });

  it('empty row_key_regex_filter: the emulator refuses it ("argument must not be empty"); Tabula matches no row key', async () => {
    // data.proto does not say; the emulator's wording mirrors Google's service. Recorded, not judged.
    const [e, s] = await onBoth((t) => read(t, { filter: F.key('') }));
    expect(codeOnly(e)).toEqual({ error: INVALID_ARGUMENT });
    expect(ids(s)).toEqual([]);
  });

  it('Tabula limitation (not an emulator bug): timestamps beyond 2^53 µs (year 2255) are refused', async () => {
    // Bigtable timestamps are int64 microseconds; Tabula keeps them in JS numbers (src/model/cell.ts).
    for (const ts of ['9007199254740993000', '9223372036854775000']) {
      const m = [{ setCell: { familyName: 'a', columnQualifier: L('q'), timestampMicros: ts, value: L('v') } }];
      const [e, s] = await onBoth((t) => t.mutateRow(T, L('far-future'), m));
      expect(codeOnly(s), ts).toEqual({ error: INVALID_ARGUMENT });
      expect(codeOnly(e), ts).toEqual({ ok: true });
    }
    await onBoth((t) => t.mutateRow(T, L('far-future'), [{ deleteFromRow: {} }]));
  });

  it('min and max aggregates: Tabula keeps the smallest / largest input; the emulator keeps the last one (observed: min and max of 5, -7, 9, -1 both -1)', async () => {
    const T = newTableId('aggmm');
    const int64 = { int64Type: { encoding: { bigEndianBytes: {} } } };
    await createOnBoth(T, { mn: { valueType: { aggregateType: { inputType: int64, min: {} } } }, mx: { valueType: { aggregateType: { inputType: int64, max: {} } } } });
    try {
      const add = (f: string, v: number) => ({ addToCell: { familyName: f, columnQualifier: { rawValue: Buffer.from('c') }, timestamp: { rawTimestampMicros: '1000' }, input: { intValue: String(v) } } });
      const [e, s] = await onBoth(async (t) => {
        for (const v of [5, -7, 9, -1]) await t.mutateRow(T, Buffer.from('r'), [add('mn', v), add('mx', v)]);
        return t.readRows(T, {});
      });
      const values = (o: Outcome<ReadResult>) => (isFailed(o) ? o.message : o.ok.rows[0]!.cells.map((c) => `${c.family}=${c.value.readBigInt64BE(0)}`).sort().join(' '));
      expect(values(s)).toBe('mn=-7 mx=9');
      console.log(`emulator min and max of 5, -7, 9, -1: ${values(e)}`);
    } finally {
      await dropOnBoth(T);
    }
  });

  it('negative cells_per_row_offset_filter: Tabula refuses it; it crashes the emulator', async () => {
    const own = await startEmulator();
    const t = makeTarget('emulator', own.endpoint);
    try {
      const req = { filter: F.cpro(-1) };
      expect(codeOnly(await read(sub, req))).toEqual({ error: INVALID_ARGUMENT });
      expect(isFailed(await t.createTable('crash', { a: {} }))).toBe(false);
      await t.mutateRow('crash', L('r'), [cell('a', 'q', 1, 'v')]);
      const exited = new Promise<number | null>((resolve) => own.process.once('exit', (code) => resolve(code)));
      expect(codeOnly(await t.readRows('crash', req))).toEqual({ error: UNAVAILABLE });
      expect(await exited).not.toBe(0); // Go panic: slice bounds out of range
    } finally {
      t.close();
      await own.kill();
    }
  });
});

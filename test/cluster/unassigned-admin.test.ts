/**
 * Table administration while a tablet has no live server (its server's lease
 * lapsed and no other server has taken it yet): what needs the tablet's
 * server fails with UNAVAILABLE, which clients retry; what does not
 * (a schema change, a table deletion) succeeds, and the tablet gets the new
 * schema when it is assigned again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Code, UnavailableError } from '../../src/base/errors.js';
import type { BackupName } from '../../src/api/backup-name.js';
import { formatTableName } from '../../src/api/table-name.js';
import type { RowMutation } from '../../src/model/mutation.js';
import { scanAll, TABLE } from './in-process-cluster.js';
import { LEASE, leasedCluster } from './leased-cluster.js';

const set = (row: string, family: string): RowMutation => ({
  row: Buffer.from(row), mutations: [{ type: 'setCell', family, qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.from(`${row}/${family}`) }],
});
const BK: BackupName = { project: 'p', instance: 'i', cluster: 'i-c1', backup: 'bk' };
const HOUR = 3_600_000;

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/**
 * A table of two tablets (split at "m") on s0, with rows written; then s0's
 * lease lapses with no other server alive, so both tablets have none. `recover`
 * starts s1, which takes them (replaying s0's WAL).
 */
async function withLostTablets() {
  const c = await leasedCluster((close) => cleanup.push(close));
  const s0 = await c.start('s0');
  await s0.member.beat();
  await c.master.createTable(TABLE, new Map([['f', { kind: 'never' }]]), [Buffer.from('m')]);
  expect(await c.router.mutateRows(TABLE, ['a', 'x'].map((r) => set(r, 'f')))).toEqual([undefined, undefined]);
  c.advance(LEASE * 2);
  await c.cm.tick(); // s0's lease lapses
  expect((await c.cm.clusterStatus()).tablets.map((t) => t.state)).toEqual(['unassigned', 'unassigned']);
  const recover = async () => {
    const s1 = await c.start('s1');
    await s1.member.beat();
    await c.cm.tick();
    expect((await c.cm.clusterStatus()).tablets.map((t) => t.state)).toEqual(['serving', 'serving']);
  };
  return { c, recover };
}

describe('table administration while a tablet has no server', () => {
  it('compaction, row-range drops and backups fail with UNAVAILABLE (retryable), and succeed once the tablet is served again', async () => {
    const { c, recover } = await withLostTablets();
    const table = formatTableName(TABLE);
    for (const attempt of [
      c.master.compactTable(table),
      c.master.dropRowRange(TABLE, { prefix: Buffer.from('zz') }),
      c.master.createBackup(BK, TABLE, Date.now() + 7 * HOUR),
    ]) {
      const e = await attempt.then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(UnavailableError);
      expect((e as UnavailableError).code).toBe(Code.UNAVAILABLE);
      expect(String(e)).toMatch(/no live server.*retry/);
    }
    await recover();
    await c.master.compactTable(table);
    await c.master.dropRowRange(TABLE, { prefix: Buffer.from('zz') });
    expect(await c.master.createBackup(BK, TABLE, Date.now() + 7 * HOUR)).toMatchObject({ name: BK, state: 'READY' });
    expect((await scanAll(c.router)).map((r) => r.key.toString())).toEqual(['a', 'x']);
  });

  it('a new column family is accepted meanwhile, and the tablet has it once it is assigned again', async () => {
    const { c, recover } = await withLostTablets();
    const info = await c.master.modifyColumnFamilies(TABLE, [{ type: 'create', family: 'g', gcRule: { kind: 'never' } }]);
    expect([...info.families.keys()].sort()).toEqual(['f', 'g']);
    await recover();
    // Both tablets take writes to the new family: they were opened with the catalog's schema.
    expect(await c.router.mutateRows(TABLE, ['b', 'y'].map((r) => set(r, 'g')))).toEqual([undefined, undefined]);
    expect((await scanAll(c.router)).map((r) => r.key.toString())).toEqual(['a', 'b', 'x', 'y']);
  });

  it('a table can be deleted meanwhile: the call succeeds and the table is gone', async () => {
    const { c } = await withLostTablets();
    await c.master.deleteTable(TABLE);
    await expect(c.master.getTable(TABLE)).rejects.toMatchObject({ code: Code.NOT_FOUND });
    expect((await c.cm.clusterStatus()).tablets).toEqual([]);
  });
});

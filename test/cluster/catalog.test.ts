/** The master's catalog: a table's tablets in key order, kept between writes and fresh after each. */
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, type TabletRecord } from '../../src/master/catalog.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const tablet = (id: string, table: string, start: string, end: string, server?: string): TabletRecord =>
  ({ id, table, startRow: b64(start), endRow: b64(end), epoch: 1, ...(server ? { server } : {}) });

describe('Catalog.tabletsOf', () => {
  let dir: string | undefined;
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('sorts by start row (as bytes), answers from memory until a write, and sees every write', async () => {
    dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    const c = await Catalog.open(dir);
    // Written out of order; "\xff" sorts after "b" as bytes though its base64 does not.
    await c.write({ tablets: [tablet('t3', 'A', '\xff', ''), tablet('t1', 'A', '', 'b'), tablet('t2', 'A', 'b', '\xff'), tablet('u1', 'B', '', '')] });
    const first = c.tabletsOf('A');
    expect(first.map((t) => t.id)).toEqual(['t1', 't2', 't3']);
    expect(c.tabletsOf('A')).toBe(first); // no filter-and-sort per call
    expect(c.tabletsOf('B').map((t) => t.id)).toEqual(['u1']);
    expect(c.tabletsOf('none')).toEqual([]);

    const v = c.version;
    // A split of t2 and a new owner for t1.
    await c.write({ tablets: [tablet('t2a', 'A', 'b', 'm'), tablet('t2b', 'A', 'm', '\xff'), tablet('t1', 'A', '', 'b', 'srv-9')], deleteTablets: ['t2'] });
    expect(c.version).toBeGreaterThan(v);
    expect(c.tabletsOf('A').map((t) => [t.id, t.server])).toEqual([['t1', 'srv-9'], ['t2a', undefined], ['t2b', undefined], ['t3', undefined]]);
    await c.write({ deleteTablets: ['u1'] });
    expect(c.tabletsOf('B')).toEqual([]);
    await c.close();

    // Reopened, the same order from what was stored.
    const again = await Catalog.open(dir);
    expect(again.tabletsOf('A').map((t) => t.id)).toEqual(['t1', 't2a', 't2b', 't3']);
    await again.close();
  });
});

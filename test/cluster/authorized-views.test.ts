/**
 * Authorized views in the master's catalog: they survive a restart, go with
 * their table, and concurrent changes of one table's record (views, schema,
 * settings) are serialised, none lost.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { startCluster } from './in-process-cluster.js';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { TableName } from '../../src/api/table-name.js';
import type { SubsetView } from '../../src/model/authorized-view.js';

const T: TableName = { project: 'p', instance: 'i', table: 'views' };
const view = (id: string) => ({ ...T, view: id });
const subset = (prefix: string): SubsetView => ({ rowPrefixes: [Buffer.from(prefix)], families: new Map([['f', { qualifiers: [Buffer.from('q')], qualifierPrefixes: [] }]]) });

describe('authorized views in the catalog', () => {
  it('survive a master restart with their definition, protection and etag', async () => {
    const storage = new MemoryStorage();
    const masterDir = mkdtempSync(join(tmpdir(), 'tabula-views-'));
    let c = await startCluster({ storage, masterDir });
    await c.master.createTable(T, new Map([['f', { kind: 'never' }], ['g', { kind: 'never' }]]), []);
    const made = await c.master.createAuthorizedView(view('kept'), subset('a'), true);
    await c.close();
    c = await startCluster({ storage, masterDir });
    try {
      expect(await c.master.getAuthorizedView(view('kept'))).toEqual(made);
      await expect(c.master.deleteTable(T)).rejects.toThrow(/protected/);
      await expect(c.master.modifyColumnFamilies(T, [{ type: 'drop', family: 'f' }])).rejects.toThrow(/authorized views \(kept\)/);
    } finally {
      await c.close();
    }
  });

  it('serialises concurrent changes of one table: every view and setting lands', async () => {
    const c = await startCluster({});
    try {
      await c.master.createTable(T, new Map([['f', { kind: 'never' }]]), []);
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => c.master.createAuthorizedView(view(`v${String(i).padStart(2, '0')}`), subset(`r${i}`), false)),
        c.master.updateTable(T, { deletionProtection: true }),
        c.master.modifyColumnFamilies(T, [{ type: 'create', family: 'g', gcRule: { kind: 'never' } }]),
      ]);
      expect((await c.master.listAuthorizedViews(T)).map((v) => v.name.view)).toEqual(Array.from({ length: 20 }, (_, i) => `v${String(i).padStart(2, '0')}`));
      const t = await c.master.getTable(T);
      expect(t.deletionProtection).toBe(true);
      expect([...t.families.keys()].sort()).toEqual(['f', 'g']);
      await Promise.all(Array.from({ length: 20 }, (_, i) => c.master.deleteAuthorizedView(view(`v${String(i).padStart(2, '0')}`))));
      expect(await c.master.listAuthorizedViews(T)).toEqual([]);
    } finally {
      await c.close();
    }
  });
});

/**
 * Backups of `tabula serve` survive restarts, clean and kill -9: the catalog
 * keeps the backup, its snapshot manifests keep its files, and a table is
 * restored from it after the restart (through the TypeScript client).
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { startTabula } from '../support/servers.js';

describe('backups across restarts of tabula serve', () => {
  it('a backup taken before a SIGTERM and a kill -9 restores after them; one deleted before them stays deleted', async () => {
    let s = await startTabula({ args: ['--tablet-servers', '2'] });
    const dataDir = s.dataDir;
    try {
      let conn = connect(s.endpoint, { project: 'p', instance: 'i' });
      await conn.admin.createTable('src', { families: { cf: undefined }, splits: ['m'] });
      for (const k of ['a', 'k', 'q', 'z']) await conn.table('src').put(k, { cf: { q: `v-${k}` } });
      await conn.admin.createBackup('src', 'keep', { ttlMs: 24 * 3600_000 });
      await conn.admin.createBackup('src', 'gone', { ttlMs: 24 * 3600_000 });
      await conn.admin.deleteBackup('gone');
      // Changed after the backup: the restore must not see it.
      await conn.table('src').put('a', { cf: { q: 'changed' } });
      conn.close();
      await s.stop();
      s = await startTabula({ dataDir, args: ['--tablet-servers', '2'] });
      conn = connect(s.endpoint, { project: 'p', instance: 'i' });
      expect((await conn.admin.listBackups()).map((b) => b.id)).toEqual(['keep']);
      await conn.admin.deleteTable('src');
      conn.close();
      await s.kill();
      s = await startTabula({ dataDir, args: ['--tablet-servers', '2'] });
      conn = connect(s.endpoint, { project: 'p', instance: 'i' });
      await conn.admin.restoreTable('keep', 'restored');
      const rows = await conn.table('restored').scan().toArray();
      expect(rows.map((r) => [r.keyString, r.string('cf', 'q')])).toEqual([['a', 'v-a'], ['k', 'v-k'], ['q', 'v-q'], ['z', 'v-z']]);
      expect((await conn.admin.getTable('restored')).restoredFrom).toMatchObject({ table: 'src' });
      conn.close();
    } finally {
      await s.stop();
    }
  }, 120_000);
});

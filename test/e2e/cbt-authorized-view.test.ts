/**
 * Google's real `cbt` reads and writes through an authorized view of a
 * Tabula table (`read … authorized-view=`, `set … authorized-view=`): it sees
 * only the view's rows and columns, and a write outside the view fails with
 * PermissionDenied. Google's emulator has no authorized views at all
 * (checked, so the difference stays a known one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, startTabula, type RunningServer } from '../support/servers.js';
import { callUnary, rawClients } from '../api/api-clients.js';
import { parseCbtRows, runCbt } from './cbt-runner.js';

describe('cbt through an authorized view', () => {
  let tabula: RunningServer;
  let emulator: RunningServer;
  beforeAll(async () => {
    [tabula, emulator] = await Promise.all([startTabula(), startEmulator()]);
    expect((await runCbt(tabula.endpoint, ['createtable', 'tv', 'families=pub,priv'])).code).toBe(0);
    for (const [row, col] of [['u1', 'pub:name'], ['u1', 'priv:ssn'], ['u2', 'pub:name'], ['x1', 'pub:name']]) {
      expect((await runCbt(tabula.endpoint, ['set', 'tv', row!, `${col}=v-${row}`])).code).toBe(0);
    }
    const raw = rawClients(Number(tabula.endpoint.split(':').pop()));
    try {
      await callUnary(raw.tableAdmin, 'CreateAuthorizedView', {
        parent: 'projects/p/instances/i/tables/tv', authorizedViewId: 'public',
        authorizedView: { subsetView: { rowPrefixes: [Buffer.from('u')], familySubsets: { pub: { qualifierPrefixes: [Buffer.alloc(0)] } } } },
      });
    } finally {
      raw.close();
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all([tabula?.stop(), emulator?.stop()]);
  });

  it('against tabula: read shows the view only; set inside works, outside is PermissionDenied', async () => {
    const read = await runCbt(tabula.endpoint, ['read', 'tv', 'authorized-view=public']);
    expect(read.code, read.stderr).toBe(0);
    expect(parseCbtRows(read.stdout).map((r) => [r.key, r.cells.map((c) => `${c.family}:${c.qualifier}`)])).toEqual([['u1', ['pub:name']], ['u2', ['pub:name']]]);
    const inside = await runCbt(tabula.endpoint, ['set', 'tv', 'u3', 'authorized-view=public', 'pub:name=new']);
    expect(inside.code, inside.stderr).toBe(0);
    for (const args of [['set', 'tv', 'x3', 'authorized-view=public', 'pub:name=no'], ['set', 'tv', 'u3', 'authorized-view=public', 'priv:ssn=no']]) {
      const outside = await runCbt(tabula.endpoint, args);
      expect(outside.code).not.toBe(0);
      expect(outside.stderr).toContain('PermissionDenied');
    }
    const after = await runCbt(tabula.endpoint, ['read', 'tv', 'authorized-view=public', 'prefix=u3']);
    expect(parseCbtRows(after.stdout).map((r) => [r.key, r.cells.map((c) => `${c.family}:${c.qualifier}=${c.value}`)])).toEqual([['u3', ['pub:name=new']]]);
    const table = await runCbt(tabula.endpoint, ['read', 'tv', 'prefix=x']);
    expect(parseCbtRows(table.stdout).map((r) => r.key)).toEqual(['x1']);
  }, 30_000);

  it('against the emulator: no authorized views', async () => {
    expect((await runCbt(emulator.endpoint, ['createtable', 'tv', 'families=pub'])).code).toBe(0);
    const r = await runCbt(emulator.endpoint, ['read', 'tv', 'authorized-view=public']);
    expect(r.code).not.toBe(0);
  }, 30_000);
});

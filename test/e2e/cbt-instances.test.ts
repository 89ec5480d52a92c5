/**
 * Google's real `cbt` reads Tabula's instances and clusters: `listinstances`
 * lists the instances holding tables, `listclusters` each one's single
 * cluster (`{instance}-c1`, where backups live), with the tablet servers as
 * its serve nodes. Tabula's own CLI prints the same bytes. Google's emulator
 * answers both Unimplemented (checked, so the difference stays a known one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, startTabula, type RunningServer } from '../support/servers.js';
import { runCbt } from './cbt-runner.js';
import { tabula as runTabula } from '../cli/cli-process.js';

describe('cbt listinstances and listclusters', () => {
  let tabula: RunningServer;
  let emulator: RunningServer;
  beforeAll(async () => {
    [tabula, emulator] = await Promise.all([startTabula({ args: ['--tablet-servers', '2'] }), startEmulator()]);
    expect((await runCbt(tabula.endpoint, ['createtable', 'listed'])).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([tabula?.stop(), emulator?.stop()]);
  });

  it('against tabula: the instance, and its one cluster with the tablet servers as serve nodes', async () => {
    const instances = await runCbt(tabula.endpoint, ['listinstances']);
    expect(instances.code, instances.stderr).toBe(0);
    expect(instances.stdout).toBe('Instance Name\t\tInfo\n-------------\t\t----\ni\t\t\ti\n');
    const clusters = await runCbt(tabula.endpoint, ['listclusters']);
    expect(clusters.code, clusters.stderr).toBe(0);
    expect(clusters.stdout).toBe('Cluster Name\tZone\t\tState\n------------\t----\t\t----\ni-c1\t\ttabula\t\tREADY (2 serve nodes)\n');
    // The tabula CLI, byte for byte.
    for (const [cmd, want] of [['listinstances', instances.stdout], ['listclusters', clusters.stdout]] as const) {
      const r = await runTabula(tabula.endpoint, ['-project', 'p', '-instance', 'i', cmd]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(want);
    }
  }, 30_000);

  it('against the emulator: Unimplemented', async () => {
    for (const cmd of ['listinstances', 'listclusters']) {
      const r = await runCbt(emulator.endpoint, [cmd]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Unimplemented');
      const t = await runTabula(emulator.endpoint, ['-project', 'p', '-instance', 'i', cmd]);
      expect(t.code).toBe(1);
      expect(t.stderr).toMatch(/^tabula: .*unimplemented/i);
    }
  }, 30_000);
});

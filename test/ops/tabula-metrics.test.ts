/**
 * The engine's metrics hooks as Prometheus series (createTabulaMetrics
 * without a server): what the engine reports is what a scrape shows.
 */
import { describe, expect, it } from 'vitest';
import { metricsHooks } from '../../src/base/metrics-hooks.js';
import { createTabulaMetrics } from '../../src/ops/tabula-metrics.js';
import { sample } from './ops-support.js';

describe('tabula metrics', () => {
  it('counts write stalls and the seconds writers waited', async () => {
    const m = createTabulaMetrics({ defaultMetrics: false });
    const uninstall = m.installEngineHooks();
    try {
      const before = await m.registry.metrics();
      expect(sample(before, 'tabula_write_stalls_total')).toBe(0);
      expect(sample(before, 'tabula_write_stall_seconds_total')).toBe(0);
      metricsHooks().writeStall(0.25);
      metricsHooks().writeStall(0.5);
      const after = await m.registry.metrics();
      expect(sample(after, 'tabula_write_stalls_total')).toBe(2);
      expect(sample(after, 'tabula_write_stall_seconds_total')).toBe(0.75);
    } finally {
      uninstall();
    }
    // Uninstalled: reports go nowhere and the registry no longer moves.
    metricsHooks().writeStall(1);
    expect(sample(await m.registry.metrics(), 'tabula_write_stalls_total')).toBe(2);
  });
});

/** The balancer's policy: counts first, then bytes, bounded moves, never a pointless move. */
import { describe, expect, it } from 'vitest';
import { planBalance, type BalanceTablet } from '../../src/master/balance-plan.js';

const tablets = (server: string, sizes: number[]): BalanceTablet[] => sizes.map((bytes, i) => ({ id: `${server}-${i}`, server, bytes }));

function apply(all: BalanceTablet[], servers: string[]): Map<string, { count: number; bytes: number }> {
  const moves = planBalance(servers, all);
  const owner = new Map(all.map((t) => [t.id, t.server]));
  for (const m of moves) {
    expect(owner.get(m.tablet)).toBe(m.from);
    owner.set(m.tablet, m.to);
  }
  const out = new Map(servers.map((s) => [s, { count: 0, bytes: 0 }]));
  for (const t of all) { const o = out.get(owner.get(t.id)!)!; o.count++; o.bytes += t.bytes; }
  return out;
}

describe('planBalance', () => {
  it('evens out tablet counts onto a new empty server', () => {
    const r = apply(tablets('a', [1, 1, 1, 1, 1, 1]), ['a', 'b', 'c']);
    expect([...r.values()].map((v) => v.count)).toEqual([2, 2, 2]);
  });

  it('moves bytes when counts are even but one server is much heavier', () => {
    const all = [...tablets('a', [1000, 10]), ...tablets('b', [10])];
    const r = apply(all, ['a', 'b']);
    expect(r.get('a')!.count - r.get('b')!.count).toBeLessThanOrEqual(1);
    const before = planBalance(['a', 'b'], all);
    expect(before.length).toBeGreaterThan(0);
  });

  it('leaves a balanced cluster alone and does nothing with one server', () => {
    expect(planBalance(['a', 'b'], [...tablets('a', [5, 5]), ...tablets('b', [5, 6])])).toEqual([]);
    expect(planBalance(['a'], tablets('a', [1, 2, 3]))).toEqual([]);
  });

  it('bounds the moves of one round and ignores unassigned tablets', () => {
    const all = [...tablets('a', Array(30).fill(1)), ...tablets('', [1, 1])];
    expect(planBalance(['a', 'b'], all, 4)).toHaveLength(4);
    expect(planBalance(['a', 'b'], all).every((m) => m.from === 'a')).toBe(true);
  });
});

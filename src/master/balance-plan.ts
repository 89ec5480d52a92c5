/**
 * The balancer's policy (the moves are Master.moveTablet): first even out
 * tablet counts (no server more than one tablet above another), then bytes:
 * while the heaviest server holds more than 1.5× the lightest and moving one
 * of its tablets narrows the gap, move the tablet that narrows it most.
 * At most `maxMoves` moves per round, so balancing never floods the cluster.
 */
export interface BalanceTablet {
  id: string;
  /** Owner server id ("" = unassigned, ignored). */
  server: string;
  bytes: number;
}

export interface PlannedMove {
  tablet: string;
  from: string;
  to: string;
}

export function planBalance(servers: string[], tablets: BalanceTablet[], maxMoves = 8): PlannedMove[] {
  if (servers.length < 2) return [];
  const by = new Map<string, BalanceTablet[]>(servers.map((s) => [s, []]));
  for (const t of tablets) by.get(t.server)?.push(t);
  const size = (s: string) => by.get(s)!.reduce((n, t) => n + t.bytes, 0);
  const moves: PlannedMove[] = [];
  const move = (t: BalanceTablet, from: string, to: string) => {
    by.set(from, by.get(from)!.filter((x) => x !== t));
    by.get(to)!.push(t);
    moves.push({ tablet: t.id, from, to });
  };
  const sorted = (key: (s: string) => number) => [...servers].sort((a, b) => key(a) - key(b) || (a < b ? -1 : 1));
  while (moves.length < maxMoves) {
    const order = sorted((s) => by.get(s)!.length);
    const lo = order[0]!;
    const hi = order[order.length - 1]!;
    if (by.get(hi)!.length - by.get(lo)!.length <= 1) break;
    // The smallest tablet of the fullest server: the cheapest move (its memtable is flushed).
    const t = [...by.get(hi)!].sort((a, b) => a.bytes - b.bytes)[0]!;
    move(t, hi, lo);
  }
  while (moves.length < maxMoves) {
    const order = sorted(size);
    const lo = order[0]!;
    const hi = order[order.length - 1]!;
    const gap = size(hi) - size(lo);
    if (size(hi) <= 1.5 * size(lo) || gap <= 0) break;
    // Keep counts even: only move when the heavier server does not end up with fewer tablets.
    if (by.get(hi)!.length <= by.get(lo)!.length) break;
    let best: BalanceTablet | undefined;
    for (const t of by.get(hi)!) {
      if (t.bytes > 0 && t.bytes < gap && (!best || Math.abs(gap - 2 * t.bytes) < Math.abs(gap - 2 * best.bytes))) best = t;
    }
    if (!best) break;
    move(best, hi, lo);
  }
  return moves;
}

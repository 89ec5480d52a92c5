import { describe, it, expect } from 'vitest';
import { CollectionThrottle, collectGarbage } from '../../src/base/collect-garbage.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('collectGarbage', () => {
  it('runs a full collection on this runtime (Node 20)', async () => {
    const ref = ((): WeakRef<object> => new WeakRef({ payload: new Array(1000).fill(1) }))();
    await new Promise((r) => setImmediate(r)); // a WeakRef's target is kept until the current job ends
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });
});

describe('CollectionThrottle', () => {
  it('collects at once, then folds the requests of the next interval into one collection at its end', async () => {
    const at: number[] = [];
    const t = new CollectionThrottle(200, () => at.push(performance.now()));
    const start = performance.now();
    t.request();
    expect(at).toHaveLength(1); // the first request: at once
    t.request();
    t.request();
    await sleep(20);
    t.request();
    expect(at).toHaveLength(1); // within the interval: none yet
    await sleep(400);
    expect(at).toHaveLength(2); // one for all three, at the interval's end
    expect(at[1]! - start).toBeGreaterThanOrEqual(195);
    await sleep(250);
    expect(at).toHaveLength(2); // nothing requested since
    t.request();
    expect(at).toHaveLength(3); // the interval has passed: at once again
  });

  it('every request is followed by a collection within the interval, under a steady stream of requests', async () => {
    let n = 0;
    let lastCollection = 0;
    const t = new CollectionThrottle(50, () => { n++; lastCollection = performance.now(); });
    const first = performance.now();
    let lastRequest = 0;
    for (let i = 0; i < 30; i++) { t.request(); lastRequest = performance.now(); await sleep(10); }
    const during = n;
    await sleep(120);
    // 300+ ms of requests: at most one per 50 ms, and the last request is followed by a collection.
    expect(during).toBeGreaterThanOrEqual(3);
    expect(during).toBeLessThanOrEqual(Math.ceil((lastRequest - first) / 50) + 1);
    expect(lastCollection).toBeGreaterThanOrEqual(lastRequest);
    const settled = n;
    await sleep(120);
    expect(n).toBe(settled);
  });
});

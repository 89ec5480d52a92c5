import { describe, it, expect } from 'vitest';
import { collectGarbage } from '../../src/base/collect-garbage.js';

describe('collectGarbage', () => {
  it('runs a full collection on this runtime (Node 20)', async () => {
    const ref = ((): WeakRef<object> => new WeakRef({ payload: new Array(1000).fill(1) }))();
    await new Promise((r) => setImmediate(r)); // a WeakRef's target is kept until the current job ends
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });
});

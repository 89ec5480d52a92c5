/**
 * A reader hands a closed iterator out again (one per table a point read
 * probes): a reused iterator starts fresh, a second close does not hand the
 * same iterator to two readers, and interleaved iterators stay independent.
 */
import { describe, it, expect } from 'vitest';
import { buildTable, k } from './helpers.js';

describe('sstable iterator reuse', () => {
  it('a closed iterator comes back fresh; closing twice never shares one iterator between two users', async () => {
    const entries = Array.from({ length: 500 }, (_, i) => [k(i), Buffer.from(`v${i}`)] as [Buffer, Buffer]);
    const { reader } = await buildTable(entries, { blockSize: 256 });
    const a = reader.iterator();
    await a.seek(k(400));
    expect(Buffer.from(a.key()).equals(k(400))).toBe(true);
    a.close();
    a.close();
    const b = reader.iterator();
    const c = reader.iterator();
    expect(b).toBe(a);
    expect(c).not.toBe(b);
    // The reused iterator holds nothing of its previous position.
    expect(b.valid()).toBe(false);
    await b.seek(k(10));
    await c.seek(k(300));
    for (let i = 0; i < 50; i++) {
      expect(Buffer.from(b.key()).equals(k(10 + i))).toBe(true);
      expect(Buffer.from(c.value()).toString()).toBe(`v${300 + i}`);
      await b.next();
      await c.next();
    }
    b.close();
    c.close();
  });
});

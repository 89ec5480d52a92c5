import { describe, expect, it, vi } from 'vitest';
import { Cancellation, type CancelSignal } from '../../src/base/cancel-signal.js';

describe('Cancellation', () => {
  it('starts not aborted; abort() sets aborted and calls each listener once, in order', () => {
    const c = new Cancellation();
    const calls: string[] = [];
    c.signal.addEventListener('abort', () => calls.push('a'));
    c.signal.addEventListener('abort', () => calls.push('b'), { once: true });
    expect(c.signal.aborted).toBe(false);
    c.abort();
    c.abort();
    expect(c.signal.aborted).toBe(true);
    expect(calls).toEqual(['a', 'b']);
  });

  it('a removed listener is not called; one added twice is registered once; none is called when added after the abort', () => {
    const c = new Cancellation();
    const calls: string[] = [];
    const a = (): void => { calls.push('a'); };
    const b = (): void => { calls.push('b'); };
    c.addEventListener('abort', a);
    c.addEventListener('abort', a);
    c.addEventListener('abort', b);
    c.removeEventListener('abort', b);
    c.removeEventListener('abort', () => {}); // not registered: nothing happens
    c.abort();
    c.addEventListener('abort', b);
    expect(calls).toEqual(['a']);
  });

  it('a listener that throws does not stop the others; its error is rethrown from a microtask', () => {
    const queued: Array<() => void> = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((f) => { queued.push(f); });
    try {
      const c = new Cancellation();
      const calls: string[] = [];
      c.addEventListener('abort', () => { throw new Error('boom'); });
      c.addEventListener('abort', () => calls.push('after'));
      c.abort();
      expect(calls).toEqual(['after']);
      expect(queued).toHaveLength(1);
      expect(() => queued[0]!()).toThrow('boom');
    } finally {
      spy.mockRestore();
    }
  });

  it('an AbortSignal is a CancelSignal (callers may pass either)', () => {
    const ac = new AbortController();
    const s: CancelSignal = ac.signal;
    let fired = 0;
    s.addEventListener('abort', () => fired++, { once: true });
    ac.abort();
    expect([s.aborted, fired]).toEqual([true, 1]);
  });
});

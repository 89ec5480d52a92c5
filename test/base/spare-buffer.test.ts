import { describe, it, expect, vi, afterEach } from 'vitest';
import { giveBuffer, takeBuffer } from '../../src/base/spare-buffer.js';

const MiB = 1 << 20;

afterEach(() => { vi.useRealTimers(); });

describe('spare buffer', () => {
  it('hands the spare to one taker when it is big enough, and allocates otherwise', () => {
    const b = Buffer.allocUnsafeSlow(4 * MiB);
    giveBuffer(b);
    expect(takeBuffer(5 * MiB)).not.toBe(b); // too small: a new one, the spare stays
    expect(takeBuffer(3 * MiB)).toBe(b);
    expect(takeBuffer(3 * MiB)).not.toBe(b); // taken: never handed out twice
  });

  it('keeps the two biggest offers, hands out the smallest that fits, and ignores small buffers', () => {
    const big = Buffer.allocUnsafeSlow(8 * MiB);
    const mid = Buffer.allocUnsafeSlow(4 * MiB);
    const small = Buffer.allocUnsafeSlow(2 * MiB);
    giveBuffer(big);
    giveBuffer(small);
    giveBuffer(mid); // three offers: the smallest (2 MiB) is dropped
    giveBuffer(Buffer.allocUnsafeSlow(1024));
    expect(takeBuffer(1)).toBe(mid);
    expect(takeBuffer(1)).toBe(big);
    expect(takeBuffer(1).length).toBe(1); // small was dropped, 1 KiB never kept
  });

  it('drops the spare after it has been idle, so an idle server does not keep it resident', () => {
    vi.useFakeTimers();
    const b = Buffer.allocUnsafeSlow(2 * MiB);
    giveBuffer(b);
    vi.advanceTimersByTime(11_000);
    expect(takeBuffer(MiB)).not.toBe(b);
  });
});

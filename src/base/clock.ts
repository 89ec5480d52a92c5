/**
 * Injected time. Bigtable timestamps are microseconds with millisecond
 * granularity, so `nowMicros` is always a multiple of 1000.
 */
export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  nowMillis(): number;
  /** Wall-clock microseconds since the epoch, truncated to milliseconds. */
  nowMicros(): number;
}

export const systemClock: Clock = {
  nowMillis: () => Date.now(),
  nowMicros: () => Date.now() * 1000,
};

/** A clock that moves only when told to; for tests. */
export class ManualClock implements Clock {
  constructor(private millis = 1_700_000_000_000) {}
  nowMillis(): number { return this.millis; }
  nowMicros(): number { return this.millis * 1000; }
  advance(ms: number): void { this.millis += ms; }
  set(ms: number): void { this.millis = ms; }
}

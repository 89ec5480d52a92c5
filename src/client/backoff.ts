/**
 * Exponential backoff with full jitter, shared by resumed scans and the
 * buffered mutator: attempt n (1-based) waits a random time in
 * [0, min(max, initial · 2^(n-1))].
 */
export interface BackoffOptions {
  /** First retry's upper bound in ms (default 10). */
  initialBackoffMs?: number;
  /** Cap in ms (default 1000). */
  maxBackoffMs?: number;
  /** Retries after the first attempt before giving up (default 10 for reads, 5 for mutations). */
  maxRetries?: number;
  /** Injected randomness in [0, 1) (tests). */
  random?: () => number;
}

/** The delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, o: BackoffOptions = {}): number {
  const initial = o.initialBackoffMs ?? 10;
  const max = o.maxBackoffMs ?? 1000;
  const bound = Math.min(max, initial * 2 ** Math.min(30, attempt - 1));
  return Math.floor((o.random ?? Math.random)() * bound);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

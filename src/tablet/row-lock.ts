/**
 * Per-row exclusive locks for read-modify-write operations (CheckAndMutateRow,
 * ReadModifyWriteRow). Plain writes only wait when the row is locked, so the
 * common path costs one Map size check.
 */
export class RowLocks {
  private readonly held = new Map<string, Promise<void>>();

  get size(): number { return this.held.size; }

  isLocked(row: Buffer): boolean {
    return this.held.size > 0 && this.held.has(row.toString('latin1'));
  }

  /** Resolves once `row` is not locked (without taking the lock). */
  async waitUnlocked(row: Buffer): Promise<void> {
    const k = row.toString('latin1');
    let p: Promise<void> | undefined;
    while ((p = this.held.get(k))) await p;
  }

  /** Runs fn while holding the row's lock; callers queue in arrival order. */
  async with<T>(row: Buffer, fn: () => Promise<T>): Promise<T> {
    const k = row.toString('latin1');
    let p: Promise<void> | undefined;
    while ((p = this.held.get(k))) await p;
    let release!: () => void;
    this.held.set(k, new Promise<void>((r) => (release = r)));
    try {
      return await fn();
    } finally {
      this.held.delete(k);
      release();
    }
  }
}

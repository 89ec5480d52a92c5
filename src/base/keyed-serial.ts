/**
 * Runs tasks one at a time per key, in call order; tasks of different keys
 * run in parallel. A failed task does not stop the ones queued after it.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const p = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = p.then(() => {}, () => {});
    this.tails.set(key, tail);
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key); });
    return p;
  }
}

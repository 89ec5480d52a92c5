/**
 * Test helper: a Storage over MemoryStorage whose every operation waits for a
 * fast-check scheduler before it takes effect, so property tests explore the
 * interleavings of concurrent writers. The hooks run synchronously with the
 * effect: `onWritten` for every file created, `onDeleted` for every delete.
 */
import type fc from 'fast-check';
import type { MemoryStorage } from '../../src/storage/memory-storage.js';
import type { Storage } from '../../src/storage/storage.js';

export interface StorageHooks {
  onWritten?: (name: string, data: Uint8Array) => void;
  onDeleted?: (name: string) => void;
}

export function scheduledStorage(mem: MemoryStorage, s: fc.Scheduler, hooks: StorageHooks = {}): Storage {
  const gate = <T>(label: string, f: () => Promise<T>): Promise<T> => s.schedule(Promise.resolve(), label).then(f);
  return {
    open: (n) => gate(`open ${n}`, () => mem.open(n)),
    readAll: (n) => gate(`readAll ${n}`, () => mem.readAll(n)),
    writeFile: (n, d) => gate(`writeFile ${n}`, () => {
      const existed = mem.entryOf(n) !== undefined;
      const p = mem.writeFile(n, d);
      if (!existed) hooks.onWritten?.(n, d);
      return p;
    }),
    writeIfAbsent: (n, d) => gate(`writeIfAbsent ${n}`, () => {
      const existed = mem.entryOf(n) !== undefined;
      const p = mem.writeIfAbsent(n, d);
      if (!existed) hooks.onWritten?.(n, d);
      return p;
    }),
    createLog: (n) => gate(`createLog ${n}`, () => mem.createLog(n)),
    list: (p) => gate(`list ${p}`, () => mem.list(p)),
    stat: (n) => gate(`stat ${n}`, () => mem.stat(n)),
    delete: (n) => gate(`delete ${n}`, () => {
      const p = mem.delete(n);
      hooks.onDeleted?.(n);
      return p;
    }),
  };
}

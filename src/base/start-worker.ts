/**
 * Starts a worker thread from a module URL, TypeScript or compiled: under
 * vitest or tsx the source is TypeScript, and the worker registers tsx's
 * loader before importing its entry.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(entry: URL, opts: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, opts);
  const api = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(source, { ...opts, eval: true });
}

/** The URL of a sibling module of `self` (an import.meta.url): `name`.ts when self is TypeScript, else `name`.js. */
export function siblingModule(self: string, name: string): URL {
  return new URL(`${name}${self.endsWith('.ts') ? '.ts' : '.js'}`, self);
}

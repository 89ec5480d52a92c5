/**
 * Worker-thread entry for tablet jobs: serves flush/compact requests, each
 * against the local directory its message names (a pool's thread serves
 * every host of the process; see job-runner.ts).
 */
import { parentPort } from 'node:worker_threads';
import { serveJobs } from '../lsm/compaction/job-runner.js';
import { LocalStorage } from '../storage/local-storage.js';
import { tabletJobs } from './tablet-jobs.js';
import { CollectionThrottle } from '../base/collect-garbage.js';

if (!parentPort) throw new Error('job-worker must run in a worker thread');

// A storage per root, the most recent few kept (a LocalStorage only remembers which directories it made).
const storages = new Map<string, LocalStorage>();
function storageFor(spec: unknown): LocalStorage {
  const s = spec as { kind?: unknown; root?: unknown } | undefined;
  if (s?.kind !== 'local' || typeof s.root !== 'string') throw new Error(`job-worker: unsupported storage spec ${JSON.stringify(spec)}`);
  let st = storages.get(s.root);
  if (st) storages.delete(s.root);
  else st = new LocalStorage(s.root);
  storages.set(s.root, st);
  if (storages.size > 16) storages.delete(storages.keys().next().value!);
  return st;
}

// Collected after jobs, at most once a second. A flush sends its memtable as shared memory, which
// does not prompt V8 to collect here, and a compaction leaves big buffers behind: this thread
// allocates few objects of its own, so without it they stayed resident long after. Not after every
// job: each collection costs the next job its optimised code (base/collect-garbage.ts).
const collections = new CollectionThrottle(1000);
serveJobs(parentPort, storageFor, tabletJobs, () => collections.request());

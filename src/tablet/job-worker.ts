/**
 * Worker-thread entry for tablet jobs: rebuilds the storage from its spec
 * (workerData) and serves flush/compact requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveJobs } from '../lsm/compaction/job-runner.js';
import { LocalStorage } from '../storage/local-storage.js';
import { tabletJobs } from './tablet-jobs.js';

const spec = workerData as { kind: 'local'; root: string };
if (!parentPort) throw new Error('job-worker must run in a worker thread');
serveJobs(parentPort, new LocalStorage(spec.root), tabletJobs);

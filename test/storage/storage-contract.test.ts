/**
 * Runs the Storage contract against every implementation. Note: names are
 * kept free of file/directory clashes ('a' next to 'a/x'); a file system
 * cannot hold both, so the contract does not promise it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../src/storage/memory-storage.js';
import { LocalStorage } from '../../src/storage/local-storage.js';
import { FaultyStorage } from '../../src/storage/faulty-storage.js';
import { describeStorageContract } from './storage-contract.js';

describeStorageContract('MemoryStorage', async () => ({ storage: new MemoryStorage(), cleanup: async () => {} }));

describeStorageContract(
  'LocalStorage',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabula-storage-'));
    // A root that does not exist yet: the first write creates it.
    return { storage: new LocalStorage(join(dir, 'root')), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
);

describeStorageContract(
  'LocalStorage, reads through the threadpool (no read worker)',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabula-storage-'));
    return { storage: new LocalStorage(join(dir, 'root'), { readWorker: false }), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
);

describeStorageContract('FaultyStorage(MemoryStorage)', async () => ({
  storage: new FaultyStorage(new MemoryStorage()),
  cleanup: async () => {},
}));

describeStorageContract(
  'FaultyStorage(LocalStorage)',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabula-storage-'));
    return { storage: new FaultyStorage(new LocalStorage(dir)), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
);

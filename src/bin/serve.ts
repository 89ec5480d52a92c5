/**
 * Composition root of the embedded server (`tabula serve`): master, one
 * tablet server and the Bigtable API in one process, data in one directory.
 * The parts talk through the same interfaces a cluster uses over the network.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalStorage } from '../storage/local-storage.js';
import { TabletServer } from '../tabletserver/tablet-server.js';
import { Master } from '../master/master.js';
import { Router } from '../api/router.js';
import { startApiServer } from '../api/api-server.js';
import { collectUnreferencedFiles } from '../lsm/manifest/file-gc.js';
import { logger } from '../base/log.js';

const log = logger('serve');

export interface ServeOptions {
  data: string;
  host: string;
  port: number;
  /** Bytes of the shared block cache. */
  cacheBytes?: number;
  /** false = do not fsync the WAL (benchmarks only; acknowledged writes may be lost). */
  walSync?: boolean;
}

export interface EmbeddedServer {
  host: string;
  port: number;
  data: string;
  close(): Promise<void>;
}

export async function serve(opts: ServeOptions): Promise<EmbeddedServer> {
  const data = resolve(opts.data);
  mkdirSync(data, { recursive: true });
  const storage = new LocalStorage(data);
  const server = await TabletServer.open({
    storage, serverId: 'embedded', jobs: { localRoot: data }, cacheBytes: opts.cacheBytes, walSync: opts.walSync,
  });
  const master = await Master.open({ dir: join(data, 'master'), servers: new Map([[server.serverId, server]]) });
  const router = new Router(master, { server: () => server });
  const api = await startApiServer({ host: opts.host, port: opts.port, data: router, admin: master });

  // SSTables no manifest references any more (compacted, dropped tables) are deleted in the background.
  const gc = setInterval(() => {
    collectUnreferencedFiles(storage, { sstPrefix: 'sst/', manifestDirsPrefix: 'tablets/', minAgeMs: 10 * 60_000 })
      .then((gone) => gone.length && log.info({ files: gone.length }, 'deleted unreferenced SSTables'))
      .catch((e) => log.warn({ err: String(e) }, 'file GC failed'));
  }, 5 * 60_000);
  gc.unref();

  let closing: Promise<void> | undefined;
  return {
    host: opts.host,
    port: api.port,
    data,
    close: () => (closing ??= (async () => {
      clearInterval(gc);
      await api.close();
      await server.close({ flush: true });
      await master.close();
    })()),
  };
}

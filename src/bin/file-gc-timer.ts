/**
 * Runs file GC (lsm/manifest/file-gc.ts) over the shared storage in the
 * background: SSTables no manifest references any more (compacted away,
 * dropped tables, deleted backups) are deleted every `intervalMs`, except
 * files younger than `minAgeMs` (a flush or compaction may have written one
 * whose manifest is not installed yet). One process per storage runs it:
 * `tabula serve`, or the master of a cluster.
 */
import { logger } from '../base/log.js';
import { collectUnreferencedFiles } from '../lsm/manifest/file-gc.js';
import type { Storage } from '../storage/storage.js';
import type { OptionSpec } from '../ops/config-options.js';
import { duration } from './option-parsers.js';

const log = logger('file-gc');

export interface FileGcOptions {
  /** How often (ms); 0 = never. */
  intervalMs: number;
  /** Files younger than this (ms) are kept. */
  minAgeMs: number;
}

export const FILE_GC_DEFAULTS: FileGcOptions = { intervalMs: 5 * 60_000, minAgeMs: 10 * 60_000 };

/** `--file-gc-interval` and `--file-gc-min-age` of the process that runs it (`tabula serve`, `tabula master`). */
export const FILE_GC_OPTION_SPECS: OptionSpec[] = [
  {
    flag: '--file-gc-interval <duration>', description: 'how often SSTables no table or backup references are deleted (0 = never)',
    env: 'TABULA_FILE_GC_INTERVAL', default: FILE_GC_DEFAULTS.intervalMs, defaultText: '5m', parse: duration,
  },
  {
    flag: '--file-gc-min-age <duration>', description: 'keep files younger than this (a flush or compaction may not have installed its manifest yet)',
    env: 'TABULA_FILE_GC_MIN_AGE', default: FILE_GC_DEFAULTS.minAgeMs, defaultText: '10m', parse: duration,
  },
];

/** Starts the periodic GC; the returned function stops it and waits for a pass in progress. */
export function startFileGc(storage: Storage, opts: FileGcOptions): () => Promise<void> {
  if (opts.intervalMs <= 0) return async () => {};
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => collectUnreferencedFiles(storage, { sstPrefix: 'sst/', manifestDirsPrefix: 'tablets/', minAgeMs: opts.minAgeMs })
      .then((gone) => { if (gone.length) log.info({ files: gone.length }, 'deleted unreferenced SSTables'); })
      .catch((e) => log.warn({ err: String(e) }, 'file GC failed')));
  }, opts.intervalMs);
  timer.unref();
  return async () => { clearInterval(timer); await running; };
}

/**
 * Starts the two servers of the differential test. The oracle is always
 * Google's emulator; the subject is chosen by TABULA_DIFF_SUBJECT:
 *  - `tabula` (default): the real `tabula serve` (startTabula);
 *  - `emulator`: a second emulator (self-check of the harness: everything but
 *    the named divergences must pass);
 *  - `memory`: the API frontend in-process over the naive reference backend.
 */
import { startApiServer } from '../../src/api/api-server.js';
import { MemoryBackend } from '../api/memory-backend.js';
import { startEmulator, startTabula, type RunningServer } from '../support/servers.js';
import { makeTarget, type Target } from './diff-clients.js';

export type SubjectKind = 'tabula' | 'emulator' | 'memory';

export const SUBJECT: SubjectKind = ((): SubjectKind => {
  const v = process.env.TABULA_DIFF_SUBJECT ?? 'tabula';
  if (v !== 'tabula' && v !== 'emulator' && v !== 'memory') throw new Error(`TABULA_DIFF_SUBJECT=${v}: expected tabula, emulator or memory`);
  return v;
})();

export interface Pair {
  emulator: Target;
  subject: Target;
  /**
   * Tabula only: stops the subject gracefully (flushing memtables to
   * SSTables) and starts it again on the same data directory; `subject` is
   * replaced. Returns false (and does nothing) for the other subjects.
   */
  restartSubject(): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startPair(): Promise<Pair> {
  const emu = await startEmulator();
  const stops: Array<() => Promise<void>> = [() => emu.stop()];
  let subjectEndpoint: string;
  let tabula: RunningServer | undefined;
  try {
    if (SUBJECT === 'tabula') {
      tabula = await startTabula();
      stops.push(() => tabula!.stop());
      subjectEndpoint = tabula.endpoint;
    } else if (SUBJECT === 'emulator') {
      const e2 = await startEmulator();
      stops.push(() => e2.stop());
      subjectEndpoint = e2.endpoint;
    } else {
      const backend = new MemoryBackend();
      const s = await startApiServer({ host: '127.0.0.1', port: 0, data: backend, admin: backend });
      stops.push(() => s.close());
      subjectEndpoint = `127.0.0.1:${s.port}`;
    }
  } catch (e) {
    await emu.kill();
    throw e;
  }
  const emulator = makeTarget('emulator', emu.endpoint);
  const pair: Pair = {
    emulator,
    subject: makeTarget(SUBJECT, subjectEndpoint),
    restartSubject: async () => {
      if (tabula === undefined) return false;
      pair.subject.close();
      await tabula.stop();
      tabula = await startTabula({ dataDir: tabula.dataDir });
      pair.subject = makeTarget(SUBJECT, tabula.endpoint);
      return true;
    },
    stop: async () => {
      emulator.close();
      pair.subject.close();
      await Promise.all(stops.map((s) => s()));
    },
  };
  return pair;
}

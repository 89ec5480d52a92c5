/**
 * The process-wide worker pool behind newWorkerRunner: runners opened one
 * after another share warm threads, each job reaches the storage its own
 * runner names, closing one runner waits for its own jobs only, and a dead
 * thread is replaced.
 */
import { describe, it, expect } from 'vitest';
import { newWorkerRunner } from '../../src/lsm/compaction/job-runner.js';

const workerUrl = new URL('./fixtures/pool-worker.ts', import.meta.url);
type Where = { threadId: number; storage: string };

describe('worker job runner (process-wide pool)', () => {
  it('a job\'s input is collected once the job is answered (its thread collects after each job)', async () => {
    // Shared memory, as a flush sends its memtable: V8 does not schedule collections for it, and
    // without the collection after each job this idle thread kept it (alive stays 1).
    const r = newWorkerRunner({ workerUrl, storageSpec: { name: 'gc' } });
    const { threadId } = await r.run<{ threadId: number }>('hold', { shared: new Int32Array(new SharedArrayBuffer(1 << 20)) });
    const got = await r.run<{ threadId: number; held: number; alive: number }>('held', {});
    await r.close();
    expect(got.threadId).toBe(threadId); // the same thread, or the check below proves nothing
    expect(got.held).toBeGreaterThanOrEqual(1);
    expect(got.alive).toBe(0);
  });

  it('runners opened one after another reuse the same thread', async () => {
    const a = newWorkerRunner({ workerUrl, storageSpec: { name: 'a' } });
    const first = await a.run<Where>('where', {});
    await a.close();
    const b = newWorkerRunner({ workerUrl, storageSpec: { name: 'b' } });
    const second = await b.run<Where>('where', {});
    await b.close();
    expect(second.threadId).toBe(first.threadId);
    expect(first.storage).toBe('a');
    expect(second.storage).toBe('b');
  });

  it('concurrent runners each reach their own storage', async () => {
    const rs = ['x', 'y', 'z'].map((name) => ({ name, r: newWorkerRunner({ workerUrl, storageSpec: { name }, threads: 2 }) }));
    const out = await Promise.all(rs.flatMap(({ name, r }) => [1, 2, 3].map(async (i) => ({ name, got: await r.run<Where>('where', { wait: i * 5 }) }))));
    for (const { name, got } of out) expect(got.storage).toBe(name);
    await Promise.all(rs.map(({ r }) => r.close()));
  });

  it('close waits for the runner\'s own jobs, then refuses new ones; other runners go on', async () => {
    const a = newWorkerRunner({ workerUrl, storageSpec: { name: 'a' } });
    const b = newWorkerRunner({ workerUrl, storageSpec: { name: 'b' } });
    let done = false;
    const job = a.run<Where>('where', { wait: 50 }).then((w) => { done = true; return w; });
    await a.close();
    expect(done).toBe(true);
    expect((await job).storage).toBe('a');
    await expect(a.run('where', {})).rejects.toThrow(/closed/);
    expect((await b.run<Where>('where', {})).storage).toBe('b');
    await b.close();
  });

  it('runners open at once get a thread each (as each had its own before); threads stay for later runners', async () => {
    const a = newWorkerRunner({ workerUrl, storageSpec: { name: 'a' } });
    const b = newWorkerRunner({ workerUrl, storageSpec: { name: 'b' } });
    const c = newWorkerRunner({ workerUrl, storageSpec: { name: 'c' } });
    // Three slow jobs at once land on three different threads.
    const ids = await Promise.all([a, b, c].map((r) => r.run<Where>('where', { wait: 100 })));
    expect(new Set(ids.map((w) => w.threadId)).size).toBe(3);
    await Promise.all([a, b, c].map((r) => r.close()));
    const d = newWorkerRunner({ workerUrl, storageSpec: { name: 'd' } });
    expect(ids.map((w) => w.threadId)).toContain((await d.run<Where>('where', {})).threadId);
    await d.close();
  });

  it('a thread that dies fails its jobs and is replaced for the next ones', async () => {
    const r = newWorkerRunner({ workerUrl, storageSpec: { name: 'd' } });
    const before = await r.run<Where>('where', {});
    await expect(r.run('die', {})).rejects.toThrow(/exited with code 3/);
    const after = await r.run<Where>('where', {});
    expect(after.storage).toBe('d');
    expect(after.threadId).not.toBe(before.threadId);
    await r.close();
  });
});

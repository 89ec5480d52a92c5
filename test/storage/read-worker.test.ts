import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checksum32 } from '../../src/base/checksum.js';
import { READ_WORKER_MAX_BYTES, ReadWorker, sharedReadWorker } from '../../src/storage/read-worker.js';

const dir = mkdtempSync(join(tmpdir(), 'tabula-read-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `size` bytes, each a function of its position; returns its bytes and an open fd. */
function testFile(name: string, size: number): { bytes: Buffer; fd: number } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >>> 8)) & 0xff;
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { bytes, fd: openSync(path, 'r') };
}

describe('ReadWorker', () => {
  it('reads what pread reads: any range (short at the end of the file, empty past it), into any offset, many more at once than it has slots, with the checksum of the first bytes asked for (property)', async () => {
    const size = 300_000;
    const { bytes, fd } = testFile('a', size);
    const rw = sharedReadWorker()!;
    expect(rw).toBeDefined();
    const read = fc.record({
      position: fc.integer({ min: 0, max: size + 10 }),
      length: fc.integer({ min: 0, max: READ_WORKER_MAX_BYTES }),
      at: fc.integer({ min: 0, max: 9 }),
      hashShare: fc.double({ min: 0, max: 1, noNaN: true }),
      // Into shared memory (read into directly) at some offset of it, or plain memory (copied from a slot).
      shared: fc.boolean(),
      viewShift: fc.integer({ min: 0, max: 9 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(read, { minLength: 1, maxLength: 200 }), async (reads) => {
        const results = await Promise.all(reads.map(async ({ position, length, at, hashShare, shared, viewShift }) => {
          const size = viewShift + at + length + 3;
          const into = Buffer.from(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size), viewShift).fill(0xee);
          const hashLength = Math.floor(hashShare * length);
          const { n, hash } = await rw.read(fd, into, at, length, position, hashLength);
          return { position, length, at, into, n, hash, hashLength };
        }));
        for (const { position, length, at, into, n, hash, hashLength } of results) {
          const want = bytes.subarray(Math.min(position, size), Math.min(position + length, size));
          expect(n).toBe(want.length);
          // Hashed when asked and the hashed range was read whole.
          expect(hash).toBe(hashLength > 0 && n >= hashLength ? checksum32(want.subarray(0, hashLength)) : undefined);
          expect(into.subarray(at, at + n).equals(want)).toBe(true);
          expect(into.subarray(0, at).every((b) => b === 0xee)).toBe(true); // nothing else written
          expect(into.subarray(at + n).every((b) => b === 0xee)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
    closeSync(fd);
  });

  it('fails a read with the error fs.read gives (code, errno), and keeps serving others', async () => {
    const rw = sharedReadWorker()!;
    const dirFd = openSync(dir, 'r');
    const into = Buffer.alloc(10);
    await expect(rw.read(dirFd, into, 0, 10, 0)).rejects.toMatchObject({ code: 'EISDIR', syscall: 'read' });
    closeSync(dirFd);
    await expect(rw.read(1 << 20, into, 0, 10, 0)).rejects.toMatchObject({ code: 'EBADF' });
    const { bytes, fd } = testFile('b', 100);
    expect((await rw.read(fd, into, 0, 10, 5)).n).toBe(10);
    expect(into.equals(bytes.subarray(5, 15))).toBe(true);
    await expect(rw.read(fd, into, 0, READ_WORKER_MAX_BYTES + 1, 0)).rejects.toThrow(RangeError);
    await expect(rw.read(fd, into, 0, 10, 0, 11)).rejects.toThrow(RangeError);
    closeSync(fd);
  });

  it('once closed (or dead), fails the reads it held and refuses new ones', async () => {
    const rw = new ReadWorker();
    const { fd } = testFile('c', 1000);
    const into = Buffer.alloc(100);
    expect((await rw.read(fd, into, 0, 100, 0)).n).toBe(100); // started and serving
    const held = Array.from({ length: 100 }, () => rw.read(fd, Buffer.alloc(100), 0, 100, 0).then(() => 'read', () => 'failed'));
    await rw.close();
    // Each held read either completed before the close or failed: none is left hanging.
    for (const r of await Promise.all(held)) expect(['read', 'failed']).toContain(r);
    expect(rw.usable).toBe(false);
    await expect(rw.read(fd, into, 0, 100, 0)).rejects.toThrow(/closed/);
    closeSync(fd);
  });

  it('keeps a process alive while a read is in flight, and lets it exit once idle', () => {
    // The child's only pending work is the read (Atomics.waitAsync holds no handle): without the
    // worker's ref it would exit before printing; without the unref it would never exit.
    const path = join(dir, 'child');
    writeFileSync(path, 'hello from the read worker');
    const mod = new URL('../../src/storage/read-worker.ts', import.meta.url).href;
    const script = `
      import { openSync } from 'node:fs';
      const { sharedReadWorker } = await import(${JSON.stringify(mod)});
      const into = Buffer.alloc(26);
      sharedReadWorker().read(openSync(${JSON.stringify(path)}, 'r'), into, 0, 26, 0).then(({ n }) => console.log(n, into.toString()));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8' });
    expect(out.trim()).toBe('26 hello from the read worker');
  });
});

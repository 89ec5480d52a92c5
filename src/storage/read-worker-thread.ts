/**
 * The read worker's thread (see read-worker.ts for the protocol): takes
 * requests from the submission ring, preads each into its slot, publishes
 * the completions, and wakes the main thread once per batch; when asked, it
 * also checksums what it read (checksum32). With nothing
 * to do it polls for SPIN_MS before it sleeps, so a steady stream of reads
 * finds it awake: waking a sleeping thread is what a threadpool read cost
 * the main thread on the bench VMs.
 */
import { readSync } from 'node:fs';
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { checksum32 } from '../base/checksum.js';
import { C_DONE, C_HEAD, C_SLEEPING, REQUEST_FIELDS, SPIN_MS, type ReadWorkerMemory, type TargetMessage } from './read-worker-memory.js';

const m = workerData as ReadWorkerMemory & { targets: MessagePort };
const { ctrl, requests, submitted, completed, status, hashes } = m;
const data = new Uint8Array(m.data);
const mask = submitted.length - 1;

/** The shared memory the main thread reads into directly, by id (read-worker-memory.ts). */
const targets = new Map<number, Uint8Array>();

/** Takes the target messages sent so far. */
function takeTargetMessages(): void {
  for (let msg = receiveMessageOnPort(m.targets); msg; msg = receiveMessageOnPort(m.targets)) {
    const t = msg.message as TargetMessage;
    if (t.buffer) targets.set(t.id!, new Uint8Array(t.buffer));
    for (const id of t.forget ?? []) targets.delete(id);
  }
}

/** Target `id`; its message was posted before the request naming it was submitted. */
function target(id: number): Uint8Array | undefined {
  let t = targets.get(id);
  if (t === undefined) {
    takeTargetMessages();
    t = targets.get(id);
  }
  return t;
}

let tail = 0;
for (;;) {
  let head = Atomics.load(ctrl, C_HEAD);
  if (head === tail) {
    const until = performance.now() + SPIN_MS;
    while ((head = Atomics.load(ctrl, C_HEAD)) === tail && performance.now() < until);
    if (head === tail) {
      takeTargetMessages(); // idle: forget the memory the main thread let go of
      // Announce the sleep, then look once more: a request stored after the announcement is
      // notified (the submitter reads C_SLEEPING after storing C_HEAD), one stored before it is seen here.
      Atomics.store(ctrl, C_SLEEPING, 1);
      Atomics.wait(ctrl, C_HEAD, tail);
      Atomics.store(ctrl, C_SLEEPING, 0);
      continue;
    }
  }
  let done = Atomics.load(ctrl, C_DONE);
  while (tail !== head) {
    const slot = submitted[tail & mask]!;
    const r = REQUEST_FIELDS * slot;
    // Into the slot, or straight into the caller's shared memory (a target).
    const targetId = requests[r + 4]!;
    const into = targetId < 0 ? data : target(targetId);
    const at = targetId < 0 ? slot * m.slotBytes : requests[r + 5]!;
    let n: number;
    if (into === undefined) {
      n = -22; // EINVAL: a target never announced (a bug on the main thread)
    } else {
      try {
        n = readSync(requests[r]!, into, at, requests[r + 2]!, requests[r + 1]!);
      } catch (e) {
        const errno = (e as NodeJS.ErrnoException).errno;
        n = typeof errno === 'number' && errno < 0 ? errno : -5; // EIO when the error names none
      }
    }
    // Hashed here, where the bytes are in this core's cache, instead of on the main thread.
    const hashLength = requests[r + 3]!;
    if (into !== undefined && hashLength > 0 && n >= hashLength) hashes[slot] = checksum32(into.subarray(at, at + hashLength));
    status[slot] = n;
    completed[done & mask] = slot;
    done = (done + 1) | 0;
    tail = (tail + 1) | 0;
    // Published per request: the main thread may already be draining, and takes what is there.
    Atomics.store(ctrl, C_DONE, done);
  }
  Atomics.notify(ctrl, C_DONE);
}

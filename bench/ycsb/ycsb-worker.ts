/**
 * A YCSB client worker process (forked by run-ycsb.ts). It owns one lean
 * gRPC client, runs its share of each phase's concurrency as closed-loop
 * async "threads", and reports latency histograms and its own CPU time.
 */
import { performance } from 'node:perf_hooks';
import {
  FAMILY, FIELD_COUNT, FIELD_NAMES, KeyChooser, chooseOp, randomValue, uniformInt,
  type OpKind, type WorkloadSpec,
} from './core-workload.js';
import { BigtableWire, type SetCell } from './bigtable-wire.js';
import { LatencyHistogram } from './latency-histogram.js';
import { LeanBigtableClient } from './lean-bigtable-client.js';
import type { InitMessage, LoadMessage, ParentMessage, RunMessage, WorkerMessage, WorkerResult } from './worker-protocol.js';

let init: InitMessage | undefined;
let client: LeanBigtableClient | undefined;
let wire: BigtableWire | undefined;
/** Inserts done by this worker across all phases (its insert key numbers are recordCount + index + k*workers). */
let inserted = 0;

function send(m: WorkerMessage): void {
  process.send!(m);
}

function allFields(): SetCell[] {
  const cells: SetCell[] = [];
  for (let f = 0; f < FIELD_COUNT; f++) cells.push({ qualifier: FIELD_NAMES[f]!, value: randomValue() });
  return cells;
}

const nowMicros = (): number => Date.now() * 1000;

class Phase {
  readonly overall = new LatencyHistogram();
  readonly perKind = new Map<string, LatencyHistogram>();
  ops = 0;
  errors = 0;
  firstError: string | undefined;
  readMisses = 0;
  partialRows = 0;
  scanRows = 0;
  private readonly t0 = performance.now();
  private readonly cpu0 = process.cpuUsage();

  hist(kind: string): LatencyHistogram {
    let h = this.perKind.get(kind);
    if (h === undefined) this.perKind.set(kind, (h = new LatencyHistogram()));
    return h;
  }

  fail(e: unknown): void {
    this.errors++;
    this.firstError ??= e instanceof Error ? e.message : String(e);
  }

  result(): WorkerResult {
    const cpu = process.cpuUsage(this.cpu0);
    const perKind: WorkerResult['perKind'] = {};
    for (const [k, h] of this.perKind) perKind[k as OpKind] = h.toSparse();
    return {
      type: 'result', workerIndex: init!.workerIndex, ops: this.ops, errors: this.errors, firstError: this.firstError,
      elapsedMs: performance.now() - this.t0, cpuUserUs: cpu.user, cpuSystemUs: cpu.system,
      overall: this.overall.toSparse(), perKind, readMisses: this.readMisses, partialRows: this.partialRows, scanRows: this.scanRows,
      inserted,
    };
  }
}

async function load(m: LoadMessage): Promise<WorkerResult> {
  const phase = new Phase();
  const chooser = new KeyChooser(init!.recordCount, 0, 0);
  let next = m.start;
  const batchHist = phase.hist('batch');
  const loop = async (): Promise<void> => {
    while (next < m.end) {
      const from = next;
      const to = Math.min(m.end, from + m.batchRows);
      next = to;
      const keys: Buffer[] = [];
      const cells: SetCell[][] = [];
      for (let k = from; k < to; k++) {
        keys.push(chooser.rowKey(k));
        cells.push(allFields());
      }
      const req = wire!.mutateRows(keys, (i) => cells[i]!, nowMicros());
      const t = performance.now();
      try {
        const failed = await client!.mutateRows(req);
        if (failed > 0) phase.fail(`${failed} MutateRows entries failed`);
        phase.ops += to - from - failed;
      } catch (e) {
        phase.fail(e);
      }
      const us = (performance.now() - t) * 1000;
      phase.overall.record(us);
      batchHist.record(us);
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, loop));
  return phase.result();
}

async function run(m: RunMessage): Promise<WorkerResult> {
  const spec: WorkloadSpec = m.spec;
  const { recordCount, workerIndex, workerCount, latestOnly } = init!;
  const chooser = new KeyChooser(recordCount, m.totalOps, spec.insert);
  // Keys acknowledged by every worker before this phase; during the phase this
  // worker's own inserts extend it assuming the others keep the same pace
  // (only scan starts can then land on a key not yet written, which is harmless).
  const base = recordCount - 1 + m.insertedPrefix;
  const insertedAtStart = inserted;
  chooser.lastKey = base;
  const phase = new Phase();
  const deadline = performance.now() + m.durationMs;
  let started = 0;
  const hists = new Map<OpKind, LatencyHistogram>();
  for (const k of ['read', 'update', 'insert', 'scan', 'rmw'] as const) hists.set(k, phase.hist(k));
  for (const k of ['read', 'update', 'insert', 'scan', 'rmw'] as const) if (spec[k] === 0) phase.perKind.delete(k);

  const readRow = async (key: Buffer): Promise<void> => {
    const t = await client!.readRows(wire!.readRows(key, false, 0, latestOnly));
    if (t.rows === 0) phase.readMisses++;
    else if (t.cells !== FIELD_COUNT) phase.partialRows++;
  };
  const updateOne = (key: Buffer): Promise<void> => {
    const f = uniformInt(0, FIELD_COUNT - 1);
    return client!.mutateRow(wire!.mutateRow(key, [{ qualifier: FIELD_NAMES[f]!, value: randomValue() }], nowMicros()));
  };

  const loop = async (): Promise<void> => {
    while (started < m.ops && performance.now() < deadline) {
      started++;
      const kind = chooseOp(spec, Math.random());
      const t = performance.now();
      try {
        switch (kind) {
          case 'read':
            await readRow(chooser.rowKey(chooser.nextKeynum()));
            break;
          case 'update':
            await updateOne(chooser.rowKey(chooser.nextKeynum()));
            break;
          case 'insert': {
            const keynum = recordCount + workerIndex + inserted * workerCount;
            await client!.mutateRow(wire!.mutateRow(chooser.rowKey(keynum), allFields(), nowMicros()));
            inserted++;
            if (spec.read === 0 && spec.rmw === 0 && spec.update === 0) chooser.lastKey = base + (inserted - insertedAtStart) * workerCount;
            break;
          }
          case 'scan': {
            const start = chooser.rowKey(chooser.nextKeynum());
            const len = uniformInt(1, spec.maxScanLength);
            const r = await client!.readRows(wire!.readRows(start, true, len, latestOnly));
            phase.scanRows += r.rows;
            break;
          }
          case 'rmw': {
            const key = chooser.rowKey(chooser.nextKeynum());
            await readRow(key);
            await updateOne(key);
            break;
          }
        }
        phase.ops++;
      } catch (e) {
        phase.fail(e);
      }
      const us = (performance.now() - t) * 1000;
      phase.overall.record(us);
      hists.get(kind)!.record(us);
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, loop));
  return phase.result();
}

process.on('message', (raw: unknown) => {
  const m = raw as ParentMessage;
  const reply = (p: Promise<WorkerResult>): void => {
    p.then(send, (e: unknown) => send({ type: 'fatal', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
  };
  switch (m.type) {
    case 'init':
      init = m;
      client = new LeanBigtableClient(m.endpoint, m.channels);
      wire = new BigtableWire(m.tableName, FAMILY);
      send({ type: 'ready', workerIndex: m.workerIndex });
      break;
    case 'load':
      reply(load(m));
      break;
    case 'run':
      reply(run(m));
      break;
    case 'exit':
      client?.close();
      process.disconnect();
      break;
  }
});

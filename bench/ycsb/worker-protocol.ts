/** Messages between the YCSB runner (parent) and its client worker processes. */
import type { OpKind, WorkloadSpec } from './core-workload.js';
import type { SparseHistogram } from './latency-histogram.js';

export interface InitMessage {
  type: 'init';
  endpoint: string;
  tableName: string;
  channels: number;
  recordCount: number;
  workerIndex: number;
  workerCount: number;
  /** Read with cells_per_column_limit_filter=1. */
  latestOnly: boolean;
}

/** Load key numbers [start, end) in MutateRows batches of `batchRows`. */
export interface LoadMessage {
  type: 'load';
  start: number;
  end: number;
  batchRows: number;
  concurrency: number;
}

/** Run a transaction workload: up to `ops` operations or `durationMs`, whichever ends first. */
export interface RunMessage {
  type: 'run';
  spec: WorkloadSpec;
  ops: number;
  /** The whole run's operation count (sizes the zipfian key space, as YCSB's operationcount does). */
  totalOps: number;
  durationMs: number;
  concurrency: number;
  /**
   * Length of the contiguous run of inserted key numbers recordCount.. (all
   * workers' inserts acknowledged before this phase): YCSB's acknowledged
   * insert counter, so reads never choose a key that is not there yet.
   */
  insertedPrefix: number;
}

export type ParentMessage = InitMessage | LoadMessage | RunMessage | { type: 'exit' };

export interface HistogramData {
  buckets: SparseHistogram;
  sumUs: number;
  maxUs: number;
}

export interface WorkerResult {
  type: 'result';
  workerIndex: number;
  /** Operations completed (rows, for load). */
  ops: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** process.cpuUsage() delta over the phase, microseconds. */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** Latency of every op (for load: of every MutateRows batch). */
  overall: HistogramData;
  perKind: Partial<Record<OpKind | 'batch', HistogramData>>;
  /** Point reads (incl. the read of read-modify-write) that found no row. */
  readMisses: number;
  /** Rows read by point reads whose cell count was not the full field count. */
  partialRows: number;
  scanRows: number;
  /** This worker's inserts since it started (its keys are recordCount + workerIndex + k * workerCount, k < inserted). */
  inserted: number;
}

export type WorkerMessage = { type: 'ready'; workerIndex: number } | WorkerResult | { type: 'fatal'; message: string };

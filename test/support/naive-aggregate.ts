/**
 * The naive models' aggregation (test/tablet/naive-model.ts,
 * test/api/memory-backend.ts): an aggregate cell's 8-byte value after an
 * input, written independently of src/model/aggregate.ts so the models stay
 * oracles.
 */
import type { Aggregator } from '../../src/model/aggregate.js';

/** The cell's new value: the input alone when there is no cell, else both combined by `agg`. */
export function naiveAggregate(agg: Aggregator | undefined, old: Buffer | undefined, input: Buffer): Buffer {
  const v = input.readBigInt64BE(0);
  let r = v;
  if (old !== undefined) {
    const o = old.readBigInt64BE(0);
    r = agg === 'sum' ? BigInt.asIntN(64, o + v) : agg === 'min' ? (v < o ? v : o) : (v > o ? v : o);
  }
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(r);
  return out;
}

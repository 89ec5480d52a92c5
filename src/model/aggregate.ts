/**
 * Aggregate column families (google.bigtable.admin.v2.Type.Aggregate): cells
 * that combine the values written to them. Tabula supports the int64
 * aggregators with big-endian encoding — sum, min and max — whose input and
 * state types are the same 8-byte big-endian two's-complement integer, so
 * AddToCell (an input) and MergeToCell (a state) combine alike. Sums wrap
 * around at 64 bits.
 */
export type Aggregator = 'sum' | 'min' | 'max';

/** Aggregators by their code in engine values (tablet/cell-value.ts): persisted, never renumber. */
export const AGGREGATOR_CODES: readonly Aggregator[] = ['sum', 'min', 'max'];

/** Combines two int64 values (big-endian 8-byte buffers) with the aggregator of `code` into `acc`. */
export function combineInto(code: number, acc: Buffer, v: Uint8Array, vOff: number): void {
  const a = acc.readBigInt64BE(0);
  const b = Buffer.from(v.buffer, v.byteOffset + vOff, 8).readBigInt64BE(0);
  let r: bigint;
  switch (code) {
    case 0: r = BigInt.asIntN(64, a + b); break;
    case 1: r = b < a ? b : a; break;
    default: r = b > a ? b : a; break;
  }
  acc.writeBigInt64BE(r, 0);
}

/** An int64 as Bigtable encodes it: 8 bytes, big-endian two's complement. */
export function int64Bytes(v: bigint): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeBigInt64BE(BigInt.asIntN(64, v), 0);
  return out;
}

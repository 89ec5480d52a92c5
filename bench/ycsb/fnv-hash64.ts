/**
 * YCSB's `Utils.fnvhash64(long)`: 64-bit FNV-1 over the 8 little-endian bytes
 * of a non-negative long, then Java's `Math.abs` of the signed result. Used by
 * ScrambledZipfianGenerator and by CoreWorkload's hashed key names.
 *
 * BigInt keeps the Java 64-bit wrap-around exact; callers cache results where
 * it matters (a call costs a few microseconds).
 */
const FNV_OFFSET_BASIS_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 1099511628211n;
const MASK_64 = (1n << 64n) - 1n;

/** fnvhash64(val) for 0 <= val < 2^63; returns a bigint in [0, 2^63] (Java's abs(Long.MIN_VALUE) stays negative; we return it unsigned-negated the same way). */
export function fnvHash64(val: number | bigint): bigint {
  let v = BigInt(val);
  let h = FNV_OFFSET_BASIS_64;
  for (let i = 0; i < 8; i++) {
    const octet = v & 0xffn;
    v >>= 8n;
    h ^= octet;
    h = (h * FNV_PRIME_64) & MASK_64;
  }
  const signed = BigInt.asIntN(64, h);
  // Java: Math.abs(Long.MIN_VALUE) == Long.MIN_VALUE. Reproduce it.
  if (signed === -(1n << 63n)) return signed;
  return signed < 0n ? -signed : signed;
}

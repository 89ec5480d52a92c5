/**
 * A log-linear latency histogram in the style of HdrHistogram: values in
 * microseconds, exact below 256 µs, then 128 sub-buckets per power of two
 * (relative error < 0.8%). Fixed size, so workers can ship it to the parent
 * as a sparse list and the parent can merge by adding counts.
 */
const SUB = 128;
const LINEAR = 2 * SUB; // values below this have their own bucket
const MAX_SHIFT = 32 - 8; // up to 2^32 µs (~71 minutes)
const BUCKETS = LINEAR + MAX_SHIFT * SUB;

/** Bucket of a non-negative integer microsecond value. */
export function bucketOf(us: number): number {
  if (us < LINEAR) return us < 0 ? 0 : us;
  if (us >= 2 ** 32) return BUCKETS - 1;
  const msb = 31 - Math.clz32(us);
  const shift = msb - 7;
  return LINEAR + (shift - 1) * SUB + ((us >>> shift) - SUB);
}

/** Smallest value that falls in bucket `b`. */
export function bucketLow(b: number): number {
  if (b < LINEAR) return b;
  const shift = Math.floor((b - LINEAR) / SUB) + 1;
  const mant = SUB + ((b - LINEAR) % SUB);
  return mant * 2 ** shift;
}

/** Serialized form: [bucket, count] pairs of the non-empty buckets. */
export type SparseHistogram = Array<[number, number]>;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  private sumUs = 0;
  private maxUs = 0;

  /** Records one latency in microseconds (fractions are truncated). */
  record(us: number): void {
    const v = Math.floor(us);
    this.counts[bucketOf(v)]!++;
    this.count++;
    this.sumUs += v;
    if (v > this.maxUs) this.maxUs = v;
  }

  get meanUs(): number { return this.count === 0 ? 0 : this.sumUs / this.count; }
  get max(): number { return this.maxUs; }

  /** The value at quantile q in [0, 1] (the bucket's midpoint; exact below 256 µs). */
  quantileUs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) {
        const lo = bucketLow(b);
        const hi = b + 1 < BUCKETS ? bucketLow(b + 1) : lo;
        return Math.min(this.maxUs, (lo + hi - 1) / 2);
      }
    }
    return this.maxUs;
  }

  toSparse(): { buckets: SparseHistogram; sumUs: number; maxUs: number } {
    const buckets: SparseHistogram = [];
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b]! > 0) buckets.push([b, this.counts[b]!]);
    return { buckets, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  /** Adds another histogram's counts (as produced by toSparse). */
  addSparse(s: { buckets: SparseHistogram; sumUs: number; maxUs: number }): void {
    for (const [b, c] of s.buckets) {
      this.counts[b]! += c;
      this.count += c;
    }
    this.sumUs += s.sumUs;
    if (s.maxUs > this.maxUs) this.maxUs = s.maxUs;
  }
}

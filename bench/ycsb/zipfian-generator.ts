/**
 * YCSB's ZipfianGenerator (Gray et al., "Quickly Generating Billion-Record
 * Synthetic Databases", SIGMOD 1994), ported line by line from
 * site.ycsb.generator.ZipfianGenerator for a fixed item count: item `min` is
 * the most popular, popularity falls off as 1/rank^theta.
 */

/** YCSB's default Zipfian constant. */
export const ZIPFIAN_CONSTANT = 0.99;

/** zeta(n, theta) = sum_{i=1..n} 1 / i^theta (YCSB's `zetastatic` from 0). */
export function zeta(n: number, theta: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += 1 / Math.pow(i + 1, theta);
  return sum;
}

export class ZipfianGenerator {
  private readonly items: number;
  private readonly base: number;
  private readonly theta: number;
  private readonly zetan: number;
  private readonly alpha: number;
  private readonly eta: number;
  private readonly half: number;
  private readonly random: () => number;

  /**
   * Items min..max inclusive. `zetan` may be given precomputed (YCSB does so
   * for the scrambled generator's 10^10 items); otherwise it is summed here,
   * which costs O(items).
   */
  constructor(min: number, max: number, constant = ZIPFIAN_CONSTANT, zetan?: number, random: () => number = Math.random) {
    this.items = max - min + 1;
    this.base = min;
    this.theta = constant;
    const zeta2theta = zeta(2, this.theta);
    this.alpha = 1 / (1 - this.theta);
    this.zetan = zetan ?? zeta(this.items, this.theta);
    this.eta = (1 - Math.pow(2 / this.items, 1 - this.theta)) / (1 - zeta2theta / this.zetan);
    this.half = 1 + Math.pow(0.5, this.theta);
    this.random = random;
  }

  /** The next item, in [min, max]. */
  next(): number {
    const u = this.random();
    const uz = u * this.zetan;
    if (uz < 1) return this.base;
    if (uz < this.half) return this.base + 1;
    // Java's (long) cast truncates toward zero; the product is non-negative.
    return this.base + Math.floor(this.items * Math.pow(this.eta * u - this.eta + 1, this.alpha));
  }
}

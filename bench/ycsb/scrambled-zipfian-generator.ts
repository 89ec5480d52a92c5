/**
 * YCSB's ScrambledZipfianGenerator: draws from a Zipfian over 10^10 items
 * (with YCSB's precomputed zeta) and maps the draw into [min, max] with
 * `min + fnvhash64(draw) % itemcount`, so popular items are spread over the
 * key space instead of clustered at its start.
 */
import { fnvHash64 } from './fnv-hash64.js';
import { ZIPFIAN_CONSTANT, ZipfianGenerator } from './zipfian-generator.js';

/** YCSB's ScrambledZipfianGenerator.ZETAN: zeta(10^10, 0.99). */
export const SCRAMBLED_ZETAN = 26.46902820178302;
/** YCSB's ScrambledZipfianGenerator.ITEM_COUNT. */
export const SCRAMBLED_ITEM_COUNT = 10_000_000_000;

export class ScrambledZipfianGenerator {
  private readonly gen: ZipfianGenerator;
  private readonly min: number;
  private readonly itemCount: bigint;

  /** Items min..max inclusive (YCSB's two-argument constructor, constant 0.99). */
  constructor(min: number, max: number, random: () => number = Math.random) {
    this.min = min;
    this.itemCount = BigInt(max - min + 1);
    this.gen = new ZipfianGenerator(0, SCRAMBLED_ITEM_COUNT, ZIPFIAN_CONSTANT, SCRAMBLED_ZETAN, random);
  }

  /** The next item, in [min, max]. */
  next(): number {
    const draw = this.gen.next();
    return this.min + Number(fnvHash64(draw) % this.itemCount);
  }
}

/**
 * A growable output buffer for building a whole file in memory. The SSTable
 * builder writes data blocks straight into it (no per-block copy); capacity
 * doubles so appends are amortised O(1). Internal to the sstable module.
 */
export class ByteWriter {
  /** Backing storage; bytes [0, length) are written. Replaced when it grows. */
  buf: Buffer;
  length = 0;

  /** `initial`: a buffer to write into (e.g. a reused one) instead of a new one of initialCapacity bytes. */
  constructor(initialCapacity = 64 * 1024, initial?: Buffer) {
    this.buf = initial && initial.length >= 16 ? initial : Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u32le(v: number): void {
    this.ensure(4);
    const b = this.buf;
    let p = this.length;
    b[p++] = v; b[p++] = v >>> 8; b[p++] = v >>> 16; b[p++] = v >>> 24;
    this.length = p;
  }

  /** Non-negative integer < 2^53 as 8 bytes little-endian. */
  u64le(v: number): void {
    this.u32le(v >>> 0);
    this.u32le(Math.floor(v / 0x100000000));
  }

  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.length;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.length = p;
  }

  /** Appends src[start, end). */
  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    const b = this.buf;
    let p = this.length;
    // Short ranges: a loop beats creating a subarray view for set().
    if (n < 32) {
      for (let i = start; i < end; i++) b[p++] = src[i]!;
    } else {
      b.set(start === 0 && end === src.length ? src : src.subarray(start, end), p);
      p += n;
    }
    this.length = p;
  }

  /** The written bytes (a view of the backing buffer, no copy). */
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

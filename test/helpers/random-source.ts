/**
 * A small seeded PRNG (mulberry32) for property tests. Every test derives its generator from a
 * printed seed, so a failure can be replayed with `new Random(seed)`.
 */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An unsigned 32-bit integer. */
  u32(): number {
    return Math.floor(this.next() * 4294967296);
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  u8(): number {
    return this.int(0, 0xff);
  }

  u16(): number {
    return this.int(0, 0xffff);
  }

  s32(): number {
    return this.u32() | 0;
  }

  /** A u64 as a bigint, biased towards small and boundary values. */
  u64(): bigint {
    switch (this.int(0, 3)) {
      case 0:
        return BigInt(this.int(0, 1000));
      case 1:
        return 0xffffffffffffffffn - BigInt(this.int(0, 3));
      default:
        return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
    }
  }

  /** An integer of `bits` bits, biased towards boundaries (0, 1, max) a quarter of the time. */
  uint(bits: 8 | 16 | 32): number {
    const max = 2 ** bits - 1;
    const r = this.next();
    if (r < 0.08) return 0;
    if (r < 0.16) return max;
    if (r < 0.25) return 1;
    return bits === 32 ? this.u32() : this.int(0, max);
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** A fresh generator seeded from this one (for sub-streams). */
  fork(): Random {
    return new Random(this.u32());
  }
}

/**
 * The seed of a property test: PROPERTY_SEED from the environment when set (to replay a failure),
 * otherwise a fixed default so CI runs are reproducible.
 */
export function seedFor(name: string, fallback: number): number {
  const env = process.env.PROPERTY_SEED;
  if (env !== undefined && env !== '') {
    const parsed = Number(env);
    if (Number.isInteger(parsed)) return parsed >>> 0;
  }
  // Mix the test name in, so tests with the same fallback do not share a stream.
  let h = fallback >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

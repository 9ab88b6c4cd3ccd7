import { createHash } from 'node:crypto';

/**
 * sfc32 ("Small Fast Counting", Chris Doty-Humphrey, from the PractRand suite): 128 bits
 * of state, passes PractRand, only 32-bit integer operations (exact and fast in JS).
 * Chosen over mulberry32, whose 32-bit state gives at most 2^32 distinct streams and
 * fails some statistical tests, and over Math.random, which cannot be seeded.
 *
 * Streams are seeded from a SHA-256 of a label, so any tuple of values (source bytes'
 * hash, pipeline, seed, index) maps to its own stream, and `fork(label)` derives an
 * independent child stream: each transform draws from its own child, so adding or
 * changing one transform does not shift the numbers every later one sees.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(
    /** Hex SHA-256 the state came from; forks hash it with their label. */
    readonly key: string,
  ) {
    const bytes = Buffer.from(key, 'hex');
    this.a = bytes.readUInt32LE(0);
    this.b = bytes.readUInt32LE(4);
    this.c = bytes.readUInt32LE(8);
    this.d = bytes.readUInt32LE(12);
    // The author's recommended warm-up: mixes a hash-derived state further.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A stream for a tuple of values; the same tuple always gives the same stream. */
  static from(...parts: readonly (string | number)[]): Rng {
    return new Rng(sha256Hex(JSON.stringify(parts)));
  }

  /** An independent child stream, the same for the same parent and label. */
  fork(label: string): Rng {
    return new Rng(sha256Hex(`${this.key}/${label}`));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  private spare: number | null = null;

  /** Normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    const u = 1 - this.next(); // (0, 1]: log(0) is never taken
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Index drawn in proportion to `weights` (non-negative, not all zero). */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    if (!(total > 0)) throw new Error('weighted choice needs a positive total weight');
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** A Fisher–Yates shuffled copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

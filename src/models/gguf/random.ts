/**
 * Fast seeded noise for weights. Values come from a small table of normal samples indexed by a
 * xorshift PRNG: statistically plenty for random-weight test models, and ~1 ns per weight so a
 * billion-parameter file streams in seconds.
 */
const TABLE_BITS = 12;
const TABLE_SIZE = 1 << TABLE_BITS;

export class WeightNoise {
  private state: number;

  constructor(seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x;
  }

  /** Standard-normal samples via Box-Muller, deterministic for a seed. */
  normalTable(std: number): Float32Array {
    const t = new Float32Array(TABLE_SIZE);
    for (let i = 0; i < TABLE_SIZE; i += 2) {
      const u1 = (this.next() + 1) / 4294967297, u2 = this.next() / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u1));
      t[i] = std * r * Math.cos(2 * Math.PI * u2);
      t[i + 1] = std * r * Math.sin(2 * Math.PI * u2);
    }
    return t;
  }

  fillF32(out: Float32Array, table: Float32Array): void {
    const mask = TABLE_SIZE - 1;
    for (let i = 0; i < out.length; i++) out[i] = table[this.next() & mask];
  }

  fillF16(out: Uint16Array, table: Uint16Array): void {
    const mask = TABLE_SIZE - 1;
    for (let i = 0; i < out.length; i++) out[i] = table[this.next() & mask];
  }
}

/** IEEE 754 binary16 bits for a float (round to nearest; test values are small and finite). */
export function toHalfBits(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >> (1 - exp);
    return sign | ((m + 0x1000) >> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  return (sign | (exp << 10) | (mant >> 13)) + ((mant >> 12) & 1);
}

export const halfTable = (table: Float32Array) => Uint16Array.from(table, toHalfBits);

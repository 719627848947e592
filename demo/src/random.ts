// A small seeded pseudo-random generator for the simulated population (sfc32, 128-bit state,
// seeded through splitmix32). Simulation only: nothing secret comes from it.

/** A seeded source of uniform numbers and the few distributions the simulation draws. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * @param seed - any 32-bit integer.
   * @param stream - a second integer (e.g. a device index) selecting an independent stream.
   */
  constructor(seed: number, stream = 0) {
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = (): number => {
      // splitmix32: spreads a counter into well-mixed words.
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.next32();
  }

  /** @returns a uniform 32-bit unsigned integer. */
  next32(): number {
    // sfc32 (Chris Doty-Humphrey's small fast counting generator).
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** @returns a uniform number in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.next32() >>> 5) * 67108864 + (this.next32() >>> 6)) / 9007199254740992;
  }

  /**
   * @param n - a positive integer.
   * @returns a uniform integer in [0, n).
   */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /**
   * @param p - a probability.
   * @returns true with probability p.
   */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /**
   * @param mean - the mean, positive.
   * @returns an exponential variate.
   */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /**
   * @param mean - the mean, non-negative.
   * @returns a Poisson variate (Knuth's product method; fine for the small means used here).
   */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /**
   * @param weights - non-negative weights, not all zero.
   * @returns an index drawn with probability proportional to its weight.
   */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
}

// Exact tests of the noise sampler building blocks: Uniform(n) and Bern(p / q) over every 16-bit
// input, and the exact output probabilities of Bernoulli(exp(-x)) and discrete Laplace obtained
// by walking the tree of every bit string up to a fixed depth. (The discrete Gaussian needs too
// many bits for a tight enumeration; noise-kat and noise-stats cover it.)
import { describe, expect, it } from 'vitest';
import {
  bernExp,
  bernExpFrac,
  bernoulli,
  bernoulliBig,
  laplace,
  uniform,
  uniformBig,
} from '../src/noise/sampler.js';
import { NoiseBitStream, type BitSource } from '../src/noise/stream.js';
import { turboshake128 } from '@noble/hashes/sha3-addons.js';

/** Thrown when a sampler asks for more bits than the fixed input holds. */
class OutOfBits extends Error {}

/** Bits of a fixed bit array, read in order; throws OutOfBits past its end. */
class FixedBits implements BitSource {
  private i = 0;
  constructor(private readonly b: readonly number[]) {}
  bits(k: number): number {
    if (this.i + k > this.b.length) throw new OutOfBits();
    let v = 0;
    for (let j = 0; j < k; j++) v += this.b[this.i++] * 2 ** j;
    return v;
  }
}

/** Bits of a byte string, least significant bit of each byte first. */
function bitsOfBytes(bytes: readonly number[]): number[] {
  const out: number[] = [];
  for (const byte of bytes) for (let j = 0; j < 8; j++) out.push((byte >> j) & 1);
  return out;
}

/** Answers the first requests from a fixed list of (width, value) draws; throws after it. */
class ScriptedBits implements BitSource {
  private i = 0;
  used = 0;
  constructor(private readonly script: readonly number[]) {}
  bits(k: number): number {
    if (this.i === this.script.length) throw new NeedDraw(k);
    this.used += k;
    return this.script[this.i++];
  }
}

/** Thrown when a sampler asks for a draw beyond the scripted ones. */
class NeedDraw extends Error {
  constructor(readonly k: number) {
    super('need draw');
  }
}

/**
 * Exact output distribution of `run` over uniform random bits, cut at `depth` bits: walks the
 * tree of every sequence of draws, branching over all 2^k values of each k-bit draw, and returns
 * the probability mass (as a count of depth-bit strings) of each outcome, and the mass of the
 * sequences that need more than `depth` bits.
 */
function enumerate<T>(
  run: (src: BitSource) => T,
  depth: number,
): { mass: Map<T, bigint>; undecided: bigint } {
  const mass = new Map<T, bigint>();
  let undecided = 0n;
  const walk = (script: number[]): void => {
    const src = new ScriptedBits(script);
    try {
      const r = run(src);
      mass.set(r, (mass.get(r) ?? 0n) + (1n << BigInt(depth - src.used)));
    } catch (e) {
      if (!(e instanceof NeedDraw)) throw e;
      if (src.used + e.k > depth) {
        undecided += 1n << BigInt(depth - src.used);
        return;
      }
      for (let v = 0; v < 2 ** e.k; v++) walk([...script, v]);
    }
  };
  walk([]);
  return { mass, undecided };
}

/** Asserts that `p` lies in [lo, lo + width] (fractions of 2^depth), within float rounding. */
function expectInInterval(p: number, lo: bigint, width: bigint, depth: number): void {
  const scale = 2 ** depth;
  expect(p).toBeGreaterThanOrEqual(Number(lo) / scale - 1e-15);
  expect(p).toBeLessThanOrEqual(Number(lo + width) / scale + 1e-15);
}

describe('Uniform(n) over every 16-bit input', () => {
  const inputs: number[][] = [];
  for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) inputs.push(bitsOfBytes([a, b]));

  for (const n of [1, 2, 3, 5, 6, 7, 8, 9, 13, 16, 17, 100, 255, 256, 257, 1000]) {
    it(`n = ${n}: every outcome has exactly the same number of inputs`, () => {
      const counts = new Array<number>(n).fill(0);
      const countsBig = new Array<number>(n).fill(0);
      let exhausted = 0;
      for (const bits of inputs) {
        try {
          counts[uniform(new FixedBits(bits), n)]++;
          countsBig[Number(uniformBig(new FixedBits(bits), BigInt(n)))]++;
        } catch (e) {
          if (!(e instanceof OutOfBits)) throw e;
          exhausted++;
        }
      }
      expect(new Set(counts).size).toBe(1);
      expect(countsBig).toEqual(counts);
      expect(counts[0] * n + exhausted).toBe(65536);
      // Each try takes k = bitlength(n - 1) bits and succeeds on n of the 2^k values.
      const k = n === 1 ? 0 : (n - 1).toString(2).length;
      const tries = k === 0 ? Infinity : Math.floor(16 / k);
      const expectedExhausted = k === 0 ? 0 : 65536 * ((2 ** k - n) / 2 ** k) ** tries;
      expect(exhausted).toBe(expectedExhausted);
    });
  }

  it('uses the bits least significant first', () => {
    // Bits 1,0,1 then 0: Uniform(8) reads 3 bits = 0b101 = 5.
    expect(uniform(new FixedBits([1, 0, 1, 0]), 8)).toBe(5);
    // 40-bit draw: low 32 bits first, then the high 8.
    const bits = [...new Array<number>(32).fill(0), 1, 0, 0, 0, 0, 0, 0, 0];
    expect(uniform(new FixedBits(bits), 2 ** 40)).toBe(2 ** 32);
    expect(uniformBig(new FixedBits(bits), 1n << 40n)).toBe(1n << 32n);
  });
});

describe('NoiseBitStream', () => {
  it('reads TurboSHAKE128(label || mech || seed, D = 0x4E) least significant bit first', () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
    const msg = new Uint8Array([
      ...new TextEncoder().encode('private-measurement/noise/v1'),
      2,
      ...seed,
    ]);
    const bytes = turboshake128(msg, { D: 0x4e, dkLen: 3000 });
    const expected = bitsOfBytes([...bytes]);
    const s = new NoiseBitStream(2, seed);
    const got: number[] = [];
    // Mixed widths, crossing the 1344-byte refill boundary twice.
    const widths = [1, 7, 32, 3, 17, 13, 31, 2];
    for (let i = 0; got.length + 32 <= expected.length; i++) {
      const k = widths[i % widths.length];
      const v = s.bits(k);
      for (let j = 0; j < k; j++) got.push(Math.floor(v / 2 ** j) % 2);
    }
    expect(got).toEqual(expected.slice(0, got.length));
  });
});

describe('Bernoulli(exp(-gamma)) exact probabilities by enumeration', () => {
  const depth = 22;
  const fracs: [number, number][] = [
    [0, 1],
    [1, 1],
    [1, 2],
    [1, 3],
    [2, 3],
    [3, 7],
    [5, 8],
  ];
  for (const [p, q] of fracs) {
    it(`BernExpFrac(${p}/${q}) has probability exp(-${p}/${q})`, () => {
      const { mass, undecided } = enumerate((src) => bernExpFrac(src, p, q), depth);
      expect(Number(undecided) / 2 ** depth).toBeLessThan(0.01);
      expectInInterval(Math.exp(-p / q), mass.get(true) ?? 0n, undecided, depth);
      expectInInterval(1 - Math.exp(-p / q), mass.get(false) ?? 0n, undecided, depth);
    });
  }
  for (const [a, b] of [
    [3n, 2n],
    [7n, 3n],
    [4n, 1n],
    [9n, 4n],
  ] as const) {
    it(`BernExp(${a}/${b}) has probability exp(-${a}/${b})`, () => {
      const { mass, undecided } = enumerate((src) => bernExp(src, a, b), depth);
      expect(Number(undecided) / 2 ** depth).toBeLessThan(0.01);
      expectInInterval(Math.exp(-Number(a) / Number(b)), mass.get(true) ?? 0n, undecided, depth);
    });
  }
});

describe('discrete Laplace exact probabilities by enumeration', () => {
  it('scales 1 and 2: P[x] = (1 - e^(-1/t)) / (1 + e^(-1/t)) e^(-|x|/t)', () => {
    for (const [s, r, depth] of [
      [1, 1, 19],
      [2, 1, 19],
    ]) {
      const { mass, undecided } = enumerate((src) => laplace(src, s, BigInt(r)), depth);
      expect(Number(undecided) / 2 ** depth).toBeLessThan(0.1);
      const q = Math.exp(-r / s);
      for (let x = -4; x <= 4; x++) {
        const p = ((1 - q) / (1 + q)) * q ** Math.abs(x);
        expectInInterval(p, mass.get(BigInt(x)) ?? 0n, undecided, depth);
      }
    }
  });
});

describe('Bern(p / q) over every 16-bit input', () => {
  const inputs: number[][] = [];
  for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) inputs.push(bitsOfBytes([a, b]));

  for (const [p, q] of [
    [0, 1],
    [1, 1],
    [5, 3],
    [1, 2],
    [1, 3],
    [2, 3],
    [7, 10],
    [100, 257],
  ]) {
    it(`Bern(${p}/${q}): true on exactly p/q of the decided inputs`, () => {
      let yes = 0;
      let no = 0;
      let mismatches = 0;
      for (const bits of inputs) {
        try {
          const r = bernoulli(new FixedBits(bits), p, q);
          if (bernoulliBig(new FixedBits(bits), BigInt(p), BigInt(q)) !== r) mismatches++;
          if (r) yes++;
          else no++;
        } catch (e) {
          if (!(e instanceof OutOfBits)) throw e;
        }
      }
      // yes / (yes + no) = min(p / q, 1) exactly, as integers.
      expect(yes * q).toBe(Math.min(p, q) * (yes + no));
      expect(yes + no).toBeGreaterThan(0);
      expect(mismatches).toBe(0);
    });
  }
});

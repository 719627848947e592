// Fixed-seed known answers of the noise samplers: both backends must reproduce, bit for bit,
// the samples of the BigInt reference in noise-reference.ts, which is written from the stream
// definition and the paper alone. Also the exact-conversion and seed-handling properties.
import { describe, expect, it } from 'vitest';
import { getBackend, type Rational } from '../src/index.js';
import { refGaussian, refLaplace } from './noise-reference.js';

const backends = [getBackend('wasm'), getBackend('ts')];

function seedOf(tag: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (i * 151 + tag * 17 + 5) & 0xff);
}

const COUNT = 600;

// Laplace scales: integers, a non-integer rational, scale below 1, the largest numerator, a
// 52-bit numerator over a 40-bit denominator, and a denominator near the bound (every sample 0).
const laplaceScales: Rational[] = [
  { num: 1n, den: 1n },
  { num: 5n, den: 2n },
  { num: 10n, den: 1n },
  { num: 1000n, den: 1n },
  { num: 1n, den: 3n },
  { num: 123456789n, den: 1000n },
  { num: (1n << 53n) - 1n, den: 1n },
  { num: (1n << 52n) + 3n, den: (1n << 40n) + 1n },
  { num: 5n, den: (1n << 62n) + 1n },
];

// Gaussian sigma^2: 1, below 1, 10^2, 10^6, a non-square rational, the largest numerator
// (b near 2^107) and a tiny sigma with d near 2^62 (then |y| d t - n exceeds 2^64).
const gaussianScales: Rational[] = [
  { num: 1n, den: 1n },
  { num: 2n, den: 3n },
  { num: 100n, den: 1n },
  { num: 1_000_000n, den: 1n },
  { num: 7n, den: 3n },
  { num: (1n << 53n) - 1n, den: 1n },
  { num: (1n << 52n) + 1n, den: (1n << 62n) + 3n },
];

function show(r: Rational): string {
  return `${r.num}/${r.den}`;
}

describe('discrete Laplace known answers (reference from the stream definition)', () => {
  laplaceScales.forEach((scale, i) => {
    it(`scale ${show(scale)}: WASM and twin equal the reference`, () => {
      const seed = seedOf(i);
      const want = refLaplace(scale.num, scale.den, COUNT, seed);
      for (const b of backends) {
        expect([...b.discreteLaplace(scale, COUNT, { seed })], b.kind).toEqual(want);
      }
    });
  });
});

describe('discrete Gaussian known answers (reference from the stream definition)', () => {
  gaussianScales.forEach((s2, i) => {
    it(`sigma^2 ${show(s2)}: WASM and twin equal the reference`, () => {
      const seed = seedOf(100 + i);
      const count = s2.num > 1n << 40n ? 150 : COUNT;
      const want = refGaussian(s2.num, s2.den, count, seed);
      for (const b of backends) {
        expect([...b.discreteGaussian(s2, count, { seed })], b.kind).toEqual(want);
      }
    });
  });
});

describe('parameters and seeds', () => {
  const seed = seedOf(7);

  for (const b of backends) {
    it(`${b.kind}: numbers convert exactly and rationals reduce to lowest terms`, () => {
      const lap = [...b.discreteLaplace(2.5, 200, { seed })];
      expect([...b.discreteLaplace({ num: 5n, den: 2n }, 200, { seed })]).toEqual(lap);
      expect([...b.discreteLaplace({ num: 35n, den: 14n }, 200, { seed })]).toEqual(lap);
      // 0.1 is not 1/10 in binary: it is 3602879701896397 / 2^55.
      expect([...b.discreteLaplace(0.1, 50, { seed })]).toEqual(
        refLaplace(3602879701896397n, 1n << 55n, 50, seed),
      );
      expect([...b.discreteGaussian(0.75, 200, { seed })]).toEqual([
        ...b.discreteGaussian({ num: 6n, den: 8n }, 200, { seed }),
      ]);
    });

    it(`${b.kind}: a shorter request is a prefix; count 0 gives an empty array`, () => {
      const long = b.discreteGaussian(50, 300, { seed });
      expect(b.discreteGaussian(50, 17, { seed })).toEqual(long.subarray(0, 17));
      expect(b.discreteLaplace(3, 0, { seed })).toEqual(new BigInt64Array(0));
    });

    it(`${b.kind}: the seed is copied, not consumed; Laplace and Gaussian streams differ`, () => {
      const s = seedOf(9);
      const before = s.slice();
      const a = b.discreteLaplace(1000, 64, { seed: s });
      expect(s).toEqual(before);
      expect(b.discreteLaplace(1000, 64, { seed: s })).toEqual(a);
      // With sigma^2 = t^2 both draw a Laplace of scale t first: separate streams still differ.
      expect(b.discreteGaussian(1_000_000, 64, { seed: s })).not.toEqual(a);
    });

    it(`${b.kind}: without a seed each call draws a fresh one`, () => {
      // 64 samples of scale 10^6: two equal outputs have probability far below 2^-1000.
      const x = b.discreteLaplace(1_000_000, 64);
      const y = b.discreteLaplace(1_000_000, 64);
      expect(x).not.toEqual(y);
      expect(b.discreteGaussian(1e12, 64)).not.toEqual(b.discreteGaussian(1e12, 64));
    });
  }
});

// Calibration: discrete Laplace scale = L1 / epsilon and discrete Gaussian sigma^2 from rho or
// (epsilon, delta), exact or rounded upwards only; the Gaussian checked against the exact
// privacy curve of the one-dimensional discrete Gaussian, summed here.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rational } from '@private-measurement/core-wasm';
import {
  DpError,
  calibrateDiscreteGaussian,
  calibrateDiscreteGaussianZcdp,
  calibrateDiscreteLaplace,
  compareRational,
  roundUpRational,
  vdafConfigSensitivity,
  zcdpRhoForApproxDp,
  zcdpToApproxDpLogDelta,
} from '../src/index.js';

const TWO53 = 1n << 53n;
const TWO32 = 1n << 32n;

/** a - b as an exact rational (not reduced). */
const sub = (a: Rational, b: Rational): Rational => ({
  num: a.num * b.den - b.num * a.den,
  den: a.den * b.den,
});

/** The exact value of a double, for comparisons. */
function exact(x: number): Rational {
  let den = 1n;
  while (!Number.isInteger(x)) {
    x *= 2;
    den *= 2n;
  }
  return { num: BigInt(x), den };
}

function expectDp(f: () => unknown): void {
  expect(f).toThrow(DpError);
  try {
    f();
  } catch (e) {
    expect((e as DpError).code).toBe('DP');
  }
}

describe('discrete Laplace', () => {
  it('is L1 / epsilon exactly when that fits the samplers', () => {
    const l1 = vdafConfigSensitivity({ type: 'Prio3L1BoundSum', length: 20, maxValue: 255n }).l1;
    expect(calibrateDiscreteLaplace(l1, 1)).toEqual({ num: 510n, den: 1n });
    expect(calibrateDiscreteLaplace(l1, { num: 1n, den: 2n })).toEqual({ num: 1020n, den: 1n });
    expect(calibrateDiscreteLaplace(2n, { num: 3n, den: 1n })).toEqual({ num: 2n, den: 3n });
    expect(calibrateDiscreteLaplace(3, { num: 14n, den: 6n })).toEqual({ num: 9n, den: 7n });
  });

  it('rounds an inexact epsilon such as the double 0.1 upwards', () => {
    // The double 0.1 is slightly above 1/10, so 2 / 0.1 is slightly below 20.
    const s = calibrateDiscreteLaplace(2n, 0.1);
    const want: Rational = { num: 2n * exact(0.1).den, den: exact(0.1).num };
    expect(compareRational(s, want)).toBe(1);
    expect(s).toEqual({ num: 20n, den: 1n });
  });

  it('never rounds down and stays within 2^-32 (or 2^-51 relative) of L1 / epsilon', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 1n << 40n }),
        fc.bigInt({ min: 1n, max: 1n << 80n }),
        fc.bigInt({ min: 1n, max: 1n << 80n }),
        (l1, a, b) => {
          const eps: Rational = { num: a, den: b };
          const target: Rational = { num: l1 * b, den: a };
          let s: Rational;
          try {
            s = calibrateDiscreteLaplace(l1, eps);
          } catch (e) {
            // Only an epsilon out of [1e-6, 4294] or a scale beyond 2^53 may be refused.
            expect(e).toBeInstanceOf(DpError);
            const outOfRange = a * 1_000_000n < b || a > 4294n * b || l1 * b >= TWO53 * a;
            expect(outOfRange).toBe(true);
            return;
          }
          expect(s.num).toBeLessThan(TWO53);
          expect(s.den).toBeLessThanOrEqual(TWO32);
          const err = sub(s, target);
          expect(err.num).toBeGreaterThanOrEqual(0n);
          // err < max(2^-32, target 2^-51)
          const okAbs = err.num * TWO32 < err.den;
          const okRel = err.num * (1n << 51n) * target.den < err.den * target.num;
          expect(okAbs || okRel).toBe(true);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it.each([
    0,
    -1,
    Number.NaN,
    Infinity,
    -Infinity,
    1e-7,
    4295,
    { num: 0n, den: 1n },
    { num: 1n, den: 0n },
    { num: -1n, den: -2n },
    { num: 1, den: 2 },
    '1',
    null,
    { num: (1n << 200n) + 1n, den: 1n << 199n },
  ])('refuses epsilon %s', (eps) => {
    expectDp(() => calibrateDiscreteLaplace(1n, eps as Rational));
  });

  it.each([0n, -1n, 1.5, Number.NaN, 1n << 128n, '2'])('refuses sensitivity %s', (l1) => {
    expectDp(() => calibrateDiscreteLaplace(l1 as bigint, 1));
  });

  it('refuses a scale beyond the samplers (2^53)', () => {
    expectDp(() => calibrateDiscreteLaplace(1n << 60n, 1));
    expectDp(() => calibrateDiscreteLaplace(1n << 40n, 1e-6));
    expect(calibrateDiscreteLaplace((1n << 53n) - 1n, 1).num).toBe((1n << 53n) - 1n);
  });

  it('rounds up to the next dyadic with the largest denominator that fits', () => {
    expect(roundUpRational({ num: 1n, den: 3n }, 'x')).toEqual({ num: 1n, den: 3n });
    const r = roundUpRational({ num: 1n, den: (1n << 40n) + 1n }, 'x');
    expect(r).toEqual({ num: 1n, den: 1n << 32n });
    const big = roundUpRational({ num: (1n << 54n) + 1n, den: 3n }, 'x');
    expect(big.num).toBeLessThan(TWO53);
    expect(compareRational(big, { num: (1n << 54n) + 1n, den: 3n })).toBe(1);
  });
});

describe('discrete Gaussian from zCDP', () => {
  it('is l2^2 / (2 rho) exactly', () => {
    expect(calibrateDiscreteGaussianZcdp(2n, 0.5)).toEqual({ num: 2n, den: 1n });
    expect(calibrateDiscreteGaussianZcdp(1n, { num: 1n, den: 3n })).toEqual({ num: 3n, den: 2n });
    expect(calibrateDiscreteGaussianZcdp(2n * 255n * 255n, 2)).toEqual({ num: 65025n, den: 2n });
  });

  it.each([0, -1, Number.NaN, Infinity, 1e-13, 1e8, { num: 1n, den: 0n }])(
    'refuses rho %s',
    (rho) => {
      expectDp(() => calibrateDiscreteGaussianZcdp(1n, rho as number));
    },
  );
});

/** The exact delta(epsilon) of N_Z(0, s2) against N_Z(shift, s2), both orders (symmetric). */
function exactDelta(s2: number, shift: number, eps: number): number {
  const K = Math.ceil(60 * Math.sqrt(s2)) + shift + 10;
  let z = 0;
  for (let x = -K; x <= K; x++) z += Math.exp(-(x * x) / (2 * s2));
  let delta = 0;
  for (let x = -K; x <= K + shift; x++) {
    const p = Math.exp(-(x * x) / (2 * s2)) / z;
    const q = Math.exp(-((x - shift) ** 2) / (2 * s2)) / z;
    delta += Math.max(0, p - Math.exp(eps) * q);
  }
  return delta;
}

describe('discrete Gaussian from (epsilon, delta)', () => {
  it.each([
    [1, 1, 1e-6],
    [1, 0.5, 1e-9],
    [9, 2, 1e-5],
    [1, 0.1, 1e-3],
    [4, 5, 1e-12],
  ])(
    'l2^2 = %s, epsilon %s, delta %s: the exact privacy curve stays below delta',
    (l2Sq, eps, delta) => {
      const s = calibrateDiscreteGaussian(BigInt(l2Sq), eps, delta);
      expect(s.num).toBeLessThan(TWO53);
      const s2 = Number(s.num) / Number(s.den);
      // One coordinate moved by sqrt(l2^2) (an integer here): the worst case in one dimension.
      const got = exactDelta(s2, Math.sqrt(l2Sq), eps);
      expect(got).toBeLessThanOrEqual(delta);
      // Not absurdly loose either: 20% less noise would break the target or come close.
      expect(exactDelta(s2 * 0.5, Math.sqrt(l2Sq), eps)).toBeGreaterThan(delta / 100);
    },
  );

  it('is at least as tight as the classical conversion rho + 2 sqrt(rho ln(1/delta))', () => {
    for (const [eps, delta] of [
      [1, 1e-6],
      [0.1, 1e-9],
      [10, 1e-3],
    ]) {
      const rho = zcdpRhoForApproxDp(eps, delta);
      const l = Math.log(1 / delta);
      expect(rho).toBeGreaterThanOrEqual((Math.sqrt(l + eps) - Math.sqrt(l)) ** 2 * (1 - 1e-9));
      expect(zcdpToApproxDpLogDelta(rho, eps)).toBeLessThanOrEqual(Math.log(delta));
    }
  });

  it('bounds delta no worse than the classical exp(-(epsilon - rho)^2 / (4 rho))', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.double({ min: 1.01, max: 50, noNaN: true }),
        (rho, ratio) => {
          const eps = rho * ratio;
          const classical = -((eps - rho) ** 2) / (4 * rho);
          return zcdpToApproxDpLogDelta(rho, eps) <= classical + 1e-9;
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });

  it.each([
    [1, 0],
    [1, 1],
    [1, -0.1],
    [1, Number.NaN],
    [1, 1e-101],
    [0, 1e-6],
    [Number.NaN, 1e-6],
    [5000, 1e-6],
  ])('refuses epsilon %s with delta %s', (eps, delta) => {
    expectDp(() => calibrateDiscreteGaussian(1n, eps, delta));
  });

  it('refuses a bad sensitivity and a sigma^2 beyond the samplers', () => {
    expectDp(() => calibrateDiscreteGaussian(0n, 1, 1e-6));
    expectDp(() => calibrateDiscreteGaussian(1n << 60n, 1e-6, 1e-6));
    expectDp(() => zcdpToApproxDpLogDelta(0, 1));
    expectDp(() => zcdpToApproxDpLogDelta(1, Number.NaN));
  });
});

// Tests of the noise summary: the 95% half-width against a brute-force computation of the
// distribution (direct summation and convolution of the discrete Laplace and Gaussian pmfs).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParamError, noiseSummary, type NoiseSpec } from '../src/index.js';

/** The discrete Laplace pmf on [-K, K], normalised by direct summation. */
function laplacePmf(scale: number, K: number): Float64Array {
  const p = new Float64Array(2 * K + 1);
  let total = 0;
  for (let k = -K; k <= K; k++) total += p[k + K] = Math.exp(-Math.abs(k) / scale);
  for (let i = 0; i < p.length; i++) p[i] /= total;
  return p;
}

/** Convolution of two pmfs centred at 0. */
function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] += a[i] * b[j];
  return out;
}

/** Smallest h with P(|X| <= h) >= 0.95 for a pmf centred at index (length - 1) / 2. */
function bruteHalfWidth(p: Float64Array): number {
  const c = (p.length - 1) / 2;
  let mass = p[c];
  let h = 0;
  while (mass < 0.95) {
    h++;
    mass += p[c - h] + p[c + h];
  }
  return h;
}

describe('discrete Laplace', () => {
  it.each([0.3, 1, 2, 5, 10, 25])('matches the brute-force quantile at scale %s', (scale) => {
    const K = Math.ceil(scale * 40) + 5;
    const one = laplacePmf(scale, K);
    const s1 = noiseSummary({ mechanism: 'discrete-laplace', scale, aggregators: 1 });
    const s2 = noiseSummary({ mechanism: 'discrete-laplace', scale });
    expect(s1.halfWidth).toBe(bruteHalfWidth(one));
    expect(s2.halfWidth).toBe(bruteHalfWidth(convolve(one, one)));
    expect(s2.aggregators).toBe(2);

    // Standard deviation against the brute-force variance of the convolved pmf.
    const two = convolve(one, one);
    const c = (two.length - 1) / 2;
    let variance = 0;
    for (let i = 0; i < two.length; i++) variance += two[i] * (i - c) ** 2;
    expect(s2.stddev).toBeCloseTo(Math.sqrt(variance), 6);
  });

  it('grows with the scale', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 500, noNaN: true }), (scale) => {
        const a = noiseSummary({ mechanism: 'discrete-laplace', scale }).halfWidth;
        const b = noiseSummary({ mechanism: 'discrete-laplace', scale: scale * 1.5 }).halfWidth;
        return b >= a && a >= 0;
      }),
      { numRuns: 50, seed: 1 },
    );
  });

  it('approaches the continuous sum of two Laplace variables at a large scale', () => {
    // For S the sum of two Laplace(b) variables, P(|S| > x b) = (1 + x/2) e^-x; solve for 5%.
    let lo = 0;
    let hi = 20;
    for (let i = 0; i < 100; i++) {
      const mid = (lo + hi) / 2;
      if ((1 + mid / 2) * Math.exp(-mid) > 0.05) lo = mid;
      else hi = mid;
    }
    const scale = 20_000;
    const s = noiseSummary({ mechanism: 'discrete-laplace', scale });
    expect(Math.abs(s.halfWidth - lo * scale)).toBeLessThan(3);
  });
});

describe('discrete Gaussian', () => {
  it.each([0.5, 1, 3, 10, 40])('matches the brute-force quantile at sigma %s', (sigma) => {
    const K = Math.ceil(sigma * 40) + 5;
    const one = new Float64Array(2 * K + 1);
    let total = 0;
    for (let k = -K; k <= K; k++) total += one[k + K] = Math.exp(-(k * k) / (2 * sigma * sigma));
    for (let i = 0; i < one.length; i++) one[i] /= total;
    const two = convolve(one, one);
    const s1 = noiseSummary({ mechanism: 'discrete-gaussian', sigma, aggregators: 1 });
    const s2 = noiseSummary({ mechanism: 'discrete-gaussian', sigma });
    expect(s1.halfWidth).toBe(bruteHalfWidth(one));
    expect(s2.halfWidth).toBe(bruteHalfWidth(two));
    expect(s2.scale).toBe(sigma);
    const c = (two.length - 1) / 2;
    let variance = 0;
    for (let i = 0; i < two.length; i++) variance += two[i] * (i - c) ** 2;
    expect(s2.stddev).toBeCloseTo(Math.sqrt(variance), 6);
  });

  it('is close to the normal quantile of the summed variance at a large sigma', () => {
    const s = noiseSummary({ mechanism: 'discrete-gaussian', sigma: 1000 });
    expect(Math.abs(s.halfWidth - 1.959963984540054 * 1000 * Math.SQRT2)).toBeLessThan(2);
  });
});

describe('validation', () => {
  it.each([
    { mechanism: 'discrete-laplace', scale: 0 },
    { mechanism: 'discrete-laplace', scale: -1 },
    { mechanism: 'discrete-laplace', scale: Infinity },
    { mechanism: 'discrete-gaussian', sigma: NaN },
    { mechanism: 'discrete-laplace', scale: 1, aggregators: 3 },
    { mechanism: 'laplace', scale: 1 },
    { mechanism: 'discrete-laplace', scale: 1e300 },
    { mechanism: 'discrete-gaussian', sigma: 1e200 },
  ])('rejects %j', (spec) => {
    expect(() => noiseSummary(spec as NoiseSpec)).toThrow(ParamError);
  });
});

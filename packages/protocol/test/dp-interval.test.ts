// Noise intervals: half-widths and variances against the exact distribution of the total noise
// (pmfs summed directly and convolved here), coverage of samples from core-wasm's samplers at a
// fixed seed (thresholds at z = 6), the bound used for wide Gaussians, and hostile parameters.
import { describe, expect, it } from 'vitest';
import { discreteGaussian, discreteLaplace } from '@private-measurement/core-wasm';
import { DpError, noiseInterval, type NoiseDistribution } from '../src/index.js';
import { erfc } from '../src/dp/internal/special.js';
import { _gaussianHalfWidths } from '../src/dp/interval.js';

/** A pmf on [-K, K] proportional to w(k), normalised by direct summation. */
function pmf(K: number, w: (k: number) => number): Float64Array {
  const p = new Float64Array(2 * K + 1);
  let total = 0;
  for (let k = -K; k <= K; k++) total += p[k + K] = w(k);
  for (let i = 0; i < p.length; i++) p[i] /= total;
  return p;
}

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] += a[i] * b[j];
  return out;
}

/** Smallest h with P(|X| > h) <= 1 - confidence, tails summed from the outside in. */
function bruteHalfWidth(p: Float64Array, confidence: number): number {
  const c = (p.length - 1) / 2;
  let tail = 0;
  let h = c;
  while (h > 0 && tail + p[c - h] + p[c + h] <= 1 - confidence) {
    tail += p[c - h] + p[c + h];
    h--;
  }
  return h;
}

function variance(p: Float64Array): number {
  const c = (p.length - 1) / 2;
  let v = 0;
  for (let i = 0; i < p.length; i++) v += p[i] * (i - c) ** 2;
  return v;
}

const CONFIDENCES = [0.5, 0.9, 0.95, 0.999];

describe('discrete Laplace', () => {
  it.each([0.3, 1, 2.5, 10, 25])('matches the convolved distribution at scale %s', (t) => {
    const one = pmf(Math.ceil(t * 60) + 5, (k) => Math.exp(-Math.abs(k) / t));
    const two = convolve(one, one);
    for (const confidence of CONFIDENCES) {
      const i1 = noiseInterval(
        { mechanism: 'discrete-laplace', scale: t },
        { draws: 1, confidence },
      );
      const i2 = noiseInterval({ mechanism: 'discrete-laplace', scale: t }, { confidence });
      expect(i1.halfWidth).toBe(bruteHalfWidth(one, confidence));
      expect(i2.halfWidth).toBe(bruteHalfWidth(two, confidence));
      expect(i2.method).toBe('exact');
    }
    const i2 = noiseInterval({ mechanism: 'discrete-laplace', scale: t });
    expect(i2.draws).toBe(2);
    expect(i2.confidence).toBe(0.95);
    expect(i2.variance).toBeCloseTo(variance(two), 8);
    expect(i2.stddev).toBeCloseTo(Math.sqrt(variance(two)), 8);
  });

  it('accepts an exact rational scale', () => {
    const a = noiseInterval({ mechanism: 'discrete-laplace', scale: { num: 21n, den: 2n } });
    expect(a).toEqual(noiseInterval({ mechanism: 'discrete-laplace', scale: 10.5 }));
  });

  it('approaches the continuous sum of two Laplace variables at a large scale', () => {
    // For two Laplace(b) variables, P(|S| > x b) = (1 + x/2) e^-x; solve for 5% by bisection.
    let lo = 0;
    let hi = 20;
    for (let i = 0; i < 100; i++) {
      const mid = (lo + hi) / 2;
      if ((1 + mid / 2) * Math.exp(-mid) > 0.05) lo = mid;
      else hi = mid;
    }
    const t = 1e9;
    const h = noiseInterval({ mechanism: 'discrete-laplace', scale: t }).halfWidth;
    expect(Math.abs(h - lo * t)).toBeLessThan(3);
  });
});

describe('discrete Gaussian', () => {
  it.each([0.25, 1, 4, 30, 100, 2500])('matches the convolved distribution at sigma^2 %s', (s2) => {
    const one = pmf(Math.ceil(Math.sqrt(s2) * 40) + 5, (k) => Math.exp(-(k * k) / (2 * s2)));
    const two = convolve(one, one);
    for (const confidence of CONFIDENCES) {
      const i1 = noiseInterval(
        { mechanism: 'discrete-gaussian', sigmaSquared: s2 },
        { draws: 1, confidence },
      );
      const i2 = noiseInterval(
        { mechanism: 'discrete-gaussian', sigmaSquared: s2 },
        { confidence },
      );
      expect(i1.halfWidth).toBe(bruteHalfWidth(one, confidence));
      expect(i2.halfWidth).toBe(bruteHalfWidth(two, confidence));
      expect(i2.method).toBe('exact');
    }
    const i1 = noiseInterval({ mechanism: 'discrete-gaussian', sigmaSquared: s2 }, { draws: 1 });
    expect(i1.variance).toBeCloseTo(variance(one), 8);
    expect(i1.variance).toBeLessThanOrEqual(s2 * (1 + 1e-12));
    const i2 = noiseInterval({ mechanism: 'discrete-gaussian', sigmaSquared: s2 });
    expect(i2.variance).toBeCloseTo(variance(two), 8);
  });

  it('uses a proven bound beyond summation, within a few units of the normal quantile', () => {
    const s2 = 1e14;
    const i = noiseInterval({ mechanism: 'discrete-gaussian', sigmaSquared: s2 });
    expect(i.method).toBe('bound');
    // z_0.975 = 1.959963984540054; the discrete sum is within a unit of the continuous one.
    const normal = 1.959963984540054 * Math.sqrt(2 * s2);
    expect(i.halfWidth).toBeGreaterThanOrEqual(Math.floor(normal) - 1);
    expect(i.halfWidth).toBeLessThanOrEqual(Math.ceil(normal) + 3);
    expect(i.variance).toBe(2 * s2);
  });

  it.each([0.5, 3, 40, 1e4, 1e8])(
    'has a bound within a few units above the exact answer (sigma^2 %s)',
    (s2) => {
      for (const draws of [1, 2] as const) {
        for (const alpha of [0.5, 0.05, 1e-6]) {
          const { bound, exact } = _gaussianHalfWidths(s2, draws, alpha);
          expect(exact).toBeDefined();
          expect(bound).toBeGreaterThanOrEqual(exact!);
          expect(bound - exact!).toBeLessThanOrEqual(3);
        }
      }
      expect(_gaussianHalfWidths(s2, 2, 0.05, 0).exact).toBeUndefined();
    },
  );
});

describe('coverage of sampled noise (fixed seeds, z = 6)', () => {
  const N = 100_000;
  const seed = (b: number): Uint8Array => new Uint8Array(32).fill(b);

  it.each<[string, NoiseDistribution, (s: Uint8Array) => BigInt64Array]>([
    [
      'laplace',
      { mechanism: 'discrete-laplace', scale: 7 },
      (s) => discreteLaplace(7, N, { seed: s }),
    ],
    [
      'gaussian',
      { mechanism: 'discrete-gaussian', sigmaSquared: 50 },
      (s) => discreteGaussian(50, N, { seed: s }),
    ],
  ])(
    '%s: the share of |N1 + N2| beyond h is at most 5% and near the exact tail',
    (_n, dist, draw) => {
      const i = noiseInterval(dist);
      const a = draw(seed(1));
      const b = draw(seed(2));
      let outside = 0;
      for (let k = 0; k < N; k++) {
        const s = a[k] + b[k];
        if (s > BigInt(i.halfWidth) || s < -BigInt(i.halfWidth)) outside++;
      }
      // The exact tail at h is at most 0.05 and above the tail at h - 1's complement: P(|S| > h - 1)
      // > 0.05 by minimality. Both checked with 6 standard deviations of a binomial count.
      const sd = Math.sqrt(N * 0.05 * 0.95);
      expect(outside).toBeLessThanOrEqual(N * 0.05 + 6 * sd);
      const wider = noiseInterval(dist, { confidence: 0.9 });
      let outsideWider = 0;
      for (let k = 0; k < N; k++) {
        const s = a[k] + b[k];
        if (s > BigInt(wider.halfWidth) || s < -BigInt(wider.halfWidth)) outsideWider++;
      }
      expect(outsideWider).toBeGreaterThan(outside);
      expect(outsideWider).toBeLessThanOrEqual(N * 0.1 + 6 * Math.sqrt(N * 0.1 * 0.9));
      // Variance of the samples against the formula: relative sd of a sample variance is about
      // sqrt((kurtosis - 1) / N) < 0.01 here.
      let m2 = 0;
      for (let k = 0; k < N; k++) m2 += Number(a[k] + b[k]) ** 2;
      expect(Math.abs(m2 / N / i.variance - 1)).toBeLessThan(6 * 0.01);
    },
  );
});

describe('erfc', () => {
  it.each([
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047266],
    [3, 2.209049699858544e-5],
    [5, 1.5374597944280349e-12],
  ])('erfc(%s) = %s', (x, want) => {
    expect(Math.abs(erfc(x) / want - 1)).toBeLessThan(1e-12);
  });
});

describe('hostile parameters', () => {
  const lap = { mechanism: 'discrete-laplace', scale: 1 } as const;
  it.each([
    [{ mechanism: 'discrete-laplace', scale: 0 }, {}],
    [{ mechanism: 'discrete-laplace', scale: -3 }, {}],
    [{ mechanism: 'discrete-laplace', scale: Number.NaN }, {}],
    [{ mechanism: 'discrete-gaussian', sigmaSquared: Infinity }, {}],
    [{ mechanism: 'discrete-gaussian', sigmaSquared: { num: 1n, den: 0n } }, {}],
    [{ mechanism: 'discrete-gaussian' }, {}],
    [{ mechanism: 'laplace', scale: 1 }, {}],
    [null, {}],
    [lap, { draws: 3 }],
    [lap, { draws: 0 }],
    [lap, { confidence: 0 }],
    [lap, { confidence: 1 }],
    [lap, { confidence: 1 - 1e-13 }],
    [lap, { confidence: Number.NaN }],
    [lap, { confidence: '0.95' }],
    [{ mechanism: 'discrete-laplace', scale: 2 ** 60 }, {}],
  ])('refuses %o with %o', (dist, options) => {
    const f = (): unknown => noiseInterval(dist as NoiseDistribution, options as never);
    expect(f).toThrow(DpError);
  });
});

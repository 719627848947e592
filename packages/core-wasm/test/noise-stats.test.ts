// Fixed-seed statistical tests of the noise samplers at several scales: chi-square against the
// exact probability mass function, mean and variance, tails and sign symmetry, each threshold
// at z = 6 (a false alarm has probability below 1e-8 per check), on 2^20 WASM samples per
// scale; the twin reproduces a prefix of each stream bit for bit.
import { describe, expect, it } from 'vitest';
import { getBackend, type Rational } from '../src/index.js';

const wasm = getBackend('wasm');
const twin = getBackend('ts');

const N = 2 ** 20;
const TWIN_N = 2 ** 12;
const Z = 6;

/** Smallest expected count of a chi-square bin. */
const MIN_EXPECTED = 100;

/** An integer distribution symmetric about 0: P[x] for |x| <= L, negligible mass beyond. */
interface Pmf {
  /** P[X = x] for x = -L..L at index x + L. */
  p: Float64Array;
  L: number;
}

function pmfFrom(weight: (x: number) => number, L: number): Pmf {
  const p = new Float64Array(2 * L + 1);
  let total = 0;
  // Sum from the tails inwards so that small terms are not lost.
  for (let a = L; a >= 0; a--) {
    const w = weight(a);
    p[L + a] = w;
    p[L - a] = w;
    total += a === 0 ? w : 2 * w;
  }
  for (let i = 0; i < p.length; i++) p[i] /= total;
  return { p, L };
}

/** Discrete Laplace with scale t: P[x] proportional to exp(-|x| / t). */
function laplacePmf(t: number): Pmf {
  return pmfFrom((x) => Math.exp(-x / t), Math.ceil(60 * t) + 60);
}

/** Discrete Gaussian with sigma^2 = s2: P[x] proportional to exp(-x^2 / (2 s2)). */
function gaussianPmf(s2: number): Pmf {
  return pmfFrom((x) => Math.exp(-(x * x) / (2 * s2)), Math.ceil(12 * Math.sqrt(s2)) + 12);
}

/** Chi-square threshold at z standard deviations (Wilson-Hilferty approximation). */
function chiSquareBound(df: number, z: number): number {
  const c = 2 / (9 * df);
  return df * (1 - c + z * Math.sqrt(c)) ** 3;
}

/** Consecutive bins over [-L, L], each with expected count >= MIN_EXPECTED. */
function bins(pmf: Pmf, n: number): { of: Int32Array; expected: number[] } {
  const of = new Int32Array(pmf.p.length);
  const expected: number[] = [];
  let acc = 0;
  for (let i = 0; i < pmf.p.length; i++) {
    of[i] = expected.length;
    acc += pmf.p[i] * n;
    if (acc >= MIN_EXPECTED) {
      expected.push(acc);
      acc = 0;
    }
  }
  // The remainder joins the last bin.
  for (let i = pmf.p.length - 1; i >= 0 && of[i] === expected.length; i--) of[i]--;
  expected[expected.length - 1] += acc;
  return { of, expected };
}

/** Asserts |observed - expected| <= Z standard deviations of a Binomial(n, p) count. */
function expectBinomial(observed: number, n: number, p: number, what: string): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p), what).toBeLessThanOrEqual(Z * sd + 1);
}

function checkDistribution(xs: BigInt64Array, pmf: Pmf): void {
  const n = xs.length;
  const { p, L } = pmf;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = Number(xs[i]);

  // Far tail: the mass beyond `far` is below 1e-9 / n, so no sample may land there.
  let far = L;
  let tail = 0;
  while (far > 0 && tail + 2 * p[L + far] < 1e-9 / n) tail += 2 * p[L + far--];
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  expect(max, 'largest |X|').toBeLessThanOrEqual(far);

  // Chi-square goodness of fit against the exact PMF.
  const { of, expected } = bins(pmf, n);
  const observed = new Float64Array(expected.length);
  for (const x of v) observed[of[x + L]]++;
  let chi2 = 0;
  for (let i = 0; i < expected.length; i++) chi2 += (observed[i] - expected[i]) ** 2 / expected[i];
  expect(expected.length).toBeGreaterThan(2);
  expect(chi2, `chi-square over ${expected.length} bins`).toBeLessThanOrEqual(
    chiSquareBound(expected.length - 1, Z),
  );

  // Moments: mean 0, variance and fourth moment from the PMF.
  let var_ = 0;
  let m4 = 0;
  for (let x = -L; x <= L; x++) {
    var_ += p[x + L] * x * x;
    m4 += p[x + L] * x ** 4;
  }
  let sum = 0;
  let sq = 0;
  for (const x of v) {
    sum += x;
    sq += x * x;
  }
  const mean = sum / n;
  expect(Math.abs(mean), 'mean').toBeLessThanOrEqual(Z * Math.sqrt(var_ / n));
  expect(Math.abs(sq / n - var_), 'second moment').toBeLessThanOrEqual(
    Z * Math.sqrt((m4 - var_ * var_) / n),
  );

  // Tails: P[|X| >= k] at about 1, 2 and 4 standard deviations.
  const sd = Math.sqrt(var_);
  for (const c of [1, 2, 4]) {
    const k = Math.max(1, Math.round(c * sd));
    let pk = 0;
    for (let a = k; a <= L; a++) pk += 2 * p[L + a];
    let count = 0;
    for (const x of v) if (Math.abs(x) >= k) count++;
    expectBinomial(count, n, pk, `P[|X| >= ${k}]`);
  }

  // Symmetry: among non-zero samples each sign has probability 1/2, overall and in the tail.
  let pos = 0;
  let neg = 0;
  let posFar = 0;
  let negFar = 0;
  const k2 = Math.max(1, Math.round(2 * sd));
  for (const x of v) {
    if (x > 0) pos++;
    if (x < 0) neg++;
    if (x >= k2) posFar++;
    if (x <= -k2) negFar++;
  }
  expectBinomial(pos, pos + neg, 0.5, 'positive among non-zero');
  expectBinomial(posFar, posFar + negFar, 0.5, `positive among |X| >= ${k2}`);
}

function seedOf(tag: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + tag * 101 + 1) & 0xff);
}

function show(r: Rational): string {
  return r.den === 1n ? `${r.num}` : `${r.num}/${r.den}`;
}

const scales: Rational[] = [
  { num: 1n, den: 1n },
  { num: 10n, den: 1n },
  { num: 1000n, den: 1n },
  { num: 7n, den: 3n },
];

describe('discrete Laplace, 2^20 WASM samples per scale', () => {
  scales.forEach((t, i) => {
    it(`scale ${show(t)}: chi-square, moments, tails, symmetry`, () => {
      const seed = seedOf(i);
      const xs = wasm.discreteLaplace(t, N, { seed });
      expect(xs).toHaveLength(N);
      checkDistribution(xs, laplacePmf(Number(t.num) / Number(t.den)));
      expect(twin.discreteLaplace(t, TWIN_N, { seed })).toEqual(xs.subarray(0, TWIN_N));
    });
  });
});

describe('discrete Gaussian, 2^20 WASM samples per scale', () => {
  // sigma = 1, 10, 1000 and sigma^2 = 7/3.
  const variances: Rational[] = scales.map((t, i) =>
    i === 3 ? t : { num: t.num * t.num, den: 1n },
  );
  variances.forEach((s2, i) => {
    it(`sigma^2 ${show(s2)}: chi-square, moments, tails, symmetry`, () => {
      const seed = seedOf(10 + i);
      const xs = wasm.discreteGaussian(s2, N, { seed });
      expect(xs).toHaveLength(N);
      checkDistribution(xs, gaussianPmf(Number(s2.num) / Number(s2.den)));
      expect(twin.discreteGaussian(s2, TWIN_N, { seed })).toEqual(xs.subarray(0, TWIN_N));
    });
  });
});

describe('the checks detect a wrong distribution', () => {
  it('samples of scale 10 fail the test for scale 11, Gaussian samples fail a Laplace test', () => {
    const xs = wasm.discreteLaplace(10, 2 ** 16, { seed: seedOf(50) });
    expect(() => checkDistribution(xs, laplacePmf(11))).toThrow();
    const g = wasm.discreteGaussian(100, 2 ** 16, { seed: seedOf(51) });
    expect(() => checkDistribution(g, laplacePmf(Math.sqrt(50)))).toThrow();
    const shifted = xs.map((x) => x + 1n);
    expect(() => checkDistribution(shifted, laplacePmf(10))).toThrow();
  });
});

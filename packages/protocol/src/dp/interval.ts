// Expected error and confidence interval per bucket of a released aggregate: the variance of
// the total noise (one full-scale draw from each Aggregator, so two by default) and the smallest
// integer h with P(|noise| <= h) >= confidence, from the exact distribution.
import type { Rational } from '@private-measurement/core-wasm';
import { DpError } from '../errors.js';
import { discreteGaussianVariance, erfc, thetaSum } from './internal/special.js';
import { rationalToNumber, toRational } from './rational.js';

/** The noise one Aggregator adds to each coordinate. */
export type NoiseDistribution =
  | {
      /** P(X = x) proportional to exp(-|x| / scale). */
      mechanism: 'discrete-laplace';
      /** Exact `{ num, den }` or a number (converted exactly), > 0. */
      scale: Rational | number;
    }
  | {
      /** P(X = x) proportional to exp(-x^2 / (2 sigmaSquared)). */
      mechanism: 'discrete-gaussian';
      /** Exact `{ num, den }` or a number (converted exactly), > 0. */
      sigmaSquared: Rational | number;
    };

/** Options of {@link noiseInterval}. */
export interface NoiseIntervalOptions {
  /** Independent draws in the released value: 2 (default, each Aggregator adds one) or 1. */
  draws?: 1 | 2;
  /** Two-sided confidence level in (0, 1 - 10^-12]; default 0.95. */
  confidence?: number;
}

/** What the noise means for one released coordinate. */
export interface NoiseInterval {
  mechanism: NoiseDistribution['mechanism'];
  draws: 1 | 2;
  /** Variance of the total noise (exact formula, in double precision). */
  variance: number;
  /** Its square root. */
  stddev: number;
  confidence: number;
  /**
   * Smallest integer h with P(|total noise| <= h) >= confidence (method `exact`), or an integer
   * proven to satisfy it (method `bound`): the true value lies in [released - h, released + h]
   * with at least that probability.
   */
  halfWidth: number;
  /**
   * `exact`: computed from the exact distribution of the total noise (closed form for discrete
   * Laplace; summed probabilities for discrete Gaussian). `bound`: a proven upper bound on the
   * tail, used for discrete Gaussians too wide to sum (sigma above about 2 10^5).
   */
  method: 'exact' | 'bound';
}

/** Relative margin on the tail probability that absorbs floating-point rounding. */
const TAIL_MARGIN = 1e-9;

/** Relative margin on the Gaussian tail bound, above erfc's rounding error (about 1e-13). */
const BOUND_MARGIN = 1e-11;

/** The largest number of probabilities summed for a discrete Gaussian interval. */
const MAX_SUMMED_TERMS = 1 << 22;

/** Smallest integer h >= 0 with ok(h), for ok monotone (false then true). */
function firstTrue(ok: (h: number) => boolean): number {
  if (ok(0)) return 0;
  let hi = 1;
  while (!ok(hi)) {
    hi *= 2;
    if (hi > Number.MAX_SAFE_INTEGER) {
      throw new DpError('halfWidth: the interval is wider than 2^53');
    }
  }
  let lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Discrete Laplace of scale t, q = exp(-1/t): one draw has P(X = x) = c q^|x| with
 * c = (1-q)/(1+q), and P(X > h) = q^(h+1) / (1+q). The sum of two has
 * P(S = s) = c^2 q^|s| (|s| + K) with K = (1+q^2)/(1-q^2) (sum over k of q^(|k| + |s-k|)), so
 * with m = h + 1, P(S > h) = c^2 q^m ((m + K)/(1-q) + q/(1-q)^2). Returns ln P(|N| > h).
 */
function laplaceLogTail(t: number, draws: 1 | 2): (h: number) => number {
  const lnQ = -1 / t;
  const q = Math.exp(lnQ);
  const oneMinusQ = -Math.expm1(lnQ);
  if (draws === 1) return (h) => Math.LN2 + (h + 1) * lnQ - Math.log1p(q);
  const lnC = Math.log(oneMinusQ) - Math.log1p(q);
  const K = (1 + q * q) / (oneMinusQ * (1 + q));
  return (h) => {
    const m = h + 1;
    const bracket = (m + K) / oneMinusQ + q / (oneMinusQ * oneMinusQ);
    return Math.LN2 + 2 * lnC + m * lnQ + Math.log(bracket);
  };
}

function laplaceInterval(t: number, draws: 1 | 2, alpha: number): NoiseInterval['halfWidth'] {
  const logTail = laplaceLogTail(t, draws);
  const limit = Math.log(alpha) + Math.log1p(-TAIL_MARGIN);
  return firstTrue((h) => logTail(h) <= limit);
}

/**
 * Discrete Gaussian of parameter s2. One draw: P(X = x) = exp(-x^2/(2 s2)) / Z with
 * Z = theta(0, 2 s2). The sum of two: sum over k of exp(-(k^2 + (s-k)^2)/(2 s2)) equals
 * exp(-s^2/(4 s2)) times sum over k of exp(-(k - s/2)^2 / s2), which is A = theta(0, s2) for
 * even s and B = theta(1/2, s2) for odd s: P(S = s) = exp(-s^2/(4 s2)) (A or B) / Z^2.
 */
function gaussianPmf(s2: number, draws: 1 | 2): { pmf: (s: number) => number; wMax: number } {
  const z = thetaSum(0, 2 * s2);
  if (draws === 1) return { pmf: (s) => Math.exp(-(s * s) / (2 * s2)) / z, wMax: 1 / z };
  const a = thetaSum(0, s2) / (z * z);
  const b = thetaSum(0.5, s2) / (z * z);
  return {
    pmf: (s) => Math.exp(-(s * s) / (4 * s2)) * (s % 2 === 0 ? a : b),
    wMax: Math.max(a, b),
  };
}

/**
 * The discrete Gaussian half-widths: `bound` always, `exact` when at most `maxTerms` probabilities
 * need summing. Internal; exported for tests.
 * @internal
 */
export function _gaussianHalfWidths(
  s2: number,
  draws: 1 | 2,
  alpha: number,
  maxTerms = MAX_SUMMED_TERMS,
): { bound: number; exact?: number } {
  const { pmf, wMax } = gaussianPmf(s2, draws);
  // tau^2 = draws s2: the exponent of the total is -s^2 / (2 tau^2).
  const tau = Math.sqrt(draws * s2);

  // Bound: for h >= 0 the weights decrease beyond h, so sum_{s > h} <= wMax * integral from h,
  // and the integral of exp(-x^2/(2 tau^2)) from h is tau sqrt(pi/2) erfc(h / (tau sqrt 2)).
  const boundTail = (h: number): number =>
    2 * wMax * tau * Math.sqrt(Math.PI / 2) * erfc(h / (tau * Math.SQRT2));
  const bound = firstTrue((h) => boundTail(h) * (1 + BOUND_MARGIN) <= alpha);

  // Exact: P(|S| > h) = 2 sum_{s > h} pmf(s), summed from the far tail inwards (positive terms,
  // smallest first); 12 tau beyond the bound every term is below exp(-72) of the tail there.
  const last = bound + Math.ceil(12 * tau) + 2;
  if (last > maxTerms) return { bound };
  const limit = alpha * (1 - TAIL_MARGIN);
  let tail = 0;
  let h = last;
  while (h > 0 && 2 * (tail + pmf(h)) <= limit) {
    tail += pmf(h);
    h--;
  }
  return { bound, exact: Math.min(h, bound) };
}

function gaussianInterval(
  s2: number,
  draws: 1 | 2,
  alpha: number,
): Pick<NoiseInterval, 'halfWidth' | 'method'> {
  const { bound, exact } = _gaussianHalfWidths(s2, draws, alpha);
  return exact === undefined
    ? { halfWidth: bound, method: 'bound' }
    : { halfWidth: exact, method: 'exact' };
}

/**
 * The variance, standard deviation and two-sided confidence half-width of the noise in one
 * released coordinate, when each of `draws` Aggregators adds an independent draw of `dist`.
 *
 * Discrete Laplace (scale t, q = exp(-1/t)): variance 2q/(1-q)^2 per draw; the half-width is
 * exact, from the closed-form tail of one draw or of the sum of two. Discrete Gaussian: the
 * variance is the exact sum (slightly below sigma^2, CKS20); the half-width comes from the exact
 * distribution of the sum (summed probabilities) up to sigma of about 2 10^5, and above from a
 * proven bound (sum below integral, erfc), which is at most a unit or two wider. A relative
 * margin of 10^-9 on the tail makes rounding err on the wide side.
 *
 * @param dist - the per-Aggregator distribution.
 * @param options - `draws` (default 2), `confidence` (default 0.95).
 * @returns the interval description.
 * @throws {DpError} for a bad parameter, confidence or draws, or a half-width beyond 2^53.
 * @example noiseInterval({ mechanism: 'discrete-laplace', scale: 10 }).halfWidth; // 41
 */
export function noiseInterval(
  dist: NoiseDistribution,
  options: NoiseIntervalOptions = {},
): NoiseInterval {
  const draws = options.draws ?? 2;
  if (draws !== 1 && draws !== 2) {
    throw new DpError(`draws: expected 1 or 2, received ${String(draws)}`);
  }
  const confidence = options.confidence ?? 0.95;
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence <= 1 - 1e-12)) {
    throw new DpError(
      `confidence: expected a number in (0, 1 - 1e-12], received ${String(confidence)}`,
    );
  }
  const alpha = 1 - confidence;

  if (dist?.mechanism === 'discrete-laplace') {
    const t = rationalToNumber(toRational(dist.scale, 'scale'));
    const oneMinusQ = -Math.expm1(-1 / t);
    const variance = (draws * 2 * Math.exp(-1 / t)) / (oneMinusQ * oneMinusQ);
    const halfWidth = laplaceInterval(t, draws, alpha);
    return {
      mechanism: dist.mechanism,
      draws,
      variance,
      stddev: Math.sqrt(variance),
      confidence,
      halfWidth,
      method: 'exact',
    };
  }
  if (dist?.mechanism === 'discrete-gaussian') {
    const s2 = rationalToNumber(toRational(dist.sigmaSquared, 'sigmaSquared'));
    const variance = draws * discreteGaussianVariance(s2);
    return {
      mechanism: dist.mechanism,
      draws,
      variance,
      stddev: Math.sqrt(variance),
      confidence,
      ...gaussianInterval(s2, draws, alpha),
    };
  }
  throw new DpError(
    `mechanism: expected "discrete-laplace" or "discrete-gaussian", received ${String((dist as { mechanism?: unknown })?.mechanism)}`,
  );
}

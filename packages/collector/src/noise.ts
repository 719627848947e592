// The noise in a collected result and the 95% interval it implies: each Aggregator adds its own
// discrete Laplace (default) or discrete Gaussian noise vector, so the released value carries
// the sum of one or two such draws.
import { ParamError } from './errors.js';

/** The noise each Aggregator adds to its aggregate share, as configured in the task. */
export type NoiseSpec =
  | {
      /** Discrete Laplace: P(k) proportional to exp(-|k| / scale). */
      mechanism: 'discrete-laplace';
      /** The scale each Aggregator uses, positive. */
      scale: number;
      /** How many Aggregators add noise: 2 (default, each adds full-scale noise) or 1. */
      aggregators?: 1 | 2;
    }
  | {
      /** Discrete Gaussian: P(k) proportional to exp(-k^2 / (2 sigma^2)). */
      mechanism: 'discrete-gaussian';
      /** The standard deviation parameter each Aggregator uses, positive. */
      sigma: number;
      /** How many Aggregators add noise: 2 (default) or 1. */
      aggregators?: 1 | 2;
    };

/** What the noise means for the released numbers. */
export interface NoiseSummary {
  mechanism: NoiseSpec['mechanism'];
  /** The per-Aggregator parameter: the Laplace scale or the Gaussian sigma. */
  scale: number;
  /** How many independent draws the released value carries. */
  aggregators: 1 | 2;
  /** Standard deviation of the total noise. */
  stddev: number;
  /** Confidence level of the intervals: 0.95. */
  confidence: number;
  /**
   * Smallest integer h with P(|total noise| <= h) >= confidence: the true value lies in
   * [released - h, released + h] with at least that probability.
   */
  halfWidth: number;
}

const CONFIDENCE = 0.95;
/** Two-sided 97.5% quantile of the standard normal distribution. */
const Z_975 = 1.959963984540054;

/**
 * Checks a noise specification.
 *
 * @param spec - the specification.
 * @returns the specification with `aggregators` filled in.
 * @throws {ParamError} when the mechanism is unknown, the parameter is not a positive finite
 *   number, or `aggregators` is not 1 or 2.
 */
export function checkNoise(spec: NoiseSpec): Required<NoiseSpec> {
  const aggregators = spec.aggregators ?? 2;
  if (aggregators !== 1 && aggregators !== 2) {
    throw new ParamError(`noise.aggregators: expected 1 or 2, received ${String(aggregators)}`);
  }
  if (spec.mechanism === 'discrete-laplace') {
    if (!(spec.scale > 0) || !Number.isFinite(spec.scale)) {
      throw new ParamError(`noise.scale: expected a positive number, received ${spec.scale}`);
    }
    return { ...spec, aggregators };
  }
  if (spec.mechanism === 'discrete-gaussian') {
    if (!(spec.sigma > 0) || !Number.isFinite(spec.sigma)) {
      throw new ParamError(`noise.sigma: expected a positive number, received ${spec.sigma}`);
    }
    return { ...spec, aggregators };
  }
  throw new ParamError(
    `noise.mechanism: expected "discrete-laplace" or "discrete-gaussian", received ${String((spec as { mechanism?: unknown }).mechanism)}`,
  );
}

/**
 * P(S = s) for S the sum of two independent discrete Laplace variables of parameter
 * q = exp(-1/scale). Each is a difference of two geometric variables, so S = N1 - N2 with N1,
 * N2 negative binomial (r = 2); summing the product of their probabilities gives
 * (1-q)^4 q^|s| ((1+q^2)/(1-q^2)^3 + |s|/(1-q^2)^2).
 */
function sumOfTwoLaplacePmf(s: number, q: number, oneMinusQ: number): number {
  const oneMinusQ2 = oneMinusQ * (1 + q);
  const a = Math.abs(s);
  return oneMinusQ ** 4 * q ** a * ((1 + q * q) / oneMinusQ2 ** 3 + a / oneMinusQ2 ** 2);
}

/**
 * Summarises the noise: per-Aggregator parameter, standard deviation of the total, and the
 * half-width of the 95% interval. Exact for discrete Laplace (closed forms for one and two
 * draws); for discrete Gaussian the total is treated as normal with the summed variance.
 *
 * @param spec - the noise the Aggregators add.
 * @returns the summary.
 * @throws {ParamError} when the specification is invalid.
 * @example noiseSummary({ mechanism: 'discrete-laplace', scale: 10 }).halfWidth; // 41
 */
export function noiseSummary(spec: NoiseSpec): NoiseSummary {
  const s = checkNoise(spec);
  const k = s.aggregators;
  if (s.mechanism === 'discrete-gaussian') {
    // Limitation: the discrete Gaussian's variance is slightly below sigma^2 for small sigma and
    // the interval uses the normal quantile; it is conservative to within one unit for sigma >= 1.
    const stddev = s.sigma * Math.sqrt(k);
    return {
      mechanism: s.mechanism,
      scale: s.sigma,
      aggregators: k,
      stddev,
      confidence: CONFIDENCE,
      halfWidth: Math.ceil(Z_975 * stddev),
    };
  }

  const q = Math.exp(-1 / s.scale);
  const oneMinusQ = -Math.expm1(-1 / s.scale);
  // Variance of one discrete Laplace draw: 2q / (1-q)^2.
  const stddev = Math.sqrt((k * 2 * q) / (oneMinusQ * oneMinusQ));
  let halfWidth: number;
  if (k === 1) {
    // P(|X| > h) = 2 q^(h+1) / (1+q): the smallest h with this at most 1 - confidence.
    const tail = (h: number): number => (2 * q ** (h + 1)) / (1 + q);
    halfWidth = Math.max(
      0,
      Math.ceil(Math.log(((1 - CONFIDENCE) * (1 + q)) / 2) / Math.log(q) - 1),
    );
    // Correct the rounding of the logarithms by one step either way.
    while (tail(halfWidth) > 1 - CONFIDENCE) halfWidth++;
    while (halfWidth > 0 && tail(halfWidth - 1) <= 1 - CONFIDENCE) halfWidth--;
  } else {
    let mass = sumOfTwoLaplacePmf(0, q, oneMinusQ);
    halfWidth = 0;
    while (mass < CONFIDENCE) {
      halfWidth++;
      mass += 2 * sumOfTwoLaplacePmf(halfWidth, q, oneMinusQ);
    }
  }
  return {
    mechanism: s.mechanism,
    scale: s.scale,
    aggregators: k,
    stddev,
    confidence: CONFIDENCE,
    halfWidth,
  };
}

// The noise in a collected result and the 95% interval it implies: each Aggregator adds its own
// discrete Laplace (default) or discrete Gaussian noise vector, so the released value carries
// the sum of one or two such draws; the interval comes from the protocol package's dp module.
import { DpError, noiseInterval, type NoiseDistribution } from '@private-measurement/protocol';
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
 * Summarises the noise with the protocol package's `noiseInterval`: per-Aggregator parameter,
 * standard deviation of the total and the half-width of the 95% interval, both from the exact
 * distribution of the sum of the draws (closed forms for discrete Laplace; summed probabilities
 * for discrete Gaussian, or a proven tail bound when sigma is above about 2 10^5).
 *
 * @param spec - the noise the Aggregators add.
 * @returns the summary.
 * @throws {ParamError} when the specification is invalid.
 * @example noiseSummary({ mechanism: 'discrete-laplace', scale: 10 }).halfWidth; // 41
 */
export function noiseSummary(spec: NoiseSpec): NoiseSummary {
  const s = checkNoise(spec);
  const dist: NoiseDistribution =
    s.mechanism === 'discrete-laplace'
      ? { mechanism: s.mechanism, scale: s.scale }
      : { mechanism: s.mechanism, sigmaSquared: s.sigma * s.sigma };
  let interval;
  try {
    interval = noiseInterval(dist, { draws: s.aggregators, confidence: CONFIDENCE });
  } catch (e) {
    if (e instanceof DpError) throw new ParamError(`noise: ${e.message}`);
    throw e;
  }
  return {
    mechanism: s.mechanism,
    scale: s.mechanism === 'discrete-laplace' ? s.scale : s.sigma,
    aggregators: s.aggregators,
    stddev: interval.stddev,
    confidence: CONFIDENCE,
    halfWidth: interval.halfWidth,
  };
}

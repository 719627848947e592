// Differential privacy at collection: each aggregator adds a full-scale discrete Laplace (or
// Gaussian) vector from core-wasm to its own aggregate share before encrypting it, so one honest
// aggregator suffices. The seed is fresh per call and discarded.
import {
  discreteGaussian,
  discreteLaplace,
  type FieldVec,
  type Rational,
} from '@private-measurement/core-wasm';
import type { DpSpec, VdafSpec } from '../config.js';
import { ConfigError } from '../errors.js';
import type { AnyPrio3 } from './vdaf.js';

/**
 * The exact rational value of a finite positive double (every double is m * 2^e).
 *
 * @param x - a finite number > 0.
 * @returns `{ num, den }` with num / den === x exactly.
 */
export function exactRational(x: number): Rational {
  if (!Number.isFinite(x) || x <= 0)
    throw new ConfigError(`value: expected a finite positive number, received ${x}`);
  let den = 1n;
  let v = x;
  // Doubling is exact in binary floating point; at most 1074 steps reach an integer.
  while (!Number.isInteger(v)) {
    v *= 2;
    den *= 2n;
  }
  return { num: BigInt(v), den };
}

/**
 * Sensitivity of one report to a VDAF's aggregate, for adding or removing one report: the L1
 * norm bound (Laplace) and the squared L2 norm bound (Gaussian) of one output vector.
 *
 * @param vdaf - the task's VDAF specification.
 * @returns `{ l1, l2Squared }` as integers.
 */
export function reportSensitivity(vdaf: VdafSpec): { l1: bigint; l2Squared: bigint } {
  switch (vdaf.type) {
    case 'Prio3Count':
    case 'Prio3Histogram':
      return { l1: 1n, l2Squared: 1n };
    case 'Prio3Sum':
      return { l1: BigInt(vdaf.maxMeasurement), l2Squared: BigInt(vdaf.maxMeasurement) ** 2n };
    case 'Prio3SumVec':
      return {
        l1: BigInt(vdaf.length) * BigInt(vdaf.maxMeasurement),
        l2Squared: BigInt(vdaf.length) * BigInt(vdaf.maxMeasurement) ** 2n,
      };
    case 'Prio3MultihotCountVec':
      return { l1: BigInt(vdaf.maxWeight), l2Squared: BigInt(vdaf.maxWeight) };
    case 'Prio3L1BoundSum':
      // The elements are non-negative with sum at most maxValue, so the L2 norm is at most maxValue.
      return { l1: BigInt(vdaf.maxValue), l2Squared: BigInt(vdaf.maxValue) ** 2n };
  }
}

/** A calibrated noise distribution. */
export type NoiseParams =
  | { mechanism: 'discrete-laplace'; scale: Rational }
  | { mechanism: 'discrete-gaussian'; sigmaSquared: Rational };

/**
 * Calibrates a task's noise: Laplace scale = L1 / epsilon (exact, pure epsilon-DP), or the
 * Gaussian variance of the classical bound sigma = L2 * sqrt(2 ln(1.25 / delta)) / epsilon,
 * rounded up to a rational. The Gaussian bound assumes epsilon <= 1.
 *
 * @param vdaf - the VDAF specification.
 * @param dp - the task's DP parameters.
 * @returns the noise parameters.
 * @throws {ConfigError} for a Gaussian epsilon above 1.
 */
export function calibrateNoise(vdaf: VdafSpec, dp: DpSpec): NoiseParams {
  const { l1, l2Squared } = reportSensitivity(vdaf);
  const eps = exactRational(dp.epsilon);
  if (dp.mechanism === 'discrete-laplace') {
    return { mechanism: 'discrete-laplace', scale: { num: l1 * eps.den, den: eps.num } };
  }
  if (dp.epsilon > 1) throw new ConfigError('dp.epsilon: expected at most 1 for discrete-gaussian');
  // sigma^2 = L2^2 * 2 ln(1.25/delta) / eps^2; the float factor is rounded up by one part in 2^20.
  const factor = (2 * Math.log(1.25 / (dp.delta as number))) / (dp.epsilon * dp.epsilon);
  const up = exactRational(factor * (1 + 2 ** -20));
  return { mechanism: 'discrete-gaussian', sigmaSquared: { num: l2Squared * up.num, den: up.den } };
}

/**
 * Adds freshly sampled noise to every element of an aggregate share, in place, modulo p.
 *
 * @param vdaf - the Prio3 instance (its field).
 * @param aggShare - the aggregate share.
 * @param params - the calibrated noise.
 * @returns `aggShare`.
 */
export function addNoise(vdaf: AnyPrio3, aggShare: FieldVec, params: NoiseParams): FieldVec {
  const f = vdaf.field;
  const n = f.len(aggShare);
  // No seed is passed: core-wasm draws a fresh one from the CSPRNG and discards it.
  const samples =
    params.mechanism === 'discrete-laplace'
      ? discreteLaplace(params.scale, n)
      : discreteGaussian(params.sigmaSquared, n);
  const p = f.modulus;
  const noise = f.fromBigInts(Array.from(samples, (x) => ((x % p) + p) % p));
  return f.add(aggShare, noise, aggShare);
}

/**
 * The `pm-dp-noise` header value describing how one aggregator noised its share.
 *
 * @param dp - the task's DP parameters.
 * @param disabled - true when noise is off for testing.
 * @returns e.g. `discrete-laplace;epsilon=1` or `off-for-testing`.
 */
export function noiseLabel(dp: DpSpec, disabled: boolean): string {
  if (disabled) return 'off-for-testing';
  return dp.mechanism === 'discrete-gaussian'
    ? `${dp.mechanism};epsilon=${dp.epsilon};delta=${dp.delta}`
    : `${dp.mechanism};epsilon=${dp.epsilon}`;
}

/** Name of the response header that reports the noise of each aggregate share. */
export const NOISE_HEADER = 'pm-dp-noise';

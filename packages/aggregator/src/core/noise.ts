// Differential privacy at collection: each aggregator adds a full-scale discrete Laplace (or
// Gaussian) vector from core-wasm to its own aggregate share before encrypting it, so one honest
// aggregator suffices. The seed is fresh per call and discarded.
import {
  discreteGaussian,
  discreteLaplace,
  type FieldVec,
  type Rational,
} from '@private-measurement/core-wasm';
import {
  DpError,
  calibrateDiscreteGaussian,
  calibrateDiscreteLaplace,
  toRational,
  vdafConfigSensitivity,
} from '@private-measurement/protocol';
import type { DpSpec, VdafSpec } from '../config.js';
import { ConfigError } from '../errors.js';
import type { AnyPrio3 } from './vdaf.js';

/**
 * The exact rational value of a finite positive double (every double is m * 2^e).
 *
 * @param x - a finite number > 0.
 * @returns `{ num, den }` with num / den === x exactly.
 * @throws {ConfigError} for NaN, infinities, zero or negative values.
 */
export function exactRational(x: number): Rational {
  return dp(() => toRational(x, 'value'));
}

/** Runs a protocol dp call, reporting its DpError as the ConfigError of a bad task. */
function dp<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DpError) throw new ConfigError(`dp: ${e.message}`);
    throw e;
  }
}

/**
 * Sensitivity of one report to a VDAF's aggregate under replace-one neighbouring (one report's
 * measurement replaced by another; the W3C Attribution API's relation), from the protocol
 * package: the L1 bound (Laplace) and the squared L2 bound (Gaussian) of the difference of two
 * output vectors, e.g. 2 for a histogram and 2 * maxValue for L1BoundSum.
 *
 * @param vdaf - the task's VDAF specification.
 * @returns `{ l1, l2Squared }` as integers.
 * @throws {ConfigError} for parameters out of range.
 */
export function reportSensitivity(vdaf: VdafSpec): { l1: bigint; l2Squared: bigint } {
  const { l1, l2Squared } = dp(() => vdafConfigSensitivity(vdaf));
  return { l1, l2Squared };
}

/** A calibrated noise distribution. */
export type NoiseParams =
  | { mechanism: 'discrete-laplace'; scale: Rational }
  | { mechanism: 'discrete-gaussian'; sigmaSquared: Rational };

/**
 * Calibrates a task's noise with the protocol package's dp module: Laplace scale = L1 / epsilon
 * (pure epsilon-DP), or the discrete Gaussian sigma^2 for (epsilon, delta)-DP through zCDP
 * (Canonne, Kamath, Steinke 2020); both exact rationals, rounded up only. A VDAF whose output
 * cannot change (a one-bucket histogram, sensitivity 0) is still noised, as for sensitivity 1.
 *
 * @param vdaf - the VDAF specification.
 * @param spec - the task's DP parameters.
 * @returns the noise parameters.
 * @throws {ConfigError} for an epsilon outside [10^-6, 4294], a delta outside (0, 1), or noise
 *   beyond the samplers' range.
 */
export function calibrateNoise(vdaf: VdafSpec, spec: DpSpec): NoiseParams {
  const { l1, l2Squared } = reportSensitivity(vdaf);
  const atLeastOne = (x: bigint): bigint => (x > 0n ? x : 1n);
  if (spec.mechanism === 'discrete-laplace') {
    const scale = dp(() => calibrateDiscreteLaplace(atLeastOne(l1), spec.epsilon));
    return { mechanism: 'discrete-laplace', scale };
  }
  const sigmaSquared = dp(() =>
    calibrateDiscreteGaussian(atLeastOne(l2Squared), spec.epsilon, spec.delta as number),
  );
  return { mechanism: 'discrete-gaussian', sigmaSquared };
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

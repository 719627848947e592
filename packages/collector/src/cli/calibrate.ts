// The noise a task's DP parameters imply, calibrated as the Aggregators do, by the protocol
// package's dp module: replace-one sensitivity of the task's VDAF, discrete Laplace of scale
// L1 / epsilon, or discrete Gaussian sigma^2 for (epsilon, delta) through zCDP (CKS20).
import {
  DpError,
  calibrateDiscreteGaussian,
  calibrateDiscreteLaplace,
  rationalToNumber,
  vdafConfigSensitivity,
  type VdafConfig,
} from '@private-measurement/protocol';
import { ParamError } from '../errors.js';
import type { NoiseSpec } from '../noise.js';

/** A task's differential-privacy parameters, as in the aggregator's task specification. */
export interface DpParams {
  mechanism: 'discrete-laplace' | 'discrete-gaussian';
  epsilon: number;
  /** Required for the Gaussian mechanism, in (0, 1). */
  delta?: number;
}

/** Runs a protocol dp call, reporting its DpError as a ParamError. */
function dp<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DpError) throw new ParamError(`dp: ${e.message}`);
    throw e;
  }
}

/**
 * The L1 and squared L2 sensitivity of one report under replace-one neighbouring.
 *
 * @param vdaf - the VDAF configuration.
 * @returns `{ l1, l2Squared }`.
 * @throws {ParamError} for a VDAF without a Prio3 output (Poplar1).
 */
export function reportSensitivity(vdaf: VdafConfig): { l1: number; l2Squared: number } {
  const s = dp(() => vdafConfigSensitivity(vdaf));
  return { l1: Number(s.l1), l2Squared: Number(s.l2Squared) };
}

/**
 * Calibrates the noise of a task from its DP parameters, exactly as the Aggregators do, then
 * reads the exact parameters as numbers (a sensitivity of 0 is noised as 1, as they do).
 *
 * @param vdaf - the task's VDAF.
 * @param params - the task's DP parameters.
 * @returns the noise each Aggregator adds.
 * @throws {ParamError} when epsilon or delta is out of range.
 * @example calibrateNoise({ type: 'Prio3Histogram', length: 4, chunkLength: 2 },
 *   { mechanism: 'discrete-laplace', epsilon: 0.5 }); // { ..., scale: 4 }
 */
export function calibrateNoise(vdaf: VdafConfig, params: DpParams): NoiseSpec {
  const s = dp(() => vdafConfigSensitivity(vdaf));
  const atLeastOne = (x: bigint): bigint => (x > 0n ? x : 1n);
  if (params.mechanism === 'discrete-laplace') {
    const scale = dp(() => calibrateDiscreteLaplace(atLeastOne(s.l1), params.epsilon));
    return { mechanism: 'discrete-laplace', scale: rationalToNumber(scale) };
  }
  if (params.mechanism === 'discrete-gaussian') {
    const s2 = dp(() =>
      calibrateDiscreteGaussian(atLeastOne(s.l2Squared), params.epsilon, params.delta as number),
    );
    return { mechanism: 'discrete-gaussian', sigma: Math.sqrt(rationalToNumber(s2)) };
  }
  throw new ParamError(
    `dp.mechanism: expected "discrete-laplace" or "discrete-gaussian", received ${String(params.mechanism)}`,
  );
}

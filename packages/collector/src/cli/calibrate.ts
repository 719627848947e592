// The noise a task's DP parameters imply, calibrated as the Aggregators do: discrete Laplace of
// scale L1 / epsilon, or discrete Gaussian with sigma = L2 sqrt(2 ln(1.25 / delta)) / epsilon,
// where L1 and L2 bound how much one report can change the aggregate.
import type { VdafConfig } from '@private-measurement/protocol';
import { ParamError } from '../errors.js';
import type { NoiseSpec } from '../noise.js';

/** A task's differential-privacy parameters, as in the aggregator's task specification. */
export interface DpParams {
  mechanism: 'discrete-laplace' | 'discrete-gaussian';
  epsilon: number;
  /** Required for the Gaussian mechanism, in (0, 1). */
  delta?: number;
}

/**
 * The L1 and squared L2 bounds of one report's output vector for each Prio3 variant.
 *
 * @param vdaf - the VDAF configuration.
 * @returns `{ l1, l2Squared }`.
 * @throws {ParamError} for a VDAF without a Prio3 output (Poplar1).
 */
export function reportSensitivity(vdaf: VdafConfig): { l1: number; l2Squared: number } {
  switch (vdaf.type) {
    case 'Prio3Count':
    case 'Prio3Histogram':
      return { l1: 1, l2Squared: 1 };
    case 'Prio3Sum':
      return { l1: Number(vdaf.maxMeasurement), l2Squared: Number(vdaf.maxMeasurement) ** 2 };
    case 'Prio3SumVec':
      return {
        l1: vdaf.length * Number(vdaf.maxMeasurement),
        l2Squared: vdaf.length * Number(vdaf.maxMeasurement) ** 2,
      };
    case 'Prio3MultihotCountVec':
      return { l1: Number(vdaf.maxWeight), l2Squared: Number(vdaf.maxWeight) };
    case 'Prio3L1BoundSum':
      // Non-negative elements summing to at most maxValue: the L2 norm is at most maxValue too.
      return { l1: Number(vdaf.maxValue), l2Squared: Number(vdaf.maxValue) ** 2 };
    default:
      throw new ParamError(`dp: no sensitivity for ${vdaf.type}`);
  }
}

/**
 * Calibrates the noise of a task from its DP parameters.
 *
 * Limitation: the Aggregators hold the exact rational parameters; this reproduces them in
 * floating point, which is enough to describe the noise but is not the sampling path.
 *
 * @param vdaf - the task's VDAF.
 * @param dp - the task's DP parameters.
 * @returns the noise each Aggregator adds.
 * @throws {ParamError} when epsilon or delta is out of range.
 * @example calibrateNoise({ type: 'Prio3Histogram', length: 4, chunkLength: 2 },
 *   { mechanism: 'discrete-laplace', epsilon: 0.5 }); // { ..., scale: 2 }
 */
export function calibrateNoise(vdaf: VdafConfig, dp: DpParams): NoiseSpec {
  if (typeof dp.epsilon !== 'number' || !(dp.epsilon > 0) || !Number.isFinite(dp.epsilon)) {
    throw new ParamError(`dp.epsilon: expected a positive number, received ${dp.epsilon}`);
  }
  const { l1, l2Squared } = reportSensitivity(vdaf);
  if (dp.mechanism === 'discrete-laplace') {
    return { mechanism: 'discrete-laplace', scale: l1 / dp.epsilon };
  }
  if (dp.mechanism === 'discrete-gaussian') {
    const delta = dp.delta;
    if (typeof delta !== 'number' || !(delta > 0 && delta < 1)) {
      throw new ParamError(`dp.delta: expected a number in (0, 1), received ${String(delta)}`);
    }
    const sigma = (Math.sqrt(l2Squared) * Math.sqrt(2 * Math.log(1.25 / delta))) / dp.epsilon;
    return { mechanism: 'discrete-gaussian', sigma };
  }
  throw new ParamError(
    `dp.mechanism: expected "discrete-laplace" or "discrete-gaussian", received ${String(dp.mechanism)}`,
  );
}

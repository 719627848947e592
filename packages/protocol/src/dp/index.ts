// Public names of the dp module: per-report sensitivity of each Prio3 VDAF under replace-one
// neighbouring, exact discrete Laplace and Gaussian calibration, and noise intervals.
export {
  NEIGHBOURING_RELATION,
  countSensitivity,
  histogramSensitivity,
  l1BoundSumSensitivity,
  multihotCountVecSensitivity,
  prio3Sensitivity,
  sumSensitivity,
  sumVecSensitivity,
  vdafConfigSensitivity,
  type Sensitivity,
  type VdafSensitivityConfig,
} from './sensitivity.js';
export { calibrateDiscreteLaplace } from './laplace.js';
export {
  calibrateDiscreteGaussian,
  calibrateDiscreteGaussianZcdp,
  zcdpRhoForApproxDp,
  zcdpToApproxDpLogDelta,
} from './gaussian.js';
export {
  noiseInterval,
  type NoiseDistribution,
  type NoiseInterval,
  type NoiseIntervalOptions,
} from './interval.js';
export {
  DELTA_MIN,
  EPSILON_MAX,
  EPSILON_MIN,
  RHO_MAX,
  RHO_MIN,
  checkDelta,
  checkEpsilon,
  checkRho,
} from './params.js';
export {
  MAX_PARAM_DEN,
  MAX_PARAM_NUM,
  compareRational,
  rationalToNumber,
  roundUpRational,
  toRational,
} from './rational.js';

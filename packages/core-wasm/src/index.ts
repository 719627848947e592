// Public API of @private-measurement/core-wasm: bulk field arithmetic, NTT, TurboSHAKE128 and
// XofTurboShake128, exact discrete Laplace and Gaussian samplers, on WASM or the pure-TS twin.
export type {
  Backend,
  BackendKind,
  BackendParts,
  Field,
  FieldName,
  FieldVec,
  NoiseOptions,
  Rational,
  TurboShake128,
  Xof,
} from './types.js';
export { ArithmeticError, BackendError, CoreError, DecodeError, ParamError } from './errors.js';
export { getBackend, ready, setDefaultBackend } from './backend.js';
export type { FieldPair } from './backend.js';
export { discreteGaussian, discreteLaplace } from './noise/api.js';

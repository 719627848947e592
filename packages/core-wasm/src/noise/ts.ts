// Placeholder until the pure-TS noise twin lands.
import type { NoiseKernels } from '../backend.js';
import { BackendError } from '../errors.js';
const missing = (): never => { throw new BackendError('noise twin not built'); };
export const tsNoise: NoiseKernels = { discreteLaplace: missing, discreteGaussian: missing };

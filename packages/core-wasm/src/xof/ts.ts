// Placeholder until the pure-TS XOF twin lands.
import type { XofKernels } from '../backend.js';
import { BackendError } from '../errors.js';
const missing = (): never => { throw new BackendError('xof twin not built'); };
export const tsXof: XofKernels = { turboShake128: missing, xof: missing, deriveSeed: missing, expandIntoVec: missing };

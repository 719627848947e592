// The public noise entry points of DESIGN.md: the default backend's samplers.
import type { NoiseOptions, Rational } from '../types.js';
import { getBackend } from '../backend.js';

/**
 * `count` independent samples of the discrete Laplace distribution with scale `scale`:
 * P[X = x] proportional to exp(-|x| / scale) for every integer x (Canonne, Kamath, Steinke 2020).
 *
 * @param scale - exact rational `{ num, den }` > 0, or a number converted exactly.
 * @param count - number of samples, >= 0.
 * @param options - `seed` (32 bytes) for a reproducible stream; `backend` to pick one.
 * @returns the samples.
 * @throws {ParamError} for a scale that is not positive and finite, or outside the supported range.
 * @example
 * const noise = discreteLaplace({ num: 20n, den: 1n }, 1024);
 */
export function discreteLaplace(
  scale: Rational | number,
  count: number,
  options: NoiseOptions = {},
): BigInt64Array {
  return getBackend(options.backend).discreteLaplace(scale, count, options);
}

/**
 * `count` independent samples of the discrete Gaussian distribution with parameter
 * `sigmaSquared`: P[X = x] proportional to exp(-x^2 / (2 sigmaSquared)) for every integer x
 * (Canonne, Kamath, Steinke 2020).
 *
 * @param sigmaSquared - exact rational `{ num, den }` > 0, or a number converted exactly.
 * @param count - number of samples, >= 0.
 * @param options - `seed` (32 bytes) for a reproducible stream; `backend` to pick one.
 * @returns the samples.
 * @throws {ParamError} for a parameter that is not positive and finite, or out of range.
 * @example
 * const noise = discreteGaussian({ num: 400n, den: 1n }, 1024);
 */
export function discreteGaussian(
  sigmaSquared: Rational | number,
  count: number,
  options: NoiseOptions = {},
): BigInt64Array {
  return getBackend(options.backend).discreteGaussian(sigmaSquared, count, options);
}

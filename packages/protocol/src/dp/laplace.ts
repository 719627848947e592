// Discrete Laplace calibration: the scale that makes adding discrete Laplace noise to each
// coordinate epsilon-DP for an L1 sensitivity, as the exact rational core-wasm's sampler takes.
import type { Rational } from '@private-measurement/core-wasm';
import { checkEpsilon, checkSensitivity } from './params.js';
import { roundUpRational } from './rational.js';

/**
 * The discrete Laplace scale t = l1Sensitivity / epsilon, rounded up to a sampler parameter.
 * Canonne, Kamath, Steinke 2020 (§2, discrete Laplace): P(X = x) proportional to exp(-|x| / t)
 * added to each coordinate of an integer vector of L1 sensitivity D is (D / t)-DP, so t = D /
 * epsilon gives epsilon-DP, and any larger t too. The quotient is exact; it is returned as is
 * when its numerator is below 2^53 and its denominator at most 2^32, otherwise rounded up to
 * ceil(t 2^k) / 2^k (k <= 32, see `roundUpRational`), never below t.
 *
 * @param l1Sensitivity - L1 sensitivity of one report (e.g. `vdafConfigSensitivity(c).l1`), >= 1.
 * @param epsilon - exact `{ num, den }` or a number (converted exactly), in [10^-6, 4294].
 * @returns the scale `{ num, den }` in lowest terms, for `discreteLaplace(scale, n)`.
 * @throws {DpError} for a bad epsilon or sensitivity, or a scale of 2^53 or more.
 * @example calibrateDiscreteLaplace(510n, 1); // { num: 510n, den: 1n }, L1BoundSum(20, 255)
 */
export function calibrateDiscreteLaplace(
  l1Sensitivity: bigint | number,
  epsilon: Rational | number,
): Rational {
  const d = checkSensitivity(l1Sensitivity, 'l1Sensitivity');
  const eps = checkEpsilon(epsilon);

  // t = D / (num / den) = D den / num, exactly.
  return roundUpRational({ num: d * eps.den, den: eps.num }, 'scale');
}

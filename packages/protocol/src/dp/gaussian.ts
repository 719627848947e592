// Discrete Gaussian calibration: sigma^2 from a zCDP budget rho (exact), or from (epsilon, delta)
// through the zCDP-to-approximate-DP conversion of Canonne, Kamath, Steinke 2020.
import type { Rational } from '@private-measurement/core-wasm';
import { DpError } from '../errors.js';
import { checkDelta, checkEpsilon, checkRho, checkSensitivity } from './params.js';
import { rationalToNumber, roundUpRational, toRational } from './rational.js';

/**
 * sigma^2 = l2SensitivitySquared / (2 rho), rounded up to a sampler parameter. Canonne, Kamath,
 * Steinke 2020 (§4, multivariate discrete Gaussian): independent discrete Gaussians of
 * parameter sigma^2 on each coordinate of an integer vector of L2 sensitivity D satisfy
 * (D^2 / (2 sigma^2))-zCDP. The quotient is exact; rounding (see `roundUpRational`) only raises it.
 *
 * @param l2SensitivitySquared - squared L2 sensitivity of one report, >= 1.
 * @param rho - zCDP budget, `{ num, den }` or a number (converted exactly), in [10^-12, 10^7].
 * @returns sigma^2 as `{ num, den }`, for `discreteGaussian(sigmaSquared, n)`.
 * @throws {DpError} for a bad rho or sensitivity, or a sigma^2 of 2^53 or more.
 * @example calibrateDiscreteGaussianZcdp(2n, 0.5); // { num: 2n, den: 1n }, a histogram
 */
export function calibrateDiscreteGaussianZcdp(
  l2SensitivitySquared: bigint | number,
  rho: Rational | number,
): Rational {
  const d2 = checkSensitivity(l2SensitivitySquared, 'l2SensitivitySquared');
  const r = checkRho(rho);
  return roundUpRational({ num: d2 * r.den, den: 2n * r.num }, 'sigmaSquared');
}

/** ln of CKS20's delta bound at order alpha = 1 + e^u for a rho-zCDP mechanism and epsilon. */
function logDeltaAt(u: number, rho: number, eps: number): number {
  const am1 = Math.exp(u);
  const alpha = 1 + am1;
  // exp((a-1)(a rho - eps)) / (a-1) * (1 - 1/a)^a, in logarithms; log1p(-1/a) = ln((a-1)/a).
  return am1 * (alpha * rho - eps) - u + alpha * (u - Math.log(alpha));
}

/**
 * CKS20 Corollary 13: a rho-zCDP mechanism is (epsilon, delta)-DP for
 * delta = inf over alpha > 1 of exp((alpha-1)(alpha rho - epsilon)) / (alpha-1) (1-1/alpha)^alpha.
 * The expression is convex in alpha, so a golden-section search over ln(alpha - 1) finds the
 * infimum; any alpha gives a valid bound, so an inexact minimum only errs on the safe side.
 *
 * @param rho - the zCDP parameter, > 0.
 * @param epsilon - the target epsilon, > 0.
 * @returns ln delta of the conversion.
 * @throws {DpError} for a rho or epsilon that is not a finite positive number.
 * @example Math.exp(zcdpToApproxDpLogDelta(0.5, 3)); // about 0.0051
 */
export function zcdpToApproxDpLogDelta(rho: number, epsilon: number): number {
  for (const [name, v] of [
    ['rho', rho],
    ['epsilon', epsilon],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0)) {
      throw new DpError(`${name}: expected a finite number > 0, received ${String(v)}`);
    }
  }
  const g = (Math.sqrt(5) - 1) / 2;
  let lo = -40;
  let hi = 40;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = logDeltaAt(a, rho, epsilon);
  let fb = logDeltaAt(b, rho, epsilon);
  for (let i = 0; i < 200; i++) {
    if (fa <= fb) {
      [hi, b, fb] = [b, a, fa];
      a = hi - g * (hi - lo);
      fa = logDeltaAt(a, rho, epsilon);
    } else {
      [lo, a, fa] = [a, b, fb];
      b = lo + g * (hi - lo);
      fb = logDeltaAt(b, rho, epsilon);
    }
  }
  // ln delta <= 0 always holds (alpha -> 1 bounds delta by 1), and the min is itself a bound.
  return Math.min(0, fa, fb);
}

/** Relative margin that absorbs floating-point error in the delta bound (ln delta units). */
const LOG_DELTA_MARGIN = 1e-9;

/**
 * The largest rho (to within 2^-50 relative, rounded down) whose CKS20 Corollary 13 conversion
 * gives (epsilon, delta)-DP, with a margin of 10^-9 on ln delta against rounding. Never below
 * the rho of the classical conversion epsilon = rho + 2 sqrt(rho ln(1/delta)) (Bun, Steinke
 * 2016, Proposition 1.3), which Corollary 13 improves on.
 *
 * @param epsilon - `{ num, den }` or a number, in [10^-6, 4294].
 * @param delta - in [10^-100, 1).
 * @returns rho as a number.
 * @throws {DpError} for a bad epsilon or delta.
 * @example zcdpRhoForApproxDp(1, 1e-6); // about 0.0244
 */
export function zcdpRhoForApproxDp(epsilon: Rational | number, delta: number): number {
  const eps = rationalToNumber(checkEpsilon(epsilon));
  const lnInvDelta = -Math.log(checkDelta(delta));
  const target = -lnInvDelta - LOG_DELTA_MARGIN;
  const ok = (rho: number): boolean => zcdpToApproxDpLogDelta(rho, eps) <= target;

  // The classical conversion solved for rho, slightly lowered: a certified starting point.
  const classical = (Math.sqrt(lnInvDelta + eps) - Math.sqrt(lnInvDelta)) ** 2 * (1 - 1e-12);
  let lo = classical;
  if (!ok(lo)) return lo;
  let hi = lo * 2;
  while (ok(hi)) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 60 && hi - lo > lo * 2 ** -50; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The discrete Gaussian sigma^2 for (epsilon, delta)-DP: rho from `zcdpRhoForApproxDp`
 * (CKS20 Corollary 13), then sigma^2 = l2SensitivitySquared / (2 rho) exactly, rounded up.
 * Since rho is a double rounded down, sigma^2 is computed from its exact value and only raised.
 *
 * @param l2SensitivitySquared - squared L2 sensitivity of one report, >= 1.
 * @param epsilon - `{ num, den }` or a number (converted exactly), in [10^-6, 4294].
 * @param delta - in [10^-100, 1).
 * @returns sigma^2 as `{ num, den }`, for `discreteGaussian(sigmaSquared, n)`.
 * @throws {DpError} for a bad parameter or a sigma^2 of 2^53 or more.
 * @example calibrateDiscreteGaussian(1n, 1, 1e-6); // sigma^2 about 20.5
 */
export function calibrateDiscreteGaussian(
  l2SensitivitySquared: bigint | number,
  epsilon: Rational | number,
  delta: number,
): Rational {
  const d2 = checkSensitivity(l2SensitivitySquared, 'l2SensitivitySquared');
  const rho = toRational(zcdpRhoForApproxDp(epsilon, delta), 'rho');
  return roundUpRational({ num: d2 * rho.den, den: 2n * rho.num }, 'sigmaSquared');
}

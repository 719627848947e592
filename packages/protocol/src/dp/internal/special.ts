// Special functions for the noise intervals: erfc for x >= 0 and the theta sums
// sum_j exp(-(j + a)^2 / c) that normalise discrete Gaussians.

/**
 * erfc(x) for x >= 0, relative error about 1e-13: the everywhere-positive series
 * erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 3 ... (2n+1)) below 2, and the
 * continued fraction erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + (2/2)/(x + ...))) above.
 * @internal
 */
export function erfc(x: number): number {
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; term > sum * 1e-18; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  let f = x;
  for (let n = 200; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/**
 * sum over all integers j of exp(-(j + a)^2 / c), for a in {0, 1/2} and c > 0. Direct summation
 * for c <= 64; above, Poisson summation gives sqrt(pi c) (1 + 2 sum_k (+-1)^k exp(-pi^2 c k^2)),
 * whose correction is below 1e-270 and vanishes in double precision.
 * @internal
 */
export function thetaSum(a: 0 | 0.5, c: number): number {
  if (c > 64) return Math.sqrt(Math.PI * c);
  // Terms beyond |j + a| = sqrt(750 c) underflow to 0.
  const J = Math.ceil(Math.sqrt(750 * c)) + 1;
  let sum = 0;
  for (let j = -J; j <= J; j++) sum += Math.exp(-((j + a) ** 2) / c);
  return sum;
}

/**
 * Variance of one discrete Gaussian of parameter s2: sum k^2 exp(-k^2/(2 s2)) / Z. Summed
 * directly for 2 s2 <= 64; above, it equals s2 to double precision (CKS20: it is below s2 by
 * a relative amount of order exp(-2 pi^2 s2)).
 * @internal
 */
export function discreteGaussianVariance(s2: number): number {
  const c = 2 * s2;
  if (c > 64) return s2;
  const J = Math.ceil(Math.sqrt(750 * c)) + 1;
  let num = 0;
  let z = 0;
  for (let k = -J; k <= J; k++) {
    const w = Math.exp(-(k * k) / c);
    num += k * k * w;
    z += w;
  }
  return num / z;
}

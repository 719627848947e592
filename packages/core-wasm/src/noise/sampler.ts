// Exact samplers of Canonne, Kamath, Steinke, "The Discrete Gaussian for Differential Privacy"
// (NeurIPS 2020), on a random bit source, with integer arithmetic only. This file is the
// readable definition of every draw; the AssemblyScript kernels make the same draws in the same
// order, so both backends give bit-identical samples for a seed.
//
// Draws (RandBits is defined in stream.ts):
//   Uniform(n), n >= 1: 0 if n = 1 (no bits); else k = bitlength(n - 1), repeat v = RandBits(k)
//     until v < n, return v (rejection: exactly uniform, fewer than 2 tries on average).
//   Bern(p / q), 0 <= p, q >= 1: false if p = 0, true if p >= q (no bits); else Uniform(q) < p.
//   BernExpFrac(p / q), 0 <= p <= q (paper Algorithm 1, gamma = p/q in [0, 1]): K = 1; while
//     Bern(1 / K) and Bern(p / q): K = K + 1; return K odd. (Bernoulli(gamma / K) is drawn as
//     Bern(1 / K) then Bern(p / q), a product of independent events of probability gamma / K.)
//   BernExp1 = BernExpFrac(1 / 1), a Bernoulli(exp(-1)) draw.
import { BackendError } from '../errors.js';
import type { BitSource } from './stream.js';
import type { GaussianConstants } from './params.js';

/**
 * Consecutive Bernoulli(exp(-1)) successes after which a sampler gives up: reaching it has
 * probability exp(-1024) < 2^-1477 per loop. It keeps every intermediate value below 2^63.
 */
export const LOOP_BOUND = 1024;

const TWO32 = 2 ** 32;

function bitLength(x: number): number {
  return x < TWO32 ? 32 - Math.clz32(x) : 64 - Math.clz32(Math.floor(x / TWO32));
}

function randBits(src: BitSource, k: number): number {
  if (k <= 32) return src.bits(k);
  const lo = src.bits(32);
  return src.bits(k - 32) * TWO32 + lo;
}

function randBitsBig(src: BitSource, k: number): bigint {
  let v = 0n;
  for (let off = 0; off < k; off += 32) {
    v |= BigInt(src.bits(Math.min(32, k - off))) << BigInt(off);
  }
  return v;
}

/**
 * Uniform(n): a uniform integer in [0, n) by rejection.
 *
 * @param src - bit source.
 * @param n - integer in [1, 2^53].
 * @returns the sample.
 */
export function uniform(src: BitSource, n: number): number {
  if (n === 1) return 0;
  const k = bitLength(n - 1);
  for (;;) {
    const v = randBits(src, k);
    if (v < n) return v;
  }
}

/**
 * Uniform(n) for any n >= 1 as a bigint; the same draws as `uniform`.
 *
 * @param src - bit source.
 * @param n - integer >= 1.
 * @returns the sample.
 */
export function uniformBig(src: BitSource, n: bigint): bigint {
  if (n === 1n) return 0n;
  const k = (n - 1n).toString(2).length;
  for (;;) {
    const v = randBitsBig(src, k);
    if (v < n) return v;
  }
}

/** Bern(p / q) for numbers 0 <= p, 1 <= q <= 2^53. */
export function bernoulli(src: BitSource, p: number, q: number): boolean {
  if (p === 0) return false;
  if (p >= q) return true;
  return uniform(src, q) < p;
}

/** Bern(p / q) for bigints. */
export function bernoulliBig(src: BitSource, p: bigint, q: bigint): boolean {
  if (p === 0n) return false;
  if (p >= q) return true;
  return uniformBig(src, q) < p;
}

/**
 * BernExpFrac(p / q): true with probability exp(-p/q), for 0 <= p <= q <= 2^53
 * (Canonne, Kamath, Steinke 2020, Algorithm 1, case gamma in [0, 1]).
 *
 * @param src - bit source.
 * @param p - numerator.
 * @param q - denominator.
 * @returns the Bernoulli outcome.
 */
export function bernExpFrac(src: BitSource, p: number, q: number): boolean {
  let k = 1;
  while (bernoulli(src, 1, k) && bernoulli(src, p, q)) k++;
  return (k & 1) === 1;
}

/** BernExpFrac(p / q) for bigints 0 <= p <= q; the same draws as `bernExpFrac`. */
export function bernExpFracBig(src: BitSource, p: bigint, q: bigint): boolean {
  let k = 1;
  while (bernoulli(src, 1, k) && bernoulliBig(src, p, q)) k++;
  return (k & 1) === 1;
}

/** Bernoulli(exp(-1)). */
export function bernExp1(src: BitSource): boolean {
  return bernExpFrac(src, 1, 1);
}

function exhausted(): never {
  throw new BackendError('noise sampler exceeded its iteration bound');
}

/**
 * One discrete Laplace sample with scale s / r: P[x] proportional to exp(-|x| r / s)
 * (Canonne, Kamath, Steinke 2020, Algorithm 2).
 *
 * @param src - bit source.
 * @param s - numerator of the scale, in [1, 2^53).
 * @param r - denominator of the scale, in [1, 2^63).
 * @returns the sample.
 * @throws {BackendError} after LOOP_BOUND consecutive successes of Bernoulli(exp(-1)).
 */
export function laplace(src: BitSource, s: number, r: bigint): bigint {
  for (;;) {
    // U uniform in [0, s), kept with probability exp(-U/s): U + s V is geometric in exp(-1/s).
    const u = uniform(src, s);
    if (!bernExpFrac(src, u, s)) continue;

    // V geometric: the number of Bernoulli(exp(-1)) successes before the first failure.
    let v = 0;
    while (bernExp1(src)) if (++v === LOOP_BOUND) exhausted();

    // Y = floor((U + s V) / r) is geometric with ratio exp(-r/s); X < 2^63.
    const x = BigInt(u) + BigInt(s) * BigInt(v);
    const y = r === 1n ? x : x / r;

    // A random sign, rejecting "-0" so that 0 is not counted twice.
    const sign = src.bits(1);
    if (sign === 1 && y === 0n) continue;
    return sign === 1 ? -y : y;
  }
}

/**
 * BernExp(a / b): true with probability exp(-a/b) for any a >= 0, b >= 1 (Canonne, Kamath,
 * Steinke 2020, Algorithm 1, case gamma > 1): floor(a/b) draws of BernExp1, stopping at the
 * first failure, then BernExpFrac((a mod b) / b).
 *
 * @param src - bit source.
 * @param a - numerator, >= 0.
 * @param b - denominator, >= 1.
 * @returns the Bernoulli outcome.
 * @throws {BackendError} when floor(a/b) >= LOOP_BOUND and LOOP_BOUND draws succeed.
 */
export function bernExp(src: BitSource, a: bigint, b: bigint): boolean {
  for (let i = 0; a >= b; a -= b) {
    if (!bernExp1(src)) return false;
    if (++i === LOOP_BOUND) exhausted();
  }
  return bernExpFracBig(src, a, b);
}

/**
 * One discrete Gaussian sample with sigma^2 = n / d: P[x] proportional to exp(-x^2 / (2 sigma^2))
 * (Canonne, Kamath, Steinke 2020, Algorithm 3): Y from the discrete Laplace with scale t/1,
 * t = floor(sigma) + 1, kept with probability exp(-gamma),
 * gamma = (|Y| - sigma^2/t)^2 / (2 sigma^2) = (|Y| d t - n)^2 / (2 n d t^2), drawn as
 * BernExp(a / b) with exactly that unreduced numerator a and denominator b.
 *
 * @param src - bit source.
 * @param c - constants from `gaussianConstants`.
 * @returns the sample.
 * @throws {BackendError} after LOOP_BOUND consecutive successes of Bernoulli(exp(-1)).
 */
export function gaussian(src: BitSource, c: GaussianConstants): bigint {
  const t = Number(c.t);
  for (;;) {
    const y = laplace(src, t, 1n);

    const x = (y < 0n ? -y : y) * c.m - c.n;
    if (bernExp(src, x * x, c.b)) return y;
  }
}

// Parameter checking for the exact noise samplers, shared by the WASM backend and the TS twin:
// exact conversion of numbers to rationals, reduction to lowest terms, range checks, seeds.
import type { NoiseOptions, Rational } from '../types.js';
import { ParamError } from '../errors.js';

/** The numerator of a reduced parameter must be below this bound (2^53). */
export const MAX_NUM = 1n << 53n;

/** The denominator of a reduced parameter must be below this bound (2^63). */
export const MAX_DEN = 1n << 63n;

/** Largest number of samples one call produces (2^26, i.e. 512 MiB of output). */
export const MAX_COUNT = 1 << 26;

/** Seed length in bytes. */
export const SEED_BYTES = 32;

/** A parameter in lowest terms: numerator in [1, 2^53), denominator in [1, 2^63). */
export interface ReducedRational {
  readonly num: bigint;
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * The exact value of a finite positive double as `m * 2^e` with m odd.
 * @internal
 */
function dyadic(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);

  // Subnormals have no implicit leading bit and the smallest exponent.
  let m = biased === 0 ? frac : frac | (1n << 52n);
  let e = biased === 0 ? -1074 : biased - 1075;
  while ((m & 1n) === 0n) {
    m >>= 1n;
    e += 1;
  }
  return { m, e };
}

/**
 * Converts a sampler parameter to lowest terms and checks its range.
 *
 * @param value - exact rational `{ num, den }` with bigint parts, or a number, converted exactly
 *   (every finite double is a dyadic rational m / 2^k).
 * @param name - parameter name for error messages.
 * @returns the reduced rational: numerator in [1, 2^53), denominator in [1, 2^63).
 * @throws {ParamError} for NaN, infinities, zero, negatives, non-bigint parts, or a reduced
 *   numerator of 2^53 or more or denominator of 2^63 or more.
 */
export function toReducedRational(value: Rational | number, name: string): ReducedRational {
  let num: bigint;
  let den: bigint;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) {
      throw new ParamError(`${name}: expected a finite number > 0, received ${String(value)}`);
    }
    const { m, e } = dyadic(value);
    num = e >= 0 ? m << BigInt(e) : m;
    den = e >= 0 ? 1n : 1n << BigInt(-e);
  } else {
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof value.num !== 'bigint' ||
      typeof value.den !== 'bigint'
    ) {
      throw new ParamError(`${name}: expected a number or { num: bigint, den: bigint }`);
    }
    num = value.num;
    den = value.den;
    if (num <= 0n || den <= 0n) {
      throw new ParamError(`${name}: expected num > 0 and den > 0, received ${num}/${den}`);
    }
    const g = gcd(num, den);
    num /= g;
    den /= g;
  }
  if (num >= MAX_NUM || den >= MAX_DEN) {
    throw new ParamError(
      `${name}: expected numerator below 2^53 and denominator below 2^63 in lowest terms, ` +
        `received ${num.toString(2).length}-bit/${den.toString(2).length}-bit`,
    );
  }
  return { num, den };
}

/**
 * Checks a sample count.
 *
 * @param count - number of samples requested.
 * @throws {ParamError} unless `count` is an integer in [0, 2^26].
 */
export function checkCount(count: number): void {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new ParamError(`count: expected an integer in [0, ${MAX_COUNT}], received ${String(count)}`);
  }
}

/**
 * The seed to use: a copy of `options.seed`, or 32 fresh bytes from the platform CSPRNG. The
 * caller wipes the returned array after use.
 *
 * @param options - sampler options.
 * @returns a 32-byte seed owned by the caller.
 * @throws {ParamError} when `options` is not an object or the seed is not 32 bytes.
 */
export function seedFrom(options: NoiseOptions | undefined): Uint8Array {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ParamError('options: expected an object');
  }
  const seed = options?.seed;
  if (seed === undefined) return crypto.getRandomValues(new Uint8Array(SEED_BYTES));
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    const got = seed instanceof Uint8Array ? `${seed.length} bytes` : typeof seed;
    throw new ParamError(`seed: expected ${SEED_BYTES} bytes, received ${got}`);
  }
  return seed.slice();
}

/** floor(sqrt(x)) for x >= 0, by Newton's method on integers. */
export function isqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let r = 1n << BigInt((x.toString(2).length + 1) >> 1);
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) return r;
    r = next;
  }
}

/**
 * Constants of the discrete Gaussian sampler for sigma^2 = n / d in lowest terms
 * (Canonne, Kamath, Steinke 2020, Algorithm 3): the Laplace scale t = floor(sigma) + 1, and the
 * acceptance exponent gamma(y) = (|y| d t - n)^2 / (2 n d t^2) written as (|y| m - n)^2 / b.
 */
export interface GaussianConstants {
  readonly n: bigint;
  readonly d: bigint;
  /** floor(sqrt(n / d)) + 1, below 2^27. */
  readonly t: bigint;
  /** d * t, below 2^64 (d t <= sqrt(n d) + d). */
  readonly m: bigint;
  /** 2 n d t^2, below 2^118 (d t^2 <= n + 2 sqrt(n d) + d), so 2^128 > 1024 b. */
  readonly b: bigint;
}

/**
 * Derives the Gaussian sampler constants.
 *
 * @param s2 - sigma^2 in lowest terms.
 * @returns the constants.
 */
export function gaussianConstants(s2: ReducedRational): GaussianConstants {
  const { num: n, den: d } = s2;

  // floor(sqrt(n/d)) = floor(sqrt(floor(n/d))).
  const t = isqrt(n / d) + 1n;
  return { n, d, t, m: d * t, b: 2n * n * d * t * t };
}

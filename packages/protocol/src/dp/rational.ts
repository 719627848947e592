// Exact rationals for DP calibration: checked conversion of inputs (a number is converted
// exactly, since every finite double is m / 2^k), comparison, and upward rounding to a fraction
// that the core-wasm samplers accept.
import type { Rational } from '@private-measurement/core-wasm';
import { DpError } from '../errors.js';

/** Calibrated parameters have numerators below 2^53 (the core-wasm samplers' limit). */
export const MAX_PARAM_NUM = 1n << 53n;

/** Calibrated parameters have denominators of at most 2^32. */
export const MAX_PARAM_DEN = 1n << 32n;

/** Input rationals with a part of more than 128 bits (in lowest terms) are refused. */
const MAX_INPUT_BITS = 128;

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** `r` in lowest terms (both parts positive). */
function reduce(num: bigint, den: bigint): Rational {
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/** The exact value of a finite positive double, as num / den with den a power of two. */
function fromDouble(x: number): Rational {
  let den = 1n;
  let v = x;
  // Doubling is exact in binary floating point; at most 1074 steps reach an integer.
  while (!Number.isInteger(v)) {
    v *= 2;
    den *= 2n;
  }
  return reduce(BigInt(v), den);
}

/**
 * Checks a positive rational parameter and returns it in lowest terms.
 *
 * @param value - `{ num, den }` with bigint parts, or a number (converted exactly).
 * @param name - parameter name for error messages.
 * @returns the value in lowest terms.
 * @throws {DpError} for NaN, infinities, zero, negative values, non-bigint parts, or a part of
 *   more than 128 bits in lowest terms.
 * @example toRational(0.5, 'epsilon'); // { num: 1n, den: 2n }
 */
export function toRational(value: Rational | number, name: string): Rational {
  let r: Rational;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !(value > 0)) {
      throw new DpError(`${name}: expected a finite number > 0, received ${String(value)}`);
    }
    r = fromDouble(value);
  } else {
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof value.num !== 'bigint' ||
      typeof value.den !== 'bigint'
    ) {
      throw new DpError(`${name}: expected a number or { num: bigint, den: bigint }`);
    }
    if (value.num <= 0n || value.den <= 0n) {
      throw new DpError(
        `${name}: expected num > 0 and den > 0, received ${value.num}/${value.den}`,
      );
    }
    r = reduce(value.num, value.den);
  }
  const bits = Math.max(r.num.toString(2).length, r.den.toString(2).length);
  if (bits > MAX_INPUT_BITS) {
    throw new DpError(
      `${name}: expected parts of at most ${MAX_INPUT_BITS} bits, received ${bits}`,
    );
  }
  return r;
}

/**
 * Compares two positive rationals exactly.
 *
 * @param a - first value.
 * @param b - second value.
 * @returns -1, 0 or 1 as a is below, equal to or above b.
 */
export function compareRational(a: Rational, b: Rational): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * A double close to a rational (within a few units in the last place), for reporting.
 *
 * @param r - the rational.
 * @returns num / den as a number.
 */
export function rationalToNumber(r: Rational): number {
  // Shift both parts down to 64 significant bits so that Number() cannot overflow.
  const shift = BigInt(
    Math.max(0, Math.max(r.num.toString(2).length, r.den.toString(2).length) - 64),
  );
  return Number(r.num >> shift) / Number(r.den >> shift);
}

/**
 * The value itself when it is already a sampler parameter (numerator below 2^53, denominator at
 * most 2^32 in lowest terms), otherwise the smallest dyadic ceil(x 2^k) / 2^k >= x with the
 * largest k <= 32 that keeps the numerator below 2^53. The result is never below `x` and exceeds
 * it by less than 2^-k, so noise calibrated with it is at least as large as asked for.
 *
 * @param x - a positive rational.
 * @param name - parameter name for error messages.
 * @returns the rounded value, in lowest terms.
 * @throws {DpError} when even ceil(x) is 2^53 or more (beyond the samplers' range).
 * @example roundUpRational({ num: 10n, den: 3n }, 'scale'); // { num: 10n, den: 3n }
 */
export function roundUpRational(x: Rational, name: string): Rational {
  const r = reduce(x.num, x.den);
  if (r.num < MAX_PARAM_NUM && r.den <= MAX_PARAM_DEN) return r;

  for (let k = 32n; k >= 0n; k--) {
    // ceil(num 2^k / den) for positive parts.
    const n = ((r.num << k) + r.den - 1n) / r.den;
    if (n < MAX_PARAM_NUM) return reduce(n, 1n << k);
  }
  throw new DpError(
    `${name}: expected a value below 2^53 for the samplers, received about ${rationalToNumber(r).toPrecision(4)}`,
  );
}

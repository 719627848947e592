// Checks of privacy parameters (epsilon, delta, zCDP rho) and sensitivities: every bad value is
// a DpError naming the parameter, with the accepted range.
import type { Rational } from '@private-measurement/core-wasm';
import { DpError } from '../errors.js';
import { compareRational, rationalToNumber, toRational } from './rational.js';

/** Smallest epsilon accepted: one microepsilon, the W3C Attribution API's budget unit. */
export const EPSILON_MIN: Rational = { num: 1n, den: 1_000_000n };

/** Largest epsilon accepted: the W3C Attribution API's maximum epsilon (4294). */
export const EPSILON_MAX: Rational = { num: 4294n, den: 1n };

/** Smallest zCDP rho accepted (10^-12). */
export const RHO_MIN: Rational = { num: 1n, den: 10n ** 12n };

/** Largest zCDP rho accepted (10^7, beyond what EPSILON_MAX allows). */
export const RHO_MAX: Rational = { num: 10n ** 7n, den: 1n };

/** Smallest delta accepted (10^-100). */
export const DELTA_MIN = 1e-100;

function inRange(r: Rational, lo: Rational, hi: Rational, name: string): Rational {
  if (compareRational(r, lo) < 0 || compareRational(r, hi) > 0) {
    throw new DpError(
      `${name}: expected a value in [${rationalToNumber(lo)}, ${rationalToNumber(hi)}], ` +
        `received ${rationalToNumber(r)}`,
    );
  }
  return r;
}

/**
 * Checks epsilon: exact, in [10^-6, 4294] (W3C Attribution §4.2.1: budgets are counted in
 * microepsilons in 32-bit integers, hence the maximum epsilon of 4294).
 *
 * @param epsilon - `{ num, den }` or a number (converted exactly).
 * @returns epsilon in lowest terms.
 * @throws {DpError} for a value that is not a finite positive number in range.
 * @example checkEpsilon(0.5); // { num: 1n, den: 2n }
 */
export function checkEpsilon(epsilon: Rational | number): Rational {
  return inRange(toRational(epsilon, 'epsilon'), EPSILON_MIN, EPSILON_MAX, 'epsilon');
}

/**
 * Checks a zCDP parameter rho: exact, in [10^-12, 10^7].
 *
 * @param rho - `{ num, den }` or a number (converted exactly).
 * @returns rho in lowest terms.
 * @throws {DpError} for a value that is not a finite positive number in range.
 * @example checkRho(0.5); // { num: 1n, den: 2n }
 */
export function checkRho(rho: Rational | number): Rational {
  return inRange(toRational(rho, 'rho'), RHO_MIN, RHO_MAX, 'rho');
}

/**
 * Checks delta: a number strictly between 0 and 1, at least 10^-100.
 *
 * @param delta - the delta of (epsilon, delta)-DP.
 * @returns delta.
 * @throws {DpError} for NaN, infinities, or a value outside [10^-100, 1).
 * @example checkDelta(1e-9); // 1e-9
 */
export function checkDelta(delta: number): number {
  if (typeof delta !== 'number' || !(delta >= DELTA_MIN && delta < 1)) {
    throw new DpError(`delta: expected a number in [1e-100, 1), received ${String(delta)}`);
  }
  return delta;
}

/**
 * Checks a sensitivity: a positive integer (a sensitivity of 0 needs no noise and cannot
 * calibrate a sampler).
 *
 * @param value - the sensitivity, bigint or safe integer.
 * @param name - parameter name for error messages.
 * @returns the sensitivity as a bigint.
 * @throws {DpError} for anything but a positive integer below 2^128.
 */
export function checkSensitivity(value: bigint | number, name: string): bigint {
  const v =
    typeof value === 'number' && Number.isSafeInteger(value)
      ? BigInt(value)
      : typeof value === 'bigint'
        ? value
        : undefined;
  if (v === undefined || v < 1n || v >= 1n << 128n) {
    throw new DpError(`${name}: expected an integer in [1, 2^128), received ${String(value)}`);
  }
  return v;
}

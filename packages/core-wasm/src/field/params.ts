// Parameters of Field64 and Field128 (draft-irtf-cfrg-vdaf-20 §6.1.4) and the BigInt helpers
// that both backends use for single elements.
import type { FieldName } from '../types.js';

/** Constants that define one NTT-friendly prime field. */
export interface FieldParams {
  readonly name: FieldName;
  /** p. */
  readonly modulus: bigint;
  readonly encodedSize: 8 | 16;
  readonly words: 1 | 2;
  /** Generator of the subgroup of order `genOrder`. */
  readonly generator: bigint;
  /** Order of `generator`, a power of two. */
  readonly genOrder: bigint;
  /** log2(genOrder). */
  readonly log2Order: number;
}

/**
 * x^e mod m by square-and-multiply on BigInt.
 *
 * @param x - base, 0 <= x < m.
 * @param e - exponent, e >= 0.
 * @param m - modulus.
 * @returns x^e mod m.
 */
export function powMod(x: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let b = x % m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

// draft-irtf-cfrg-vdaf-20 §6.1.4: MODULUS 2**32 * 4294967295 + 1, generator 7**4294967295.
const P64 = 2n ** 32n * 4294967295n + 1n;

// draft-irtf-cfrg-vdaf-20 §6.1.4: MODULUS 2**66 * 4611686018427387897 + 1,
// generator 7**4611686018427387897.
const P128 = 2n ** 66n * 4611686018427387897n + 1n;

/** Field64: p = 2^64 - 2^32 + 1, 8-byte elements, generator of order 2^32. */
export const FIELD64: FieldParams = {
  name: 'Field64',
  modulus: P64,
  encodedSize: 8,
  words: 1,
  generator: powMod(7n, 4294967295n, P64),
  genOrder: 2n ** 32n,
  log2Order: 32,
};

/** Field128: p = 2^128 - 7 * 2^66 + 1, 16-byte elements, generator of order 2^66. */
export const FIELD128: FieldParams = {
  name: 'Field128',
  modulus: P128,
  encodedSize: 16,
  words: 2,
  generator: powMod(7n, 4611686018427387897n, P128),
  genOrder: 2n ** 66n,
  log2Order: 66,
};

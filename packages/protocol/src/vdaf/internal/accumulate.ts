// Exact summation of many field vectors without a kernel call per vector: the 32-bit limbs of
// every element are added as doubles (exact below 2^53), then each element is reduced mod p
// once per batch. Used by Prio3 aggregate, where thousands of output shares meet one sum.
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { words32 } from './vec.js';

/** Vectors summed per batch: 2^20 limbs of < 2^32 each stay below 2^52, exact in a double. */
const BATCH = 1 << 20;

/**
 * The sum of `vecs` (each `n` elements, canonical) in the field.
 *
 * @param field - the field.
 * @param vecs - vectors of `n` elements.
 * @param n - their length.
 * @returns a new vector of `n` elements.
 */
export function sumVectors(field: Field, vecs: readonly FieldVec[], n: number): FieldVec {
  const limbs = field.words * 2;
  const acc = new Float64Array(n * limbs);
  const total = field.zeros(n);
  let inBatch = 0;
  for (const v of vecs) {
    const u = words32(v);
    for (let i = 0; i < acc.length; i++) acc[i] += u[i];
    if (++inBatch === BATCH) {
      field.add(total, reduce(field, acc, n, limbs), total);
      acc.fill(0);
      inBatch = 0;
    }
  }
  if (inBatch > 0) field.add(total, reduce(field, acc, n, limbs), total);
  return total;
}

/** Elements sum(limb_k * 2^(32k)) mod p of the limb sums. */
function reduce(field: Field, acc: Float64Array, n: number, limbs: number): FieldVec {
  const p = field.modulus;
  const xs: bigint[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let x = 0n;
    for (let k = limbs - 1; k >= 0; k--) x = (x << 32n) + BigInt(acc[i * limbs + k]);
    xs[i] = x % p;
  }
  return field.fromBigInts(xs);
}

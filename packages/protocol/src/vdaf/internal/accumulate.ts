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
  let i = 0;
  while (i < vecs.length) {
    // Eight vectors per pass over the accumulator: a quarter of the memory traffic of one by
    // one, and the sum of eight limbs (< 2^35) is still exact.
    const take = Math.min(8, vecs.length - i, BATCH - inBatch);
    if (take === 8) {
      const [a, b, c, d, e, f, g, h] = vecs.slice(i, i + 8).map(words32);
      for (let k = 0; k < acc.length; k++) {
        acc[k] += a[k] + b[k] + c[k] + d[k] + e[k] + f[k] + g[k] + h[k];
      }
    } else {
      for (let j = 0; j < take; j++) {
        const u = words32(vecs[i + j]);
        for (let k = 0; k < acc.length; k++) acc[k] += u[k];
      }
    }
    i += take;
    inBatch += take;
    if (inBatch === BATCH) {
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

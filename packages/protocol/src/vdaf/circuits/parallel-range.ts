// The randomised bit check shared by SumVec, Histogram, MultihotCountVec and L1BoundSum
// (draft-irtf-cfrg-vdaf-20 §7.4.3): ParallelSum(Mul, chunk_length) over chunks of the
// measurement, the j-th pair of a chunk being (r^(j+1) * x, x - 1/num_shares).
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { transpose, resize } from '../internal/vec.js';

/** Number of ParallelSum calls that cover `len` elements in chunks of `chunkLength`. */
export function chunkCalls(len: number, chunkLength: number): number {
  return Math.ceil(len / chunkLength);
}

/**
 * Wire inputs of the ParallelSum(Mul, chunkLength) range check over all of `meas`, as a
 * (2 * chunkLength) x calls matrix (row 2j: r_k^(j+1) * x, row 2j+1: x - 1/numShares).
 */
export function rangeCheckWires(
  field: Field,
  meas: FieldVec,
  jointRand: FieldVec,
  chunkLength: number,
  numShares: number,
): FieldVec {
  const calls = field.len(jointRand);
  const w = field.words;
  const c = chunkLength;
  const sharesInv = field.invS(BigInt(numShares));

  // Zero padding up to calls * c elements; column j of the calls x c matrix is row j of mt.
  const mt = transpose(field, resize(field, meas, calls * c), calls, c);
  const out = field.zeros(2 * c * calls);
  const rPow = jointRand.slice();
  const negInv = field.negS(sharesInv);
  for (let j = 0; j < c; j++) {
    const x = mt.subarray(j * calls * w, (j + 1) * calls * w);
    field.mul(x, rPow, out.subarray(2 * j * calls * w, (2 * j + 1) * calls * w));
    field.addScalar(x, negInv, out.subarray((2 * j + 1) * calls * w, (2 * j + 2) * calls * w));
    if (j + 1 < c) field.mul(rPow, jointRand, rPow);
  }
  return out;
}

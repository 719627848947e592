// The randomised bit check shared by SumVec, Histogram, MultihotCountVec and L1BoundSum
// (draft-irtf-cfrg-vdaf-20 §7.4.3): ParallelSum(Mul, chunk_length) over chunks of the
// measurement, the j-th pair of a chunk being (r^(j+1) * x, x - 1/num_shares); and the parts
// those circuits share (gadget, lengths, measurement array check).
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { ParamError } from '../../errors.js';
import { Mul, ParallelSum } from '../gadgets.js';
import { invInt } from '../internal/cache.js';
import { checkInt, copyStrided } from '../internal/vec.js';

/** Number of ParallelSum calls that cover `len` elements in chunks of `chunkLength`. */
export function chunkCalls(len: number, chunkLength: number): number {
  return Math.ceil(len / chunkLength);
}

/**
 * Wire inputs of the ParallelSum(Mul, chunkLength) range check over all of `meas`, as a
 * (2 * chunkLength) x calls matrix (row 2j: r_k^(j+1) * x, row 2j+1: x - 1/numShares).
 *
 * @param field - the circuit's field.
 * @param meas - measurement (share); zero-padded to calls * chunkLength.
 * @param jointRand - one element per call.
 * @param chunkLength - pairs per call.
 * @param numShares - number of shares of `meas` (1 when not shared).
 * @returns the wire matrix, row-major.
 * @example
 * const wires = rangeCheckWires(F128, meas, jointRand, 34, 2);
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
  const rowLen = calls * w;
  // One buffer for the result (rows [0, 2c)), mt (rows [2c, 3c)) and pw (rows [3c, 4c)); rows
  // move with copyWithin, which creates no views.
  const buf = new BigUint64Array(4 * c * rowLen);
  const mtAt = 2 * c * rowLen;
  const pwAt = 3 * c * rowLen;

  // Row j of mt holds element j of every chunk (zero past the end of meas).
  const m = field.len(meas);
  for (let j = 0; j < c && j < m; j++) {
    copyStrided(field, meas, j, c, buf, mtAt / w + j * calls, 1, Math.ceil((m - j) / c));
  }

  // Row j of pw is r^(j+1), r the joint randomness of each call: rows are filled by doubling
  // (rows [f, 2f) are rows [0, f) times row f - 1 = r^f, repeated in the first rows of buf).
  buf.set(jointRand, pwAt);
  for (let filled = 1; filled < c;) {
    const k = Math.min(filled, c - filled);
    const rf = pwAt + (filled - 1) * rowLen;
    for (let i = 0; i < k; i++) buf.copyWithin(i * rowLen, rf, rf + rowLen);
    const dstRows = buf.subarray(pwAt + filled * rowLen, pwAt + (filled + k) * rowLen);
    field.mul(buf.subarray(pwAt, pwAt + k * rowLen), buf.subarray(0, k * rowLen), dstRows);
    filled += k;
  }

  // Wire 2j is r^(j+1) * x, wire 2j+1 is x - 1/numShares.
  const mt = buf.subarray(mtAt, pwAt);
  field.mul(mt, buf.subarray(pwAt), buf.subarray(pwAt));
  field.addScalar(mt, field.negS(invInt(field, numShares)), mt);
  for (let j = 0; j < c; j++) {
    buf.copyWithin(2 * j * rowLen, pwAt + j * rowLen, pwAt + (j + 1) * rowLen);
    buf.copyWithin((2 * j + 1) * rowLen, mtAt + j * rowLen, mtAt + (j + 1) * rowLen);
  }
  return buf.subarray(0, mtAt);
}

/** Largest vector length accepted (keeps every size a safe integer and a sane allocation). */
export const MAX_VECTOR_LENGTH = 1 << 24;

/**
 * A vector measurement, checked: an array of `length` entries (the caller checks the entries).
 *
 * @throws {ParamError} when `m` is not an array of that length.
 */
export function measArray(m: unknown, length: number): readonly unknown[] {
  if (!Array.isArray(m)) throw new ParamError('measurement: expected an array');
  if (m.length !== length) {
    throw new ParamError(`measurement: expected ${length} elements, received ${m.length}`);
  }
  return m;
}

/**
 * The parts every ParallelSum(Mul) range-checked circuit shares: field, gadget, call count,
 * measurement and joint randomness lengths, and the wire inputs.
 *
 * @throws {ParamError} when chunkLength is out of range.
 */
export function rangeChecked(field: Field, measLen: number, chunkLength: number) {
  checkInt('chunkLength', chunkLength, 1, MAX_VECTOR_LENGTH);
  const calls = chunkCalls(measLen, chunkLength);
  return {
    field,
    gadgets: [new ParallelSum(new Mul(), chunkLength)],
    gadgetCalls: [calls],
    measLen,
    jointRandLen: calls,
    wireInputs: (meas: FieldVec, jointRand: FieldVec, numShares: number) => [
      rangeCheckWires(field, meas, jointRand, chunkLength, numShares),
    ],
  };
}

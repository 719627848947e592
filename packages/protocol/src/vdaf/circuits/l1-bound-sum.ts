// The L1BoundSum validity circuit of draft-ietf-ppm-l1-bound-sum-02 §3: SumVec's bit check over
// the components and their claimed L1 norm, plus a check that the norm is their sum.
import type { Field } from '@private-measurement/core-wasm';
import { ParamError } from '../../errors.js';
import type { ValidCircuit } from '../flp.js';
import { checkInt } from '../internal/vec.js';
import { MAX_VECTOR_LENGTH, measArray, rangeChecked } from './parallel-range.js';
import {
  bitLength,
  decodeRangeChecked,
  encodeRangeChecked,
  measInt,
  sumRangeChecked,
} from './range.js';

/**
 * The L1BoundSum circuit: `length` integers in [0, maxValue] whose sum is at most maxValue.
 *
 * @param field - Field128 for Prio3L1BoundSum.
 * @param length - number of components.
 * @param maxValue - bound of each component and of their sum, >= 1.
 * @param chunkLength - ParallelSum chunk length.
 * @returns the circuit.
 * @throws {ParamError} on out-of-range parameters.
 * @example
 * const c = l1BoundSumCircuit(getBackend().Field128, 1024, 255n, 65);
 */
export function l1BoundSumCircuit(
  field: Field,
  length: number,
  maxValue: bigint,
  chunkLength: number,
): ValidCircuit<readonly (number | bigint)[], bigint[]> {
  checkInt('length', length, 1, MAX_VECTOR_LENGTH);
  if (maxValue < 1n || maxValue >= field.modulus) {
    throw new ParamError(`maxValue: expected an integer in [1, p), received ${maxValue}`);
  }
  const bits = bitLength(maxValue);
  const measLen = checkInt('(length + 1) * bits', (length + 1) * bits, 1, MAX_VECTOR_LENGTH);
  return {
    ...rangeChecked(field, measLen, chunkLength),
    evalOutputLen: 2,
    outputLen: length,
    encode(m) {
      const values = measArray(m, length).map((x) => measInt('measurement', x, maxValue));
      let norm = 0n;
      for (const v of values) norm += v;
      // draft-ietf-ppm-l1-bound-sum-02 §3.2: the norm is encoded with the same bound.
      if (norm > maxValue) throw new ParamError(`measurement: expected an L1 norm <= ${maxValue}`);
      const out = field.zeros(measLen);
      encodeRangeChecked(field, [...values, norm], maxValue, out, 0);
      return out;
    },
    truncate: (meas) => decodeRangeChecked(field, meas, 0, length, maxValue),
    decode: (out) => field.toBigInts(out),
    evalOutputs(meas, _jr, _n, g) {
      // draft-ietf-ppm-l1-bound-sum-02 §3.3: observed weight minus claimed weight.
      const observed = sumRangeChecked(field, meas, 0, length, maxValue);
      const claimed = sumRangeChecked(field, meas, length * bits, 1, maxValue);
      return field.fromBigInts([field.sum(g[0]), field.subS(observed, claimed)]);
    },
  };
}

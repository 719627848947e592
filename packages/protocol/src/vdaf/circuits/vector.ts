// Validity circuits SumVec (draft-irtf-cfrg-vdaf-20 §7.4.3), Histogram (§7.4.4) and
// MultihotCountVec (§7.4.5), all built on the ParallelSum(Mul) bit check.
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { ParamError } from '../../errors.js';
import type { ValidCircuit } from '../flp.js';
import { invInt } from '../internal/cache.js';
import { checkInt } from '../internal/vec.js';
import { MAX_VECTOR_LENGTH, measArray, rangeChecked } from './parallel-range.js';
import {
  bitLength,
  decodeRangeChecked,
  encodeRangeChecked,
  measInt,
  sumRangeChecked,
} from './range.js';

/** Elements [0, n) of a vector as integers. */
function decodeInts(field: Field, out: FieldVec): bigint[] {
  return field.toBigInts(out);
}

/**
 * The SumVec circuit (draft-irtf-cfrg-vdaf-20 §7.4.3): `length` integers in [0, maxMeasurement].
 *
 * @param field - Field128 for Prio3SumVec (either field for the multiproof variant).
 * @param length - number of integers.
 * @param maxMeasurement - bound of each integer, >= 1.
 * @param chunkLength - ParallelSum chunk length.
 * @returns the circuit.
 * @throws {ParamError} on out-of-range parameters.
 * @example
 * const c = sumVecCircuit(getBackend().Field128, 1000, 1n, 46);
 */
export function sumVecCircuit(
  field: Field,
  length: number,
  maxMeasurement: bigint,
  chunkLength: number,
): ValidCircuit<readonly (number | bigint)[], bigint[]> {
  checkInt('length', length, 1, MAX_VECTOR_LENGTH);
  if (maxMeasurement < 1n || maxMeasurement >= field.modulus) {
    throw new ParamError(
      `maxMeasurement: expected an integer in [1, p), received ${maxMeasurement}`,
    );
  }
  const bits = bitLength(maxMeasurement);
  checkInt('length * bits', length * bits, 1, MAX_VECTOR_LENGTH);
  return {
    ...rangeChecked(field, length * bits, chunkLength),
    evalOutputLen: 1,
    outputLen: length,
    encode(m) {
      const values = measArray(m, length).map((x) => measInt('measurement', x, maxMeasurement));
      const out = field.zeros(length * bits);
      encodeRangeChecked(field, values, maxMeasurement, out, 0);
      return out;
    },
    truncate: (meas) => decodeRangeChecked(field, meas, 0, length, maxMeasurement),
    decode: (out) => decodeInts(field, out),
    evalOutputs: (_meas, _jr, _n, g) => field.fromBigInts([field.sum(g[0])]),
  };
}

/**
 * The Histogram circuit (draft-irtf-cfrg-vdaf-20 §7.4.4): a one-hot vector of `length`
 * buckets; the measurement is the bucket index.
 *
 * @param field - Field128 for Prio3Histogram.
 * @param length - number of buckets.
 * @param chunkLength - ParallelSum chunk length.
 * @returns the circuit.
 * @throws {ParamError} on out-of-range parameters.
 * @example
 * const c = histogramCircuit(getBackend().Field128, 1024, 34);
 */
export function histogramCircuit(
  field: Field,
  length: number,
  chunkLength: number,
): ValidCircuit<number | bigint, bigint[]> {
  checkInt('length', length, 1, MAX_VECTOR_LENGTH);
  return {
    ...rangeChecked(field, length, chunkLength),
    evalOutputLen: 2,
    outputLen: length,
    encode(m) {
      const index = Number(measInt('measurement', m, BigInt(length - 1)));
      const out = field.zeros(length);
      field.set(out, index, 1n);
      return out;
    },
    truncate: (meas) => meas.slice(),
    decode: (out) => decodeInts(field, out),
    evalOutputs(meas, _jr, numShares, g) {
      // Range check, then sum check: the buckets add up to one.
      const sumCheck = field.subS(field.sum(meas), invInt(field, numShares));
      return field.fromBigInts([field.sum(g[0]), sumCheck]);
    },
  };
}

/**
 * The MultihotCountVec circuit (draft-irtf-cfrg-vdaf-20 §7.4.5): `length` booleans of which at
 * most `maxWeight` are true.
 *
 * @param field - Field128 for Prio3MultihotCountVec.
 * @param length - number of entries.
 * @param maxWeight - most entries set, in [1, length].
 * @param chunkLength - ParallelSum chunk length.
 * @returns the circuit.
 * @throws {ParamError} on out-of-range parameters.
 * @example
 * const c = multihotCountVecCircuit(getBackend().Field128, 10, 2, 3);
 */
export function multihotCountVecCircuit(
  field: Field,
  length: number,
  maxWeight: number,
  chunkLength: number,
): ValidCircuit<readonly (boolean | number)[], bigint[]> {
  checkInt('length', length, 1, MAX_VECTOR_LENGTH);
  // draft-irtf-cfrg-vdaf-20 §7.4.5: 0 < max_weight <= length.
  checkInt('maxWeight', maxWeight, 1, length);
  const maxW = BigInt(maxWeight);
  const bits = bitLength(maxW);
  return {
    ...rangeChecked(field, length + bits, chunkLength),
    evalOutputLen: 2,
    outputLen: length,
    encode(m) {
      const arr = measArray(m, length);
      const out = field.zeros(length + bits);
      let weight = 0;
      arr.forEach((x, i) => {
        if (x === true || x === 1) {
          field.set(out, i, 1n);
          weight++;
        } else if (x !== false && x !== 0) {
          throw new ParamError('measurement: expected booleans (or 0 and 1)');
        }
      });
      if (weight > maxWeight) {
        throw new ParamError(`measurement: expected at most ${maxWeight} entries set`);
      }
      encodeRangeChecked(field, [BigInt(weight)], maxW, out, length);
      return out;
    },
    truncate: (meas) => meas.slice(0, length * field.words),
    decode: (out) => decodeInts(field, out),
    evalOutputs(meas, _jr, _n, g) {
      // Weight check: the reported weight equals the number of entries set.
      const w = field.words;
      const weight = field.sum(meas.subarray(0, length * w));
      const reported = sumRangeChecked(field, meas, length, 1, maxW);
      return field.fromBigInts([field.sum(g[0]), field.subS(weight, reported)]);
    },
  };
}

// Validity circuits Count (draft-irtf-cfrg-vdaf-20 §7.4.1) and Sum (§7.4.2).
import type { Field } from '@private-measurement/core-wasm';
import { ParamError } from '../../errors.js';
import type { ValidCircuit } from '../flp.js';
import { Mul, PolyEval } from '../gadgets.js';
import { bitLength, decodeRangeChecked, encodeRangeChecked, measInt } from './range.js';

/**
 * The Count circuit: x * x - x = 0 (draft-irtf-cfrg-vdaf-20 §7.4.1).
 *
 * @param field - Field64 for Prio3Count.
 * @returns the circuit; measurements are 0 or 1 (number, bigint or boolean).
 * @example
 * const flp = new FlpBBCGGI19(countCircuit(getBackend().Field64));
 */
export function countCircuit(field: Field): ValidCircuit<number | bigint | boolean, bigint> {
  return {
    field,
    gadgets: [new Mul()],
    gadgetCalls: [1],
    measLen: 1,
    jointRandLen: 0,
    evalOutputLen: 1,
    outputLen: 1,
    encode(m) {
      const v = typeof m === 'boolean' ? (m ? 1n : 0n) : measInt('measurement', m, 1n);
      return field.fromBigInts([v]);
    },
    truncate: (meas) => meas.slice(),
    decode: (out) => field.get(out, 0),
    wireInputs: (meas) => [field.concat([meas, meas])],
    evalOutputs: (meas, _jr, _n, g) => field.sub(g[0], meas),
  };
}

/**
 * The Sum circuit: each bit of the range-checked encoding of [0, maxMeasurement] is 0 or 1
 * (draft-irtf-cfrg-vdaf-20 §7.4.2).
 *
 * @param field - Field64 for Prio3Sum.
 * @param maxMeasurement - largest valid measurement, >= 1 and < p.
 * @returns the circuit; measurements are integers in [0, maxMeasurement].
 * @throws {ParamError} when maxMeasurement is out of range.
 * @example
 * const flp = new FlpBBCGGI19(sumCircuit(getBackend().Field64, 255n));
 */
export function sumCircuit(
  field: Field,
  maxMeasurement: bigint,
): ValidCircuit<number | bigint, bigint> {
  if (maxMeasurement < 1n || maxMeasurement >= field.modulus) {
    throw new ParamError(
      `maxMeasurement: expected an integer in [1, p), received ${maxMeasurement}`,
    );
  }
  const bits = bitLength(maxMeasurement);
  return {
    field,
    gadgets: [new PolyEval([0n, -1n, 1n])],
    gadgetCalls: [bits],
    measLen: bits,
    jointRandLen: 0,
    evalOutputLen: bits,
    outputLen: 1,
    encode(m) {
      const v = measInt('measurement', m, maxMeasurement);
      const out = field.zeros(bits);
      encodeRangeChecked(field, [v], maxMeasurement, out, 0);
      return out;
    },
    truncate: (meas) => decodeRangeChecked(field, meas, 0, 1, maxMeasurement),
    decode: (out) => field.get(out, 0),
    wireInputs: (meas) => [meas],
    evalOutputs: (_meas, _jr, _n, g) => g[0],
  };
}

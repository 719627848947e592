// The range-checked integer encoding of draft-irtf-cfrg-vdaf-20 §7.4.2 (bit decomposition with a
// last weight that makes the weights sum to the maximum), and the measurement checks around it.
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { ParamError } from '../../errors.js';
import { cached } from '../internal/cache.js';
import { transposeInto, weightedRowSum, words32 } from '../internal/vec.js';

/** Bit length of a positive integer (Python's int.bit_length()). */
export function bitLength(x: bigint): number {
  return x.toString(2).length;
}

/** The weights 1, 2, 4, ..., 2^(bits-2), last_weight of the encoding of [0, max]. */
export function rangeWeights(max: bigint): bigint[] {
  const bits = bitLength(max);
  const w: bigint[] = [];
  for (let l = 0; l < bits - 1; l++) w.push(1n << BigInt(l));
  w.push(max - ((1n << BigInt(bits - 1)) - 1n));
  return w;
}

/**
 * A measurement integer, checked: a safe integer or bigint in [0, max].
 *
 * @throws {ParamError} naming `name`, without the value (measurements are secret).
 */
export function measInt(name: string, x: unknown, max: bigint): bigint {
  let v: bigint;
  if (typeof x === 'bigint') v = x;
  else if (typeof x === 'number' && Number.isSafeInteger(x)) v = BigInt(x);
  else throw new ParamError(`${name}: expected an integer, received a ${typeof x}`);
  if (v < 0n || v > max) throw new ParamError(`${name}: expected an integer in [0, ${max}]`);
  return v;
}

/**
 * Writes the encodings of `values` (each in [0, max], checked by the caller) into `out` from
 * element `offset`, `bitLength(max)` elements each (draft-irtf-cfrg-vdaf-20 §7.4.2
 * encode_range_checked_int). Writes 32-bit words: the output must be zero-initialised.
 */
export function encodeRangeChecked(
  field: Field,
  values: readonly bigint[],
  max: bigint,
  out: FieldVec,
  offset: number,
): void {
  const bits = bitLength(max);
  const restAllOnes = (1n << BigInt(bits - 1)) - 1n;
  const lastWeight = max - restAllOnes;
  const w32 = words32(out);
  const stride = field.words * 2;
  const small = max <= BigInt(Number.MAX_SAFE_INTEGER);
  let base = offset;
  for (const value of values) {
    // Spec: the draft notes this branch should be constant time; JavaScript gives no such
    // guarantee, we keep the branch (it depends on one comparison per value only).
    const high = value > restAllOnes;
    const rest = high ? value - lastWeight : value;
    if (small) {
      let r = Number(rest);
      for (let l = 0; l < bits - 1; l++) {
        w32[(base + l) * stride] = r % 2;
        r = Math.floor(r / 2);
      }
    } else {
      for (let l = 0; l < bits - 1; l++)
        w32[(base + l) * stride] = Number((rest >> BigInt(l)) & 1n);
    }
    w32[(base + bits - 1) * stride] = high ? 1 : 0;
    base += bits;
  }
}

/**
 * The weights of `rangeWeights(max)` as field elements, repeated `times` times: the inner
 * product with `times` consecutive encodings is the sum of the integers. Cached per field, max
 * and times (circuit parameters); callers must not modify it.
 */
function weightsVec(field: Field, max: bigint, times: number): FieldVec {
  return cached(field, `rangeWeights:${max}:${times}`, () => {
    const one = rangeWeights(max).map((x) => x % field.modulus);
    const all: bigint[] = [];
    for (let i = 0; i < times; i++) all.push(...one);
    return field.fromBigInts(all);
  });
}

/**
 * The sum of `count` consecutive range-checked integers (shares) starting at element `offset`
 * of `meas` (draft-irtf-cfrg-vdaf-20 §7.4.2 decode_range_checked_int, summed): one inner
 * product with the repeated weights.
 */
export function sumRangeChecked(
  field: Field,
  meas: FieldVec,
  offset: number,
  count: number,
  max: bigint,
): bigint {
  const w = field.words;
  const seg = meas.subarray(offset * w, (offset + count * bitLength(max)) * w);
  return field.innerProduct(seg, weightsVec(field, max, count));
}

/**
 * Decodes `count` consecutive range-checked integers (shares) starting at element `offset` of
 * `meas` (draft-irtf-cfrg-vdaf-20 §7.4.2 decode_range_checked_int): the bits transposed so that
 * row l holds bit l of every integer, then one weighted sum of the rows.
 */
export function decodeRangeChecked(
  field: Field,
  meas: FieldVec,
  offset: number,
  count: number,
  max: bigint,
): FieldVec {
  if (count === 1) return field.fromBigInts([sumRangeChecked(field, meas, offset, 1, max)]);
  const bits = bitLength(max);
  const w = field.words;
  const seg = meas.subarray(offset * w, (offset + count * bits) * w);
  // bitLength(max) = 1 means max = 1: the single weight is 1 and the bits are the integers.
  if (bits === 1) return seg.slice();
  const n = bits * count * w;
  const buf = new BigUint64Array(2 * n);
  const t = buf.subarray(0, n);
  transposeInto(field, seg, count, bits, t);
  return weightedRowSum(field, t, bits, count, weightsVec(field, max, 1), buf.subarray(n)).slice();
}

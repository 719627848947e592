// Chunk length selection for the ParallelSum circuits (draft-irtf-cfrg-vdaf-20 §7.4.3.1): the
// chunk length that minimises the proof, found by trying each power-of-two wire polynomial size.
import { ParamError } from '../errors.js';
import { bitLength } from './circuits/range.js';
import { checkInt, nextPow2 } from './internal/vec.js';

/**
 * Proof length (field elements) of ParallelSum(Mul, chunkLength) over `measLen` elements:
 * 2 * chunkLength wire seeds plus 2 * (p - 1) + 1 gadget evaluations, p = nextPow2(calls + 1).
 */
export function parallelSumProofLen(measLen: number, chunkLength: number): number {
  const calls = Math.ceil(measLen / chunkLength);
  return 2 * chunkLength + 2 * nextPow2(calls + 1) - 1;
}

/**
 * The chunk length that minimises the proof of a ParallelSum(Mul) range check over `measLen`
 * elements. The proof size drives the communication, the helpers' XOF expansion and the
 * verifier's work; the prover's NTT work (about measLen * log2(p)) barely varies. For each
 * power-of-two wire polynomial size p it takes the smallest chunk that fits the calls in
 * p - 1, which avoids the cliff where one call more doubles every NTT: Histogram(1024) gets 34
 * (31 calls, p = 32, proof 131) rather than sqrt(1024) = 32 (32 calls, p = 64, proof 191).
 *
 * @param measLen - encoded measurement length, >= 1.
 * @returns the recommended chunk length (ties go to the smaller chunk).
 * @throws {ParamError} when measLen is not a positive integer.
 * @example
 * chunkLengthForMeasLen(1024); // 34
 */
export function chunkLengthForMeasLen(measLen: number): number {
  checkInt('measLen', measLen, 1, 1 << 24);
  let best = 1;
  let bestLen = Infinity;
  for (let p = 2; p <= nextPow2(measLen + 1); p *= 2) {
    const c = Math.ceil(measLen / (p - 1));
    const len = parallelSumProofLen(measLen, c);
    if (len < bestLen || (len === bestLen && c < best)) {
      best = c;
      bestLen = len;
    }
  }
  return best;
}

/** Variants whose circuits take a chunk length, with the parameters that size them. */
export type ChunkedVariant =
  | { type: 'Prio3Histogram'; length: number }
  | { type: 'Prio3SumVec'; length: number; maxMeasurement: number | bigint }
  | { type: 'Prio3MultihotCountVec'; length: number; maxWeight: number }
  | { type: 'Prio3L1BoundSum'; length: number; maxValue: number | bigint };

/**
 * The recommended chunk length of a variant: `chunkLengthForMeasLen` of its encoded length
 * (Histogram: length; SumVec: length * bits; MultihotCountVec: length + bits(maxWeight);
 * L1BoundSum: (length + 1) * bits(maxValue)).
 *
 * @throws {ParamError} on out-of-range parameters.
 * @example
 * recommendedChunkLength({ type: 'Prio3L1BoundSum', length: 1024, maxValue: 255 });
 */
export function recommendedChunkLength(v: ChunkedVariant): number {
  const bits = (x: number | bigint, name: string): number => {
    const b = BigInt(x);
    if (b < 1n) throw new ParamError(`${name}: expected an integer >= 1, received ${x}`);
    return bitLength(b);
  };
  checkInt('length', v.length, 1, 1 << 24);
  switch (v.type) {
    case 'Prio3Histogram':
      return chunkLengthForMeasLen(v.length);
    case 'Prio3SumVec':
      return chunkLengthForMeasLen(v.length * bits(v.maxMeasurement, 'maxMeasurement'));
    case 'Prio3MultihotCountVec':
      return chunkLengthForMeasLen(v.length + bits(v.maxWeight, 'maxWeight'));
    case 'Prio3L1BoundSum':
      return chunkLengthForMeasLen((v.length + 1) * bits(v.maxValue, 'maxValue'));
    default:
      throw new ParamError('type: expected a ParallelSum variant');
  }
}

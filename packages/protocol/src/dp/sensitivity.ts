// Per-report sensitivity of every Prio3 VDAF under replace-one neighbouring (two batches are
// neighbours when they hold the same number of reports and differ in one report's measurement),
// the relation of the W3C Attribution API: L1 for discrete Laplace, squared L2 for discrete
// Gaussian. Each value is the largest distance between the aggregatable outputs of two valid
// measurements, derived below for each variant.
import { DpError } from '../errors.js';
import type { VdafConfig } from '../dap/vdaf-config.js';
import {
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  Prio3SumVecWithMultiproof,
} from '../vdaf/variants.js';

/**
 * The neighbouring relation every sensitivity here assumes: replace one report's measurement by
 * another valid one. DAP reveals the report count of a batch, so add/remove-one would not be
 * the natural unit; the W3C Attribution API's noise scale 2 * maxValue / epsilon (W3C
 * Attribution §4.2.1 "deduct privacy and safety budgets") is replace-one for L1BoundSum.
 */
export const NEIGHBOURING_RELATION = 'replace-one';

/** How much one report can move a VDAF's aggregate, as exact integers. */
export interface Sensitivity {
  /** Largest L1 distance between the outputs of two valid measurements (Laplace). */
  readonly l1: bigint;
  /** Largest squared L2 distance between the outputs of two valid measurements (Gaussian). */
  readonly l2Squared: bigint;
}

/** A VDAF configuration as DAP encodes it; integer fields may be numbers or bigints. */
export type VdafSensitivityConfig =
  | { type: 'Prio3Count' }
  | { type: 'Prio3Sum'; maxMeasurement: number | bigint }
  | { type: 'Prio3SumVec'; length: number; maxMeasurement: number | bigint }
  | { type: 'Prio3Histogram'; length: number }
  | { type: 'Prio3MultihotCountVec'; length: number; maxWeight: number | bigint }
  | { type: 'Prio3L1BoundSum'; length: number; maxValue: number | bigint };

/** An unsigned integer parameter as a bigint, or a DpError naming it. */
function uint(name: string, v: unknown, min: bigint): bigint {
  if (typeof v === 'bigint' && v >= min) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return BigInt(v);
  throw new DpError(`${name}: expected an integer >= ${min}, received ${String(v)}`);
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Prio3Count (draft-irtf-cfrg-vdaf-20 §7.4.1): the output is the measurement, 0 or 1, so
 * replacing one report moves the count by at most 1.
 *
 * @returns `{ l1: 1n, l2Squared: 1n }`.
 * @example countSensitivity().l1; // 1n
 */
export function countSensitivity(): Sensitivity {
  return { l1: 1n, l2Squared: 1n };
}

/**
 * Prio3Sum (draft-irtf-cfrg-vdaf-20 §7.4.2): outputs in [0, maxMeasurement]; replacing 0 by
 * maxMeasurement moves the sum by maxMeasurement.
 *
 * @param maxMeasurement - the largest measurement, >= 1.
 * @returns `{ l1: M, l2Squared: M^2 }`.
 * @throws {DpError} when `maxMeasurement` is not an integer >= 1.
 * @example sumSensitivity(255).l1; // 255n
 */
export function sumSensitivity(maxMeasurement: number | bigint): Sensitivity {
  const m = uint('maxMeasurement', maxMeasurement, 1n);
  return { l1: m, l2Squared: m * m };
}

/**
 * Prio3SumVec (draft-irtf-cfrg-vdaf-20 §7.4.3): `length` independent entries in
 * [0, maxMeasurement]; the all-zero and all-maximum vectors are the farthest apart.
 *
 * @param length - vector length, >= 1.
 * @param maxMeasurement - the largest entry, >= 1.
 * @returns `{ l1: length M, l2Squared: length M^2 }`.
 * @throws {DpError} for a parameter that is not an integer >= 1.
 * @example sumVecSensitivity(4, 7).l1; // 28n
 */
export function sumVecSensitivity(length: number, maxMeasurement: number | bigint): Sensitivity {
  const n = uint('length', length, 1n);
  const m = uint('maxMeasurement', maxMeasurement, 1n);
  return { l1: n * m, l2Squared: n * m * m };
}

/**
 * Prio3Histogram (draft-irtf-cfrg-vdaf-20 §7.4.4): the output is a one-hot vector; replacing
 * bucket i by bucket j != i takes 1 from one bucket and adds 1 to another (L1 2, squared L2 2).
 * With one bucket every report is the same vector, so the aggregate cannot change (0).
 *
 * @param length - number of buckets, >= 1.
 * @returns `{ l1: 2n, l2Squared: 2n }`, or zeros for a single bucket.
 * @throws {DpError} when `length` is not an integer >= 1.
 * @example histogramSensitivity(16).l1; // 2n
 */
export function histogramSensitivity(length: number): Sensitivity {
  const n = uint('length', length, 1n);
  const d = n >= 2n ? 2n : 0n;
  return { l1: d, l2Squared: d };
}

/**
 * Prio3MultihotCountVec (draft-irtf-cfrg-vdaf-20 §7.4.5): 0/1 entries with at most maxWeight
 * ones. Two such vectors differ in at most |A| + |B| <= 2 maxWeight positions, and in at most
 * `length`; disjoint supports reach min(2 maxWeight, length). Each differing entry differs by 1,
 * so L1 and squared L2 are equal.
 *
 * @param length - vector length, >= 1.
 * @param maxWeight - the largest number of ones, >= 0.
 * @returns `{ l1: d, l2Squared: d }` with d = min(2 maxWeight, length).
 * @throws {DpError} for a parameter out of range.
 * @example multihotCountVecSensitivity(10, 2).l1; // 4n
 */
export function multihotCountVecSensitivity(
  length: number,
  maxWeight: number | bigint,
): Sensitivity {
  const n = uint('length', length, 1n);
  const w = uint('maxWeight', maxWeight, 0n);
  const d = min(2n * w, n);
  return { l1: d, l2Squared: d };
}

/**
 * Prio3L1BoundSum (draft-ietf-ppm-l1-bound-sum-02 §3): non-negative entries whose sum is at
 * most maxValue M. For two such vectors x, y: |x - y|_1 <= |x|_1 + |y|_1 <= 2M, and since
 * x_i y_i >= 0, |x - y|_2^2 <= |x|_2^2 + |y|_2^2 <= |x|_1^2 + |y|_1^2 <= 2M^2; M in two
 * different entries reaches both. With one entry the outputs lie in [0, M]: M and M^2.
 * This is the W3C Attribution API's 2 * maxValue (W3C Attribution §4.2.1).
 *
 * @param length - vector length, >= 1.
 * @param maxValue - the L1 bound M, >= 1.
 * @returns `{ l1: 2M, l2Squared: 2M^2 }` (length >= 2), or `{ l1: M, l2Squared: M^2 }`.
 * @throws {DpError} for a parameter out of range.
 * @example l1BoundSumSensitivity(20, 255).l1; // 510n
 */
export function l1BoundSumSensitivity(length: number, maxValue: number | bigint): Sensitivity {
  const n = uint('length', length, 1n);
  const m = uint('maxValue', maxValue, 1n);
  const k = min(n, 2n);
  return { l1: k * m, l2Squared: k * m * m };
}

/**
 * The sensitivity of a VDAF given by its DAP configuration (draft-ietf-ppm-dap-18 Appendix B, as
 * decoded by `decodeVdafConfig`, or the same shape with number fields).
 *
 * @param config - the VDAF configuration.
 * @returns its sensitivity under replace-one.
 * @throws {DpError} for Poplar1, an unknown type or a parameter out of range.
 * @example vdafConfigSensitivity({ type: 'Prio3Histogram', length: 4, chunkLength: 2 }).l1; // 2n
 */
export function vdafConfigSensitivity(config: VdafSensitivityConfig | VdafConfig): Sensitivity {
  switch (config?.type) {
    case 'Prio3Count':
      return countSensitivity();
    case 'Prio3Sum':
      return sumSensitivity(config.maxMeasurement);
    case 'Prio3SumVec':
      return sumVecSensitivity(config.length, config.maxMeasurement);
    case 'Prio3Histogram':
      return histogramSensitivity(config.length);
    case 'Prio3MultihotCountVec':
      return multihotCountVecSensitivity(config.length, config.maxWeight);
    case 'Prio3L1BoundSum':
      return l1BoundSumSensitivity(config.length, config.maxValue);
    default:
      throw new DpError(
        `vdaf: expected a Prio3 variant with a known sensitivity, received ${String((config as { type?: unknown })?.type)}`,
      );
  }
}

/**
 * The sensitivity of a Prio3 instance of one of the named variants.
 *
 * @param vdaf - a `Prio3Count`, `Prio3Sum`, `Prio3SumVec` (with or without multiproof),
 *   `Prio3Histogram`, `Prio3MultihotCountVec` or `Prio3L1BoundSum`.
 * @returns its sensitivity under replace-one.
 * @throws {DpError} for a generic `Prio3` with a custom circuit (its output range is unknown).
 * @example prio3Sensitivity(new Prio3Histogram(2, 16, 4)).l1; // 2n
 */
export function prio3Sensitivity(vdaf: object): Sensitivity {
  if (vdaf instanceof Prio3Count) return countSensitivity();
  if (vdaf instanceof Prio3Sum) return sumSensitivity(vdaf.maxMeasurement);
  if (vdaf instanceof Prio3SumVec || vdaf instanceof Prio3SumVecWithMultiproof) {
    return sumVecSensitivity(vdaf.length, vdaf.maxMeasurement);
  }
  if (vdaf instanceof Prio3Histogram) return histogramSensitivity(vdaf.length);
  if (vdaf instanceof Prio3MultihotCountVec) {
    return multihotCountVecSensitivity(vdaf.length, vdaf.maxWeight);
  }
  if (vdaf instanceof Prio3L1BoundSum) return l1BoundSumSensitivity(vdaf.length, vdaf.maxValue);
  throw new DpError(
    'vdaf: expected a named Prio3 variant; a custom circuit has no known sensitivity',
  );
}

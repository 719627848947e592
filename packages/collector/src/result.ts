// The collected result: the unsharded aggregate read as signed integers (the Aggregators' noise
// can push a small count below zero, which the field shows as p - k), with the noise scale and
// a 95% interval per bucket.
import type { Interval } from '@private-measurement/protocol';
import type { NoiseSummary } from './noise.js';
import type { ReportedNoise } from './reported-noise.js';

export type { NoiseSpec, NoiseSummary } from './noise.js';

/** One bucket (or the single value of Count and Sum) of the result. */
export interface Bucket {
  /** 0 for Count and Sum; the bucket or vector index otherwise. */
  index: number;
  /** The released value: true value plus noise. */
  value: bigint;
  /** Lower end of the 95% interval (equal to `value` when no noise is configured). */
  low: bigint;
  /** Upper end of the 95% interval. */
  high: bigint;
}

/** The outcome of a collection job. */
export interface CollectionResult {
  /** The VDAF, e.g. "Prio3Histogram". */
  vdaf: string;
  /** The batch mode codepoint of the job. */
  batchMode: number;
  /** Number of reports in the batch. */
  reportCount: bigint;
  /** Smallest interval containing every report's time, in `time_precision` units. */
  interval: Interval;
  /** The same interval in seconds since the Epoch. */
  intervalSeconds: { start: bigint; duration: bigint };
  /** The aggregate exactly as `unshard` returned it (field integers, unsigned). */
  aggregate: bigint | bigint[];
  /** The aggregate read as signed integers, one per bucket. */
  values: bigint[];
  /**
   * The noise the Aggregators added, when the task's noise was given to the Collector (counting
   * only the Aggregators that did not report noise off).
   */
  noise?: NoiseSummary;
  /** The noise labels the Leader relayed in its `pm-dp-noise` header, when it sent them. */
  reportedNoise?: ReportedNoise;
  /**
   * The Aggregators that say they added no noise (test-only switch); absent when none did.
   * When both did, the values are exact and not differentially private.
   */
  noiseOff?: ('leader' | 'helper')[];
  /** Every bucket with its interval. */
  buckets: Bucket[];
}

/** What {@link describeResult} needs. */
export interface ResultInput {
  vdaf: string;
  batchMode: number;
  reportCount: bigint;
  interval: Interval;
  intervalSeconds: { start: bigint; duration: bigint };
  aggregate: bigint | bigint[];
  /** The VDAF field's modulus. */
  modulus: bigint;
  noise?: NoiseSummary;
  reportedNoise?: ReportedNoise;
  noiseOff?: ('leader' | 'helper')[];
}

/**
 * Reads a field integer as signed: values above (p - 1) / 2 stand for value - p.
 *
 * @param x - an integer in [0, p).
 * @param modulus - p.
 * @returns x, or x - p.
 * @example toSigned(18446744069414584320n, 18446744069414584321n); // -1n
 */
export function toSigned(x: bigint, modulus: bigint): bigint {
  return x > (modulus - 1n) / 2n ? x - modulus : x;
}

/**
 * Builds the result: signed values and a 95% interval per bucket.
 *
 * @param input - the unsharded aggregate and its context.
 * @returns the result.
 */
export function describeResult(input: ResultInput): CollectionResult {
  const raw = Array.isArray(input.aggregate) ? input.aggregate : [input.aggregate];
  const values = raw.map((x) => toSigned(x, input.modulus));
  const h = BigInt(input.noise?.halfWidth ?? 0);
  const buckets = values.map((value, index) => ({ index, value, low: value - h, high: value + h }));
  const result: CollectionResult = {
    vdaf: input.vdaf,
    batchMode: input.batchMode,
    reportCount: input.reportCount,
    interval: input.interval,
    intervalSeconds: input.intervalSeconds,
    aggregate: input.aggregate,
    values,
    buckets,
  };
  if (input.noise !== undefined) result.noise = input.noise;
  if (input.reportedNoise !== undefined) result.reportedNoise = input.reportedNoise;
  if (input.noiseOff !== undefined && input.noiseOff.length > 0) result.noiseOff = input.noiseOff;
  return result;
}

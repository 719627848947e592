// The Prio3 variants of draft-irtf-cfrg-vdaf-20 §7.4 and draft-ietf-ppm-l1-bound-sum-02, with
// their algorithm IDs (draft-20 §10, l1-bound-sum §6), plus the multiproof SumVec of the vectors.
import type { FieldName } from '@private-measurement/core-wasm';
import { ParamError } from '../errors.js';
import { countCircuit, sumCircuit } from './circuits/count-sum.js';
import { l1BoundSumCircuit } from './circuits/l1-bound-sum.js';
import { histogramCircuit, multihotCountVecCircuit, sumVecCircuit } from './circuits/vector.js';
import { Prio3, type Prio3Options } from './prio3.js';

/** Algorithm IDs (draft-irtf-cfrg-vdaf-20 §10; draft-ietf-ppm-l1-bound-sum-02 §6). */
export const PRIO3_ALGORITHM_IDS = {
  Prio3Count: 0x00000001,
  Prio3Sum: 0x00000002,
  Prio3SumVec: 0x00000003,
  Prio3Histogram: 0x00000004,
  Prio3MultihotCountVec: 0x00000005,
  Prio3L1BoundSum: 0x00000007,
  /** Private-use ID the draft's test vectors use for test-only instances. */
  PrivateUse: 0xffffffff,
} as const;

function toBig(name: string, x: number | bigint): bigint {
  if (typeof x === 'bigint') return x;
  if (!Number.isSafeInteger(x)) throw new ParamError(`${name}: expected an integer, received ${x}`);
  return BigInt(x);
}

/**
 * Prio3Count (draft-irtf-cfrg-vdaf-20 §7.4.1): measurements 0 or 1, result their sum. Field64.
 *
 * @example
 * const vdaf = new Prio3Count(2, { backend: 'wasm' });
 */
export class Prio3Count extends Prio3<number | bigint | boolean, bigint> {
  /** @throws {ParamError} unless 2 <= shares <= 255. */
  constructor(shares: number, options: Prio3Options = {}) {
    super({
      ...options,
      id: PRIO3_ALGORITHM_IDS.Prio3Count,
      shares,
      proofs: 1,
      circuit: (b) => countCircuit(b.Field64),
    });
  }
}

/**
 * Prio3Sum (draft-irtf-cfrg-vdaf-20 §7.4.2): integers in [0, maxMeasurement], result their sum.
 *
 * @example
 * const vdaf = new Prio3Sum(2, 255);
 */
export class Prio3Sum extends Prio3<number | bigint, bigint> {
  readonly maxMeasurement: bigint;

  /** @throws {ParamError} on out-of-range parameters. */
  constructor(shares: number, maxMeasurement: number | bigint, options: Prio3Options = {}) {
    const max = toBig('maxMeasurement', maxMeasurement);
    super({
      ...options,
      id: PRIO3_ALGORITHM_IDS.Prio3Sum,
      shares,
      proofs: 1,
      circuit: (b) => sumCircuit(b.Field64, max),
    });
    this.maxMeasurement = max;
  }
}

/**
 * Prio3SumVec (draft-irtf-cfrg-vdaf-20 §7.4.3): vectors of `length` integers in
 * [0, maxMeasurement], result the element-wise sum. Field128.
 *
 * @example
 * const vdaf = new Prio3SumVec(2, 1000, 1, 32);
 */
export class Prio3SumVec extends Prio3<readonly (number | bigint)[], bigint[]> {
  readonly length: number;
  readonly maxMeasurement: bigint;
  readonly chunkLength: number;

  /** @throws {ParamError} on out-of-range parameters. */
  constructor(
    shares: number,
    length: number,
    maxMeasurement: number | bigint,
    chunkLength: number,
    options: Prio3Options = {},
  ) {
    const max = toBig('maxMeasurement', maxMeasurement);
    super({
      ...options,
      id: PRIO3_ALGORITHM_IDS.Prio3SumVec,
      shares,
      proofs: 1,
      circuit: (b) => sumVecCircuit(b.Field128, length, max, chunkLength),
    });
    this.length = length;
    this.maxMeasurement = max;
    this.chunkLength = chunkLength;
  }
}

/**
 * SumVec with a chosen field and number of proofs, as in the draft's test vectors
 * (`Prio3SumVecWithMultiproof`, algorithm ID 0xFFFFFFFF).
 *
 * @example
 * const vdaf = new Prio3SumVecWithMultiproof(2, 'Field64', 3, 10, 255, 9);
 */
export class Prio3SumVecWithMultiproof extends Prio3<readonly (number | bigint)[], bigint[]> {
  readonly length: number;
  readonly maxMeasurement: bigint;
  readonly chunkLength: number;

  /** @throws {ParamError} on out-of-range parameters. */
  constructor(
    shares: number,
    field: FieldName,
    proofs: number,
    length: number,
    maxMeasurement: number | bigint,
    chunkLength: number,
    options: Prio3Options & { id?: number } = {},
  ) {
    if (field !== 'Field64' && field !== 'Field128') {
      throw new ParamError(`field: expected "Field64" or "Field128", received ${String(field)}`);
    }
    const max = toBig('maxMeasurement', maxMeasurement);
    super({
      ...options,
      id: options.id ?? PRIO3_ALGORITHM_IDS.PrivateUse,
      shares,
      proofs,
      circuit: (b) => sumVecCircuit(b[field], length, max, chunkLength),
    });
    this.length = length;
    this.maxMeasurement = max;
    this.chunkLength = chunkLength;
  }
}

/**
 * Prio3Histogram (draft-irtf-cfrg-vdaf-20 §7.4.4): the measurement is a bucket index in
 * [0, length), the result the count per bucket. Field128.
 *
 * @example
 * const vdaf = new Prio3Histogram(2, 1024, 32);
 */
export class Prio3Histogram extends Prio3<number | bigint, bigint[]> {
  readonly length: number;
  readonly chunkLength: number;

  /** @throws {ParamError} on out-of-range parameters. */
  constructor(shares: number, length: number, chunkLength: number, options: Prio3Options = {}) {
    super({
      ...options,
      id: PRIO3_ALGORITHM_IDS.Prio3Histogram,
      shares,
      proofs: 1,
      circuit: (b) => histogramCircuit(b.Field128, length, chunkLength),
    });
    this.length = length;
    this.chunkLength = chunkLength;
  }
}

/**
 * Prio3MultihotCountVec (draft-irtf-cfrg-vdaf-20 §7.4.5): `length` booleans with at most
 * `maxWeight` set, result the count per position. Field128. Note the draft's parameter order
 * (length, max_weight, chunk_length), which differs from DAP's configuration encoding.
 *
 * @example
 * const vdaf = new Prio3MultihotCountVec(2, 10, 2, 3);
 */
export class Prio3MultihotCountVec extends Prio3<readonly (boolean | number)[], bigint[]> {
  readonly length: number;
  readonly maxWeight: number;
  readonly chunkLength: number;

  /** @throws {ParamError} on out-of-range parameters. */
  constructor(
    shares: number,
    length: number,
    maxWeight: number,
    chunkLength: number,
    options: Prio3Options = {},
  ) {
    super({
      ...options,
      id: PRIO3_ALGORITHM_IDS.Prio3MultihotCountVec,
      shares,
      proofs: 1,
      circuit: (b) => multihotCountVecCircuit(b.Field128, length, maxWeight, chunkLength),
    });
    this.length = length;
    this.maxWeight = maxWeight;
    this.chunkLength = chunkLength;
  }
}

/**
 * Prio3L1BoundSum (draft-ietf-ppm-l1-bound-sum-02, algorithm ID 7): `length` integers in
 * [0, maxValue] whose sum is at most maxValue, result the element-wise sum. Field128.
 *
 * @example
 * const vdaf = new Prio3L1BoundSum(2, 1024, 255, 45);
 */
export class Prio3L1BoundSum extends Prio3<readonly (number | bigint)[], bigint[]> {
  readonly length: number;
  readonly maxValue: bigint;
  readonly chunkLength: number;

  /** @throws {ParamError} on out-of-range parameters. */
  constructor(
    shares: number,
    length: number,
    maxValue: number | bigint,
    chunkLength: number,
    options: Prio3Options = {},
  ) {
    const max = toBig('maxValue', maxValue);
    super({
      ...options,
      id: PRIO3_ALGORITHM_IDS.Prio3L1BoundSum,
      shares,
      proofs: 1,
      circuit: (b) => l1BoundSumCircuit(b.Field128, length, max, chunkLength),
    });
    this.length = length;
    this.maxValue = max;
    this.chunkLength = chunkLength;
  }
}

// The VDAF a task names: its DAP configuration encoding and its two-party Prio3 instance from
// the protocol package.
import {
  Prio3,
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  type VdafConfig,
} from '@private-measurement/protocol';
import type { VdafSpec } from '../config.js';

/** Any Prio3 instance. */
export type AnyPrio3 = Prio3<unknown, unknown>;

/**
 * The DAP VDAF configuration of a VDAF specification.
 *
 * @param spec - the task's VDAF.
 * @returns the protocol package's `VdafConfig`.
 */
export function vdafConfigOf(spec: VdafSpec): VdafConfig {
  switch (spec.type) {
    case 'Prio3Count':
      return { type: 'Prio3Count' };
    case 'Prio3Sum':
      return { type: 'Prio3Sum', maxMeasurement: BigInt(spec.maxMeasurement) };
    case 'Prio3SumVec':
      return { ...spec, maxMeasurement: BigInt(spec.maxMeasurement) };
    case 'Prio3Histogram':
      return { ...spec };
    case 'Prio3MultihotCountVec':
      return { ...spec, maxWeight: BigInt(spec.maxWeight) };
    case 'Prio3L1BoundSum':
      return { ...spec, maxValue: BigInt(spec.maxValue) };
  }
}

/**
 * Builds the two-party Prio3 instance of a VDAF specification.
 *
 * @param spec - the task's VDAF.
 * @returns the instance.
 * @throws {ParamError} (protocol) for parameters Prio3 rejects.
 */
export function vdafOf(spec: VdafSpec): AnyPrio3 {
  switch (spec.type) {
    case 'Prio3Count':
      return new Prio3Count(2) as AnyPrio3;
    case 'Prio3Sum':
      return new Prio3Sum(2, spec.maxMeasurement) as AnyPrio3;
    case 'Prio3SumVec':
      return new Prio3SumVec(2, spec.length, spec.maxMeasurement, spec.chunkLength) as AnyPrio3;
    case 'Prio3Histogram':
      return new Prio3Histogram(2, spec.length, spec.chunkLength) as AnyPrio3;
    case 'Prio3MultihotCountVec':
      return new Prio3MultihotCountVec(
        2,
        spec.length,
        spec.maxWeight,
        spec.chunkLength,
      ) as AnyPrio3;
    case 'Prio3L1BoundSum':
      return new Prio3L1BoundSum(2, spec.length, spec.maxValue, spec.chunkLength) as AnyPrio3;
  }
}

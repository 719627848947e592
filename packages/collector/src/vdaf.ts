// The Prio3 instance of a task, built from the VDAF configuration carried in its
// TaskConfiguration (draft-ietf-ppm-dap-18 §4.2, Appendix B).
import {
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  type Prio3,
  type VdafConfig,
} from '@private-measurement/protocol';
import { ParamError } from './errors.js';

/** Any Prio3 variant, seen from the Collector: it only unshards. */
export type CollectorVdaf = Prio3<never, bigint | bigint[]>;

/**
 * Instantiates the two-party Prio3 of a VDAF configuration.
 *
 * @param config - the decoded VDAF configuration of the task.
 * @param backend - `'wasm'` or `'ts'`; default the platform default.
 * @returns the VDAF.
 * @throws {ParamError} for a VDAF the Collector cannot unshard (Poplar1) or bad parameters.
 */
export function vdafForConfig(config: VdafConfig, backend?: 'wasm' | 'ts'): CollectorVdaf {
  const options = { backend };
  // draft-ietf-ppm-dap-18 §4: exactly two Aggregators, so two shares. The variants differ in
  // their measurement type, which the Collector never handles, hence the casts.
  let v: unknown;
  switch (config.type) {
    case 'Prio3Count':
      v = new Prio3Count(2, options);
      break;
    case 'Prio3Sum':
      v = new Prio3Sum(2, config.maxMeasurement, options);
      break;
    case 'Prio3SumVec':
      v = new Prio3SumVec(2, config.length, config.maxMeasurement, config.chunkLength, options);
      break;
    case 'Prio3Histogram':
      v = new Prio3Histogram(2, config.length, config.chunkLength, options);
      break;
    case 'Prio3MultihotCountVec':
      v = new Prio3MultihotCountVec(
        2,
        config.length,
        Number(config.maxWeight),
        config.chunkLength,
        options,
      );
      break;
    case 'Prio3L1BoundSum':
      v = new Prio3L1BoundSum(2, config.length, config.maxValue, config.chunkLength, options);
      break;
    default:
      throw new ParamError(`vdaf: expected a Prio3 variant, received ${config.type}`);
  }
  return v as CollectorVdaf;
}

// Maps a DAP-18 VDAF configuration (draft-ietf-ppm-dap-18 Appendix B, l1-bound-sum §4) to a
// two-aggregator Prio3 instance of the vdaf module.
import { ParamError } from '../errors.js';
import {
  Prio3Count,
  Prio3Histogram,
  Prio3L1BoundSum,
  Prio3MultihotCountVec,
  Prio3Sum,
  Prio3SumVec,
  type Prio3Options,
} from '../vdaf/index.js';
import type { VdafConfig } from './vdaf-config.js';

/** A Prio3 instance that `vdafFromConfig` can return. */
export type DapPrio3 =
  Prio3Count | Prio3Sum | Prio3SumVec | Prio3Histogram | Prio3MultihotCountVec | Prio3L1BoundSum;

/** DAP runs every VDAF with exactly two aggregators (draft-ietf-ppm-dap-18 §2.1). */
const DAP_SHARES = 2;

function safeNumber(name: string, v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ParamError(`${name}: expected at most 2^53-1, received ${v}`);
  }
  return Number(v);
}

/**
 * Builds the Prio3 instance a task's VDAF configuration describes, with two shares.
 *
 * @param config a decoded VDAF configuration (see `decodeVdafConfig`, `taskVdafConfig`)
 * @param options Prio3 options such as the backend
 * @returns the Prio3 instance; its algorithm ID equals the configuration's `vdaf_type`
 * @throws {ParamError} for Poplar1 (not implemented) or parameters Prio3 rejects
 * @example const vdaf = vdafFromConfig(taskVdafConfig(task));
 */
export function vdafFromConfig(config: VdafConfig, options: Prio3Options = {}): DapPrio3 {
  switch (config.type) {
    case 'Prio3Count':
      return new Prio3Count(DAP_SHARES, options);
    case 'Prio3Sum':
      return new Prio3Sum(DAP_SHARES, config.maxMeasurement, options);
    case 'Prio3SumVec':
      return new Prio3SumVec(
        DAP_SHARES,
        config.length,
        config.maxMeasurement,
        config.chunkLength,
        options,
      );
    case 'Prio3Histogram':
      return new Prio3Histogram(DAP_SHARES, config.length, config.chunkLength, options);
    case 'Prio3MultihotCountVec':
      // draft-ietf-ppm-dap-18 §B.5 encodes (length, chunk_length, max_weight); the class takes
      // the VDAF's order (length, max_weight, chunk_length).
      return new Prio3MultihotCountVec(
        DAP_SHARES,
        config.length,
        safeNumber('max_weight', config.maxWeight),
        config.chunkLength,
        options,
      );
    case 'Prio3L1BoundSum':
      return new Prio3L1BoundSum(
        DAP_SHARES,
        config.length,
        config.maxValue,
        config.chunkLength,
        options,
      );
    case 'Poplar1':
      // Limitation: Poplar1 configurations decode, but no Poplar1 implementation exists here.
      throw new ParamError('vdaf config: Poplar1 is not implemented');
    default:
      throw new ParamError('vdaf config: unknown type');
  }
}

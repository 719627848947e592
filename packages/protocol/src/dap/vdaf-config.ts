// VDAF configuration encodings carried in `TaskConfiguration` (draft-ietf-ppm-dap-18 §4.2,
// Appendix B) and Prio3L1BoundSum's (draft-ietf-ppm-l1-bound-sum-02 §4).
import { DecodeError, ParamError } from '../errors.js';
import { decodeWith, Reader, Writer, describe } from '../codec.js';

/** `VdafType` codepoints (draft-irtf-cfrg-vdaf-20 §10; Prio3L1BoundSum: l1-bound-sum §6). */
export const VdafType = {
  Prio3Count: 0x00000001,
  Prio3Sum: 0x00000002,
  Prio3SumVec: 0x00000003,
  Prio3Histogram: 0x00000004,
  Prio3MultihotCountVec: 0x00000005,
  Poplar1: 0x00000006,
  Prio3L1BoundSum: 0x00000007,
} as const;

/** A decoded VDAF configuration; uint32 fields are numbers, uint64 fields bigints. */
export type VdafConfig =
  | { type: 'Prio3Count' }
  | { type: 'Prio3Sum'; maxMeasurement: bigint }
  | { type: 'Prio3SumVec'; length: number; maxMeasurement: bigint; chunkLength: number }
  | { type: 'Prio3Histogram'; length: number; chunkLength: number }
  | { type: 'Prio3MultihotCountVec'; length: number; chunkLength: number; maxWeight: bigint }
  | { type: 'Poplar1'; bits: number }
  | { type: 'Prio3L1BoundSum'; length: number; maxValue: bigint; chunkLength: number };

/** The two `TaskConfiguration` fields that carry a VDAF configuration. */
export interface EncodedVdafConfig {
  /** `VdafType vdaf_type`, uint32. */
  vdafType: number;
  /** `opaque vdaf_configuration<0..2^16-1>`. */
  vdafConfiguration: Uint8Array;
}

/**
 * Encodes a VDAF configuration as the `vdaf_type` and `vdaf_configuration` fields.
 *
 * @param config the VDAF and its parameters
 * @returns the codepoint and the encoded parameters
 * @throws {ParamError} when the type is unknown or a parameter is out of range
 * @example encodeVdafConfig({ type: 'Prio3Histogram', length: 4, chunkLength: 2 })
 */
export function encodeVdafConfig(config: VdafConfig): EncodedVdafConfig {
  const w = new Writer();
  switch (config?.type) {
    case 'Prio3Count': // draft-ietf-ppm-dap-18 §B.1: Empty
      break;
    case 'Prio3Sum': // draft-ietf-ppm-dap-18 §B.2
      w.u64(config.maxMeasurement, 'max_measurement');
      break;
    case 'Prio3SumVec': // draft-ietf-ppm-dap-18 §B.3: length, max_measurement, chunk_length
      w.u32(config.length, 'length');
      w.u64(config.maxMeasurement, 'max_measurement');
      w.u32(config.chunkLength, 'chunk_length');
      break;
    case 'Prio3Histogram': // draft-ietf-ppm-dap-18 §B.4: length, chunk_length
      w.u32(config.length, 'length');
      w.u32(config.chunkLength, 'chunk_length');
      break;
    case 'Prio3MultihotCountVec': // draft-ietf-ppm-dap-18 §B.5: length, chunk_length, max_weight
      w.u32(config.length, 'length');
      w.u32(config.chunkLength, 'chunk_length');
      w.u64(config.maxWeight, 'max_weight');
      break;
    case 'Poplar1': // draft-ietf-ppm-dap-18 §B.6
      w.u16(config.bits, 'bits');
      break;
    case 'Prio3L1BoundSum': // draft-ietf-ppm-l1-bound-sum-02 §4: length, max_value, chunk_length
      w.u32(config.length, 'length');
      w.u64(config.maxValue, 'max_value');
      w.u32(config.chunkLength, 'chunk_length');
      break;
    default:
      throw new ParamError(
        `vdaf config: unknown type ${describe((config as { type?: unknown })?.type)}`,
      );
  }
  return { vdafType: VdafType[config.type], vdafConfiguration: w.finish() };
}

/**
 * Decodes `vdaf_type` and `vdaf_configuration` into a VDAF configuration.
 *
 * @param vdafType the uint32 codepoint
 * @param vdafConfiguration the encoded parameters
 * @returns the configuration
 * @throws {DecodeError} when the type is unknown or the parameters do not decode exactly
 * @example decodeVdafConfig(task.vdafType, task.vdafConfiguration).type
 */
export function decodeVdafConfig(vdafType: number, vdafConfiguration: Uint8Array): VdafConfig {
  const read = (r: Reader): VdafConfig => {
    switch (vdafType) {
      case VdafType.Prio3Count:
        return { type: 'Prio3Count' };
      case VdafType.Prio3Sum:
        return { type: 'Prio3Sum', maxMeasurement: r.u64('max_measurement') };
      case VdafType.Prio3SumVec:
        return {
          type: 'Prio3SumVec',
          length: r.u32('length'),
          maxMeasurement: r.u64('max_measurement'),
          chunkLength: r.u32('chunk_length'),
        };
      case VdafType.Prio3Histogram:
        return {
          type: 'Prio3Histogram',
          length: r.u32('length'),
          chunkLength: r.u32('chunk_length'),
        };
      case VdafType.Prio3MultihotCountVec:
        return {
          type: 'Prio3MultihotCountVec',
          length: r.u32('length'),
          chunkLength: r.u32('chunk_length'),
          maxWeight: r.u64('max_weight'),
        };
      case VdafType.Poplar1:
        return { type: 'Poplar1', bits: r.u16('bits') };
      case VdafType.Prio3L1BoundSum:
        return {
          type: 'Prio3L1BoundSum',
          length: r.u32('length'),
          maxValue: r.u64('max_value'),
          chunkLength: r.u32('chunk_length'),
        };
      default:
        throw new DecodeError(`vdaf config: unknown vdaf_type ${describe(vdafType)}`);
    }
  };
  return decodeWith({ read, write: () => {} }, vdafConfiguration, 'VdafConfig');
}

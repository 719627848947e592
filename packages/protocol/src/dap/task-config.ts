// DAP-18 task configuration (draft-ietf-ppm-dap-18 §4.2): `TaskConfiguration`, its task
// extensions, and the `task_interval` extension (§4.2.3).
import { ParamError } from '../errors.js';
import {
  ReportError,
  extensionCodec,
  intervalCodec,
  urlCodec,
  type Extension,
  type Interval,
} from './basic.js';
import { decodeWith, encodeWith, type Codec } from '../codec.js';
import { decodeVdafConfig, encodeVdafConfig, type VdafConfig } from './vdaf-config.js';

/** `TaskExtensionType` codepoints (draft-ietf-ppm-dap-18 §4.2.2, registry §9.2.2). */
export const TaskExtensionType = {
  reserved: 0,
  task_interval: 1,
} as const;

/**
 * `TaskConfiguration` (draft-ietf-ppm-dap-18 §4.2). It is encoded into both HPKE AADs, so every
 * field is kept exactly as configured: URLs are the configured strings byte for byte, and the
 * batch and VDAF configurations are raw bytes (see {@link taskVdafConfig} to read the latter).
 */
export interface TaskConfiguration {
  /** `opaque task_info<1..2^8-1>`. */
  taskInfo: Uint8Array;
  /** `Url leader_aggregator_endpoint`, printable ASCII, never normalised. */
  leaderAggregatorEndpoint: string;
  /** `Url helper_aggregator_endpoint`, printable ASCII, never normalised. */
  helperAggregatorEndpoint: string;
  /** `TimePrecision time_precision`, seconds, uint64. */
  timePrecision: bigint;
  /** `uint64 min_batch_size`. */
  minBatchSize: bigint;
  /** `BatchMode batch_mode`, uint8 (see `BatchMode`). */
  batchMode: number;
  /** `opaque batch_config<0..2^16-1>`; empty for both batch modes of this draft. */
  batchConfig: Uint8Array;
  /** `VdafType vdaf_type`, uint32 (see `VdafType`). */
  vdafType: number;
  /** `opaque vdaf_configuration<0..2^16-1>`. */
  vdafConfiguration: Uint8Array;
  /** `TaskExtension extensions<0..2^16-1>`. */
  extensions: Extension[];
}

/** Codec of `TaskConfiguration` (draft-ietf-ppm-dap-18 §4.2). */
export const taskConfigurationCodec: Codec<TaskConfiguration> = {
  write(w, v) {
    w.opaque(v.taskInfo, 1, 'task_info', 1);
    urlCodec.write(w, v.leaderAggregatorEndpoint);
    urlCodec.write(w, v.helperAggregatorEndpoint);
    w.u64(v.timePrecision, 'time_precision');
    w.u64(v.minBatchSize, 'min_batch_size');
    w.u8(v.batchMode, 'batch_mode');
    w.opaque(v.batchConfig, 2, 'batch_config');
    w.u32(v.vdafType, 'vdaf_type');
    w.opaque(v.vdafConfiguration, 2, 'vdaf_configuration');
    w.vector(v.extensions, extensionCodec, 2, 'extensions');
  },
  read(r) {
    return {
      taskInfo: r.opaque(1, 'task_info', 1),
      leaderAggregatorEndpoint: urlCodec.read(r),
      helperAggregatorEndpoint: urlCodec.read(r),
      timePrecision: r.u64('time_precision'),
      minBatchSize: r.u64('min_batch_size'),
      batchMode: r.u8('batch_mode'),
      batchConfig: r.opaque(2, 'batch_config'),
      vdafType: r.u32('vdaf_type'),
      vdafConfiguration: r.opaque(2, 'vdaf_configuration'),
      extensions: r.vector(2, extensionCodec, 'extensions'),
    };
  },
};

/**
 * Parameters of {@link makeTaskConfiguration}: the scalar fields of `TaskConfiguration` as they
 * go on the wire, with the VDAF given as a typed configuration.
 */
export interface TaskConfigurationParams extends Pick<
  TaskConfiguration,
  | 'taskInfo'
  | 'leaderAggregatorEndpoint'
  | 'helperAggregatorEndpoint'
  | 'timePrecision'
  | 'minBatchSize'
  | 'batchMode'
> {
  /** The VDAF and its parameters. */
  vdaf: VdafConfig;
  /** Task interval, in `time_precision` units; adds the `task_interval` extension. */
  taskInterval?: Interval;
  /** Further task extensions; sorted by type with the `task_interval` one. */
  extensions?: Extension[];
}

/**
 * Builds a `TaskConfiguration` from typed parameters: empty batch config (both batch modes of
 * draft-ietf-ppm-dap-18 §5), encoded VDAF config, extensions in increasing type order.
 *
 * @param params the task parameters
 * @returns the configuration
 * @throws {ParamError} when a parameter is out of range or two extensions share a type
 * @example
 * makeTaskConfiguration({ taskInfo, leaderAggregatorEndpoint: 'https://l.example/',
 *   helperAggregatorEndpoint: 'https://h.example/', timePrecision: 3600n, minBatchSize: 100n,
 *   batchMode: BatchMode.time_interval, vdaf: { type: 'Prio3Count' } })
 */
export function makeTaskConfiguration(params: TaskConfigurationParams): TaskConfiguration {
  if (typeof params.timePrecision !== 'bigint' || params.timePrecision <= 0n) {
    throw new ParamError('time_precision: expected a positive bigint');
  }
  const extensions = [...(params.extensions ?? [])];
  if (params.taskInterval !== undefined) {
    extensions.push({
      extensionType: TaskExtensionType.task_interval,
      extensionData: encodeWith(intervalCodec, params.taskInterval),
    });
  }

  // draft-ietf-ppm-dap-18 §4.2.2: extensions in strictly increasing order of extension_type.
  extensions.sort((a, b) => a.extensionType - b.extensionType);
  for (let i = 1; i < extensions.length; i++) {
    if (extensions[i].extensionType === extensions[i - 1].extensionType) {
      throw new ParamError(`extensions: duplicate extension_type ${extensions[i].extensionType}`);
    }
  }

  const { vdafType, vdafConfiguration } = encodeVdafConfig(params.vdaf);
  const config: TaskConfiguration = {
    taskInfo: params.taskInfo,
    leaderAggregatorEndpoint: params.leaderAggregatorEndpoint,
    helperAggregatorEndpoint: params.helperAggregatorEndpoint,
    timePrecision: params.timePrecision,
    minBatchSize: params.minBatchSize,
    batchMode: params.batchMode,
    batchConfig: new Uint8Array(0),
    vdafType,
    vdafConfiguration,
    extensions,
  };
  encodeTaskConfiguration(config); // validates every field now rather than at first use
  return config;
}

/**
 * Reads the VDAF configuration of a task.
 *
 * @param config the task configuration
 * @returns the typed VDAF configuration
 * @throws {DecodeError} when the VDAF type is unknown or its parameters do not decode
 * @example taskVdafConfig(config).type // 'Prio3Histogram'
 */
export function taskVdafConfig(config: TaskConfiguration): VdafConfig {
  return decodeVdafConfig(config.vdafType, config.vdafConfiguration);
}

/**
 * Reads the `task_interval` extension (draft-ietf-ppm-dap-18 §4.2.3).
 *
 * @param config the task configuration
 * @returns the task interval in `time_precision` units, or undefined when absent
 * @throws {DecodeError} when the extension's data is not exactly one `Interval`
 * @example taskInterval(config)?.start
 */
export function taskInterval(config: TaskConfiguration): Interval | undefined {
  const ext = config.extensions.find((e) => e.extensionType === TaskExtensionType.task_interval);
  return ext === undefined
    ? undefined
    : decodeWith(intervalCodec, ext.extensionData, 'TaskIntervalTaskExtension');
}

/**
 * The report error for a report time outside the task's `task_interval`, if any. At upload the
 * Leader drops such a report with `report_dropped` (draft-ietf-ppm-dap-18 §4.4.2.2); at
 * aggregation it is `task_not_started` before the interval and `task_expired` after it
 * (§4.5.3.4). Intervals are half-open (§4.1.1).
 *
 * @param config the task configuration
 * @param time the report's time in `time_precision` units
 * @param phase `'upload'` or `'aggregation'`
 * @returns the `ReportError` code, or undefined when the time is inside (or no interval is set)
 * @throws {DecodeError} when the `task_interval` extension does not decode
 * @example taskIntervalReportError(config, report.reportMetadata.time, 'aggregation')
 */
export function taskIntervalReportError(
  config: TaskConfiguration,
  time: bigint,
  phase: 'upload' | 'aggregation',
): number | undefined {
  const interval = taskInterval(config);
  if (interval === undefined) return undefined;
  const end = interval.start + interval.duration;
  if (time >= interval.start && time < end) return undefined;
  if (phase === 'upload') return ReportError.report_dropped;
  return time < interval.start ? ReportError.task_not_started : ReportError.task_expired;
}

/**
 * Encodes a `TaskConfiguration` exactly as configured.
 *
 * @param config the configuration
 * @returns the encoding
 * @throws {ParamError} when a field is out of range (a URL that is not printable ASCII, ...)
 * @example encodeTaskConfiguration(config)
 */
export function encodeTaskConfiguration(config: TaskConfiguration): Uint8Array {
  return encodeWith(taskConfigurationCodec, config);
}

/**
 * Decodes a `TaskConfiguration`.
 *
 * @param bytes the encoding
 * @returns the configuration
 * @throws {DecodeError} when the input is not exactly one configuration
 * @example decodeTaskConfiguration(bytes).timePrecision
 */
export function decodeTaskConfiguration(bytes: Uint8Array): TaskConfiguration {
  return decodeWith(taskConfigurationCodec, bytes, 'TaskConfiguration');
}

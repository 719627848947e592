// The pm-collector files: the task file (task ID, configuration, noise) and the key file (the
// Collector's HPKE configuration and private key), both JSON with bytes in unpadded base64url.
import {
  BatchMode,
  base64UrlDecode,
  base64UrlEncode,
  decodeHpkeConfig,
  decodeTaskConfiguration,
  encodeHpkeConfig,
  makeTaskConfiguration,
  taskVdafConfig,
  type HpkeKeypair,
  type TaskConfiguration,
  type VdafConfig,
} from '@private-measurement/protocol';
import { ParamError } from '../errors.js';
import { checkNoise, type NoiseSpec } from '../noise.js';
import { calibrateNoise, type DpParams } from './calibrate.js';

/** What the task file gives the Collector. */
export interface TaskFile {
  taskId: Uint8Array;
  taskConfiguration: TaskConfiguration;
  /** Overrides where requests go; the AAD keeps the configured Leader URL. */
  leaderUrl?: string;
  noise?: NoiseSpec;
}

type Json = Record<string, unknown>;

function obj(v: unknown, name: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ParamError(`${name}: expected a JSON object`);
  }
  return v as Json;
}

function bytes(v: unknown, name: string, length?: number): Uint8Array {
  if (typeof v !== 'string') throw new ParamError(`${name}: expected a base64url string`);
  try {
    return base64UrlDecode(v, length);
  } catch {
    throw new ParamError(
      `${name}: expected unpadded base64url${length === undefined ? '' : ` of ${length} bytes`}`,
    );
  }
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new ParamError(`${name}: expected a string`);
  return v;
}

function int(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ParamError(`${name}: expected a non-negative integer, received ${JSON.stringify(v)}`);
  }
  return v;
}

function big(v: unknown, name: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  throw new ParamError(`${name}: expected a non-negative integer, received ${JSON.stringify(v)}`);
}

function vdafConfig(v: unknown): VdafConfig {
  const o = obj(v, 'task.vdaf');
  switch (o.type) {
    case 'Prio3Count':
      return { type: 'Prio3Count' };
    case 'Prio3Sum':
      return { type: 'Prio3Sum', maxMeasurement: big(o.maxMeasurement, 'vdaf.maxMeasurement') };
    case 'Prio3SumVec':
      return {
        type: 'Prio3SumVec',
        length: int(o.length, 'vdaf.length'),
        maxMeasurement: big(o.maxMeasurement, 'vdaf.maxMeasurement'),
        chunkLength: int(o.chunkLength, 'vdaf.chunkLength'),
      };
    case 'Prio3Histogram':
      return {
        type: 'Prio3Histogram',
        length: int(o.length, 'vdaf.length'),
        chunkLength: int(o.chunkLength, 'vdaf.chunkLength'),
      };
    case 'Prio3MultihotCountVec':
      return {
        type: 'Prio3MultihotCountVec',
        length: int(o.length, 'vdaf.length'),
        chunkLength: int(o.chunkLength, 'vdaf.chunkLength'),
        maxWeight: big(o.maxWeight, 'vdaf.maxWeight'),
      };
    case 'Prio3L1BoundSum':
      return {
        type: 'Prio3L1BoundSum',
        length: int(o.length, 'vdaf.length'),
        maxValue: big(o.maxValue, 'vdaf.maxValue'),
        chunkLength: int(o.chunkLength, 'vdaf.chunkLength'),
      };
    default:
      throw new ParamError(
        `vdaf.type: expected a Prio3 variant, received ${JSON.stringify(o.type)}`,
      );
  }
}

/** The object form of a task configuration, for hand-written task files. */
function taskFromObject(v: unknown): TaskConfiguration {
  const o = obj(v, 'task file');
  const mode = o.batchMode;
  if (mode !== 'time_interval' && mode !== 'leader_selected') {
    throw new ParamError(
      `task.batchMode: expected "time_interval" or "leader_selected", received ${JSON.stringify(mode)}`,
    );
  }
  const taskInterval =
    o.taskInterval === undefined
      ? undefined
      : {
          start: big(obj(o.taskInterval, 'task.taskInterval').start, 'taskInterval.start'),
          duration: big((o.taskInterval as Json).duration, 'taskInterval.duration'),
        };
  try {
    return makeTaskConfiguration({
      taskInfo: new TextEncoder().encode(str(o.taskInfo, 'task.taskInfo')),
      leaderAggregatorEndpoint: str(o.leaderEndpoint, 'task.leaderEndpoint'),
      helperAggregatorEndpoint: str(o.helperEndpoint, 'task.helperEndpoint'),
      timePrecision: big(o.timePrecision, 'task.timePrecision'),
      minBatchSize: big(o.minBatchSize, 'task.minBatchSize'),
      batchMode: BatchMode[mode],
      vdaf: vdafConfig(o.vdaf),
      taskInterval,
    });
  } catch (e) {
    if (e instanceof ParamError) throw e;
    throw new ParamError(`task: ${(e as Error).message}`);
  }
}

/**
 * Reads a task file.
 *
 * `taskId` is base64url (32 bytes). The configuration is either `taskConfiguration`, the
 * base64url of the encoded `TaskConfiguration` (exact bytes, as the Aggregators hold them), or
 * the fields of the aggregator's task specification at top level: `taskInfo` (UTF-8 text),
 * `leaderEndpoint`, `helperEndpoint`, `timePrecision`, `minBatchSize`, `batchMode`, `vdaf`,
 * `taskInterval?` (other fields of that specification are ignored). The noise is `noise`
 * (`{ mechanism: "discrete-laplace", scale }` or `{ mechanism: "discrete-gaussian", sigma }`) or
 * the task's `dp` (`{ mechanism, epsilon, delta? }`), calibrated as the Aggregators do.
 * Optional: `leaderUrl`, where requests go when it differs from the configured endpoint.
 *
 * @param json - the parsed JSON.
 * @returns the task.
 * @throws {ParamError} naming the first invalid field.
 */
export function parseTaskFile(json: unknown): TaskFile {
  const o = obj(json, 'task file');
  const taskId = bytes(o.taskId, 'taskId', 32);
  let taskConfiguration: TaskConfiguration;
  if (o.taskConfiguration !== undefined) {
    const encoded = bytes(o.taskConfiguration, 'taskConfiguration');
    try {
      taskConfiguration = decodeTaskConfiguration(encoded);
    } catch {
      throw new ParamError('taskConfiguration: expected an encoded DAP-18 TaskConfiguration');
    }
  } else if (o.leaderEndpoint !== undefined) {
    taskConfiguration = taskFromObject(o);
  } else {
    throw new ParamError('task file: expected "taskConfiguration" or the task fields');
  }
  const out: TaskFile = { taskId, taskConfiguration };
  if (o.leaderUrl !== undefined) out.leaderUrl = str(o.leaderUrl, 'leaderUrl');
  if (o.noise !== undefined && o.dp !== undefined) {
    throw new ParamError('task file: expected "noise" or "dp", not both');
  }
  if (o.noise !== undefined) out.noise = checkNoise(obj(o.noise, 'noise') as unknown as NoiseSpec);
  if (o.dp !== undefined) {
    const dp = obj(o.dp, 'dp') as unknown as DpParams;
    let vdaf;
    try {
      vdaf = taskVdafConfig(taskConfiguration);
    } catch {
      throw new ParamError('taskConfiguration: the VDAF configuration does not decode');
    }
    out.noise = checkNoise(calibrateNoise(vdaf, dp));
  }
  return out;
}

/**
 * Reads a key file: `{ "hpkeConfig": base64url(encoded HpkeConfig), "privateKey": base64url }`.
 *
 * @param json - the parsed JSON.
 * @returns the Collector's key pair.
 * @throws {ParamError} naming the invalid field; the key itself is never shown.
 */
export function parseKeyFile(json: unknown): HpkeKeypair {
  const o = obj(json, 'key file');
  let config;
  try {
    config = decodeHpkeConfig(bytes(o.hpkeConfig, 'hpkeConfig'));
  } catch {
    throw new ParamError('hpkeConfig: expected an encoded DAP-18 HpkeConfig in base64url');
  }
  return { config, privateKey: bytes(o.privateKey, 'privateKey') };
}

/**
 * Writes a key file's JSON.
 *
 * @param key - the key pair.
 * @returns the JSON object (contains the private key: store it with care).
 */
export function keyFileJson(key: HpkeKeypair): Record<string, string> {
  return {
    hpkeConfig: base64UrlEncode(encodeHpkeConfig(key.config)),
    privateKey: base64UrlEncode(key.privateKey),
  };
}

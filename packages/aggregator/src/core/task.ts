// A provisioned task ready for use: its validated specification, the encoded TaskConfiguration
// every AAD embeds, the Prio3 instance, and the derived numbers the handlers need.
import {
  BatchMode,
  decodeHpkeConfig,
  encodeTaskConfiguration,
  InputShareOpener,
  makeTaskConfiguration,
  Role,
  vdafContext,
  type HpkeConfig,
  type TaskConfiguration,
} from '@private-measurement/protocol';
import { parseTaskSpec, type TaskSpec } from '../config.js';
import { ConfigError } from '../errors.js';
import type { TaskRecord } from '../store/types.js';
import { vdafConfigOf, vdafOf, type AnyPrio3 } from './vdaf.js';

/** A task in memory. */
export interface Task {
  id: Uint8Array;
  /** The task ID in unpadded base64url, for logs and URLs. */
  idText: string;
  role: 'leader' | 'helper';
  spec: TaskSpec;
  config: TaskConfiguration;
  /** `encodeTaskConfiguration(config)`, computed once. */
  encodedConfig: Uint8Array;
  /** Opens this aggregator's own input shares of the task (AAD start and info made once). */
  inputShares: InputShareOpener;
  vdaf: AnyPrio3;
  /** The VDAF context string `"dap-18" || task_id` (draft-ietf-ppm-dap-18 §4.4.2.1). */
  ctx: Uint8Array;
  verifyKey: Uint8Array;
  collectorHpkeConfig: HpkeConfig;
  batchMode: 'time_interval' | 'leader_selected';
  /** The wire code of the batch mode. */
  batchModeCode: number;
  timePrecision: number;
  minBatchSize: number;
  /** Leader-selected: reports per batch the Leader aims for. */
  targetBatchSize: number;
  /** The task_interval extension in time_precision units, if any. */
  interval: { start: number; duration: number } | undefined;
  /** Report extension types the task accepts (contents not interpreted). */
  reportExtensions: ReadonlySet<number>;
}

/**
 * Builds a task from its specification.
 *
 * @param spec - a validated specification (see `parseTaskSpec`).
 * @returns the task.
 * @throws {ConfigError} when the protocol package rejects a parameter.
 */
export function taskFromSpec(spec: TaskSpec): Task {
  try {
    const config = makeTaskConfiguration({
      taskInfo: new TextEncoder().encode(spec.taskInfo),
      leaderAggregatorEndpoint: spec.leaderEndpoint,
      helperAggregatorEndpoint: spec.helperEndpoint,
      timePrecision: BigInt(spec.timePrecision),
      minBatchSize: BigInt(spec.minBatchSize),
      batchMode:
        spec.batchMode === 'time_interval' ? BatchMode.time_interval : BatchMode.leader_selected,
      vdaf: vdafConfigOf(spec.vdaf),
      taskInterval:
        spec.taskInterval === undefined
          ? undefined
          : {
              start: BigInt(spec.taskInterval.start),
              duration: BigInt(spec.taskInterval.duration),
            },
      extensions: (spec.taskExtensions ?? []).map((e) => ({
        extensionType: e.type,
        extensionData: new Uint8Array(Buffer.from(e.data, 'base64url')),
      })),
    });
    const id = new Uint8Array(Buffer.from(spec.taskId, 'base64url'));
    return {
      id,
      idText: spec.taskId,
      role: spec.role,
      spec,
      config,
      encodedConfig: encodeTaskConfiguration(config),
      inputShares: new InputShareOpener(
        id,
        config,
        spec.role === 'leader' ? Role.leader : Role.helper,
      ),
      vdaf: vdafOf(spec.vdaf),
      ctx: vdafContext(id),
      verifyKey: new Uint8Array(Buffer.from(spec.vdafVerifyKey, 'base64url')),
      collectorHpkeConfig: decodeHpkeConfig(
        new Uint8Array(Buffer.from(spec.collectorHpkeConfig, 'base64url')),
      ),
      batchMode: spec.batchMode,
      batchModeCode: config.batchMode,
      timePrecision: spec.timePrecision,
      minBatchSize: spec.minBatchSize,
      targetBatchSize: spec.maxBatchSize ?? spec.minBatchSize,
      interval: spec.taskInterval,
      reportExtensions: new Set(spec.reportExtensions ?? []),
    };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`task ${spec.taskId}: ${(e as Error).message}`);
  }
}

/**
 * Rebuilds a task from its stored record.
 *
 * @throws {ConfigError} when the stored specification no longer validates.
 */
export function taskFromRecord(record: TaskRecord): Task {
  return taskFromSpec(parseTaskSpec(JSON.parse(record.spec), 'stored task'));
}

/**
 * The stored form of a task.
 *
 * @returns the record.
 */
export function taskToRecord(task: Task): TaskRecord {
  return { taskId: task.id, role: task.role, spec: JSON.stringify(task.spec) };
}

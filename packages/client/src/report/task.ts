// The DAP task a dap-18-histogram conversion report belongs to: its TaskConfiguration and task
// ID, derived from the aggregation service, the histogram parameters and the sites
// (W3C Attribution §7.1.3 "construct a DAP report", steps 1-9).

import {
  decodeHpkeConfig,
  encodeTaskConfiguration,
  makeTaskConfiguration,
  type HpkeConfig,
  type TaskConfiguration,
} from '@private-measurement/protocol';

import {
  DEFAULT_DAP_ATTRIBUTION_CODEPOINTS,
  type AggregationServiceConfig,
  type DapAttributionCodepoints,
} from '../config.js';
import { ReportError } from '../errors.js';

/** `time_precision` of attribution tasks, seconds (W3C Attribution §7.1.3). */
export const ATTRIBUTION_TIME_PRECISION = 5n;

/** `min_batch_size` of attribution tasks (W3C Attribution §7.1.3). */
export const ATTRIBUTION_MIN_BATCH_SIZE = 20n;

/**
 * `task_info` of attribution tasks. Spec: W3C Attribution asks for an empty task_info, but
 * draft-ietf-ppm-dap-18 §4.2 declares `task_info<1..2^8-1>`; we use the single byte 0x00, the
 * shortest value DAP-18 allows.
 */
export const ATTRIBUTION_TASK_INFO: Uint8Array = Uint8Array.of(0);

/** What fixes an attribution task. */
export interface AttributionTaskParams {
  /** The service URL (the key of `aggregationServices`). */
  serviceUrl: string;
  service: AggregationServiceConfig;
  /** Histogram length. */
  histogramSize: number;
  maxValue: number;
  /** The conversion site. */
  topLevelSite: string;
  /** The calling intermediary, when it is not the conversion site. */
  intermediarySite: string | undefined;
}

/** An attribution task: its configuration, encoding and ID. */
export interface AttributionTask {
  taskConfiguration: TaskConfiguration;
  encodedTaskConfiguration: Uint8Array;
  /** SHA-256(SHA-256("dap-taskprov task id") || task_config), 32 bytes. */
  taskId: Uint8Array;
  /** Prio3L1BoundSum parameters. */
  vdaf: { length: number; maxValue: bigint; chunkLength: number };
  codepoints: DapAttributionCodepoints;
}

/** Number of bits of `x`: ceil(log2(x + 1)). */
function bitLength(x: number): number {
  return x === 0 ? 0 : x.toString(2).length;
}

/**
 * The chunk length of the Prio3L1BoundSum instance: sqrt((ceil(log2(maxValue + 1)) + 1) *
 * length), rounded to the nearest integer (W3C Attribution §7.1.3 step 4).
 * Spec: the L1BoundSum measurement has (length + 1) * bits elements, while this formula uses
 * (bits + 1) * length; we follow the W3C formula, since it fixes the task configuration both
 * aggregators must reproduce.
 *
 * @param length - histogram size
 * @param maxValue - maximum value
 * @returns the chunk length, at least 1
 */
export function attributionChunkLength(length: number, maxValue: number): number {
  return Math.max(1, Math.round(Math.sqrt((bitLength(maxValue) + 1) * length)));
}

/** The URL serializer applied to a configured URL (W3C Attribution §7.1.3 step 8.2). */
function serializeUrl(url: string): string {
  return new URL(url).href;
}

/** The serialized host of a site, as UTF-8 (W3C Attribution §7.1.3 step 8.10). */
function hostBytes(site: string): Uint8Array {
  return new TextEncoder().encode(new URL(`https://${site}/`).host);
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.length;
  }
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', buf));
}

/**
 * Derive the task ID from an encoded task configuration (draft-ietf-ppm-dap-taskprov-03 §3.2):
 * SHA-256(SHA-256("dap-taskprov task id") || task_config).
 *
 * @param encodedTaskConfiguration - the encoded TaskConfiguration
 * @returns the 32-byte task ID
 */
export async function taskprovTaskId(encodedTaskConfiguration: Uint8Array): Promise<Uint8Array> {
  const label = await sha256(new TextEncoder().encode('dap-taskprov task id'));
  return sha256(label, encodedTaskConfiguration);
}

/**
 * Build the task of a conversion report (W3C Attribution §7.1.3 steps 1-9). Aggregators are
 * provisioned with the same computation; export it so they can be.
 *
 * @param params - service, histogram parameters and sites
 * @returns the task configuration, its encoding and the task ID
 * @throws {ReportError} when the service lacks a Helper URL or a parameter is out of range
 * @example
 * const task = await attributionTask({ serviceUrl, service, histogramSize: 8, maxValue: 7,
 *   topLevelSite: 'shop.example', intermediarySite: undefined });
 */
export async function attributionTask(params: AttributionTaskParams): Promise<AttributionTask> {
  const { service } = params;
  const codepoints = { ...DEFAULT_DAP_ATTRIBUTION_CODEPOINTS, ...service.codepoints };
  const helperUrl = service.helper?.url;
  if (helperUrl === undefined) throw new ReportError('aggregationService: no helper configured');

  // Steps 1-5: Prio3L1BoundSum over Field128 with length, maxValue and chunkLength.
  const length = params.histogramSize;
  const maxValue = BigInt(params.maxValue);
  const chunkLength = attributionChunkLength(length, params.maxValue);

  // Step 7: the collector is the caller: the intermediary if any, else the conversion site.
  const caller = params.intermediarySite ?? params.topLevelSite;

  // Step 8: the task configuration.
  let taskConfiguration: TaskConfiguration;
  try {
    taskConfiguration = makeTaskConfiguration({
      taskInfo: ATTRIBUTION_TASK_INFO,
      leaderAggregatorEndpoint: serializeUrl(service.leader?.url ?? params.serviceUrl),
      helperAggregatorEndpoint: serializeUrl(helperUrl),
      timePrecision: ATTRIBUTION_TIME_PRECISION,
      minBatchSize: ATTRIBUTION_MIN_BATCH_SIZE,
      batchMode: codepoints.batchMode,
      vdaf: { type: 'Prio3L1BoundSum', length, maxValue, chunkLength },
      extensions: [
        { extensionType: codepoints.collectorIdentity, extensionData: hostBytes(caller) },
        { extensionType: codepoints.budgetSource, extensionData: hostBytes(params.topLevelSite) },
      ],
    });
  } catch (error) {
    throw new ReportError(`task configuration: ${(error as Error).message}`);
  }
  const encodedTaskConfiguration = encodeTaskConfiguration(taskConfiguration);

  // Step 9: the task ID (draft-ietf-ppm-dap-taskprov-03).
  const taskId = await taskprovTaskId(encodedTaskConfiguration);
  return {
    taskConfiguration,
    encodedTaskConfiguration,
    taskId,
    vdaf: { length, maxValue, chunkLength },
    codepoints,
  };
}

/**
 * The provisioned HPKE configuration of one aggregator of a service.
 *
 * @param service - the aggregation service
 * @param role - which aggregator
 * @returns the decoded HpkeConfig
 * @throws {ReportError} when it is missing or does not decode
 */
export function provisionedHpkeConfig(
  service: AggregationServiceConfig,
  role: 'leader' | 'helper',
): HpkeConfig {
  const bytes = service[role]?.hpkeConfig;
  if (bytes === undefined) throw new ReportError(`aggregationService: no ${role} hpkeConfig`);
  try {
    return decodeHpkeConfig(bytes);
  } catch {
    throw new ReportError(`aggregationService: ${role} hpkeConfig does not decode`);
  }
}

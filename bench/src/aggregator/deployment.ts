// What the aggregator and load suites share about a DAP-18 deployment under test: the VDAFs
// measured, the task both aggregators are provisioned with, and the sealing of client reports.
import { randomBytes, randomInt } from 'node:crypto';
import type { TaskSpec, VdafSpec } from '@private-measurement/aggregator';
import {
  BatchMode,
  decodeHpkeConfigList,
  encodeHpkeConfig,
  encodeReport,
  makeTaskConfiguration,
  sealReport,
  vdafContext,
  vdafFromConfig,
  type HpkeConfig,
  type HpkeKeypair,
  type TaskConfiguration,
  type VdafConfig,
} from '@private-measurement/protocol';

/** Bearer token the Leader presents to the Helper (a bench value, not a secret). */
export const PEER_TOKEN = 'bench-peer-token-0123456789';
/** Bearer token the Collector presents to the Leader (a bench value, not a secret). */
export const COLLECTOR_TOKEN = 'bench-collector-token-0123456789';
/** Seconds per DAP time unit of the bench tasks: one batch bucket per hour. */
export const TIME_PRECISION = 3600;

/** A VDAF under test, as the aggregator and the client each spell it. */
export interface Variant {
  /** Label used in case names, e.g. "Prio3Histogram(16)". */
  label: string;
  /** As provisioned in the aggregator's task. */
  vdaf: VdafSpec;
  /** As the client and the protocol package take it. */
  config: VdafConfig;
  /** Length of the aggregate vector: the histogram length or the L1BoundSum length. */
  length: number;
  /** A random valid measurement, and its contribution to the aggregate, bucket by bucket. */
  measurement(): { value: unknown; add(sum: bigint[]): void };
}

function histogram(length: number, chunkLength: number): Variant {
  return {
    label: `Prio3Histogram(${length})`,
    vdaf: { type: 'Prio3Histogram', length, chunkLength },
    config: { type: 'Prio3Histogram', length, chunkLength },
    length,
    measurement() {
      const bucket = randomInt(length);
      return { value: bucket, add: (sum) => void (sum[bucket] += 1n) };
    },
  };
}

/** Prio3Histogram(16), the VDAF of the throughput targets and of the load run. */
export const HISTOGRAM_16 = histogram(16, 4);
/** Prio3Histogram(256). */
export const HISTOGRAM_256 = histogram(256, 16);
/** Prio3L1BoundSum(20, 255): 20 values of 0 to 255 whose sum is at most 255. */
export const L1_BOUND_SUM_20_255: Variant = {
  label: 'Prio3L1BoundSum(20,255)',
  vdaf: { type: 'Prio3L1BoundSum', length: 20, maxValue: 255, chunkLength: 13 },
  config: { type: 'Prio3L1BoundSum', length: 20, maxValue: 255n, chunkLength: 13 },
  length: 20,
  measurement() {
    // One non-zero entry keeps the L1 norm within the bound.
    const at = randomInt(20);
    const v = randomInt(256);
    const value = Array.from({ length: 20 }, (_, j) => (j === at ? v : 0));
    return { value, add: (sum) => void (sum[at] += BigInt(v)) };
  },
};

/** Every variant of the aggregator suite, in the order measured. */
export const VARIANTS: readonly Variant[] = [HISTOGRAM_16, HISTOGRAM_256, L1_BOUND_SUM_20_255];

/**
 * Finds a variant by its label (worker threads get the label, not the functions).
 *
 * @param label - e.g. "Prio3Histogram(16)".
 * @returns the variant.
 * @throws {Error} for an unknown label.
 */
export function variantByLabel(label: string): Variant {
  const v = VARIANTS.find((x) => x.label === label);
  if (v === undefined)
    throw new Error(`variant: expected one of the bench VDAFs, received "${label}"`);
  return v;
}

/** A task as both aggregators and the clients see it. */
export interface BenchTask {
  variant: Variant;
  /** The Leader's specification (the Helper's is derived by {@link helperSpec}). */
  spec: TaskSpec;
  taskId: Uint8Array;
  taskConfiguration: TaskConfiguration;
  /** The Collector's key, to open the aggregate shares. */
  collectorKey: HpkeKeypair;
}

/**
 * A fresh task of one variant between a Leader and a Helper, minimum batch size 1, time
 * interval batches, discrete Laplace noise at epsilon 1 (switched off by the load run's
 * `unsafeDisableNoiseForTesting`).
 *
 * @param variant - the VDAF.
 * @param leaderUrl - the Leader's endpoint, as it enters the AAD.
 * @param helperUrl - the Helper's endpoint.
 * @param collectorKey - the Collector's HPKE key pair.
 * @returns the task.
 */
export function makeBenchTask(
  variant: Variant,
  leaderUrl: string,
  helperUrl: string,
  collectorKey: HpkeKeypair,
): BenchTask {
  const taskId = new Uint8Array(randomBytes(32));
  const spec: TaskSpec = {
    taskId: Buffer.from(taskId).toString('base64url'),
    role: 'leader',
    leaderEndpoint: leaderUrl,
    helperEndpoint: helperUrl,
    taskInfo: 'bench',
    timePrecision: TIME_PRECISION,
    minBatchSize: 1,
    batchMode: 'time_interval',
    vdaf: variant.vdaf,
    vdafVerifyKey: randomBytes(32).toString('base64url'),
    collectorHpkeConfig: Buffer.from(encodeHpkeConfig(collectorKey.config)).toString('base64url'),
    aggregatorAuthToken: PEER_TOKEN,
    collectorAuthToken: COLLECTOR_TOKEN,
    dp: { mechanism: 'discrete-laplace', epsilon: 1 },
  };
  const taskConfiguration = makeTaskConfiguration({
    taskInfo: new TextEncoder().encode(spec.taskInfo),
    leaderAggregatorEndpoint: leaderUrl,
    helperAggregatorEndpoint: helperUrl,
    timePrecision: BigInt(TIME_PRECISION),
    minBatchSize: 1n,
    batchMode: BatchMode.time_interval,
    vdaf: variant.config,
  });
  return { variant, spec, taskId, taskConfiguration, collectorKey };
}

/**
 * The Helper's specification of a task: the Leader's without the Collector's token.
 *
 * @param spec - the Leader's specification.
 * @returns the Helper's.
 */
export function helperSpec(spec: TaskSpec): TaskSpec {
  const { collectorAuthToken: _leaderOnly, ...rest } = spec;
  return { ...rest, role: 'helper' };
}

/**
 * Fetches an aggregator's first HPKE configuration, as a client would.
 *
 * @param url - the aggregator's endpoint.
 * @returns its configuration.
 * @throws {Error} when the aggregator does not answer 200 with a configuration.
 */
export async function fetchHpkeConfig(url: string): Promise<HpkeConfig> {
  const res = await fetch(new URL('hpke_config', url));
  const body = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) {
    throw new Error(`hpke_config: expected status 200, received ${res.status}`);
  }
  const [config] = decodeHpkeConfigList(body);
  if (config === undefined) throw new Error('hpke_config: expected a configuration, received none');
  return config;
}

/** Seals client reports of one task, as clients would: shard, then HPKE-seal both shares. */
export class ReportSealer {
  private readonly vdaf;
  private readonly ctx: Uint8Array;

  /**
   * @param task - the task: its VDAF, ID and configuration.
   * @param leaderConfig - the Leader's HPKE configuration.
   * @param helperConfig - the Helper's.
   * @param time - the report time in time_precision units (one batch bucket for every report).
   */
  constructor(
    private readonly task: Pick<BenchTask, 'variant' | 'taskId' | 'taskConfiguration'>,
    private readonly leaderConfig: HpkeConfig,
    private readonly helperConfig: HpkeConfig,
    readonly time: bigint,
  ) {
    this.vdaf = vdafFromConfig(task.variant.config);
    this.ctx = vdafContext(task.taskId);
  }

  /**
   * Seals one report of a measurement.
   *
   * @param measurement - a valid measurement of the task's VDAF.
   * @returns the encoded DAP `Report`.
   */
  async seal(measurement: unknown): Promise<Uint8Array> {
    const reportId = new Uint8Array(randomBytes(16));
    const sharded = this.vdaf.shard(
      this.ctx,
      measurement as never,
      reportId,
      new Uint8Array(randomBytes(this.vdaf.randSize)),
    );
    const report = await sealReport({
      taskId: this.task.taskId,
      taskConfiguration: this.task.taskConfiguration,
      leaderHpkeConfig: this.leaderConfig,
      helperHpkeConfig: this.helperConfig,
      reportId,
      time: this.time,
      publicShare: this.vdaf.encodePublicShare(sharded.publicShare as never),
      leaderInputShare: this.vdaf.encodeInputShare(sharded.inputShares[0] as never),
      helperInputShare: this.vdaf.encodeInputShare(sharded.inputShares[1] as never),
    });
    return encodeReport(report);
  }
}

/**
 * The current time in the bench tasks' time_precision units.
 *
 * @returns floor(now / time_precision).
 */
export function currentTimeUnits(): bigint {
  return BigInt(Math.floor(Date.now() / 1000 / TIME_PRECISION));
}

/**
 * Concatenates encoded reports into an upload body (an UploadRequest is sized by the HTTP
 * content length, draft-ietf-ppm-dap-18 §4.4.2).
 *
 * @param parts - encoded reports.
 * @returns one buffer.
 */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

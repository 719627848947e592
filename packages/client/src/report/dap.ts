// The dap-18-histogram report encoder: the histogram as a Prio3L1BoundSum measurement, sharded
// and sealed for the Leader and Helper of the chosen aggregation service, with the
// privacy_budget report extension (W3C Attribution §7.1.3 "construct a DAP report").

import {
  encodeReport,
  Prio3L1BoundSum,
  sealReport,
  timeFromSeconds,
  vdafContext,
  type HpkeConfig,
  type Prio3Options,
} from '@private-measurement/protocol';
import { ready } from '@private-measurement/core-wasm';

import type { AggregationServiceConfig } from '../config.js';
import { ReportError } from '../errors.js';
import { decimalOf } from '../internal/budget.js';
import type { ReportEncoder, ReportRequest } from './encoder.js';
import {
  ATTRIBUTION_TIME_PRECISION,
  attributionTask,
  provisionedHpkeConfig,
  type AttributionTask,
} from './task.js';

/** Options of DapReportEncoder. */
export interface DapReportEncoderOptions {
  /** Prio3 options, e.g. `{ backend: 'ts' }`; the WASM backend by default. */
  prio3?: Prio3Options;
  /** Random bytes for report IDs and sharding; the platform CSPRNG by default. */
  randomBytes?: (length: number) => Uint8Array;
}

/** Most VDAF instances kept; they depend only on public parameters. */
const VDAF_CACHE_SIZE = 32;

/** Most task configurations kept per service. */
const TASK_CACHE_SIZE = 64;

/**
 * The WASM kernels compiled asynchronously, once: browsers restrict synchronous compilation on
 * the main thread, and Node accepts either. Where WASM cannot run, the pure-TS twin is used.
 */
let kernels: Promise<unknown> | undefined;

/**
 * The privacy_budget report extension value: epsilon in micro-epsilon, rounded up, as a
 * big-endian uint32 (W3C Attribution §7.1.3 steps 6 and 15).
 *
 * @param epsilon - the epsilon charged
 * @returns 4 bytes
 */
export function privacyBudgetExtension(epsilon: number): Uint8Array {
  const { num, den } = decimalOf(epsilon);
  const micro = Number((num * 1_000_000n + den - 1n) / den);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, micro, false);
  return out;
}

/**
 * Encodes conversion reports for dap-18-histogram services. HPKE configurations come from the
 * provisioned service configuration, never from the network. The report's size depends only on
 * the service, the histogram size and maxValue.
 *
 * @example
 * const client = await AttributionClient.open({ config, encoder: new DapReportEncoder() });
 */
export class DapReportEncoder implements ReportEncoder {
  private readonly prio3: Prio3Options;
  private readonly randomBytes: (length: number) => Uint8Array;
  private readonly vdafs = new Map<string, Prio3L1BoundSum>();
  private readonly hpke = new WeakMap<AggregationServiceConfig, [HpkeConfig, HpkeConfig]>();
  private readonly tasks = new WeakMap<AggregationServiceConfig, Map<string, AttributionTask>>();

  constructor(options: DapReportEncoderOptions = {}) {
    this.prio3 = options.prio3 ?? {};
    this.randomBytes =
      options.randomBytes ?? ((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
  }

  async encode(request: ReportRequest): Promise<Uint8Array> {
    const service = request.aggregationService;
    if (service.protocol !== 'dap-18-histogram') {
      throw new ReportError('aggregationService: unsupported protocol');
    }
    const [leaderHpkeConfig, helperHpkeConfig] = this.hpkeConfigs(service);
    if (this.prio3.backend === undefined) await (kernels ??= ready());

    // Steps 1-9: the VDAF, the task configuration and the task ID.
    const task = await this.task(request);
    const vdaf = this.vdaf(task);

    // Step 10: the application context "dap-18" || task ID.
    const ctx = vdafContext(task.taskId);

    // Steps 11-13: a fresh report ID (the nonce) and sharding randomness.
    const reportId = this.randomBytes(16);
    const rand = this.randomBytes(vdaf.randSize);
    let shares;
    try {
      shares = vdaf.shard(ctx, request.histogram, reportId, rand);
    } catch (error) {
      throw new ReportError(`shard: ${(error as Error).name}`);
    }

    // Step 14: the report time in 5-second units.
    const time = timeFromSeconds(Math.floor(request.now / 1000), ATTRIBUTION_TIME_PRECISION);

    // Step 15: the privacy_budget public extension.
    const publicExtensions = [
      {
        extensionType: task.codepoints.privacyBudget,
        extensionData: privacyBudgetExtension(request.epsilon),
      },
    ];

    // Steps 16-19: seal one PlaintextInputShare to each aggregator and assemble the Report.
    try {
      const report = await sealReport({
        taskId: task.taskId,
        taskConfiguration: task.taskConfiguration,
        leaderHpkeConfig,
        helperHpkeConfig,
        reportId,
        time,
        publicExtensions,
        publicShare: vdaf.encodePublicShare(shares.publicShare),
        leaderInputShare: vdaf.encodeInputShare(shares.inputShares[0]!),
        helperInputShare: vdaf.encodeInputShare(shares.inputShares[1]!),
      });
      return encodeReport(report);
    } catch (error) {
      throw new ReportError(`seal: ${(error as Error).name}`);
    }
  }

  private hpkeConfigs(service: AggregationServiceConfig): [HpkeConfig, HpkeConfig] {
    let configs = this.hpke.get(service);
    if (configs === undefined) {
      configs = [
        provisionedHpkeConfig(service, 'leader'),
        provisionedHpkeConfig(service, 'helper'),
      ];
      this.hpke.set(service, configs);
    }
    return configs;
  }

  /** The task of a request, from a small cache: deriving it costs two SHA-256 and an encoding. */
  private async task(request: ReportRequest): Promise<AttributionTask> {
    const service = request.aggregationService;
    let cache = this.tasks.get(service);
    if (cache === undefined) this.tasks.set(service, (cache = new Map()));
    const key = [
      request.aggregationServiceUrl,
      request.histogram.length,
      request.maxValue,
      request.topLevelSite,
      request.intermediarySite ?? '',
    ].join('|');
    let task = cache.get(key);
    if (task === undefined) {
      task = await attributionTask({
        serviceUrl: request.aggregationServiceUrl,
        service,
        histogramSize: request.histogram.length,
        maxValue: request.maxValue,
        topLevelSite: request.topLevelSite,
        intermediarySite: request.intermediarySite,
      });
      if (cache.size >= TASK_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(key, task);
    }
    return task;
  }

  private vdaf(task: AttributionTask): Prio3L1BoundSum {
    const { length, maxValue, chunkLength } = task.vdaf;
    const key = `${length}|${maxValue}|${chunkLength}`;
    let vdaf = this.vdafs.get(key);
    if (vdaf === undefined) {
      try {
        vdaf = new Prio3L1BoundSum(2, length, maxValue, chunkLength, this.prio3);
      } catch (error) {
        throw new ReportError(`vdaf: ${(error as Error).message}`);
      }
      if (this.vdafs.size >= VDAF_CACHE_SIZE) {
        this.vdafs.delete(this.vdafs.keys().next().value!);
      }
      this.vdafs.set(key, vdaf);
    }
    return vdaf;
  }
}

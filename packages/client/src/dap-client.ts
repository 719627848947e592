// The generic DAP-18 client: shard any Prio3 measurement for a provisioned task, seal it for the
// Leader and Helper, and upload it, alone or in batches (draft-ietf-ppm-dap-18 §4.4). The
// aggregators' HPKE configurations are provisioned, or fetched when the caller asks.

import {
  REPORT_ID_LENGTH,
  ReportError as DapReportError,
  encodeReport,
  encodeTaskConfiguration,
  reportErrorName,
  sealReport,
  timeFromSeconds,
  vdafContext,
  type Extension,
  type HpkeConfig,
  type Report,
  type TaskConfiguration,
} from '@private-measurement/protocol';

import { checkHpkeConfig, fetchHpkeConfig } from './dap/hpke-config.js';
import {
  checkTarget,
  resolveRetryPolicy,
  uploadDecodedReports,
  type RetryPolicy,
} from './dap/upload.js';
import { ConfigError, ReportError, UploadError } from './errors.js';

/** The parts of a Prio3 instance the client uses (any variant of the protocol package). */
export interface ShardingVdaf<M> {
  readonly randSize: number;
  shard(
    ctx: Uint8Array,
    measurement: M,
    nonce: Uint8Array,
    rand: Uint8Array,
  ): { publicShare: unknown; inputShares: unknown[] };
  encodePublicShare(share: never): Uint8Array;
  encodeInputShare(share: never): Uint8Array;
}

/** A provisioned DAP task, as a client knows it. */
export interface DapClientTask {
  /** 32-byte task ID. */
  taskId: Uint8Array;
  /** The task configuration, exactly as the aggregators hold it (it enters the AAD). */
  taskConfiguration: TaskConfiguration;
  /** The Leader's HPKE configuration, decoded or encoded; or call fetchHpkeConfigs(). */
  leaderHpkeConfig?: HpkeConfig | Uint8Array;
  /** The Helper's HPKE configuration, decoded or encoded; or call fetchHpkeConfigs(). */
  helperHpkeConfig?: HpkeConfig | Uint8Array;
}

/** Options of DapClient. */
export interface DapClientOptions<M> {
  task: DapClientTask;
  /** The task's VDAF, e.g. `new Prio3Histogram(2, 8, 3)`. */
  vdaf: ShardingVdaf<M>;
  /** HTTP client; `globalThis.fetch` by default. */
  fetch?: typeof fetch;
  /** Wall clock, ms since 1970. */
  now?: () => number;
  /** Random bytes for report IDs and sharding; the platform CSPRNG by default. */
  randomBytes?: (length: number) => Uint8Array;
  /** Public report extensions added to every report. */
  publicExtensions?: Extension[];
  /** Private report extensions for the Leader, sealed inside its input share. */
  leaderPrivateExtensions?: Extension[];
  /** Private report extensions for the Helper, sealed inside its input share. */
  helperPrivateExtensions?: Extension[];
  /** Most reports per UploadRequest in sendMeasurements; default 100. */
  batchSize?: number;
  /** Retries of transient upload failures (network errors, 408, 429, 5xx). */
  retry?: RetryPolicy;
  /** Waits between retries (inject for tests); a timer by default. */
  sleep?: (ms: number) => Promise<void>;
}

/** One report the Leader rejected. */
export interface RejectedReport {
  /** Index of the measurement in the call's input. */
  index: number;
  reportId: Uint8Array;
  /** The DAP ReportError code (draft-ietf-ppm-dap-18 §4.1). */
  error: number;
  /** Its registry name, e.g. "report_replayed". */
  errorName: string;
}

/** Result of sendMeasurements. */
export interface SendResult {
  accepted: number;
  rejected: RejectedReport[];
}

/** Largest batch one UploadRequest may carry here. */
const MAX_BATCH_SIZE = 10_000;

function checkExtensions(value: unknown, name: string): Extension[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(`${name}: expected an array of extensions`);
  return value.map((e: Partial<Extension> | null, i) => {
    const t = e?.extensionType;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 0xffff) {
      // draft-ietf-ppm-dap-18 §4.4.3: type 0 is reserved.
      throw new ConfigError(`${name}[${i}].extensionType: expected an integer in [1, 65535]`);
    }
    if (!(e!.extensionData instanceof Uint8Array) || e!.extensionData.length > 0xffff) {
      throw new ConfigError(`${name}[${i}].extensionData: expected at most 65535 bytes`);
    }
    return { extensionType: t, extensionData: e!.extensionData.slice() };
  });
}

/** draft-ietf-ppm-dap-18 §4.4.2.2: a type may appear once among public and private ones. */
function checkDistinct(lists: Extension[][], name: string): void {
  const seen = new Set<number>();
  for (const e of lists.flat()) {
    if (seen.has(e.extensionType)) {
      throw new ConfigError(`${name}: extension type ${e.extensionType} appears twice`);
    }
    seen.add(e.extensionType);
  }
}

/**
 * Sends measurements of any Prio3 VDAF to one DAP-18 task: shard, seal for both aggregators,
 * upload to the Leader.
 *
 * @example
 * const dap = new DapClient({ task, vdaf: new Prio3Sum(2, 255n) });
 * await dap.sendMeasurement(42);
 */
export class DapClient<M> {
  private readonly task: DapClientTask;
  private readonly vdaf: ShardingVdaf<M>;
  private readonly fetchFn: typeof fetch | undefined;
  private readonly now: () => number;
  private readonly randomBytes: (length: number) => Uint8Array;
  private readonly publicExtensions: Extension[];
  private readonly leaderPrivateExtensions: Extension[];
  private readonly helperPrivateExtensions: Extension[];
  private readonly batchSize: number;
  private readonly retry: Required<RetryPolicy>;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  private leaderHpkeConfig: HpkeConfig | undefined;
  private helperHpkeConfig: HpkeConfig | undefined;
  /** Whether the HPKE configurations came from fetchHpkeConfigs (so they may be refreshed). */
  private fetched = false;

  /**
   * @param options - task, VDAF, HTTP client, clock, randomness, extensions, batching, retry
   * @throws {ConfigError} when an option is missing or malformed
   */
  constructor(options: DapClientOptions<M>) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError('options: expected an object');
    }
    const task = options.task;
    if (typeof task !== 'object' || task === null)
      throw new ConfigError('task: expected an object');
    let leaderUrl: unknown;
    try {
      encodeTaskConfiguration(task.taskConfiguration);
      leaderUrl = task.taskConfiguration.leaderAggregatorEndpoint;
    } catch {
      throw new ConfigError('task.taskConfiguration: expected an encodable TaskConfiguration');
    }
    checkTarget(leaderUrl, task.taskId);
    this.task = { taskId: task.taskId.slice(), taskConfiguration: task.taskConfiguration };
    if (task.leaderHpkeConfig !== undefined) {
      this.leaderHpkeConfig = checkHpkeConfig(task.leaderHpkeConfig, 'task.leaderHpkeConfig');
    }
    if (task.helperHpkeConfig !== undefined) {
      this.helperHpkeConfig = checkHpkeConfig(task.helperHpkeConfig, 'task.helperHpkeConfig');
    }

    const vdaf = options.vdaf;
    if (
      typeof vdaf?.shard !== 'function' ||
      typeof vdaf.encodePublicShare !== 'function' ||
      typeof vdaf.encodeInputShare !== 'function' ||
      !Number.isInteger(vdaf.randSize) ||
      vdaf.randSize < 0
    ) {
      throw new ConfigError('vdaf: expected a Prio3 instance');
    }
    this.vdaf = vdaf;

    for (const name of ['fetch', 'now', 'randomBytes', 'sleep'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        throw new ConfigError(`${name}: expected a function`);
      }
    }
    this.fetchFn = options.fetch;
    this.now = options.now ?? Date.now;
    this.randomBytes =
      options.randomBytes ?? ((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    this.sleep = options.sleep;

    this.publicExtensions = checkExtensions(options.publicExtensions, 'publicExtensions').sort(
      (a, b) => a.extensionType - b.extensionType,
    );
    this.leaderPrivateExtensions = checkExtensions(
      options.leaderPrivateExtensions,
      'leaderPrivateExtensions',
    );
    this.helperPrivateExtensions = checkExtensions(
      options.helperPrivateExtensions,
      'helperPrivateExtensions',
    );
    checkDistinct([this.publicExtensions, this.leaderPrivateExtensions], 'leader extensions');
    checkDistinct([this.publicExtensions, this.helperPrivateExtensions], 'helper extensions');

    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new ConfigError(`batchSize: expected an integer in [1, ${MAX_BATCH_SIZE}]`);
    }
    this.batchSize = batchSize;
    this.retry = resolveRetryPolicy(options.retry);
  }

  /**
   * Fetch both aggregators' HPKE configurations (draft-ietf-ppm-dap-18 §4.4.1), replacing any
   * provisioned ones. Nothing is fetched unless this is called. After it, a report rejected with
   * `outdated_config` makes the client fetch again and resend a fresh report once.
   *
   * @throws {UploadError} when an aggregator does not answer with a usable HpkeConfigList
   */
  async fetchHpkeConfigs(): Promise<void> {
    const config = this.task.taskConfiguration;
    const [leader, helper] = await Promise.all([
      fetchHpkeConfig(config.leaderAggregatorEndpoint, this.fetchFn),
      fetchHpkeConfig(config.helperAggregatorEndpoint, this.fetchFn),
    ]);
    this.leaderHpkeConfig = leader;
    this.helperHpkeConfig = helper;
    this.fetched = true;
  }

  /**
   * Build one encoded Report for a measurement (draft-ietf-ppm-dap-18 §4.4.2.1).
   *
   * @param measurement - the VDAF measurement
   * @returns the encoded Report
   * @throws {ConfigError} when the HPKE configurations are neither provisioned nor fetched, or
   *   the clock or random source misbehaves
   * @throws {ReportError} when the measurement is invalid for the VDAF or sealing fails
   */
  async prepareReport(measurement: M): Promise<Uint8Array> {
    return encodeReport(await this.buildReport(measurement));
  }

  /**
   * Shard, seal and upload one measurement.
   *
   * @param measurement - the VDAF measurement
   * @throws {ReportError} when the report cannot be built
   * @throws {UploadError} when the upload fails or the Leader rejects the report: `reportError`
   *   holds the DAP ReportError code, `problemType` the problem type of an aborted request
   */
  async sendMeasurement(measurement: M): Promise<void> {
    const { rejected } = await this.sendMeasurements([measurement]);
    if (rejected.length > 0) {
      const r = rejected[0]!;
      throw new UploadError(`upload: report rejected (${r.errorName})`, 200, undefined, r.error);
    }
  }

  /**
   * Shard, seal and upload many measurements, `batchSize` reports per UploadRequest.
   * Every report is built before the first upload, so an invalid measurement sends nothing.
   *
   * @param measurements - the VDAF measurements
   * @returns how many reports were accepted, and the rejected ones with their DAP error
   * @throws {ReportError} when a report cannot be built (nothing is sent then)
   * @throws {UploadError} when a batch cannot be uploaded (earlier batches stay uploaded)
   * @example
   * const { accepted, rejected } = await dap.sendMeasurements([1, 0, 3]);
   */
  async sendMeasurements(measurements: readonly M[]): Promise<SendResult> {
    if (!Array.isArray(measurements)) {
      throw new ReportError('measurements: expected an array');
    }
    const reports: Report[] = [];
    for (const m of measurements) reports.push(await this.buildReport(m));

    const result: SendResult = { accepted: 0, rejected: [] };
    for (let start = 0; start < reports.length; start += this.batchSize) {
      const batch = reports.slice(start, start + this.batchSize);
      let rejected = await this.upload(batch);

      // draft-ietf-ppm-dap-18 §4.4.2.2: on outdated_config, refresh the fetched configurations
      // and send fresh reports once.
      const outdated = rejected.filter((r) => r.error === DapReportError.outdated_config);
      if (outdated.length > 0 && this.fetched) {
        await this.fetchHpkeConfigs();
        const fresh: Report[] = [];
        for (const r of outdated) {
          const index = batch.findIndex((b) => sameBytes(b.reportMetadata.reportId, r.id));
          if (index < 0) continue;
          batch[index] = await this.buildReport(measurements[start + index]!);
          fresh.push(batch[index]!);
        }
        const again = await this.upload(fresh);
        rejected = rejected.filter((r) => r.error !== DapReportError.outdated_config).concat(again);
      }

      // draft-ietf-ppm-dap-18 §4.4.2.2: the Leader lists only reports of the request.
      if (rejected.some((r) => !batch.some((b) => sameBytes(b.reportMetadata.reportId, r.id)))) {
        throw new UploadError('upload: leader rejected a report that was not sent', 200);
      }
      for (let i = 0; i < batch.length; i++) {
        const id = batch[i]!.reportMetadata.reportId;
        const status = rejected.find((r) => sameBytes(r.id, id));
        if (status === undefined) {
          result.accepted += 1;
        } else {
          result.rejected.push({
            index: start + i,
            reportId: id,
            error: status.error,
            errorName: reportErrorName(status.error),
          });
        }
      }
    }
    return result;
  }

  private upload(reports: Report[]) {
    return uploadDecodedReports(
      this.task.taskConfiguration.leaderAggregatorEndpoint,
      this.task.taskId,
      reports,
      { fetch: this.fetchFn, retry: this.retry, sleep: this.sleep },
    );
  }

  private async buildReport(measurement: M): Promise<Report> {
    const { taskId, taskConfiguration } = this.task;
    const leaderHpkeConfig = this.leaderHpkeConfig;
    const helperHpkeConfig = this.helperHpkeConfig;
    if (leaderHpkeConfig === undefined || helperHpkeConfig === undefined) {
      throw new ConfigError('hpke configs: neither provisioned nor fetched (fetchHpkeConfigs)');
    }

    // draft-ietf-ppm-dap-18 §4.4.2: a fresh 16-byte report ID, the nonce of shard.
    const reportId = this.randomBytes(REPORT_ID_LENGTH);
    const rand = this.randomBytes(this.vdaf.randSize);
    if (
      !(reportId instanceof Uint8Array) ||
      reportId.length !== REPORT_ID_LENGTH ||
      !(rand instanceof Uint8Array) ||
      rand.length !== this.vdaf.randSize
    ) {
      throw new ConfigError('randomBytes: expected the number of bytes asked for');
    }

    // The report time in time_precision units, rounded down (draft-ietf-ppm-dap-18 §4.1).
    const nowMs = this.now();
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs) || nowMs < 0) {
      throw new ConfigError('now: expected milliseconds since 1970');
    }
    const time = timeFromSeconds(Math.floor(nowMs / 1000), taskConfiguration.timePrecision);

    // Shard with the context "dap-18" || task_id.
    let shares: { publicShare: unknown; inputShares: unknown[] };
    try {
      shares = this.vdaf.shard(vdafContext(taskId), measurement, reportId, rand);
    } catch (error) {
      throw new ReportError(`measurement: ${(error as Error)?.message ?? 'invalid'}`);
    }

    // Seal both input shares with their private extensions.
    try {
      return await sealReport({
        taskId,
        taskConfiguration,
        leaderHpkeConfig,
        helperHpkeConfig,
        reportId,
        time,
        publicExtensions: this.publicExtensions,
        publicShare: this.vdaf.encodePublicShare(shares.publicShare as never),
        leaderInputShare: this.vdaf.encodeInputShare(shares.inputShares[0] as never),
        helperInputShare: this.vdaf.encodeInputShare(shares.inputShares[1] as never),
        leaderPrivateExtensions: this.leaderPrivateExtensions,
        helperPrivateExtensions: this.helperPrivateExtensions,
      });
    } catch (error) {
      throw new ReportError(`seal: ${(error as Error)?.name ?? 'error'}`);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

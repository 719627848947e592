// The generic DAP-18 client path: shard any Prio3 measurement for a provisioned task, seal it
// for the Leader and Helper, and upload it (draft-ietf-ppm-dap-18 §4.4.2). Also the upload of
// conversion reports that AttributionClient produced.

import {
  MediaType,
  PROBLEM_MEDIA_TYPE,
  ResourcePath,
  decodeUploadErrors,
  encodeReport,
  encodeUploadRequest,
  decodeReport,
  reportErrorName,
  resourceUrl,
  sealReport,
  timeFromSeconds,
  vdafContext,
  type Extension,
  type HpkeConfig,
  type Report,
  type ReportUploadStatus,
  type TaskConfiguration,
} from '@private-measurement/protocol';

import { ReportError, UploadError } from './errors.js';

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
  leaderHpkeConfig: HpkeConfig;
  helperHpkeConfig: HpkeConfig;
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
}

/**
 * Upload encoded reports to a Leader (draft-ietf-ppm-dap-18 §4.4.2): one POST of an
 * UploadRequest to `{leader}/tasks/{task-id}/reports`.
 *
 * @param leaderUrl - the Leader's API URL, as configured
 * @param taskId - 32-byte task ID
 * @param reports - encoded Reports (as AttributionClient.measureConversion returns)
 * @param fetchFn - HTTP client
 * @returns the reports the Leader rejected, with their ReportError codes (empty when all passed)
 * @throws {UploadError} on a network failure or an error response
 * @throws {ReportError} when an item is not an encoded Report
 * @example
 * const rejected = await uploadReports(leaderUrl, task.taskId, [result.report]);
 */
export async function uploadReports(
  leaderUrl: string,
  taskId: Uint8Array,
  reports: readonly Uint8Array[],
  fetchFn: typeof fetch = globalThis.fetch,
): Promise<ReportUploadStatus[]> {
  let decoded: Report[];
  try {
    decoded = reports.map((r) => decodeReport(r));
  } catch {
    throw new ReportError('reports: expected encoded DAP reports');
  }
  const body = encodeUploadRequest(decoded);
  const url = resourceUrl(leaderUrl, ResourcePath.reports(taskId));

  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': MediaType.uploadReq },
      body: body as Uint8Array<ArrayBuffer>,
    });
  } catch (error) {
    throw new UploadError(`upload: request failed (${(error as Error)?.name ?? 'error'})`, 0);
  }

  const contentType = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    let problemType: string | undefined;
    if (contentType.startsWith(PROBLEM_MEDIA_TYPE)) {
      const doc = (await response.json().catch(() => undefined)) as { type?: unknown } | undefined;
      if (typeof doc?.type === 'string') problemType = doc.type;
    }
    throw new UploadError(
      `upload: leader answered ${response.status}`,
      response.status,
      problemType,
    );
  }

  // draft-ietf-ppm-dap-18 §4.4.2.2: an empty body when all were accepted, else UploadErrors.
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length === 0) return [];
  if (!contentType.startsWith(MediaType.uploadErrors)) {
    throw new UploadError('upload: unexpected response body', response.status);
  }
  try {
    return decodeUploadErrors(bytes);
  } catch {
    throw new UploadError('upload: upload-errors body does not decode', response.status);
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
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly randomBytes: (length: number) => Uint8Array;
  private readonly publicExtensions: Extension[];

  constructor(options: DapClientOptions<M>) {
    this.task = options.task;
    this.vdaf = options.vdaf;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.randomBytes =
      options.randomBytes ?? ((n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    this.publicExtensions = options.publicExtensions ?? [];
  }

  /**
   * Build one encoded Report for a measurement (draft-ietf-ppm-dap-18 §4.4.2.1).
   *
   * @param measurement - the VDAF measurement
   * @returns the encoded Report
   * @throws {ReportError} when the measurement is invalid for the VDAF or sealing fails
   */
  async prepareReport(measurement: M): Promise<Uint8Array> {
    const { taskId, taskConfiguration } = this.task;

    // Shard with the report ID as nonce and the context "dap-18" || task_id.
    const reportId = this.randomBytes(16);
    const rand = this.randomBytes(this.vdaf.randSize);
    let shares: { publicShare: unknown; inputShares: unknown[] };
    try {
      shares = this.vdaf.shard(vdafContext(taskId), measurement, reportId, rand);
    } catch (error) {
      throw new ReportError(`measurement: ${(error as Error).message}`);
    }

    // Seal both input shares and assemble the report.
    const time = timeFromSeconds(Math.floor(this.now() / 1000), taskConfiguration.timePrecision);
    try {
      const report = await sealReport({
        taskId,
        taskConfiguration,
        leaderHpkeConfig: this.task.leaderHpkeConfig,
        helperHpkeConfig: this.task.helperHpkeConfig,
        reportId,
        time,
        publicExtensions: this.publicExtensions,
        publicShare: this.vdaf.encodePublicShare(shares.publicShare as never),
        leaderInputShare: this.vdaf.encodeInputShare(shares.inputShares[0] as never),
        helperInputShare: this.vdaf.encodeInputShare(shares.inputShares[1] as never),
      });
      return encodeReport(report);
    } catch (error) {
      throw new ReportError(`seal: ${(error as Error).name}`);
    }
  }

  /**
   * Shard, seal and upload one measurement.
   *
   * @param measurement - the VDAF measurement
   * @throws {ReportError} when the report cannot be built
   * @throws {UploadError} when the Leader rejects it (the DAP report error is in the message)
   */
  async sendMeasurement(measurement: M): Promise<void> {
    const report = await this.prepareReport(measurement);
    const rejected = await uploadReports(
      this.task.taskConfiguration.leaderAggregatorEndpoint,
      this.task.taskId,
      [report],
      this.fetchFn,
    );
    if (rejected.length > 0) {
      throw new UploadError(
        `upload: report rejected (${reportErrorName(rejected[0]!.error)})`,
        200,
      );
    }
  }
}

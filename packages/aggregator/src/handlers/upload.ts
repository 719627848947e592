// The Leader's reports resource (draft-ietf-ppm-dap-18 §4.4.2): accepts an UploadRequest,
// stores each acceptable report once, and answers UploadErrors for the others; refuses the
// whole request with 503 and Retry-After while too many reports wait for aggregation.
import {
  PROBLEM_MEDIA_TYPE,
  decodeUploadRequestEncoded,
  encodeUploadErrors,
  MediaType,
  MediaTypeMessage,
  ReportError,
  reportErrorName,
  type Report,
  type ReportUploadStatus,
} from '@private-measurement/protocol';
import { timeBucketKey } from '../core/buckets.js';
import type { AggregatorContext } from '../core/context.js';
import { uploadTimeError } from '../core/reports.js';
import type { Task } from '../core/task.js';
import type { Transaction } from '../store/types.js';
import { readBody, requireMediaType } from '../http/body.js';
import { dapResponse, requireTask, type Routed } from './common.js';

/** The last count of pending reports per aggregator, when it was read, and a read under way. */
const pendingCounts = new WeakMap<
  AggregatorContext,
  { count: number; at: number; reading?: Promise<number> }
>();

/**
 * Whether uploads are refused for now: at least `backpressure.maxPendingReports` reports wait
 * for aggregation, by a count at most `backpressure.checkIntervalMs` old. Concurrent uploads
 * that find the count stale share one read.
 * Limitation: the count covers every task of the store, so one task's backlog refuses the
 * uploads of all of them.
 *
 * @param ctx - the aggregator.
 * @returns true to refuse.
 * @throws {StoreError} when the count cannot be read.
 */
export async function uploadsBackedUp(ctx: AggregatorContext): Promise<boolean> {
  const { maxPendingReports, checkIntervalMs } = ctx.settings.backpressure;
  if (maxPendingReports === null) return false;
  let entry = pendingCounts.get(ctx);
  if (entry === undefined) {
    entry = { count: 0, at: Number.NEGATIVE_INFINITY };
    pendingCounts.set(ctx, entry);
  }
  if (ctx.now() - entry.at < checkIntervalMs) return entry.count >= maxPendingReports;
  const shared = entry;
  shared.reading ??= ctx.ds
    .transaction('count-pending', (tx) => tx.countUnaggregatedReports())
    .then((count) => {
      shared.count = count;
      shared.at = ctx.now();
      return count;
    })
    .finally(() => {
      shared.reading = undefined;
    });
  return (await shared.reading) >= maxPendingReports;
}

/**
 * 503 with Retry-After and a problem document: the sender keeps its request and sends it later.
 *
 * @param ctx - the aggregator (for the Retry-After setting).
 * @param what - what is refused, e.g. `reports: aggregation is behind`.
 * @returns the response.
 */
export function backedUp(ctx: AggregatorContext, what: string): Response {
  const retryAfter = ctx.settings.backpressure.retryAfterSeconds;
  const body = {
    type: 'about:blank',
    title: 'Service Unavailable',
    status: 503,
    detail: `${what}, retry after ${retryAfter} s`,
  };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: { 'content-type': PROBLEM_MEDIA_TYPE, 'retry-after': String(retryAfter) },
  });
}

/**
 * POST `{leader}/tasks/{task-id}/reports`.
 *
 * @returns 200 with an empty body, or with `UploadErrors` listing rejected reports in order;
 *   503 with Retry-After, storing nothing, while aggregation is behind (`uploadsBackedUp`).
 * @throws {DapAbort} `unrecognizedTask`, or `invalidMessage` for a malformed request.
 */
export async function handleUpload(ctx: AggregatorContext, r: Routed): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'leader');
  requireMediaType(r.request.headers, MediaTypeMessage.uploadReq);
  if (await uploadsBackedUp(ctx)) {
    ctx.metrics.backpressure.inc({ route: 'reports' });
    ctx.log.warn({ task: task.idText }, 'upload refused, aggregation is behind');
    // The body is read and discarded, never decoded or stored, so that the answer goes out on a
    // connection whose request is complete and the client reads the 503 rather than a reset.
    await readBody(r.request, ctx.settings.maxBodyBytes).catch(() => undefined);
    return backedUp(ctx, 'reports: aggregation is behind');
  }
  const body = await readBody(r.request, ctx.settings.maxBodyBytes);
  // draft-ietf-ppm-dap-18 §4.4.2.2: a malformed upload aborts with invalidMessage (DecodeError).
  // Each report is stored as it arrived (its encoding is canonical), not encoded again.
  const reports = decodeUploadRequestEncoded(body);
  const now = ctx.now();
  const keyIds = new Set(
    (await ctx.hpkeKeysFor(reports.map((r) => r.report.leaderEncryptedInputShare.configId))).map(
      (k) => k.config.id,
    ),
  );

  const statuses = await storeUpload(ctx, { task, reports, now, keyIds });

  ctx.metrics.reportsUploaded.inc({ result: 'accepted' }, reports.length - statuses.length);
  for (const s of statuses) ctx.metrics.reportsUploaded.inc({ result: reportErrorName(s.error) });
  ctx.log.debug(
    { task: task.idText, reports: reports.length, rejected: statuses.length },
    'upload handled',
  );
  if (statuses.length === 0) return new Response(null, { status: 200 });
  return dapResponse(encodeUploadErrors(statuses), MediaType.uploadErrors);
}

/** One upload request's reports, waiting for the next store transaction. */
interface PendingUpload {
  task: Task;
  /** The request's reports, each with its bytes as uploaded. */
  reports: { report: Report; encoded: Uint8Array }[];
  now: number;
  /** The config IDs of the Leader's usable HPKE keys. */
  keyIds: ReadonlySet<number>;
}

interface QueuedUpload extends PendingUpload {
  resolve: (statuses: ReportUploadStatus[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Most reports stored in one group transaction; more wait for the next one, so that no
 * transaction holds the store for long.
 */
const MAX_GROUP_REPORTS = 2000;

/** Upload requests waiting to be stored, per aggregator, and whether a group is being stored. */
const uploadQueues = new WeakMap<AggregatorContext, { queue: QueuedUpload[]; draining: boolean }>();

/**
 * Stores the reports of one upload request, together with those of the other requests that
 * arrived meanwhile: one transaction per group, not per request (group commit). Otherwise every
 * single-report request pays a BEGIN and a COMMIT of its own (about 0.1 ms on SQLite here, a
 * round trip each on PostgreSQL).
 * Every request of a group shares its transaction's fate: when it fails, each of them fails
 * with the same error and none of their reports is stored.
 *
 * @returns per request, the statuses of its rejected reports, in order.
 */
function storeUpload(ctx: AggregatorContext, upload: PendingUpload): Promise<ReportUploadStatus[]> {
  let q = uploadQueues.get(ctx);
  if (q === undefined) {
    q = { queue: [], draining: false };
    uploadQueues.set(ctx, q);
  }
  const queue = q;
  return new Promise((resolve, reject) => {
    queue.queue.push({ ...upload, resolve, reject });
    if (!queue.draining) {
      queue.draining = true;
      // One turn of the event loop first: requests whose bodies arrive in the same turn join
      // this group.
      setImmediate(() => void drainUploads(ctx, queue));
    }
  });
}

async function drainUploads(
  ctx: AggregatorContext,
  q: { queue: QueuedUpload[]; draining: boolean },
): Promise<void> {
  try {
    while (q.queue.length > 0) {
      let n = 0;
      let reports = 0;
      while (
        n < q.queue.length &&
        (n === 0 || reports + q.queue[n].reports.length <= MAX_GROUP_REPORTS)
      ) {
        reports += q.queue[n].reports.length;
        n++;
      }
      const group = q.queue.splice(0, n);
      try {
        const results = await ctx.ds.transaction('upload', async (tx) => {
          const out: ReportUploadStatus[][] = [];
          for (const u of group) out.push(await storeReports(ctx, tx, u));
          return out;
        });
        group.forEach((u, i) => u.resolve(results[i]));
      } catch (e) {
        for (const u of group) u.reject(e);
      }
    }
  } finally {
    q.draining = false;
  }
}

/** Checks and stores one request's reports in the group's transaction. */
async function storeReports(
  ctx: AggregatorContext,
  tx: Transaction,
  { task, reports, now, keyIds }: PendingUpload,
): Promise<ReportUploadStatus[]> {
  const errors: (number | undefined)[] = [];
  const collected = new Map<number, boolean>();
  for (const { report } of reports) {
    const meta = report.reportMetadata;
    const time = Number(meta.time);
    let error = uploadTimeError(task, time, now, ctx.settings.clockSkewSeconds);

    // draft-ietf-ppm-dap-18 §4.4.2.2: an unknown config_id is outdated_config.
    if (error === undefined && !keyIds.has(report.leaderEncryptedInputShare.configId)) {
      error = ReportError.outdated_config;
    }

    // draft-ietf-ppm-dap-18 §4.4.2.2: reports of a collected batch are discarded.
    if (error === undefined && task.batchMode === 'time_interval') {
      let isCollected = collected.get(time);
      if (isCollected === undefined) {
        const [status] = await tx.lockBucketsForCommit(task.id, [timeBucketKey(time)]);
        isCollected = status.collectedBy !== null;
        collected.set(time, isCollected);
      }
      if (isCollected) error = ReportError.batch_collected;
    }

    errors.push(error);
  }
  // draft-ietf-ppm-dap-18 §4.4.2.2: a known report ID is discarded as report_replayed (also the
  // second of two reports with one ID in this request).
  const candidates = reports.flatMap(({ report, encoded }, i) =>
    errors[i] === undefined ? [{ report, encoded, i }] : [],
  );
  const stored = await tx.putClientReports(
    candidates.map(({ report, encoded }) => ({
      taskId: task.id,
      reportId: report.reportMetadata.reportId,
      time: Number(report.reportMetadata.time),
      encoded,
    })),
  );
  candidates.forEach(({ i }, k) => {
    if (!stored[k]) errors[i] = ReportError.report_replayed;
  });
  return reports.flatMap(({ report }, i) => {
    const error = errors[i];
    return error === undefined ? [] : [{ id: report.reportMetadata.reportId, error }];
  });
}

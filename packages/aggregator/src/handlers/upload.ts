// The Leader's reports resource (draft-ietf-ppm-dap-18 §4.4.2): accepts an UploadRequest,
// stores each acceptable report once, and answers UploadErrors for the others.
import {
  decodeUploadRequest,
  encodeReport,
  encodeUploadErrors,
  MediaType,
  MediaTypeMessage,
  ReportError,
  reportErrorName,
  type ReportUploadStatus,
} from '@private-measurement/protocol';
import { timeBucketKey } from '../core/buckets.js';
import type { AggregatorContext } from '../core/context.js';
import { uploadTimeError } from '../core/reports.js';
import { readBody, requireMediaType } from '../http/body.js';
import { dapResponse, requireTask, type Routed } from './common.js';

/**
 * POST `{leader}/tasks/{task-id}/reports`.
 *
 * @returns 200 with an empty body, or with `UploadErrors` listing rejected reports in order.
 * @throws {DapAbort} `unrecognizedTask`, or `invalidMessage` for a malformed request.
 */
export async function handleUpload(ctx: AggregatorContext, r: Routed): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'leader');
  requireMediaType(r.request.headers, MediaTypeMessage.uploadReq);
  const body = await readBody(r.request, ctx.settings.maxBodyBytes);
  // draft-ietf-ppm-dap-18 §4.4.2.2: a malformed upload aborts with invalidMessage (DecodeError).
  const reports = decodeUploadRequest(body);
  const now = ctx.now();
  const keyIds = new Set((await ctx.hpkeKeys()).map((k) => k.config.id));

  const statuses = await ctx.ds.transaction('upload', async (tx) => {
    const out: ReportUploadStatus[] = [];
    const collected = new Map<number, boolean>();
    for (const report of reports) {
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

      // draft-ietf-ppm-dap-18 §4.4.2.2: a known report ID is discarded as report_replayed.
      if (error === undefined) {
        const stored = await tx.putClientReport({
          taskId: task.id,
          reportId: meta.reportId,
          time,
          encoded: encodeReport(report),
        });
        if (!stored) error = ReportError.report_replayed;
      }
      if (error !== undefined) out.push({ id: meta.reportId, error });
    }
    return out;
  });

  ctx.metrics.reportsUploaded.inc({ result: 'accepted' }, reports.length - statuses.length);
  for (const s of statuses) ctx.metrics.reportsUploaded.inc({ result: reportErrorName(s.error) });
  ctx.log.debug(
    { task: task.idText, reports: reports.length, rejected: statuses.length },
    'upload handled',
  );
  if (statuses.length === 0) return new Response(null, { status: 200 });
  return dapResponse(encodeUploadErrors(statuses), MediaType.uploadErrors);
}

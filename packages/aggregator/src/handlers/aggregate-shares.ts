// The Helper's aggregate shares (draft-ietf-ppm-dap-18 §4.6.4): checks the Leader's
// AggregateShareReq against its own buckets, marks the batch collected, and answers its noised
// aggregate share sealed to the Collector. Identical requests get the stored answer.
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  decodeAggregateShareReq,
  decodeCollectionJobReq,
  encodeAggregateShare,
  MediaType,
  MediaTypeMessage,
  ResourcePath,
  Role,
} from '@private-measurement/protocol';
import {
  intervalBuckets,
  mergeRows,
  noisedSealedShare,
  validateCollectionReq,
} from '../core/collect.js';
import type { AggregatorContext } from '../core/context.js';
import { NOISE_HEADER, noiseLabel } from '../core/noise.js';
import type { Task } from '../core/task.js';
import { readBody, requireMediaType } from '../http/body.js';
import { DapAbort, HttpFailure } from '../http/problem.js';
import type { AggregateShareJobRecord } from '../store/types.js';
import { dapResponse, locationOf, requireTask, type Routed } from './common.js';

function shareIdOf(taskId: Uint8Array, body: Uint8Array): Uint8Array {
  const h = createHash('sha256').update('pm aggregate share').update(taskId).update(body).digest();
  return new Uint8Array(h.subarray(0, 16));
}

function shareResponse(ctx: AggregatorContext, task: Task, job: AggregateShareJobRecord): Response {
  return dapResponse(job.response, MediaType.aggregateShare, {
    location: locationOf(ctx, ResourcePath.aggregateShares(task.id, job.jobId)),
    [NOISE_HEADER]: noiseLabel(task.spec.dp, ctx.settings.unsafeDisableNoiseForTesting),
  });
}

/**
 * POST `{helper}/tasks/{task-id}/aggregate_shares`.
 *
 * @returns 200 with Location and the `AggregateShare`.
 * @throws {DapAbort} for the aborts of draft-ietf-ppm-dap-18 §4.6.4.
 */
export async function handleAggregateShareCreate(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'helper');
  requireMediaType(r.request.headers, MediaTypeMessage.aggregateShareReq);
  const body = await readBody(r.request, ctx.settings.maxBodyBytes);
  const shareId = shareIdOf(task.id, body);

  // draft-ietf-ppm-dap-18 §4.6.4: an identical request returns the existing aggregate share.
  const existing = await ctx.ds.transaction('get-share', (tx) =>
    tx.getAggregateShareJob(task.id, shareId),
  );
  if (existing !== null) return shareResponse(ctx, task, existing);

  const req = decodeAggregateShareReq(body);
  const collectionReq = decodeCollectionJobReq(req.collectionJobReq);
  validateCollectionReq(task, collectionReq);
  if (req.batchSelector.batchMode !== task.batchModeCode) {
    throw new DapAbort(
      'invalidMessage',
      'batch_selector: batch mode differs from the task',
      task.id,
    );
  }

  // draft-ietf-ppm-dap-18 §5.1.2, §5.2.3: the selector must be consistent with the query.
  let buckets: Uint8Array[];
  if (req.batchSelector.batchMode === 1 && collectionReq.query.batchMode === 1) {
    const sel = req.batchSelector.batchInterval;
    const q = collectionReq.query.batchInterval;
    if (sel.start < q.start || sel.start + sel.duration > q.start + q.duration) {
      throw new DapAbort('invalidMessage', 'batch_selector: interval outside the query', task.id);
    }
    buckets = intervalBuckets(task, sel);
  } else if (req.batchSelector.batchMode === 2) {
    buckets = [req.batchSelector.batchId];
  } else {
    throw new DapAbort('invalidMessage', 'batch_selector: unsupported batch mode', task.id);
  }

  const now = ctx.now();
  const job = await ctx.ds.transaction('helper-collect', async (tx) => {
    const again = await tx.getAggregateShareJob(task.id, shareId);
    if (again !== null) return again;

    // draft-ietf-ppm-dap-18 §4.6.4: buckets collected by another request are batchOverlap.
    const statuses = await tx.lockBucketsForCollect(task.id, buckets);
    if (statuses.some((s) => s.collectedBy !== null)) {
      throw new DapAbort('batchOverlap', 'batch_selector: a bucket was already collected', task.id);
    }
    const merged = mergeRows(task, await tx.readBatchAggregations(task.id, buckets));

    // draft-ietf-ppm-dap-18 §4.6.4: too few reports is invalidBatchSize; a differing count or
    // checksum is batchMismatch.
    if (merged.count < task.minBatchSize) {
      throw new DapAbort(
        'invalidBatchSize',
        `report count below min_batch_size ${task.minBatchSize}`,
        task.id,
      );
    }
    if (
      BigInt(merged.count) !== req.reportCount ||
      !timingSafeEqual(merged.checksum, req.checksum)
    ) {
      throw new DapAbort(
        'batchMismatch',
        'report count or checksum differs from the leader',
        task.id,
      );
    }

    const sealed = await noisedSealedShare(
      ctx,
      task,
      merged.aggShare,
      req.collectionJobReq,
      Role.helper,
    );
    await tx.markBucketsCollected(task.id, buckets, shareId);
    const record: AggregateShareJobRecord = {
      taskId: task.id,
      jobId: shareId,
      requestHash: new Uint8Array(createHash('sha256').update(body).digest()),
      buckets,
      reportCount: merged.count,
      checksum: merged.checksum,
      response: encodeAggregateShare(sealed),
      createdAt: now,
    };
    await tx.putAggregateShareJob(record);
    return record;
  });
  ctx.log.info(
    {
      task: task.idText,
      share: Buffer.from(shareId).toString('base64url'),
      reports: job.reportCount,
    },
    'aggregate share released',
  );
  ctx.metrics.batchReports.observe({ role: 'helper' }, job.reportCount);
  return shareResponse(ctx, task, job);
}

async function requireShare(
  ctx: AggregatorContext,
  task: Task,
  id: Uint8Array | undefined,
): Promise<AggregateShareJobRecord> {
  const job =
    id === undefined
      ? null
      : await ctx.ds.transaction('get-share', (tx) => tx.getAggregateShareJob(task.id, id));
  if (job === null) throw new HttpFailure(404, 'aggregate share: unknown ID');
  return job;
}

/**
 * GET `{helper}/tasks/{task-id}/aggregate_shares/{id}`.
 *
 * @returns the stored `AggregateShare`.
 */
export async function handleAggregateShareGet(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'helper');
  return shareResponse(ctx, task, await requireShare(ctx, task, r.resourceId));
}

/**
 * DELETE `{helper}/tasks/{task-id}/aggregate_shares/{id}`: drops the stored share; the
 * collected marks stay (draft-ietf-ppm-dap-18 §4.6.5).
 *
 * @returns 200.
 */
export async function handleAggregateShareDelete(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'helper');
  const job = await requireShare(ctx, task, r.resourceId);
  await ctx.ds.transaction('delete-share', (tx) => tx.deleteAggregateShareJob(task.id, job.jobId));
  return new Response(null, { status: 200 });
}

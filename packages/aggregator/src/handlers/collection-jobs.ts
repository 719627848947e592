// The Leader's collection jobs (draft-ietf-ppm-dap-18 §4.6.1): creation (idempotent for
// identical bodies, handled asynchronously by the collection driver), polling and deletion.
import { createHash } from 'node:crypto';
import {
  decodeCollectionJobReq,
  MediaType,
  MediaTypeMessage,
  problemDocument,
  problemTypeOf,
  PROBLEM_MEDIA_TYPE,
  ResourcePath,
  type ProblemType,
} from '@private-measurement/protocol';
import { intervalBuckets, validateCollectionReq } from '../core/collect.js';
import type { AggregatorContext } from '../core/context.js';
import { NOISE_HEADER } from '../core/noise.js';
import type { Task } from '../core/task.js';
import { readBody, requireMediaType } from '../http/body.js';
import { DapAbort, HttpFailure } from '../http/problem.js';
import type { CollectionJobRecord } from '../store/types.js';
import { dapResponse, locationOf, requireTask, type Routed } from './common.js';

/** Seconds the Collector is asked to wait between polls. */
const RETRY_AFTER_SECONDS = '1';

function collectionJobIdOf(taskId: Uint8Array, body: Uint8Array): Uint8Array {
  const h = createHash('sha256').update('pm collection job').update(taskId).update(body).digest();
  return new Uint8Array(h.subarray(0, 16));
}

function jobState(ctx: AggregatorContext, task: Task, job: CollectionJobRecord): Response {
  const location = locationOf(ctx, ResourcePath.collectionJobs(task.id, job.jobId));
  if (job.state === 'finished' && job.response !== null) {
    return dapResponse(job.response, MediaType.collectionJobResp, {
      location,
      [NOISE_HEADER]: job.noise ?? '',
    });
  }
  if (job.state === 'failed') {
    // draft-ietf-ppm-dap-18 §3.1: a failed job answers with the error that made it fail.
    const type: ProblemType =
      problemTypeOf(`urn:ietf:params:ppm:dap:error:${job.error}`) ?? 'invalidMessage';
    const doc = problemDocument(type, { detail: 'collection job failed', taskId: task.id });
    return new Response(JSON.stringify(doc), {
      status: doc.status,
      headers: { 'content-type': PROBLEM_MEDIA_TYPE, location },
    });
  }
  return new Response(null, {
    status: 200,
    headers: { location, 'retry-after': RETRY_AFTER_SECONDS },
  });
}

/**
 * POST `{leader}/tasks/{task-id}/collection_jobs`.
 *
 * @returns 201 (new) or 200 (existing) with Location; the body once the job is finished.
 * @throws {DapAbort} for the checks of draft-ietf-ppm-dap-18 §4.6.1 done at creation.
 */
export async function handleCollectionJobCreate(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'leader');
  requireMediaType(r.request.headers, MediaTypeMessage.collectionJobReq);
  const body = await readBody(r.request, ctx.settings.maxBodyBytes);
  const jobId = collectionJobIdOf(task.id, body);

  const existing = await ctx.ds.transaction('get-collection', (tx) =>
    tx.getCollectionJob(task.id, jobId),
  );
  if (existing !== null && existing.state !== 'deleted') return jobState(ctx, task, existing);

  const req = decodeCollectionJobReq(body);
  validateCollectionReq(task, req);
  let buckets: Uint8Array[] | null = null;
  let intervalStart = 0;
  let intervalDuration = 0;
  if (req.query.batchMode === 1) {
    buckets = intervalBuckets(task, req.query.batchInterval);
    intervalStart = Number(req.query.batchInterval.start);
    intervalDuration = Number(req.query.batchInterval.duration);
  }

  const created = await ctx.ds.transaction('create-collection', async (tx) => {
    if (buckets !== null) {
      // draft-ietf-ppm-dap-18 §4.6.1: a query touching a collected bucket is batchOverlap.
      const statuses = await tx.lockBucketsForCommit(task.id, buckets);
      if (statuses.some((s) => s.collectedBy !== null)) {
        throw new DapAbort('batchOverlap', 'query: a bucket was already collected', task.id);
      }
    }
    const job: CollectionJobRecord = {
      taskId: task.id,
      jobId,
      request: body,
      state: 'start',
      buckets: null,
      error: null,
      reportCount: 0,
      intervalStart,
      intervalDuration,
      response: null,
      noise: null,
      createdAt: ctx.now(),
    };
    if (existing !== null) {
      await tx.updateCollectionJob(job);
      return job;
    }
    return (await tx.putCollectionJob(job)) ? job : await tx.getCollectionJob(task.id, jobId);
  });
  if (created === null) throw new HttpFailure(500, 'collection job vanished');
  ctx.log.info(
    { task: task.idText, collectionJob: Buffer.from(jobId).toString('base64url') },
    'collection job created',
  );
  const response = jobState(ctx, task, created);
  return new Response(response.body, { status: 201, headers: response.headers });
}

async function requireCollectionJob(
  ctx: AggregatorContext,
  task: Task,
  id: Uint8Array | undefined,
): Promise<CollectionJobRecord> {
  const job =
    id === undefined
      ? null
      : await ctx.ds.transaction('get-collection', (tx) => tx.getCollectionJob(task.id, id));
  if (job === null || job.state === 'deleted')
    throw new HttpFailure(404, 'collection job: unknown ID');
  return job;
}

/**
 * GET `{leader}/tasks/{task-id}/collection_jobs/{id}`.
 *
 * @returns the `CollectionJobResp` once ready, an empty 200 with Retry-After before, or the
 *   problem that failed the job.
 */
export async function handleCollectionJobGet(ctx: AggregatorContext, r: Routed): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'leader');
  return jobState(ctx, task, await requireCollectionJob(ctx, task, r.resourceId));
}

/**
 * DELETE `{leader}/tasks/{task-id}/collection_jobs/{id}`: abandons the job; collected marks stay
 * (draft-ietf-ppm-dap-18 §4.6.3).
 *
 * @returns 200.
 */
export async function handleCollectionJobDelete(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'leader');
  const job = await requireCollectionJob(ctx, task, r.resourceId);
  await ctx.ds.transaction('delete-collection', (tx) =>
    tx.updateCollectionJob({ ...job, state: 'deleted' }),
  );
  return new Response(null, { status: 200 });
}

// The Helper's aggregation jobs (draft-ietf-ppm-dap-18 §4.5): creation by AggregationJobInitReq
// (idempotent for identical bodies; answered synchronously, or asynchronously when the work
// outlasts `aggregationSyncMs`), polling, continuation and deletion.
import { createHash } from 'node:crypto';
import {
  AggregationJobExtensionType,
  decodeAggregationJobContinueReq,
  decodeAggregationJobInitReq,
  encodeAggregationJobResp,
  extensionsStrictlyIncreasing,
  leaderSelectedBatchId,
  MediaType,
  MediaTypeMessage,
  pingPongHelperInit,
  ReportError,
  reportErrorName,
  ResourcePath,
  type AggregationJobInitReq,
  type VerifyResp,
} from '@private-measurement/protocol';
import { commitOutputShares, timeBucketKey, type OutputShare } from '../core/buckets.js';
import type { AggregatorContext } from '../core/context.js';
import { INPUT_SHARE_CONCURRENCY, mapBounded } from '../core/map-bounded.js';
import { openCheckedInputShare } from '../core/reports.js';
import type { Task } from '../core/task.js';
import { readBody, requireMediaType } from '../http/body.js';
import { DapAbort } from '../http/problem.js';
import type { AggregationJobRecord, ReportAggregationRecord } from '../store/types.js';
import { dapResponse, locationOf, requireTask, type Routed } from './common.js';
import { backedUp } from './upload.js';

/**
 * The ID of the job an init request creates: derived from the task and the exact body, so an
 * identical retry names the same job (draft-ietf-ppm-dap-18 §3.2).
 */
function jobIdOf(taskId: Uint8Array, body: Uint8Array): Uint8Array {
  const h = createHash('sha256').update('pm aggregation job').update(taskId).update(body).digest();
  return new Uint8Array(h.subarray(0, 16));
}

function sha256(body: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(body).digest());
}

function jobResponse(ctx: AggregatorContext, task: Task, job: AggregationJobRecord): Response {
  const location = locationOf(ctx, ResourcePath.aggregationJobs(task.id, job.jobId));
  return dapResponse(job.response ?? new Uint8Array(0), MediaType.aggregationJobResp, { location });
}

/** What the Helper computed for one VerifyInit before the commit transaction. */
type Prepared =
  { kind: 'reject'; error: number } | { kind: 'finish'; outbound: Uint8Array; share: OutputShare };

/**
 * POST `{helper}/tasks/{task-id}/aggregation_jobs`: initializes and (one-round VDAF) completes
 * an aggregation job, committing every verified output share in one transaction.
 *
 * @returns 200 with Location and the `AggregationJobResp`; or, when the work takes longer than
 *   `aggregationSyncMs`, an empty 200 with Location `...?step=0` and Retry-After while it goes on.
 * @throws {DapAbort} for the aborts of draft-ietf-ppm-dap-18 §4.5.3.2.
 */
export async function handleAggregationJobInit(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'helper');
  requireMediaType(r.request.headers, MediaTypeMessage.aggregationJobInitReq);
  const body = await readBody(r.request, ctx.settings.maxBodyBytes);
  const jobId = jobIdOf(task.id, body);

  // draft-ietf-ppm-dap-18 §4.5.3.2: an identical POST returns the existing job.
  const existing = await ctx.ds.transaction('get-agg-job', (tx) =>
    tx.getAggregationJob(task.id, jobId),
  );
  if (existing !== null) {
    if (existing.state === 'deleted')
      throw new DapAbort('unrecognizedAggregationJob', 'job was deleted', task.id);
    return jobResponse(ctx, task, existing);
  }
  const running = inFlightOf(ctx).get(jobKey(task, jobId));
  if (running !== undefined) return answerWhenReady(ctx, task, jobId, running);

  // Back-pressure: the work of every job being initialized is held in memory until it commits,
  // so a new job beyond the bound is refused with 503 and Retry-After (draft-ietf-ppm-dap-18
  // §3.1 lets a server ask for a retry); the Leader retries it with backoff.
  if (inFlightOf(ctx).size >= ctx.settings.backpressure.maxHelperJobsInFlight) {
    ctx.metrics.backpressure.inc({ route: 'aggregation_jobs' });
    ctx.log.warn({ task: task.idText }, 'aggregation job refused, too many in flight');
    return backedUp(ctx, 'aggregation jobs: too many being initialized');
  }

  const req = decodeAggregationJobInitReq(body);

  // draft-ietf-ppm-dap-18 §4.5.1: extensions strictly increasing, every type recognised.
  if (!extensionsStrictlyIncreasing(req.extensions)) {
    throw new DapAbort('invalidMessage', 'extensions: expected strictly increasing types', task.id);
  }
  const unknown = req.extensions.filter(
    (e) => e.extensionType !== AggregationJobExtensionType.leader_selected_batch_id,
  );
  if (unknown.length > 0) {
    throw new DapAbort('unsupportedExtension', 'extensions: unsupported extension type', task.id);
  }
  let batchId: Uint8Array | null = null;
  if (task.batchMode === 'leader_selected') {
    // draft-ietf-ppm-dap-18 §5.2.2: the batch ID extension is required and must decode.
    batchId = leaderSelectedBatchId(req.extensions) ?? null;
    if (batchId === null)
      throw new DapAbort('invalidMessage', 'extensions: batch ID expected', task.id);
  } else if (req.extensions.length > 0) {
    // Spec: the batch ID extension has no meaning in a time-interval task; we treat it as invalid.
    throw new DapAbort('invalidMessage', 'extensions: batch ID in a time-interval task', task.id);
  }

  // draft-ietf-ppm-dap-18 §4.3: Prio3's only valid aggregation parameter is the empty string.
  if (req.aggParam.length !== 0) {
    throw new DapAbort(
      'invalidAggregationParameter',
      'agg_param: expected empty for Prio3',
      task.id,
    );
  }
  if (req.verificationKeyId !== 0) {
    // Spec: one verification key per task; we accept only key ID 0.
    throw new DapAbort('invalidMessage', 'verification_key_id: expected 0', task.id);
  }
  const ids = new Set(
    req.verifyInits.map((v) => Buffer.from(v.reportShare.reportMetadata.reportId).toString('hex')),
  );
  if (ids.size !== req.verifyInits.length) {
    throw new DapAbort('invalidMessage', 'verify_inits: report IDs are not distinct', task.id);
  }

  // draft-ietf-ppm-dap-18 §3.1, §4.5.3.2: work that outlasts the sync budget goes on in the
  // background while the Leader polls the job.
  const work = startJob(ctx, task, jobId, () =>
    initializeJob(ctx, task, req, body, jobId, batchId),
  );
  return answerWhenReady(ctx, task, jobId, work);
}

/**
 * Decrypts, validates and verifies every report of an init request, then commits the job with
 * its output shares in one transaction.
 *
 * @returns the stored job (the one a concurrent identical request stored, if it won).
 */
async function initializeJob(
  ctx: AggregatorContext,
  task: Task,
  req: AggregationJobInitReq,
  body: Uint8Array,
  jobId: Uint8Array,
  batchId: Uint8Array | null,
): Promise<AggregationJobRecord> {
  // Decrypt, validate and verify outside the transaction, in the report lane (one job at a time,
  // see serial-lane.ts).
  const now = ctx.now();
  const keys = await ctx.hpkeRecipientKeys(
    new Set(req.verifyInits.map((vi) => vi.reportShare.encryptedInputShare.configId)),
  );
  const prepared = await ctx.reportLane.run(() =>
    mapBounded(req.verifyInits, INPUT_SHARE_CONCURRENCY, async (vi): Promise<Prepared> => {
      const meta = vi.reportShare.reportMetadata;
      const time = Number(meta.time);
      // draft-ietf-ppm-dap-18 §4.5.3.3: undecryptable shares are hpke_decrypt_error.
      const opened = await openCheckedInputShare(
        task,
        {
          keys,
          reportMetadata: meta,
          publicShare: vi.reportShare.publicShare,
          encryptedInputShare: vi.reportShare.encryptedInputShare,
        },
        now,
        ctx.settings.clockSkewSeconds,
      );
      if ('error' in opened) return { kind: 'reject', error: opened.error };
      const state = pingPongHelperInit(
        task.vdaf,
        task.verifyKey,
        task.ctx,
        meta.reportId,
        vi.reportShare.publicShare,
        opened.payload,
        vi.payload,
      );
      // draft-ietf-ppm-dap-18 §4.5.3.2: Rejected is vdaf_verify_error; a one-round VDAF finishes
      // here.
      if (state.kind !== 'finishedWithOutbound') {
        return { kind: 'reject', error: ReportError.vdaf_verify_error };
      }
      return {
        kind: 'finish',
        outbound: state.outbound,
        share: {
          reportId: meta.reportId,
          time,
          bucket: batchId ?? timeBucketKey(time),
          outShare: state.outShare,
        },
      };
    }),
  );

  const times = req.verifyInits.map((v) => Number(v.reportShare.reportMetadata.time));
  try {
    const job = await ctx.ds.transaction('helper-init', async (tx) => {
      const again = await tx.getAggregationJob(task.id, jobId);
      if (again !== null) return again;
      const finishing = prepared.flatMap((p, i) => (p.kind === 'finish' ? [{ p, i }] : []));
      const commitErrors = await commitOutputShares(
        tx,
        task,
        finishing.map(({ p }) => p.share),
        ctx.settings.batchShards,
      );
      const errors = new Map<number, number>();
      finishing.forEach(({ i }, k) => {
        if (commitErrors[k] !== undefined) errors.set(i, commitErrors[k]);
      });
      const resps: VerifyResp[] = [];
      const ras: ReportAggregationRecord[] = [];
      const results = new Map<string, number>();
      req.verifyInits.forEach((vi, i) => {
        const reportId = vi.reportShare.reportMetadata.reportId;
        const p = prepared[i];
        const error = p.kind === 'reject' ? p.error : errors.get(i);
        // draft-ietf-ppm-dap-18 §4.5.3.2: FinishedWithOutbound answers continue with the message.
        resps.push(
          error === undefined && p.kind === 'finish'
            ? { reportId, type: 'continue', payload: p.outbound }
            : { reportId, type: 'reject', reportError: error ?? ReportError.vdaf_verify_error },
        );
        ras.push({
          taskId: task.id,
          jobId,
          ord: i,
          reportId,
          time: times[i],
          state: error === undefined ? 'finished' : 'rejected',
          error: error ?? null,
          payload: null,
        });
        const result = error === undefined ? 'committed' : reportErrorName(error);
        results.set(result, (results.get(result) ?? 0) + 1);
      });
      for (const [result, n] of results) {
        ctx.metrics.reportAggregations.inc({ role: 'helper', result }, n);
      }
      const record: AggregationJobRecord = {
        taskId: task.id,
        jobId,
        aggParam: req.aggParam,
        batchId,
        state: 'finished',
        step: 0,
        requestHash: sha256(body),
        response: encodeAggregationJobResp(resps),
        timeMin: times.length > 0 ? Math.min(...times) : 0,
        timeMax: times.length > 0 ? Math.max(...times) : 0,
        createdAt: now,
      };
      await tx.putAggregationJob(record, ras);
      return record;
    });
    ctx.log.info(
      {
        task: task.idText,
        job: Buffer.from(jobId).toString('base64url'),
        reports: req.verifyInits.length,
      },
      'aggregation job initialized',
    );
    return job;
  } catch (e) {
    // A concurrent identical request may have created the job first: answer with it.
    const raced = await ctx.ds.transaction('get-agg-job', (tx) =>
      tx.getAggregationJob(task.id, jobId),
    );
    if (raced !== null) return raced;
    throw e;
  }
}

/** Jobs whose work outlasted the sync budget, by aggregator instance and task/job key. */
const inFlight = new WeakMap<AggregatorContext, Map<string, Promise<AggregationJobRecord>>>();

function inFlightOf(ctx: AggregatorContext): Map<string, Promise<AggregationJobRecord>> {
  let jobs = inFlight.get(ctx);
  if (jobs === undefined) {
    jobs = new Map();
    inFlight.set(ctx, jobs);
  }
  return jobs;
}

function jobKey(task: Task, jobId: Uint8Array): string {
  return `${task.idText}/${Buffer.from(jobId).toString('base64url')}`;
}

/** Runs a job's work once per instance, joining a run already under way for the same job. */
function startJob(
  ctx: AggregatorContext,
  task: Task,
  jobId: Uint8Array,
  run: () => Promise<AggregationJobRecord>,
): Promise<AggregationJobRecord> {
  const jobs = inFlightOf(ctx);
  const key = jobKey(task, jobId);
  const running = jobs.get(key);
  if (running !== undefined) return running;
  const work = run();
  jobs.set(key, work);
  work.then(
    () => jobs.delete(key),
    (e: unknown) => {
      jobs.delete(key);
      // Nothing was committed; the Leader's next poll finds no job and it sends the job again.
      ctx.log.error(
        { err: e, task: task.idText, job: Buffer.from(jobId).toString('base64url') },
        'aggregation job failed',
      );
    },
  );
  return work;
}

/** How long the Helper suggests the Leader waits before polling a job again, seconds. */
const RETRY_AFTER_SECONDS = '1';

/**
 * The answer to a job not ready yet: an empty 200 with a Location carrying step=0 and a
 * Retry-After (draft-ietf-ppm-dap-18 §3.1, §4.5.3.2).
 */
function notReadyResponse(ctx: AggregatorContext, task: Task, jobId: Uint8Array): Response {
  const location = `${locationOf(ctx, ResourcePath.aggregationJobs(task.id, jobId))}?step=0`;
  return new Response(null, {
    status: 200,
    headers: { location, 'retry-after': RETRY_AFTER_SECONDS },
  });
}

/** Answers with the job once its work is done, or "not ready" when that takes too long. */
async function answerWhenReady(
  ctx: AggregatorContext,
  task: Task,
  jobId: Uint8Array,
  work: Promise<AggregationJobRecord>,
): Promise<Response> {
  const budget = ctx.settings.aggregationSyncMs;
  let resolveLate: (v: undefined) => void = () => undefined;
  const late = new Promise<undefined>((resolve) => (resolveLate = resolve));
  const timer = setTimeout(() => resolveLate(undefined), budget);
  try {
    const job = await Promise.race([work, late]);
    return job === undefined ? notReadyResponse(ctx, task, jobId) : jobResponse(ctx, task, job);
  } finally {
    clearTimeout(timer);
  }
}

async function requireJob(
  ctx: AggregatorContext,
  task: Task,
  jobId: Uint8Array | undefined,
): Promise<AggregationJobRecord> {
  const job =
    jobId === undefined
      ? null
      : await ctx.ds.transaction('get-agg-job', (tx) => tx.getAggregationJob(task.id, jobId));
  if (job === null || job.state === 'deleted') {
    throw new DapAbort('unrecognizedAggregationJob', 'aggregation job is unknown', task.id);
  }
  return job;
}

/**
 * GET `{helper}/tasks/{task-id}/aggregation_jobs/{id}?step=N`: the job's response at step N, or
 * "not ready" (empty, Retry-After) while its initialization still runs in this process.
 *
 * @throws {DapAbort} `unrecognizedAggregationJob`, or `stepMismatch` for another step.
 */
export async function handleAggregationJobGet(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'helper');
  const step = r.url.searchParams.get('step');
  const running =
    r.resourceId === undefined ? undefined : inFlightOf(ctx).get(jobKey(task, r.resourceId));
  if (running !== undefined && r.resourceId !== undefined) {
    // draft-ietf-ppm-dap-18 §4.5.3.2: a job still initializing is at step 0.
    if (step !== null && step !== '0') {
      throw new DapAbort('stepMismatch', 'step: the job is at another step', task.id);
    }
    return answerWhenReady(ctx, task, r.resourceId, running);
  }
  const job = await requireJob(ctx, task, r.resourceId);
  if (step !== null && step !== String(job.step)) {
    throw new DapAbort('stepMismatch', 'step: the job is at another step', task.id);
  }
  return jobResponse(ctx, task, job);
}

/**
 * POST `{helper}/tasks/{task-id}/aggregation_jobs/{id}` (AggregationJobContinueReq). One-round
 * VDAFs finish at initialization, so any continuation is a step the job never reaches.
 *
 * @throws {DapAbort} `invalidMessage` for a malformed request or step 0, else `stepMismatch`.
 */
export async function handleAggregationJobContinue(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'helper');
  const job = await requireJob(ctx, task, r.resourceId);
  requireMediaType(r.request.headers, MediaTypeMessage.aggregationJobContinueReq);
  const req = decodeAggregationJobContinueReq(await readBody(r.request, ctx.settings.maxBodyBytes));
  // draft-ietf-ppm-dap-18 §4.5.4.2: step 0 is invalidMessage, a step other than next is
  // stepMismatch.
  if (req.step === 0) throw new DapAbort('invalidMessage', 'step: expected at least 1', task.id);
  throw new DapAbort('stepMismatch', `step: job finished at step ${job.step}`, task.id);
}

/**
 * DELETE `{helper}/tasks/{task-id}/aggregation_jobs/{id}`: forgets the job but keeps what replay
 * and collected-batch checks need (draft-ietf-ppm-dap-18 §4.5.5).
 *
 * @returns 200.
 */
export async function handleAggregationJobDelete(
  ctx: AggregatorContext,
  r: Routed,
): Promise<Response> {
  const task = await requireTask(ctx, r.taskId, 'helper');
  const running =
    r.resourceId === undefined ? undefined : inFlightOf(ctx).get(jobKey(task, r.resourceId));
  // A job still initializing is deleted once it is stored (or is gone if its work failed).
  if (running !== undefined) await running.catch(() => undefined);
  const job = await requireJob(ctx, task, r.resourceId);
  await ctx.ds.transaction('delete-agg-job', (tx) =>
    tx.updateAggregationJob({ ...job, state: 'deleted' }),
  );
  return new Response(null, { status: 200 });
}

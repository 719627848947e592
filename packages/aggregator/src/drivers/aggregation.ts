// The Leader's aggregation: forming aggregation jobs from uploaded reports, and driving each
// leased job against the Helper (draft-ietf-ppm-dap-18 §4.5.3.1) with retries and backoff,
// committing the verified output shares in one transaction.
import { randomBytes } from 'node:crypto';
import {
  decodeAggregationJobResp,
  decodeReport,
  encodeAggregationJobInitReq,
  leaderSelectedBatchIdExtension,
  MediaType,
  pingPongLeaderContinued,
  pingPongLeaderInit,
  ReportError,
  reportErrorName,
  ResourcePath,
  resourceUrl,
  type PingPongState,
  type Report,
  type VerifyInit,
} from '@private-measurement/protocol';
import { commitOutputShares, timeBucketKey, type OutputShare } from '../core/buckets.js';
import type { AggregatorContext } from '../core/context.js';
import { INPUT_SHARE_CONCURRENCY, mapBounded } from '../core/map-bounded.js';
import { openCheckedInputShare } from '../core/reports.js';
import type { Task } from '../core/task.js';
import { PeerError } from '../errors.js';
import type { AggregationJobRecord, Lease, ReportAggregationRecord } from '../store/types.js';
import { isTransient, peerRequest } from './peer.js';

/** Thrown inside a transaction to roll it back without an error. */
class Rollback extends Error {}

/**
 * Backoff before the next attempt at a job: doubling from the driver interval, capped.
 *
 * @returns milliseconds.
 */
export function backoffMs(ctx: AggregatorContext, attempts: number): number {
  const d = ctx.settings.drivers;
  return Math.min(d.maxBackoffMs, d.intervalMs * 2 ** Math.max(0, attempts - 1));
}

function newReportAggregations(
  task: Task,
  jobId: Uint8Array,
  reports: { reportId: Uint8Array; time: number }[],
): ReportAggregationRecord[] {
  return reports.map((r, ord) => ({
    taskId: task.id,
    jobId,
    ord,
    reportId: r.reportId,
    time: r.time,
    state: 'init',
    error: null,
    payload: null,
  }));
}

function newJob(
  task: Task,
  jobId: Uint8Array,
  batchId: Uint8Array | null,
  times: number[],
  now: number,
): AggregationJobRecord {
  return {
    taskId: task.id,
    jobId,
    aggParam: new Uint8Array(0),
    batchId,
    state: 'active',
    step: 0,
    requestHash: null,
    response: null,
    timeMin: Math.min(...times),
    timeMax: Math.max(...times),
    createdAt: now,
  };
}

/**
 * Forms aggregation jobs from pending reports of every Leader task: at most `maxJobSize`
 * reports per job, none formed below `minJobSize`. Reports in collected buckets are dropped
 * here, as the Leader must check before adding a report to a job (draft-ietf-ppm-dap-18 §4.5.4.3).
 *
 * @returns the number of jobs created.
 */
export async function createAggregationJobs(ctx: AggregatorContext): Promise<number> {
  const { minJobSize, maxJobSize } = ctx.settings.drivers;
  const taskIds = await ctx.ds.transaction('pending-tasks', (tx) =>
    tx.tasksWithPendingReports(minJobSize),
  );
  let created = 0;
  for (const taskId of taskIds) {
    const task = await ctx.task(taskId);
    if (task === undefined || task.role !== 'leader') continue;
    for (;;) {
      let n = 0;
      try {
        n = await ctx.ds.transaction('create-agg-jobs', async (tx) => {
          const reports = await tx.claimPendingReports(task.id, maxJobSize);
          if (reports.length < minJobSize || reports.length === 0) throw new Rollback();
          const now = ctx.now();
          let jobs = 0;
          if (task.batchMode === 'time_interval') {
            const buckets = [...new Set(reports.map((r) => r.time))].map(timeBucketKey);
            const statuses = await tx.lockBucketsForCommit(task.id, buckets);
            const collected = new Set(
              statuses
                .filter((s) => s.collectedBy !== null)
                .map((s) => Buffer.from(s.bucket).readBigUInt64BE()),
            );
            const dropped = reports.filter((r) => collected.has(BigInt(r.time)));
            const kept = reports.filter((r) => !collected.has(BigInt(r.time)));
            await tx.finishReports(
              task.id,
              dropped.map((r) => r.reportId),
            );
            ctx.metrics.reportAggregations.inc(
              { role: 'leader', result: 'batch_collected' },
              dropped.length,
            );
            if (kept.length > 0) {
              const jobId = new Uint8Array(randomBytes(16));
              const job = newJob(
                task,
                jobId,
                null,
                kept.map((r) => r.time),
                now,
              );
              await tx.putAggregationJob(job, newReportAggregations(task, jobId, kept));
              jobs++;
            }
            return jobs;
          }
          // Leader-selected: fill the oldest open batch up to the target size, then open another.
          let rest = reports;
          while (rest.length > 0) {
            let batch = await tx.getOpenBatch(task.id);
            if (batch === null) {
              batch = {
                taskId: task.id,
                batchId: new Uint8Array(randomBytes(32)),
                assigned: 0,
                closed: false,
                createdAt: now,
              };
              await tx.putOutstandingBatch(batch);
            }
            const take = rest.slice(0, Math.max(1, task.targetBatchSize - batch.assigned));
            rest = rest.slice(take.length);
            await tx.assignToBatch(task.id, batch.batchId, take.length, task.targetBatchSize);
            const jobId = new Uint8Array(randomBytes(16));
            const job = newJob(
              task,
              jobId,
              batch.batchId,
              take.map((r) => r.time),
              now,
            );
            await tx.putAggregationJob(job, newReportAggregations(task, jobId, take));
            jobs++;
          }
          return jobs;
        });
      } catch (e) {
        if (!(e instanceof Rollback)) throw e;
      }
      created += n;
      if (n === 0) break;
    }
  }
  if (created > 0) ctx.log.debug({ jobs: created }, 'aggregation jobs created');
  return created;
}

/** The Leader's per-report progress while driving a job. */
type LeaderPrep =
  { kind: 'rejected'; error: number } | { kind: 'continued'; state: PingPongState; report: Report };

/** The aggregation jobs each aggregator instance is driving now. */
const jobsInFlight = new WeakMap<AggregatorContext, Set<Promise<void>>>();

function inFlightOf(ctx: AggregatorContext): Set<Promise<void>> {
  let s = jobsInFlight.get(ctx);
  if (s === undefined) {
    s = new Set();
    jobsInFlight.set(ctx, s);
  }
  return s;
}

/**
 * Leases aggregation jobs up to `drivers.jobsInFlight` in flight and drives them. With `wait`
 * `all` it returns once every job in flight has finished its step; with `any` (the background
 * loop) it returns as soon as it leased a job, or else once one job in flight finished, so that
 * the next pass leases the next job while the others go on: the Leader prepares one job while
 * the Helper works on another.
 *
 * @param wait - `all` (default) or `any`.
 * @returns with `all`, the number of jobs leased; with `any`, the number leased plus the number
 *   that were in flight, so that 0 means there was nothing to do.
 */
export async function driveAggregationJobs(
  ctx: AggregatorContext,
  wait: 'all' | 'any' = 'all',
): Promise<number> {
  const d = ctx.settings.drivers;
  const flight = inFlightOf(ctx);
  const before = flight.size;
  const room = d.jobsInFlight - flight.size;
  const leases =
    room > 0
      ? await ctx.ds.transaction('lease-agg-jobs', (tx) =>
          tx.acquireAggregationJobs(ctx.now(), d.leaseMs, room),
        )
      : [];
  for (const lease of leases) {
    const p: Promise<void> = driveLeasedJob(ctx, lease).finally(() => flight.delete(p));
    flight.add(p);
  }
  if (wait === 'all') {
    await Promise.all([...flight]);
    return leases.length;
  }
  if (flight.size > 0 && (leases.length === 0 || flight.size >= d.jobsInFlight)) {
    await Promise.race([...flight]);
  }
  return leases.length + before;
}

/**
 * Waits for every aggregation job this instance is driving (used when stopping).
 *
 * @returns once none is in flight.
 */
export async function settleAggregationJobs(ctx: AggregatorContext): Promise<void> {
  const flight = inFlightOf(ctx);
  while (flight.size > 0) await Promise.all([...flight]);
}

/** Drives one leased job; a failure is logged and releases the lease with backoff. */
async function driveLeasedJob(ctx: AggregatorContext, lease: Lease): Promise<void> {
  try {
    await driveAggregationJob(ctx, lease);
  } catch (err) {
    ctx.metrics.jobs.inc({ kind: 'aggregation', outcome: 'error' });
    ctx.log.error(
      { err, job: Buffer.from(lease.jobId).toString('base64url') },
      'aggregation job step failed',
    );
    await ctx.ds
      .transaction('release', (tx) =>
        tx.releaseAggregationJob(lease, ctx.now() + backoffMs(ctx, lease.attempts)),
      )
      .catch((e: unknown) => ctx.log.error({ err: e }, 'aggregation job release failed'));
  }
}

/** Ends a job without aggregating its remaining reports (dropped, never recounted). */
async function abandon(
  ctx: AggregatorContext,
  task: Task | undefined,
  lease: Lease,
  reason: string,
): Promise<void> {
  await ctx.ds.transaction('abandon-agg-job', async (tx) => {
    if (!(await tx.holdsAggregationLease(lease, ctx.now()))) return;
    const job = await tx.getAggregationJob(lease.taskId, lease.jobId);
    if (job === null) return;
    const ras = await tx.getReportAggregations(lease.taskId, lease.jobId);
    await tx.finishReports(
      lease.taskId,
      ras.map((r) => r.reportId),
    );
    await tx.updateAggregationJob({ ...job, state: 'abandoned' });
  });
  ctx.metrics.jobs.inc({ kind: 'aggregation', outcome: 'abandoned' });
  ctx.log.warn(
    { task: task?.idText, job: Buffer.from(lease.jobId).toString('base64url'), reason },
    'aggregation job abandoned',
  );
  if (task !== undefined) {
    // draft-ietf-ppm-dap-18 §4.5.5: let the Helper clean up; best effort.
    await peerRequest(ctx.fetchPeer, {
      method: 'DELETE',
      url: resourceUrl(
        task.spec.helperEndpoint,
        ResourcePath.aggregationJobs(task.id, lease.jobId),
      ),
      token: task.spec.aggregatorAuthToken,
      timeoutMs: ctx.settings.drivers.peerTimeoutMs,
    }).catch(() => undefined);
  }
}

async function driveAggregationJob(ctx: AggregatorContext, lease: Lease): Promise<void> {
  const loaded = await ctx.ds.transaction('load-agg-job', async (tx) => {
    const job = await tx.getAggregationJob(lease.taskId, lease.jobId);
    const ras = await tx.getReportAggregations(lease.taskId, lease.jobId);
    const reports = await tx.getClientReports(
      lease.taskId,
      ras.map((ra) => ra.reportId),
    );
    return { job, ras, reports };
  });
  const task = await ctx.task(lease.taskId);
  if (loaded.job === null || task === undefined)
    return abandon(ctx, task, lease, 'task or job missing');
  if (lease.attempts > ctx.settings.drivers.maxAttempts)
    return abandon(ctx, task, lease, 'too many attempts');
  const { job, ras, reports } = loaded;

  // Leader initialization (draft-ietf-ppm-dap-18 §4.5.3.1): decrypt, validate, verify_init, in
  // the report lane (one job at a time, see serial-lane.ts).
  const preps = await ctx.reportLane.run(() => prepareLeaderJob(ctx, task, reports));
  await sendAndCommit(ctx, task, lease, job, ras, preps);
}

async function prepareLeaderJob(
  ctx: AggregatorContext,
  task: Task,
  reports: ({ encoded: Uint8Array } | null)[],
): Promise<LeaderPrep[]> {
  const now = ctx.now();
  const decoded = reports.map((stored) =>
    stored === null || stored.encoded.length === 0 ? null : decodeReport(stored.encoded),
  );
  const keys = await ctx.hpkeRecipientKeys(
    new Set(decoded.flatMap((r) => (r === null ? [] : [r.leaderEncryptedInputShare.configId]))),
  );
  return mapBounded(decoded, INPUT_SHARE_CONCURRENCY, async (report): Promise<LeaderPrep> => {
    if (report === null) return { kind: 'rejected', error: ReportError.report_dropped };
    const meta = report.reportMetadata;
    const opened = await openCheckedInputShare(
      task,
      {
        keys,
        reportMetadata: meta,
        publicShare: report.publicShare,
        encryptedInputShare: report.leaderEncryptedInputShare,
      },
      now,
      ctx.settings.clockSkewSeconds,
    );
    if ('error' in opened) return { kind: 'rejected', error: opened.error };
    const state = pingPongLeaderInit(
      task.vdaf,
      task.verifyKey,
      task.ctx,
      meta.reportId,
      report.publicShare,
      opened.payload,
    );
    return state.kind === 'continued'
      ? { kind: 'continued', state, report }
      : { kind: 'rejected', error: ReportError.vdaf_verify_error };
  });
}

/**
 * Sends the prepared reports of a job to the Helper, finishes them with its answer, and commits
 * the outcome while the lease is still held.
 */
async function sendAndCommit(
  ctx: AggregatorContext,
  task: Task,
  lease: Lease,
  job: AggregationJobRecord,
  ras: ReportAggregationRecord[],
  preps: LeaderPrep[],
): Promise<void> {
  const sent = preps.flatMap((p, i) => (p.kind === 'continued' ? [{ p, i }] : []));
  const outcomes = new Map<number, { error: number } | { share: OutputShare }>();
  preps.forEach((p, i) => {
    if (p.kind === 'rejected') outcomes.set(i, { error: p.error });
  });

  if (sent.length > 0) {
    const verifyInits: VerifyInit[] = sent.map(({ p }) => {
      const c = p as Extract<LeaderPrep, { kind: 'continued' }>;
      return {
        reportShare: {
          reportMetadata: c.report.reportMetadata,
          publicShare: c.report.publicShare,
          encryptedInputShare: c.report.helperEncryptedInputShare,
        },
        payload: (c.state as Extract<PingPongState, { kind: 'continued' }>).outbound,
      };
    });
    const body = encodeAggregationJobInitReq({
      verificationKeyId: 0,
      aggParam: job.aggParam,
      extensions: job.batchId === null ? [] : [leaderSelectedBatchIdExtension(job.batchId)],
      verifyInits,
    });
    let resBody: Uint8Array;
    try {
      const res = await peerRequest(ctx.fetchPeer, {
        method: 'POST',
        url: resourceUrl(task.spec.helperEndpoint, ResourcePath.aggregationJobs(task.id)),
        token: task.spec.aggregatorAuthToken,
        contentType: MediaType.aggregationJobInitReq,
        body,
        timeoutMs: ctx.settings.drivers.peerTimeoutMs,
      });
      resBody = res.body;
    } catch (e) {
      // A Helper that answered "not ready" and then lost the job (a restart before its
      // background work committed) no longer knows it: send the identical request again.
      const lost = e instanceof PeerError && e.problemType === 'unrecognizedAggregationJob';
      if (isTransient(e) || lost) {
        ctx.metrics.jobs.inc({ kind: 'aggregation', outcome: 'retry' });
        ctx.log.warn(
          {
            task: task.idText,
            job: Buffer.from(job.jobId).toString('base64url'),
            status: (e as PeerError).status,
          },
          'helper unavailable, will retry',
        );
        await ctx.ds.transaction('release', (tx) =>
          tx.releaseAggregationJob(lease, ctx.now() + backoffMs(ctx, lease.attempts)),
        );
        return;
      }
      if (e instanceof PeerError)
        return abandon(ctx, task, lease, `helper refused: ${e.problemType ?? e.status}`);
      throw e;
    }

    // draft-ietf-ppm-dap-18 §4.5.3.1: the response must list the same reports in the same order.
    let resps;
    try {
      resps = decodeAggregationJobResp(resBody);
    } catch {
      return abandon(ctx, task, lease, 'helper response does not decode');
    }
    if (
      resps.length !== sent.length ||
      resps.some(
        (r, k) =>
          Buffer.compare(
            r.reportId,
            sent[k].p.kind === 'continued'
              ? sent[k].p.report.reportMetadata.reportId
              : new Uint8Array(0),
          ) !== 0,
      )
    ) {
      return abandon(ctx, task, lease, 'helper response lists other reports');
    }
    for (const [k, resp] of resps.entries()) {
      const { p, i } = sent[k];
      const c = p as Extract<LeaderPrep, { kind: 'continued' }>;
      if (resp.type === 'reject') {
        outcomes.set(i, { error: resp.reportError });
        continue;
      }
      if (resp.type === 'finish')
        return abandon(ctx, task, lease, 'helper finished without a message');
      const next = pingPongLeaderContinued(task.vdaf, task.ctx, c.state, resp.payload);
      if (next.kind !== 'finished') {
        outcomes.set(i, { error: ReportError.vdaf_verify_error });
        continue;
      }
      const meta = c.report.reportMetadata;
      outcomes.set(i, {
        share: {
          reportId: meta.reportId,
          time: ras[i].time,
          bucket: job.batchId ?? timeBucketKey(ras[i].time),
          outShare: next.outShare,
        },
      });
    }
  }

  // Commit (draft-ietf-ppm-dap-18 §4.5.4.3) only while this lease is still ours.
  const committed = await ctx.ds.transaction('commit-agg-job', async (tx) => {
    if (!(await tx.holdsAggregationLease(lease, ctx.now()))) return false;
    const finishing = [...outcomes.entries()].flatMap(([i, o]) =>
      'share' in o ? [{ i, share: o.share }] : [],
    );
    const errors = await commitOutputShares(
      tx,
      task,
      finishing.map((f) => f.share),
      ctx.settings.batchShards,
    );
    finishing.forEach(({ i }, k) => {
      const err = errors[k];
      if (err !== undefined) outcomes.set(i, { error: err });
    });
    const updated = ras.map((ra, i): ReportAggregationRecord => {
      const o = outcomes.get(i) ?? { error: ReportError.report_dropped };
      const error = 'error' in o ? o.error : null;
      return { ...ra, state: error === null ? 'finished' : 'rejected', error, payload: null };
    });
    await tx.updateReportAggregations(updated);
    const results = new Map<string, number>();
    for (const ra of updated) {
      const result = ra.error === null ? 'committed' : reportErrorName(ra.error);
      results.set(result, (results.get(result) ?? 0) + 1);
    }
    for (const [result, n] of results)
      ctx.metrics.reportAggregations.inc({ role: 'leader', result }, n);
    await tx.finishReports(
      task.id,
      ras.map((r) => r.reportId),
    );
    await tx.updateAggregationJob({ ...job, state: 'finished', step: 0 });
    return true;
  });
  if (!committed) {
    ctx.log.warn(
      { task: task.idText, job: Buffer.from(job.jobId).toString('base64url') },
      'lease lost before commit',
    );
    return;
  }
  ctx.metrics.jobs.inc({ kind: 'aggregation', outcome: 'finished' });
  ctx.log.info(
    { task: task.idText, job: Buffer.from(job.jobId).toString('base64url'), reports: ras.length },
    'aggregation job finished',
  );
}

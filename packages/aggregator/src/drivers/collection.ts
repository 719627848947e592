// The Leader's collection driver (draft-ietf-ppm-dap-18 §4.6): waits until the batch's
// aggregation is complete, marks its buckets collected, obtains the Helper's aggregate share,
// and finishes the job with both noised shares sealed to the Collector.
import {
  BatchMode,
  decodeAggregateShare,
  decodeCollectionJobReq,
  encodeAggregateShareReq,
  encodeCollectionJobResp,
  MediaType,
  ResourcePath,
  resourceUrl,
  Role,
  type BatchSelector,
  type ProblemType,
} from '@private-measurement/protocol';
import {
  intervalBuckets,
  mergeRows,
  noisedSealedShare,
  type MergedBatch,
} from '../core/collect.js';
import type { AggregatorContext } from '../core/context.js';
import { NOISE_HEADER, noiseLabel } from '../core/noise.js';
import type { Task } from '../core/task.js';
import { PeerError } from '../errors.js';
import { DapAbort } from '../http/problem.js';
import type { CollectionJobRecord, Lease, Transaction } from '../store/types.js';
import { backoffMs } from './aggregation.js';
import { isTransient, peerRequest } from './peer.js';

const LEASES_PER_PASS = 4;

/** Thrown inside the marking transaction to roll it back: the batch is still being aggregated. */
class StillAggregating extends Error {}

/** Reports of [from, to) not yet through aggregation: pending, claimed, or in an active job. */
async function unfinishedInInterval(
  tx: Transaction,
  task: Task,
  from: number,
  to: number,
): Promise<number> {
  return (
    (await tx.countClientReports(task.id, 'pending', from, to)) +
    (await tx.countClientReports(task.id, 'claimed', from, to)) +
    (await tx.countActiveAggregationJobs(task.id, { timeFrom: from, timeTo: to }))
  );
}

/**
 * Leases and drives up to a few collection jobs.
 *
 * @returns the number of jobs leased.
 */
export async function driveCollectionJobs(ctx: AggregatorContext): Promise<number> {
  const leases = await ctx.ds.transaction('lease-collections', (tx) =>
    tx.acquireCollectionJobs(ctx.now(), ctx.settings.drivers.leaseMs, LEASES_PER_PASS),
  );
  await Promise.all(
    leases.map((lease) =>
      driveCollectionJob(ctx, lease).catch((err: unknown) => {
        ctx.metrics.jobs.inc({ kind: 'collection', outcome: 'error' });
        ctx.log.error(
          { err, collectionJob: Buffer.from(lease.jobId).toString('base64url') },
          'collection job step failed',
        );
        return ctx.ds.transaction('release', (tx) =>
          tx.releaseCollectionJob(lease, ctx.now() + backoffMs(ctx, lease.attempts)),
        );
      }),
    ),
  );
  return leases.length;
}

async function fail(
  ctx: AggregatorContext,
  lease: Lease,
  job: CollectionJobRecord,
  type: ProblemType,
): Promise<void> {
  await ctx.ds.transaction('fail-collection', async (tx) => {
    if (!(await tx.holdsCollectionLease(lease, ctx.now()))) return;
    await tx.updateCollectionJob({ ...job, state: 'failed', error: type });
    await tx.releaseCollectionJob(lease, ctx.now());
  });
  ctx.metrics.jobs.inc({ kind: 'collection', outcome: `failed:${type}` });
  ctx.log.warn(
    { collectionJob: Buffer.from(job.jobId).toString('base64url'), problem: type },
    'collection job failed',
  );
}

async function wait(ctx: AggregatorContext, lease: Lease): Promise<void> {
  await ctx.ds.transaction('release', (tx) =>
    tx.releaseCollectionJob(lease, ctx.now() + ctx.settings.drivers.intervalMs),
  );
}

/** Picks the oldest uncollected leader-selected batch that is big enough and fully aggregated. */
async function pickBatch(ctx: AggregatorContext, task: Task): Promise<Uint8Array | null> {
  return ctx.ds.transaction('pick-batch', async (tx) => {
    const summaries = new Map(
      (await tx.summarizeBuckets(task.id)).map((s) => [Buffer.from(s.bucket).toString('hex'), s]),
    );
    for (const batch of await tx.listOutstandingBatches(task.id)) {
      const s = summaries.get(Buffer.from(batch.batchId).toString('hex'));
      if (s === undefined || s.collectedBy !== null || s.count < task.minBatchSize) continue;
      if ((await tx.countActiveAggregationJobs(task.id, { batchId: batch.batchId })) > 0) continue;
      return batch.batchId;
    }
    return null;
  });
}

async function driveCollectionJob(ctx: AggregatorContext, lease: Lease): Promise<void> {
  const job = await ctx.ds.transaction('load-collection', (tx) =>
    tx.getCollectionJob(lease.taskId, lease.jobId),
  );
  if (job === null) return;
  const task = await ctx.task(lease.taskId);
  if (task === undefined) return fail(ctx, lease, job, 'unrecognizedTask');
  const req = decodeCollectionJobReq(job.request);

  // Choose the batch and wait until every report in it went through aggregation.
  let buckets: Uint8Array[];
  let selector: BatchSelector;
  if (req.query.batchMode === BatchMode.time_interval) {
    const { start, duration } = req.query.batchInterval;
    buckets = intervalBuckets(task, req.query.batchInterval);
    const from = Number(start);
    const to = Number(start + duration);
    const unfinished = await ctx.ds.transaction('collection-pending', (tx) =>
      unfinishedInInterval(tx, task, from, to),
    );
    // draft-ietf-ppm-dap-18 §4.6.1: pending aggregation jobs of the batch finish first.
    if (unfinished > 0) return wait(ctx, lease);
    selector = { batchMode: BatchMode.time_interval, batchInterval: req.query.batchInterval };
  } else {
    const batchId = job.buckets?.[0] ?? (await pickBatch(ctx, task));
    if (batchId === null) return wait(ctx, lease);
    buckets = [batchId];
    selector = { batchMode: BatchMode.leader_selected, batchId };
  }

  // Mark the buckets collected and merge them, in one transaction.
  let merged: MergedBatch;
  let marked: CollectionJobRecord;
  try {
    const result = await ctx.ds.transaction('collect-buckets', async (tx) => {
      if (!(await tx.holdsCollectionLease(lease, ctx.now()))) return null;
      const statuses = await tx.lockBucketsForCollect(task.id, buckets);
      if (
        statuses.some(
          (s) => s.collectedBy !== null && Buffer.compare(s.collectedBy, job.jobId) !== 0,
        )
      ) {
        throw new DapAbort(
          'batchOverlap',
          'a bucket of the batch was collected by another job',
          task.id,
        );
      }
      // With the batch locked, look again: another Leader process may have formed a job for it
      // (or a late report arrived) since the check above, and the Helper would count that job's
      // reports while this share would not (batchMismatch). Closing a leader-selected batch
      // waits for a job being assigned to it.
      if (task.batchMode === 'leader_selected') await tx.assignToBatch(task.id, buckets[0], 0, 0);
      const stillOpen =
        req.query.batchMode === BatchMode.time_interval
          ? await unfinishedInInterval(
              tx,
              task,
              Number(req.query.batchInterval.start),
              Number(req.query.batchInterval.start + req.query.batchInterval.duration),
            )
          : await tx.countActiveAggregationJobs(task.id, { batchId: buckets[0] });
      if (stillOpen > 0) throw new StillAggregating();
      const m = mergeRows(task, await tx.readBatchAggregations(task.id, buckets));
      // draft-ietf-ppm-dap-18 §4.6.1: never fulfil a job below min_batch_size.
      if (m.count < task.minBatchSize) {
        throw new DapAbort(
          'invalidBatchSize',
          `report count below min_batch_size ${task.minBatchSize}`,
          task.id,
        );
      }
      await tx.markBucketsCollected(task.id, buckets, job.jobId);
      const updated: CollectionJobRecord = {
        ...job,
        buckets,
        reportCount: m.count,
        intervalStart: m.timeMin,
        intervalDuration: m.timeMax - m.timeMin + 1,
      };
      await tx.updateCollectionJob(updated);
      return { m, updated };
    });
    if (result === null) return;
    merged = result.m;
    marked = result.updated;
  } catch (e) {
    if (e instanceof DapAbort) return fail(ctx, lease, job, e.type);
    if (e instanceof StillAggregating) return wait(ctx, lease);
    throw e;
  }

  // Obtain the Helper's aggregate share (draft-ietf-ppm-dap-18 §4.6.4).
  const body = encodeAggregateShareReq({
    collectionJobReq: job.request,
    batchSelector: selector,
    reportCount: BigInt(merged.count),
    checksum: merged.checksum,
  });
  let helperShare;
  let helperNoise: string | null;
  try {
    const res = await peerRequest(ctx.fetchPeer, {
      method: 'POST',
      url: resourceUrl(task.spec.helperEndpoint, ResourcePath.aggregateShares(task.id)),
      token: task.spec.aggregatorAuthToken,
      contentType: MediaType.aggregateShareReq,
      body,
      timeoutMs: ctx.settings.drivers.peerTimeoutMs,
    });
    helperShare = decodeAggregateShare(res.body);
    helperNoise = res.headers.get(NOISE_HEADER);
  } catch (e) {
    if (e instanceof PeerError && !isTransient(e)) {
      // draft-ietf-ppm-dap-18 §4.6.1: the job fails with the error that made obtaining the share
      // fail.
      return fail(ctx, lease, job, (e.problemType as ProblemType | undefined) ?? 'invalidMessage');
    }
    // The batch is marked collected already: failing the job on a transient error (Helper down
    // or slow) would leave the batch uncollectable for good, so those are retried until the
    // job is deleted; lease attempts also count the passes spent waiting for aggregation.
    if (!isTransient(e) && lease.attempts >= ctx.settings.drivers.maxAttempts)
      return fail(ctx, lease, job, 'invalidMessage');
    ctx.metrics.jobs.inc({ kind: 'collection', outcome: 'retry' });
    ctx.log.warn(
      { task: task.idText, collectionJob: Buffer.from(job.jobId).toString('base64url') },
      'helper share unavailable, will retry',
    );
    await ctx.ds.transaction('release', (tx) =>
      tx.releaseCollectionJob(lease, ctx.now() + backoffMs(ctx, lease.attempts)),
    );
    return;
  }

  const leaderShare = await noisedSealedShare(ctx, task, merged.aggShare, job.request, Role.leader);
  const response = encodeCollectionJobResp({
    reportCount: BigInt(merged.count),
    interval: { start: BigInt(marked.intervalStart), duration: BigInt(marked.intervalDuration) },
    leaderEncryptedAggShare: leaderShare,
    helperEncryptedAggShare: helperShare,
  });
  const leaderNoise = noiseLabel(task.spec.dp, ctx.settings.unsafeDisableNoiseForTesting);
  const noise = `leader=${leaderNoise}, helper=${helperNoise ?? 'unreported'}`;
  const done = await ctx.ds.transaction('finish-collection', async (tx) => {
    if (!(await tx.holdsCollectionLease(lease, ctx.now()))) return false;
    await tx.updateCollectionJob({ ...marked, state: 'finished', response, noise });
    await tx.releaseCollectionJob(lease, ctx.now());
    return true;
  });
  if (!done) return;
  ctx.metrics.jobs.inc({ kind: 'collection', outcome: 'finished' });
  ctx.metrics.batchReports.observe({ role: 'leader' }, merged.count);
  ctx.log.info(
    {
      task: task.idText,
      collectionJob: Buffer.from(job.jobId).toString('base64url'),
      reports: merged.count,
    },
    'collection job finished',
  );
}

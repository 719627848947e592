// The garbage collector (both roles): per task, deletes uploaded reports and anti-replay entries
// older than the task's report expiry and inactive jobs older than the job retention, in bounded
// batches, then HPKE keys whose grace period after a rotation has ended.
// Limitation: batch aggregations (collected or not) and collection marks are never deleted, so
// storage still grows with the number of batch buckets a task ever had.
import type { AggregatorContext } from '../core/context.js';
import type { Task } from '../core/task.js';
import type { GcCounts, GcCutoffs } from '../store/types.js';

/** What one garbage-collection pass deleted. */
export interface GcResult {
  /** Rows deleted, by kind, over every task. */
  deleted: GcCounts;
  /** Config IDs of the HPKE keys deleted. */
  hpkeKeys: number[];
  /** Tasks that still have expired rows because the pass reached `maxBatchesPerPass`. */
  unfinished: number;
}

const KINDS: readonly (keyof GcCounts)[] = [
  'clientReports',
  'aggregatedReports',
  'aggregationJobs',
  'collectionJobs',
  'aggregateShareJobs',
  'outstandingBatches',
];

/**
 * The cutoffs of one task at `nowMs`. Report state goes once the whole time_precision unit of
 * its report time is older than the expiry plus the safety margin, so that `isExpired` (which
 * rejects such reports at upload and aggregation) already holds for every report whose replay
 * entry is deleted, even on a process whose clock runs up to the margin behind.
 * Limitation: a replay is only caught if clocks agree within the margin and no aggregation
 * step spends longer than the margin between its age check and its commit.
 *
 * @param ctx - the aggregator (settings).
 * @param task - the task.
 * @param nowMs - the clock, ms since the epoch.
 * @returns the cutoffs; both null when nothing of the task may go.
 */
export function gcCutoffs(ctx: AggregatorContext, task: Task, nowMs: number): GcCutoffs {
  const { jobRetentionSeconds, safetyMarginSeconds } = ctx.settings.gc;
  const expiry = task.spec.reportExpirySeconds;
  const reportTimeBefore =
    expiry === undefined
      ? null
      : Math.floor((nowMs / 1000 - expiry - safetyMarginSeconds) / task.timePrecision);
  const createdBefore = jobRetentionSeconds === null ? null : nowMs - jobRetentionSeconds * 1000;
  return { reportTimeBefore, createdBefore };
}

/**
 * One garbage-collection pass over every task of the store, then over retired HPKE keys.
 * Each batch is its own transaction, so a pass that fails part-way keeps what it deleted.
 *
 * @param ctx - the aggregator.
 * @returns what was deleted.
 * @throws {StoreError} when the store fails.
 */
export async function collectGarbage(ctx: AggregatorContext): Promise<GcResult> {
  const { batchSize, maxBatchesPerPass } = ctx.settings.gc;
  const deleted: GcCounts = {
    clientReports: 0,
    aggregatedReports: 0,
    aggregationJobs: 0,
    collectionJobs: 0,
    aggregateShareJobs: 0,
    outstandingBatches: 0,
  };
  let unfinished = 0;
  const records = await ctx.ds.transaction('gc-tasks', (tx) => tx.listTasks());
  for (const record of records) {
    let task: Task | undefined;
    try {
      task = await ctx.task(record.taskId);
    } catch (err) {
      ctx.log.warn(
        { err, task: Buffer.from(record.taskId).toString('base64url') },
        'garbage collection skipped a task',
      );
      continue;
    }
    if (task === undefined) continue;
    const cutoffs = gcCutoffs(ctx, task, ctx.now());
    if (cutoffs.reportTimeBefore === null && cutoffs.createdBefore === null) continue;
    let more = true;
    for (let batch = 0; batch < maxBatchesPerPass && more; batch++) {
      const counts = await ctx.ds.transaction('gc', (tx) =>
        tx.deleteExpired(record.taskId, cutoffs, batchSize),
      );
      more = KINDS.some((k) => counts[k] >= batchSize);
      for (const k of KINDS) deleted[k] += counts[k];
    }
    if (more) unfinished++;
  }

  const hpkeKeys = await ctx.ds.transaction('gc-hpke-keys', (tx) =>
    tx.deleteRetiredHpkeKeys(ctx.now()),
  );
  if (hpkeKeys.length > 0) ctx.invalidateKeys();

  for (const k of KINDS) if (deleted[k] > 0) ctx.metrics.gcDeleted.inc({ kind: k }, deleted[k]);
  if (hpkeKeys.length > 0) ctx.metrics.gcDeleted.inc({ kind: 'hpke_keys' }, hpkeKeys.length);
  if (KINDS.some((k) => deleted[k] > 0) || hpkeKeys.length > 0) {
    ctx.log.info({ ...deleted, hpkeKeys, unfinished }, 'garbage collected');
  }
  return { deleted, hpkeKeys, unfinished };
}

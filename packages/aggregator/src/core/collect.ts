// Collection logic shared by the Leader's collection jobs and the Helper's aggregate shares:
// query validation, the buckets of a batch, merging bucket shards, and the noised, sealed share.
import type { FieldVec } from '@private-measurement/core-wasm';
import {
  extensionsStrictlyIncreasing,
  sealAggregateShare,
  type CollectionJobReq,
  type HpkeCiphertext,
  type Interval,
} from '@private-measurement/protocol';
import { DapAbort } from '../http/problem.js';
import type { BatchAggregationRecord } from '../store/types.js';
import { intervalBucketKeys, xorInto } from './buckets.js';
import type { AggregatorContext } from './context.js';
import { addNoise, calibrateNoise } from './noise.js';
import type { Task } from './task.js';

/** Most time_precision units one time-interval batch may span. */
export const MAX_INTERVAL_BUCKETS = 10_000;

/**
 * Checks a CollectionJobReq against its task (draft-ietf-ppm-dap-18 §4.6.1, §4.6.2).
 *
 * @throws {DapAbort} `invalidMessage` (batch mode), `invalidAggregationParameter`,
 *   `invalidExtension` or `unsupportedExtension`.
 */
export function validateCollectionReq(task: Task, req: CollectionJobReq): void {
  if (req.query.batchMode !== task.batchModeCode) {
    throw new DapAbort('invalidMessage', 'query: batch mode differs from the task', task.id);
  }
  // draft-ietf-ppm-dap-18 §4.3: Prio3's only valid aggregation parameter is empty.
  if (req.aggParam.length !== 0) {
    throw new DapAbort(
      'invalidAggregationParameter',
      'agg_param: expected empty for Prio3',
      task.id,
    );
  }
  // draft-ietf-ppm-dap-18 §4.6.2: out-of-order extensions are invalidExtension, unknown ones
  // unsupportedExtension; this draft defines none.
  if (!extensionsStrictlyIncreasing(req.extensions)) {
    throw new DapAbort(
      'invalidExtension',
      'extensions: expected strictly increasing types',
      task.id,
    );
  }
  if (req.extensions.length > 0) {
    throw new DapAbort('unsupportedExtension', 'extensions: unsupported extension type', task.id);
  }
}

/**
 * The bucket keys of a time-interval batch interval.
 *
 * @throws {DapAbort} `batchInvalid` for an empty or over-long interval (draft-ietf-ppm-dap-18 §5.1.3).
 */
export function intervalBuckets(task: Task, interval: Interval): Uint8Array[] {
  // draft-ietf-ppm-dap-18 §5.1.3: valid when the duration is at least one time_precision.
  if (interval.duration < 1n)
    throw new DapAbort('batchInvalid', 'batch_interval: duration below 1', task.id);
  if (interval.duration > BigInt(MAX_INTERVAL_BUCKETS)) {
    throw new DapAbort(
      'batchInvalid',
      `batch_interval: longer than ${MAX_INTERVAL_BUCKETS} units`,
      task.id,
    );
  }
  if (interval.start + interval.duration > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DapAbort('batchInvalid', 'batch_interval: beyond the supported time range', task.id);
  }
  return intervalBucketKeys(Number(interval.start), Number(interval.duration));
}

/** The merged content of a batch's buckets. */
export interface MergedBatch {
  aggShare: FieldVec;
  count: number;
  checksum: Uint8Array;
  timeMin: number;
  timeMax: number;
}

/**
 * Merges bucket shards: aggregate shares by VDAF merge, counts by sum, checksums by XOR
 * (draft-ietf-ppm-dap-18 §4.6.4).
 *
 * @returns the merged batch (empty batch: zero share, count 0).
 */
export function mergeRows(task: Task, rows: readonly BatchAggregationRecord[]): MergedBatch {
  const vdaf = task.vdaf;
  const checksum = new Uint8Array(32);
  for (const r of rows) xorInto(checksum, r.checksum);
  return {
    aggShare: vdaf.merge(rows.map((r) => vdaf.decodeAggShare(r.aggShare))),
    count: rows.reduce((s, r) => s + r.count, 0),
    checksum,
    timeMin: rows.length === 0 ? 0 : Math.min(...rows.map((r) => r.timeMin)),
    timeMax: rows.length === 0 ? 0 : Math.max(...rows.map((r) => r.timeMax)),
  };
}

/**
 * Noises (unless disabled for testing) and seals an aggregate share to the Collector.
 *
 * @param ctx - the aggregator.
 * @param task - the task.
 * @param aggShare - the merged aggregate share (a copy is noised).
 * @param collectionJobReq - the Collector's request bytes, for the AAD.
 * @param role - `Role.leader` or `Role.helper`.
 * @returns the encrypted share.
 */
export async function noisedSealedShare(
  ctx: AggregatorContext,
  task: Task,
  aggShare: FieldVec,
  collectionJobReq: Uint8Array,
  role: 2 | 3,
): Promise<HpkeCiphertext> {
  const share = aggShare.slice();
  if (!ctx.settings.unsafeDisableNoiseForTesting)
    addNoise(task.vdaf, share, calibrateNoise(task.spec.vdaf, task.spec.dp));
  return sealAggregateShare({
    taskId: task.id,
    taskConfiguration: task.config,
    collectionJobReq,
    role,
    collectorHpkeConfig: task.collectorHpkeConfig,
    aggregateShare: task.vdaf.encodeAggShare(share),
  });
}

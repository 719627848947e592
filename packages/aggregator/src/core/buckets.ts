// Batch buckets (draft-ietf-ppm-dap-18 §4.5.4.3): the key of a report's bucket in each batch
// mode, batch checksums, and committing verified output shares to buckets with the replay and
// collected-batch checks in the same transaction.
import { hash } from 'node:crypto';
import type { FieldVec } from '@private-measurement/core-wasm';
import { ReportError } from '@private-measurement/protocol';
import type { MergeAggShares, Transaction } from '../store/types.js';
import type { Task } from './task.js';

/**
 * The bucket key of a time-interval report: its time (the bucket's start) as 8 big-endian
 * bytes, so that keys sort like times (draft-ietf-ppm-dap-18 §5.1.3).
 *
 * @param time - report time in time_precision units.
 * @returns the 8-byte key.
 */
export function timeBucketKey(time: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(time));
  return out;
}

/**
 * The bucket keys of a time-interval batch: one per time_precision unit of the interval.
 *
 * @param start - interval start, in units.
 * @param duration - interval duration, in units.
 * @returns the keys in time order.
 */
export function intervalBucketKeys(start: number, duration: number): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let t = start; t < start + duration; t++) keys.push(timeBucketKey(t));
  return keys;
}

/**
 * SHA-256 of a report ID: one report's contribution to a batch checksum (§4.5.4.3).
 *
 * @param reportId - the 16-byte report ID.
 * @returns 32 bytes.
 */
export function reportChecksum(reportId: Uint8Array): Uint8Array {
  // node's one-shot hash: no Hash object per report.
  const d = hash('sha256', reportId, 'buffer');
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * XORs `b` into `a` (32-byte checksums).
 *
 * @returns `a`.
 */
export function xorInto(a: Uint8Array, b: Uint8Array): Uint8Array {
  for (let i = 0; i < a.length; i++) a[i] ^= b[i];
  return a;
}

/**
 * The merge function of a task's encoded aggregate shares (VDAF `merge`).
 *
 * @returns a function adding two encoded aggregate shares.
 */
export function mergeFor(task: Task): MergeAggShares {
  return (a, b) => {
    const vdaf = task.vdaf;
    return vdaf.encodeAggShare(vdaf.merge([vdaf.decodeAggShare(a), vdaf.decodeAggShare(b)]));
  };
}

/** A verified output share ready to be committed. */
export interface OutputShare {
  reportId: Uint8Array;
  time: number;
  bucket: Uint8Array;
  outShare: FieldVec;
}

/**
 * Commits output shares: rejects those whose bucket is collected (`batch_collected`) or whose
 * report was aggregated before (`report_replayed`), and adds the rest to their buckets, all in
 * the caller's transaction (draft-ietf-ppm-dap-18 §4.5.4.3).
 *
 * @param tx - the open transaction.
 * @param task - the task.
 * @param shares - the output shares.
 * @param shardCount - shards per bucket.
 * @returns per share, the report error, or undefined when committed.
 */
export async function commitOutputShares(
  tx: Transaction,
  task: Task,
  shares: readonly OutputShare[],
  shardCount: number,
): Promise<(number | undefined)[]> {
  const results: (number | undefined)[] = new Array(shares.length).fill(undefined);
  if (shares.length === 0) return results;

  // draft-ietf-ppm-dap-18 §4.5.4.3: a collected bucket takes no more output shares.
  const distinct = new Map<string, Uint8Array>();
  for (const s of shares) distinct.set(Buffer.from(s.bucket).toString('hex'), s.bucket);
  const statuses = await tx.lockBucketsForCommit(task.id, [...distinct.values()]);
  const collected = new Set(
    statuses
      .filter((s) => s.collectedBy !== null)
      .map((s) => Buffer.from(s.bucket).toString('hex')),
  );
  const open: number[] = [];
  shares.forEach((s, i) => {
    if (collected.has(Buffer.from(s.bucket).toString('hex')))
      results[i] = ReportError.batch_collected;
    else open.push(i);
  });

  // draft-ietf-ppm-dap-18 §4.5.4.3: a report ID is aggregated at most once per task.
  const fresh = await tx.markReportsAggregated(
    task.id,
    open.map((i) => shares[i].reportId),
    open.map((i) => shares[i].time),
  );
  const perBucket = new Map<string, { bucket: Uint8Array; items: OutputShare[] }>();
  open.forEach((i, k) => {
    if (!fresh[k]) {
      results[i] = ReportError.report_replayed;
      return;
    }
    const key = Buffer.from(shares[i].bucket).toString('hex');
    const entry = perBucket.get(key) ?? { bucket: shares[i].bucket, items: [] };
    entry.items.push(shares[i]);
    perBucket.set(key, entry);
  });

  for (const { bucket, items } of perBucket.values()) {
    const checksum = new Uint8Array(32);
    for (const it of items) xorInto(checksum, reportChecksum(it.reportId));
    const aggShare = task.vdaf.aggregate(items.map((it) => it.outShare));
    await tx.accumulate(
      task.id,
      bucket,
      shardCount,
      {
        aggShare: task.vdaf.encodeAggShare(aggShare),
        count: items.length,
        checksum,
        timeMin: Math.min(...items.map((it) => it.time)),
        timeMax: Math.max(...items.map((it) => it.time)),
      },
      mergeFor(task),
    );
  }
  return results;
}

// The one Datastore test suite, run against every implementation (SQLite and PostgreSQL).
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/store/migrations.js';
import type {
  AggregationJobRecord,
  BatchAggregationDelta,
  CollectionJobRecord,
  Datastore,
  ReportAggregationRecord,
} from '../src/store/types.js';

const u8 = (n: number, fill = 0): Uint8Array => new Uint8Array(n).fill(fill);
const id16 = (): Uint8Array => new Uint8Array(randomBytes(16));
const id32 = (): Uint8Array => new Uint8Array(randomBytes(32));

/** A toy aggregate share: one big-endian u64, merged by addition. */
const share = (v: bigint): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
};
const shareValue = (b: Uint8Array): bigint =>
  new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
const merge = (a: Uint8Array, b: Uint8Array): Uint8Array => share(shareValue(a) + shareValue(b));
const checksumOf = (reportId: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(reportId).digest());

function delta(value: bigint, reportId: Uint8Array, time: number): BatchAggregationDelta {
  return {
    aggShare: share(value),
    count: 1,
    checksum: checksumOf(reportId),
    timeMin: time,
    timeMax: time,
  };
}

function job(
  taskId: Uint8Array,
  jobId: Uint8Array,
  extra: Partial<AggregationJobRecord> = {},
): AggregationJobRecord {
  return {
    taskId,
    jobId,
    aggParam: new Uint8Array(0),
    batchId: null,
    state: 'active',
    step: 0,
    requestHash: null,
    response: null,
    timeMin: 100,
    timeMax: 105,
    createdAt: 1,
    ...extra,
  };
}

function collectionJob(taskId: Uint8Array, jobId: Uint8Array): CollectionJobRecord {
  return {
    taskId,
    jobId,
    request: u8(10, 7),
    state: 'start',
    buckets: null,
    error: null,
    reportCount: 0,
    intervalStart: 0,
    intervalDuration: 0,
    response: null,
    noise: null,
    createdAt: 5,
  };
}

class Boom extends Error {}

/**
 * Registers the datastore suite.
 *
 * @param name - implementation name for the describe block.
 * @param open - opens a fresh, empty, migrated datastore.
 * @param cleanup - removes what `open` created.
 */
export function datastoreSuite(
  name: string,
  open: () => Promise<Datastore>,
  cleanup: (ds: Datastore) => Promise<void> = (ds) => ds.close(),
): void {
  describe(`Datastore (${name})`, () => {
    async function withStore(fn: (ds: Datastore) => Promise<void>): Promise<void> {
      const ds = await open();
      try {
        await fn(ds);
      } finally {
        await cleanup(ds);
      }
    }

    it('applies every migration once', () =>
      withStore(async (ds) => {
        expect(await ds.schemaVersion()).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
      }));

    it('stores, replaces, lists and deletes tasks', () =>
      withStore(async (ds) => {
        const taskId = id32();
        await ds.transaction('t', (tx) => tx.putTask({ taskId, role: 'leader', spec: '{"a":1}' }));
        await ds.transaction('t', (tx) => tx.putTask({ taskId, role: 'helper', spec: '{"a":2}' }));
        const got = await ds.transaction('t', (tx) => tx.getTask(taskId));
        expect(got).toEqual({ taskId, role: 'helper', spec: '{"a":2}' });
        expect(await ds.transaction('t', (tx) => tx.listTasks())).toHaveLength(1);
        expect(await ds.transaction('t', (tx) => tx.deleteTask(taskId))).toBe(true);
        expect(await ds.transaction('t', (tx) => tx.getTask(taskId))).toBeNull();
        expect(await ds.transaction('t', (tx) => tx.deleteTask(taskId))).toBe(false);
      }));

    it('stores HPKE keys and changes their state', () =>
      withStore(async (ds) => {
        const key = {
          configId: 7,
          config: u8(40, 1),
          privateKey: u8(32, 2),
          state: 'active' as const,
          createdAt: 9,
        };
        await ds.transaction('t', (tx) => tx.putHpkeKey(key));
        expect(await ds.transaction('t', (tx) => tx.getHpkeKey(7))).toEqual(key);
        expect(await ds.transaction('t', (tx) => tx.setHpkeKeyState(7, 'expired'))).toBe(true);
        expect((await ds.transaction('t', (tx) => tx.listHpkeKeys()))[0].state).toBe('expired');
        expect(await ds.transaction('t', (tx) => tx.getHpkeKey(8))).toBeNull();
      }));

    it('rolls back everything a failed transaction did', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const reportId = id16();
        await expect(
          ds.transaction('t', async (tx) => {
            await tx.putTask({ taskId, role: 'leader', spec: '{}' });
            await tx.putClientReport({ taskId, reportId, time: 1, encoded: u8(5, 1) });
            await tx.markReportsAggregated(taskId, [reportId]);
            throw new Boom('abort');
          }),
        ).rejects.toBeInstanceOf(Boom);
        await ds.transaction('t', async (tx) => {
          expect(await tx.getTask(taskId)).toBeNull();
          expect(await tx.getClientReport(taskId, reportId)).toBeNull();
          expect(await tx.markReportsAggregated(taskId, [reportId])).toEqual([true]);
        });
      }));

    it('accepts a report ID once and claims pending reports oldest first', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const ids = [id16(), id16(), id16(), id16()];
        await ds.transaction('t', async (tx) => {
          for (const [i, reportId] of ids.entries()) {
            expect(
              await tx.putClientReport({ taskId, reportId, time: 10 - i, encoded: u8(3, i + 1) }),
            ).toBe(true);
          }
        });
        const dup = await ds.transaction('t', (tx) =>
          tx.putClientReport({ taskId, reportId: ids[0], time: 99, encoded: u8(1, 9) }),
        );
        expect(dup).toBe(false);
        const first = await ds.transaction('t', (tx) => tx.getClientReport(taskId, ids[0]));
        expect(first?.time).toBe(10);
        expect(first?.encoded).toEqual(u8(3, 1));

        expect(await ds.transaction('t', (tx) => tx.tasksWithPendingReports(4))).toEqual([taskId]);
        expect(await ds.transaction('t', (tx) => tx.tasksWithPendingReports(5))).toEqual([]);
        const claimed = await ds.transaction('t', (tx) => tx.claimPendingReports(taskId, 3));
        expect(claimed.map((r) => r.time)).toEqual([7, 8, 9]);
        expect(claimed.every((r) => r.state === 'claimed')).toBe(true);
        const rest = await ds.transaction('t', (tx) => tx.claimPendingReports(taskId, 3));
        expect(rest.map((r) => r.time)).toEqual([10]);
        expect(await ds.transaction('t', (tx) => tx.claimPendingReports(taskId, 3))).toEqual([]);

        await ds.transaction('t', (tx) => tx.unclaimReports(taskId, [claimed[0].reportId]));
        expect(await ds.transaction('t', (tx) => tx.countClientReports(taskId, 'pending'))).toBe(1);
        await ds.transaction('t', (tx) => tx.finishReports(taskId, [claimed[1].reportId]));
        const done = await ds.transaction('t', (tx) =>
          tx.getClientReport(taskId, claimed[1].reportId),
        );
        expect(done?.state).toBe('done');
        expect(done?.encoded).toEqual(new Uint8Array(0));
        expect(
          await ds.transaction('t', (tx) => tx.countClientReports(taskId, 'claimed', 8, 11)),
        ).toBe(2);
      }));

    it('never hands the same pending report to two concurrent claimers', () =>
      withStore(async (ds) => {
        const taskId = id32();
        await ds.transaction('t', async (tx) => {
          for (let i = 0; i < 40; i++)
            await tx.putClientReport({ taskId, reportId: id16(), time: i, encoded: u8(1) });
        });
        const batches = await Promise.all(
          Array.from({ length: 4 }, () =>
            ds.transaction('claim', (tx) => tx.claimPendingReports(taskId, 15)),
          ),
        );
        const all = batches.flat().map((r) => Buffer.from(r.reportId).toString('hex'));
        expect(all).toHaveLength(40);
        expect(new Set(all).size).toBe(40);
      }));

    it('stores aggregation jobs with their report aggregations', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const jobId = id16();
        const ras: ReportAggregationRecord[] = [0, 1].map((ord) => ({
          taskId,
          jobId,
          ord,
          reportId: id16(),
          time: 100 + ord,
          state: 'init',
          error: null,
          payload: u8(4, ord),
        }));
        await ds.transaction('t', (tx) =>
          tx.putAggregationJob(job(taskId, jobId, { batchId: u8(32, 3) }), ras),
        );
        expect(await ds.transaction('t', (tx) => tx.getAggregationJob(taskId, jobId))).toEqual(
          job(taskId, jobId, { batchId: u8(32, 3) }),
        );
        expect(await ds.transaction('t', (tx) => tx.getReportAggregations(taskId, jobId))).toEqual(
          ras,
        );
        await ds.transaction('t', async (tx) => {
          await tx.updateReportAggregation({
            ...ras[1],
            state: 'rejected',
            error: 6,
            payload: null,
          });
          await tx.updateAggregationJob(
            job(taskId, jobId, { state: 'finished', step: 1, response: u8(3, 1) }),
          );
        });
        const after = await ds.transaction('t', (tx) => tx.getReportAggregations(taskId, jobId));
        expect(after[1]).toMatchObject({ state: 'rejected', error: 6, payload: null });
        const j = await ds.transaction('t', (tx) => tx.getAggregationJob(taskId, jobId));
        expect(j).toMatchObject({ state: 'finished', step: 1, response: u8(3, 1) });
        await expect(
          ds.transaction('t', (tx) => tx.updateAggregationJob(job(taskId, id16()))),
        ).rejects.toMatchObject({ code: 'STORE' });
        await expect(
          ds.transaction('t', (tx) => tx.putAggregationJob(job(taskId, jobId), [])),
        ).rejects.toThrow();
      }));

    it('counts active aggregation jobs by time range and by batch', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const batchId = id32();
        await ds.transaction('t', async (tx) => {
          await tx.putAggregationJob(job(taskId, id16(), { timeMin: 10, timeMax: 19 }), []);
          await tx.putAggregationJob(
            job(taskId, id16(), { timeMin: 30, timeMax: 30, batchId }),
            [],
          );
          await tx.putAggregationJob(
            job(taskId, id16(), { timeMin: 10, timeMax: 40, state: 'finished' }),
            [],
          );
        });
        const count = (scope: { timeFrom: number; timeTo: number } | { batchId: Uint8Array }) =>
          ds.transaction('t', (tx) => tx.countActiveAggregationJobs(taskId, scope));
        expect(await count({ timeFrom: 0, timeTo: 10 })).toBe(0);
        expect(await count({ timeFrom: 0, timeTo: 11 })).toBe(1);
        expect(await count({ timeFrom: 19, timeTo: 31 })).toBe(2);
        expect(await count({ timeFrom: 20, timeTo: 30 })).toBe(0);
        expect(await count({ batchId })).toBe(1);
        expect(await count({ batchId: id32() })).toBe(0);
      }));

    it('leases jobs exclusively until expiry, then to a new holder', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const jobId = id16();
        await ds.transaction('t', (tx) => tx.putAggregationJob(job(taskId, jobId), []));
        const [lease] = await ds.transaction('t', (tx) => tx.acquireAggregationJobs(1000, 500, 10));
        expect(lease).toMatchObject({ taskId, jobId, expiry: 1500, attempts: 1 });
        expect(await ds.transaction('t', (tx) => tx.acquireAggregationJobs(1499, 500, 10))).toEqual(
          [],
        );
        expect(await ds.transaction('t', (tx) => tx.holdsAggregationLease(lease, 1499))).toBe(true);
        expect(await ds.transaction('t', (tx) => tx.holdsAggregationLease(lease, 1500))).toBe(
          false,
        );

        const [second] = await ds.transaction('t', (tx) =>
          tx.acquireAggregationJobs(1500, 500, 10),
        );
        expect(second.attempts).toBe(2);
        expect(await ds.transaction('t', (tx) => tx.releaseAggregationJob(lease, 0))).toBe(false);
        expect(await ds.transaction('t', (tx) => tx.holdsAggregationLease(lease, 1600))).toBe(
          false,
        );
        expect(await ds.transaction('t', (tx) => tx.releaseAggregationJob(second, 3000))).toBe(
          true,
        );
        expect(await ds.transaction('t', (tx) => tx.acquireAggregationJobs(2999, 500, 10))).toEqual(
          [],
        );
        expect(
          await ds.transaction('t', (tx) => tx.acquireAggregationJobs(3000, 500, 10)),
        ).toHaveLength(1);

        await ds.transaction('t', (tx) =>
          tx.updateAggregationJob(job(taskId, jobId, { state: 'finished' })),
        );
        expect(await ds.transaction('t', (tx) => tx.acquireAggregationJobs(1e12, 500, 10))).toEqual(
          [],
        );
      }));

    it('gives concurrent acquirers distinct jobs', () =>
      withStore(async (ds) => {
        const taskId = id32();
        await ds.transaction('t', async (tx) => {
          for (let i = 0; i < 6; i++) await tx.putAggregationJob(job(taskId, id16()), []);
        });
        const leases = await Promise.all(
          Array.from({ length: 6 }, () =>
            ds.transaction('lease', (tx) => tx.acquireAggregationJobs(10, 1000, 1)),
          ),
        );
        const ids = leases.flat().map((l) => Buffer.from(l.jobId).toString('hex'));
        expect(ids).toHaveLength(6);
        expect(new Set(ids).size).toBe(6);
      }));

    it('detects replays through the aggregated-report set', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const [a, b] = [id16(), id16()];
        expect(await ds.transaction('t', (tx) => tx.markReportsAggregated(taskId, [a, b]))).toEqual(
          [true, true],
        );
        expect(
          await ds.transaction('t', (tx) => tx.markReportsAggregated(taskId, [b, id16()])),
        ).toEqual([false, true]);
        expect(await ds.transaction('t', (tx) => tx.markReportsAggregated(id32(), [a]))).toEqual([
          true,
        ]);
      }));

    it('accumulates into sharded batch buckets and merges on read', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const bucket = u8(8, 1);
        const ids = Array.from({ length: 30 }, id16);
        for (const [i, reportId] of ids.entries()) {
          await ds.transaction('t', async (tx) => {
            await tx.lockBucketsForCommit(taskId, [bucket]);
            await tx.accumulate(taskId, bucket, 4, delta(BigInt(i), reportId, 50 + (i % 7)), merge);
          });
        }
        const rows = await ds.transaction('t', (tx) => tx.readBatchAggregations(taskId, [bucket]));
        expect(rows.length).toBeGreaterThan(1);
        expect(rows.length).toBeLessThanOrEqual(4);
        expect(rows.reduce((s, r) => s + shareValue(r.aggShare), 0n)).toBe(435n);
        expect(rows.reduce((s, r) => s + r.count, 0)).toBe(30);
        const xor = u8(32);
        for (const r of rows) for (let i = 0; i < 32; i++) xor[i] ^= r.checksum[i];
        const want = u8(32);
        for (const id of ids) {
          const c = checksumOf(id);
          for (let i = 0; i < 32; i++) want[i] ^= c[i];
        }
        expect(xor).toEqual(want);
        expect(Math.min(...rows.map((r) => r.timeMin))).toBe(50);
        expect(Math.max(...rows.map((r) => r.timeMax))).toBe(56);
        expect(await ds.transaction('t', (tx) => tx.summarizeBuckets(taskId))).toEqual([
          { bucket, count: 30, collectedBy: null },
        ]);
        await expect(
          ds.transaction('t', (tx) =>
            tx.accumulate(taskId, bucket, 1, { ...delta(1n, id16(), 1), checksum: u8(31) }, merge),
          ),
        ).rejects.toMatchObject({ code: 'STORE' });
      }));

    it('loses no update under concurrent accumulation into one bucket', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const bucket = u8(8, 2);
        await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            ds.transaction('acc', async (tx) => {
              await tx.lockBucketsForCommit(taskId, [bucket]);
              await tx.accumulate(taskId, bucket, 2, delta(BigInt(i + 1), id16(), 1), merge);
            }),
          ),
        );
        const rows = await ds.transaction('t', (tx) => tx.readBatchAggregations(taskId, [bucket]));
        expect(rows.reduce((s, r) => s + shareValue(r.aggShare), 0n)).toBe(300n);
        expect(rows.reduce((s, r) => s + r.count, 0)).toBe(24);
      }));

    it('orders a collection after a commit that locked the bucket first', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const bucket = u8(8, 3);
        const collector = id16();
        let locked = (): void => {};
        const lockedP = new Promise<void>((r) => (locked = r));
        let proceed = (): void => {};
        const proceedP = new Promise<void>((r) => (proceed = r));
        const commit = ds.transaction('commit', async (tx) => {
          const [status] = await tx.lockBucketsForCommit(taskId, [bucket]);
          expect(status.collectedBy).toBeNull();
          locked();
          await proceedP;
          await tx.accumulate(taskId, bucket, 1, delta(5n, id16(), 1), merge);
        });
        await lockedP;
        const collect = ds.transaction('collect', async (tx) => {
          const [status] = await tx.lockBucketsForCollect(taskId, [bucket]);
          expect(status.collectedBy).toBeNull();
          await tx.markBucketsCollected(taskId, [bucket], collector);
          return tx.readBatchAggregations(taskId, [bucket]);
        });
        await new Promise((r) => setTimeout(r, 50));
        proceed();
        await commit;
        const rows = await collect;
        expect(rows.map((r) => shareValue(r.aggShare))).toEqual([5n]);
        const [after] = await ds.transaction('t', (tx) =>
          tx.lockBucketsForCommit(taskId, [bucket]),
        );
        expect(after.collectedBy).toEqual(collector);
      }));

    it('stores and leases collection jobs', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const jobId = id16();
        expect(
          await ds.transaction('t', (tx) => tx.putCollectionJob(collectionJob(taskId, jobId))),
        ).toBe(true);
        expect(
          await ds.transaction('t', (tx) => tx.putCollectionJob(collectionJob(taskId, jobId))),
        ).toBe(false);
        expect(await ds.transaction('t', (tx) => tx.getCollectionJob(taskId, jobId))).toEqual(
          collectionJob(taskId, jobId),
        );
        const [lease] = await ds.transaction('t', (tx) => tx.acquireCollectionJobs(10, 100, 5));
        expect(lease.jobId).toEqual(jobId);
        expect(await ds.transaction('t', (tx) => tx.holdsCollectionLease(lease, 50))).toBe(true);
        const buckets = [u8(8, 1), u8(8, 2)];
        const finished: CollectionJobRecord = {
          ...collectionJob(taskId, jobId),
          state: 'finished',
          buckets,
          reportCount: 12,
          intervalStart: 3,
          intervalDuration: 2,
          response: u8(20, 4),
          noise: 'leader=discrete-laplace',
        };
        await ds.transaction('t', (tx) => tx.updateCollectionJob(finished));
        expect(await ds.transaction('t', (tx) => tx.getCollectionJob(taskId, jobId))).toEqual(
          finished,
        );
        expect(await ds.transaction('t', (tx) => tx.releaseCollectionJob(lease, 0))).toBe(true);
        expect(await ds.transaction('t', (tx) => tx.acquireCollectionJobs(1e12, 100, 5))).toEqual(
          [],
        );
      }));

    it('stores aggregate-share jobs once and deletes them', () =>
      withStore(async (ds) => {
        const rec = {
          taskId: id32(),
          jobId: id16(),
          requestHash: u8(32, 1),
          buckets: [u8(32, 9)],
          reportCount: 3,
          checksum: u8(32, 2),
          response: u8(50, 3),
          createdAt: 4,
        };
        expect(await ds.transaction('t', (tx) => tx.putAggregateShareJob(rec))).toBe(true);
        expect(
          await ds.transaction('t', (tx) => tx.putAggregateShareJob({ ...rec, reportCount: 9 })),
        ).toBe(false);
        expect(
          await ds.transaction('t', (tx) => tx.getAggregateShareJob(rec.taskId, rec.jobId)),
        ).toEqual(rec);
        expect(
          await ds.transaction('t', (tx) => tx.deleteAggregateShareJob(rec.taskId, rec.jobId)),
        ).toBe(true);
        expect(
          await ds.transaction('t', (tx) => tx.getAggregateShareJob(rec.taskId, rec.jobId)),
        ).toBeNull();
      }));

    it('fills and closes leader-selected batches', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const [b1, b2] = [id32(), id32()];
        await ds.transaction('t', async (tx) => {
          await tx.putOutstandingBatch({
            taskId,
            batchId: b1,
            assigned: 0,
            closed: false,
            createdAt: 1,
          });
          await tx.putOutstandingBatch({
            taskId,
            batchId: b2,
            assigned: 0,
            closed: false,
            createdAt: 2,
          });
        });
        expect((await ds.transaction('t', (tx) => tx.getOpenBatch(taskId)))?.batchId).toEqual(b1);
        await ds.transaction('t', (tx) => tx.assignToBatch(taskId, b1, 6, 10));
        expect((await ds.transaction('t', (tx) => tx.getOpenBatch(taskId)))?.assigned).toBe(6);
        await ds.transaction('t', (tx) => tx.assignToBatch(taskId, b1, 4, 10));
        expect((await ds.transaction('t', (tx) => tx.getOpenBatch(taskId)))?.batchId).toEqual(b2);
        const all = await ds.transaction('t', (tx) => tx.listOutstandingBatches(taskId));
        expect(all.map((b) => [b.assigned, b.closed])).toEqual([
          [10, true],
          [0, false],
        ]);
      }));
  });
}

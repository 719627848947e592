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
          deleteAfter: null,
        };
        await ds.transaction('t', (tx) => tx.putHpkeKey(key));
        expect(await ds.transaction('t', (tx) => tx.getHpkeKey(7))).toEqual(key);
        expect(await ds.transaction('t', (tx) => tx.setHpkeKeyState(7, 'expired'))).toBe(true);
        expect((await ds.transaction('t', (tx) => tx.listHpkeKeys()))[0].state).toBe('expired');
        expect(await ds.transaction('t', (tx) => tx.getHpkeKey(8))).toBeNull();
      }));

    it('rotates HPKE keys: expires the others with a deletion time, deletes them when due', () =>
      withStore(async (ds) => {
        const key = (configId: number, createdAt: number) => ({
          configId,
          config: u8(40, configId),
          privateKey: u8(32, configId),
          state: 'active' as const,
          createdAt,
          deleteAfter: null,
        });
        await ds.transaction('t', async (tx) => {
          expect(await tx.insertHpkeKey(key(1, 10))).toBe(true);
          expect(await tx.insertHpkeKey(key(2, 20))).toBe(true);
          // A taken config ID changes nothing.
          expect(await tx.insertHpkeKey({ ...key(1, 99), privateKey: u8(32, 9) })).toBe(false);
          await tx.putHpkeKey({ ...key(3, 5), state: 'expired' });
        });
        expect(await ds.transaction('t', (tx) => tx.getHpkeKey(1))).toEqual(key(1, 10));
        await ds.transaction('t', (tx) => tx.insertHpkeKey(key(4, 30)));
        expect(await ds.transaction('t', (tx) => tx.retireHpkeKeys(4, 1000))).toEqual([1, 2]);
        const listed = await ds.transaction('t', (tx) => tx.listHpkeKeys());
        expect(listed.map((k) => [k.configId, k.state, k.deleteAfter])).toEqual([
          [4, 'active', null],
          [2, 'expired', 1000],
          [1, 'expired', 1000],
          [3, 'expired', null],
        ]);
        expect(await ds.transaction('t', (tx) => tx.deleteRetiredHpkeKeys(999))).toEqual([]);
        expect(await ds.transaction('t', (tx) => tx.deleteRetiredHpkeKeys(1000))).toEqual([1, 2]);
        // A key expired without a deletion time, and the active one, stay.
        const left = await ds.transaction('t', (tx) => tx.listHpkeKeys());
        expect(left.map((k) => k.configId)).toEqual([4, 3]);
        expect(await ds.transaction('t', (tx) => tx.deleteRetiredHpkeKeys(1e15))).toEqual([]);
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

    it('names the tasks with at least a minimum of pending reports, ignoring finished ones', () =>
      withStore(async (ds) => {
        const [a, b, c] = [id32(), id32(), id32()];
        const put = (taskId: Uint8Array, n: number) =>
          ds.transaction('t', async (tx) => {
            const ids = Array.from({ length: n }, () => id16());
            for (const reportId of ids) {
              await tx.putClientReport({ taskId, reportId, time: 1, encoded: u8(1) });
            }
            return ids;
          });
        await put(a, 3);
        await put(b, 1);
        const finished = [...(await put(b, 5)), ...(await put(c, 4))];
        await ds.transaction('t', async (tx) => {
          await tx.finishReports(b, finished.slice(0, 5));
          await tx.finishReports(c, finished.slice(5));
        });
        const sorted = (ids: Uint8Array[]) => ids.map((x) => Buffer.from(x).toString('hex')).sort();
        const ask = async (minimum: number) =>
          sorted(await ds.transaction('t', (tx) => tx.tasksWithPendingReports(minimum)));
        expect(await ask(1)).toEqual(sorted([a, b]));
        // A minimum of 0 still means at least one pending report.
        expect(await ask(0)).toEqual(sorted([a, b]));
        expect(await ask(2)).toEqual(sorted([a]));
        expect(await ask(3)).toEqual(sorted([a]));
        expect(await ask(4)).toEqual([]);
        // The answer comes in task ID order.
        const inOrder = await ds.transaction('t', (tx) => tx.tasksWithPendingReports(1));
        expect(inOrder.map((x) => Buffer.from(x).toString('hex'))).toEqual(sorted([a, b]));
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
        // Claiming names the reports without reading their bodies; the bodies stay stored.
        expect(claimed.every((r) => !('encoded' in r))).toBe(true);
        const bodies = await ds.transaction('t', (tx) =>
          tx.getClientReports(
            taskId,
            claimed.map((r) => r.reportId),
          ),
        );
        expect(bodies.map((b) => [b?.state, b?.encoded.length, b?.taskId])).toEqual(
          claimed.map(() => ['claimed', 3, taskId]),
        );
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

    it('stores many reports at once: each new ID once, known and repeated IDs refused', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const other = id32();
        const known = id16();
        await ds.transaction('t', (tx) =>
          tx.putClientReport({ taskId, reportId: known, time: 1, encoded: u8(1, 1) }),
        );
        const ids = Array.from({ length: 230 }, () => id16());
        const batch = [
          ...ids.map((reportId, i) => ({ taskId, reportId, time: i, encoded: u8(3, i % 256) })),
          { taskId, reportId: known, time: 5, encoded: u8(1, 2) },
          { taskId, reportId: ids[7], time: 99, encoded: u8(1, 3) },
          { taskId: other, reportId: ids[7], time: 8, encoded: u8(1, 4) },
        ];
        const stored = await ds.transaction('t', (tx) => tx.putClientReports(batch));
        expect(stored).toEqual([...ids.map(() => true), false, false, true]);
        expect(await ds.transaction('t', (tx) => tx.countClientReports(taskId, 'pending'))).toBe(
          231,
        );
        const [seven, theirs, first] = await ds.transaction('t', async (tx) => [
          await tx.getClientReport(taskId, ids[7]),
          await tx.getClientReport(other, ids[7]),
          await tx.getClientReport(taskId, known),
        ]);
        // The first of the repeated ID was kept, and the known report is unchanged.
        expect(seven).toMatchObject({ time: 7, encoded: u8(3, 7), state: 'pending' });
        expect(theirs).toMatchObject({ time: 8, encoded: u8(1, 4) });
        expect(first).toMatchObject({ time: 1, encoded: u8(1, 1) });
        expect(await ds.transaction('t', (tx) => tx.putClientReports([]))).toEqual([]);
      }));

    it('reads, unclaims and finishes many reports at once, past one statement of rows', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const other = id32();
        // 250 reports: more than one chunk of the batched statements (100 rows each).
        const ids = Array.from({ length: 250 }, () => id16());
        await ds.transaction('t', async (tx) => {
          for (const [i, reportId] of ids.entries())
            await tx.putClientReport({ taskId, reportId, time: i, encoded: u8(2, i % 256) });
          await tx.putClientReport({ taskId: other, reportId: ids[0], time: 1, encoded: u8(1) });
        });
        const unknown = id16();
        const asked = [ids[249], unknown, ...ids.slice(0, 200), ids[5]];
        const got = await ds.transaction('t', (tx) => tx.getClientReports(taskId, asked));
        expect(got).toHaveLength(asked.length);
        expect(got[0]).toMatchObject({ taskId, reportId: ids[249], time: 249, state: 'pending' });
        expect(got[0]?.encoded).toEqual(u8(2, 249));
        expect(got[1]).toBeNull();
        got.slice(2, 202).forEach((r, i) => expect(r?.time).toBe(i));
        expect(got[202]?.time).toBe(5);
        expect(await ds.transaction('t', (tx) => tx.getClientReports(taskId, []))).toEqual([]);

        const claimed = await ds.transaction('t', (tx) => tx.claimPendingReports(taskId, 250));
        expect(claimed).toHaveLength(250);
        await ds.transaction('t', (tx) => tx.unclaimReports(taskId, ids.slice(0, 120)));
        expect(await ds.transaction('t', (tx) => tx.countClientReports(taskId, 'pending'))).toBe(
          120,
        );
        await ds.transaction('t', (tx) => tx.finishReports(taskId, ids.slice(100, 250)));
        const counts = await ds.transaction('t', async (tx) => ({
          pending: await tx.countClientReports(taskId, 'pending'),
          claimed: await tx.countClientReports(taskId, 'claimed'),
          done: await tx.countClientReports(taskId, 'done'),
        }));
        // 0..99 pending; 100..249 done (20 of them were pending, 130 claimed); none claimed.
        expect(counts).toEqual({ pending: 100, claimed: 0, done: 150 });
        const done = await ds.transaction('t', (tx) => tx.getClientReports(taskId, [ids[150]]));
        expect(done[0]?.encoded).toEqual(new Uint8Array(0));
        // The other task's report with the same ID is untouched.
        const theirs = await ds.transaction('t', (tx) => tx.getClientReport(other, ids[0]));
        expect(theirs).toMatchObject({ state: 'pending', encoded: u8(1) });
      }));

    it('updates many report aggregations of a job at once, refusing a missing one', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const jobId = id16();
        const ras: ReportAggregationRecord[] = Array.from({ length: 230 }, (_, ord) => ({
          taskId,
          jobId,
          ord,
          reportId: id16(),
          time: ord,
          state: 'init',
          error: null,
          payload: u8(3, ord % 256),
        }));
        await ds.transaction('t', (tx) => tx.putAggregationJob(job(taskId, jobId), ras));
        expect(await ds.transaction('t', (tx) => tx.getReportAggregations(taskId, jobId))).toEqual(
          ras,
        );
        const updated = ras.map((ra): ReportAggregationRecord => {
          if (ra.ord % 50 === 7) return { ...ra, state: 'rejected', error: 6, payload: null };
          if (ra.ord === 3) return { ...ra, state: 'continued', payload: u8(2, 9) };
          return { ...ra, state: 'finished', payload: null };
        });
        await ds.transaction('t', (tx) => tx.updateReportAggregations(updated));
        expect(await ds.transaction('t', (tx) => tx.getReportAggregations(taskId, jobId))).toEqual(
          updated,
        );
        // One row that does not exist: an error, and the transaction changes nothing.
        const missing = { ...updated[0], ord: 999, state: 'finished' as const };
        const again = updated.map((ra) => ({ ...ra, state: 'rejected' as const, error: 1 }));
        await expect(
          ds.transaction('t', (tx) => tx.updateReportAggregations([...again, missing])),
        ).rejects.toMatchObject({ code: 'STORE' });
        expect(await ds.transaction('t', (tx) => tx.getReportAggregations(taskId, jobId))).toEqual(
          updated,
        );
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

    it('marks a lease taken over from a holder whose lease ran out, not a released one', () =>
      withStore(async (ds) => {
        const taskId = id32();
        await ds.transaction('t', (tx) => tx.putAggregationJob(job(taskId, id16()), []));
        await ds.transaction('t', (tx) => tx.putCollectionJob(collectionJob(taskId, id16())));
        const [first] = await ds.transaction('t', (tx) => tx.acquireAggregationJobs(1000, 500, 5));
        expect(first.takeover).toBe(false);
        const [taken] = await ds.transaction('t', (tx) => tx.acquireAggregationJobs(1500, 500, 5));
        expect(taken).toMatchObject({ attempts: 2, takeover: true });
        expect(await ds.transaction('t', (tx) => tx.releaseAggregationJob(taken, 1600))).toBe(true);
        const [again] = await ds.transaction('t', (tx) => tx.acquireAggregationJobs(1600, 500, 5));
        expect(again).toMatchObject({ attempts: 3, takeover: false });

        const [c1] = await ds.transaction('t', (tx) => tx.acquireCollectionJobs(10, 100, 5));
        expect(c1.takeover).toBe(false);
        const [c2] = await ds.transaction('t', (tx) => tx.acquireCollectionJobs(110, 100, 5));
        expect(c2.takeover).toBe(true);
      }));

    it('counts queue depths over every task', () =>
      withStore(async (ds) => {
        const [t1, t2] = [id32(), id32()];
        await ds.transaction('t', async (tx) => {
          for (let i = 0; i < 5; i++) {
            await tx.putClientReport({ taskId: t1, reportId: id16(), time: i, encoded: u8(1) });
          }
          await tx.putClientReport({ taskId: t2, reportId: id16(), time: 1, encoded: u8(1) });
          await tx.putAggregationJob(job(t1, id16()), []);
          await tx.putAggregationJob(job(t1, id16(), { state: 'finished' }), []);
          await tx.putCollectionJob(collectionJob(t2, id16()));
          await tx.putCollectionJob({ ...collectionJob(t2, id16()), state: 'finished' });
        });
        const claimed = await ds.transaction('t', (tx) => tx.claimPendingReports(t1, 2));
        await ds.transaction('t', (tx) => tx.finishReports(t1, [claimed[0].reportId]));
        expect(await ds.transaction('t', (tx) => tx.queueDepths())).toEqual({
          pendingReports: 4,
          claimedReports: 1,
          activeAggregationJobs: 1,
          pendingCollectionJobs: 1,
        });
        // Back-pressure bounds the whole backlog: pending and claimed, not finished ones.
        expect(await ds.transaction('t', (tx) => tx.countUnaggregatedReports())).toBe(5);
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
        // An ID given twice is new at its first position only; past one statement of rows.
        const many = Array.from({ length: 230 }, () => id16());
        const c = id16();
        const asked = [...many, c, a, c];
        const marked = await ds.transaction('t', (tx) =>
          tx.markReportsAggregated(
            taskId,
            asked,
            asked.map((_, i) => i),
          ),
        );
        expect(marked).toEqual([...many.map(() => true), true, false, false]);
        expect(
          await ds.transaction('t', (tx) => tx.markReportsAggregated(taskId, [many[150], c])),
        ).toEqual([false, false]);
      }));

    it('garbage-collects expired state in bounded batches, never what is still needed', () =>
      withStore(async (ds) => {
        const [taskId, other] = [id32(), id32()];
        const old = Array.from({ length: 5 }, id16);
        const fresh = id16();
        const claimedId = id16();
        await ds.transaction('t', async (tx) => {
          for (const reportId of old) {
            await tx.putClientReport({ taskId, reportId, time: 10, encoded: u8(2) });
          }
          await tx.putClientReport({ taskId, reportId: fresh, time: 50, encoded: u8(2) });
          await tx.putClientReport({ taskId, reportId: claimedId, time: 1, encoded: u8(2) });
          await tx.putClientReport({ taskId: other, reportId: id16(), time: 1, encoded: u8(2) });
        });
        // The oldest report is claimed into an active job: it and the job must stay.
        const [claimed] = await ds.transaction('t', (tx) => tx.claimPendingReports(taskId, 1));
        expect(claimed.reportId).toEqual(claimedId);
        await ds.transaction('t', (tx) => tx.finishReports(taskId, [old[0]]));
        await ds.transaction('t', async (tx) => {
          expect(await tx.markReportsAggregated(taskId, old.slice(0, 3), [10, 10, 10])).toEqual([
            true,
            true,
            true,
          ]);
          await tx.markReportsAggregated(taskId, [fresh], [50]);
          // Without a time an entry is never collected.
          await tx.markReportsAggregated(taskId, [old[4]]);
        });
        const activeJob = id16();
        const doneOld = id16();
        const doneRecent = id16();
        const ras = (jobId: Uint8Array): ReportAggregationRecord[] => [
          {
            taskId,
            jobId,
            ord: 0,
            reportId: id16(),
            time: 1,
            state: 'finished',
            error: null,
            payload: null,
          },
        ];
        await ds.transaction('t', async (tx) => {
          await tx.putAggregationJob(
            job(taskId, activeJob, { timeMax: 1, createdAt: 1 }),
            ras(activeJob),
          );
          await tx.putAggregationJob(
            job(taskId, doneOld, { state: 'finished', timeMax: 10, createdAt: 500 }),
            ras(doneOld),
          );
          await tx.putAggregationJob(
            job(taskId, doneRecent, { state: 'abandoned', timeMax: 60, createdAt: 5000 }),
            ras(doneRecent),
          );
          await tx.putCollectionJob({ ...collectionJob(taskId, id16()), createdAt: 1 });
          await tx.putCollectionJob({
            ...collectionJob(taskId, id16()),
            state: 'finished',
            createdAt: 1,
          });
          await tx.putAggregateShareJob({
            taskId,
            jobId: id16(),
            requestHash: u8(32),
            buckets: [u8(8)],
            reportCount: 1,
            checksum: u8(32),
            response: u8(4),
            createdAt: 1,
          });
        });
        const bucket = u8(8, 4);
        await ds.transaction('t', (tx) =>
          tx.accumulate(taskId, bucket, 1, delta(3n, old[0], 10), merge),
        );

        // Nothing goes without cutoffs.
        const none = await ds.transaction('t', (tx) =>
          tx.deleteExpired(taskId, { reportTimeBefore: null, createdBefore: null }, 100),
        );
        expect(Object.values(none).every((n) => n === 0)).toBe(true);

        // Reports before time 20, in batches of 2; jobs by report time only.
        const cut = { reportTimeBefore: 20, createdBefore: null };
        const first = await ds.transaction('t', (tx) => tx.deleteExpired(taskId, cut, 2));
        expect(first).toMatchObject({ clientReports: 2, aggregatedReports: 2, aggregationJobs: 1 });
        const second = await ds.transaction('t', (tx) => tx.deleteExpired(taskId, cut, 2));
        expect(second).toMatchObject({
          clientReports: 2,
          aggregatedReports: 1,
          aggregationJobs: 0,
        });
        const third = await ds.transaction('t', (tx) => tx.deleteExpired(taskId, cut, 2));
        expect(third).toMatchObject({ clientReports: 1, aggregatedReports: 0 });
        const fourth = await ds.transaction('t', (tx) => tx.deleteExpired(taskId, cut, 2));
        expect(Object.values(fourth).every((n) => n === 0)).toBe(true);

        await ds.transaction('t', async (tx) => {
          for (const id of old) expect(await tx.getClientReport(taskId, id)).toBeNull();
          expect((await tx.getClientReport(taskId, claimedId))?.state).toBe('claimed');
          expect(await tx.getClientReport(taskId, fresh)).not.toBeNull();
          expect(await tx.countClientReports(other, 'pending')).toBe(1);
          // Deleted replay entries read as new again; kept ones still detect the replay.
          expect(await tx.markReportsAggregated(taskId, [old[0], fresh, old[4]])).toEqual([
            true,
            false,
            false,
          ]);
          expect(await tx.getAggregationJob(taskId, activeJob)).not.toBeNull();
          expect(await tx.getAggregationJob(taskId, doneOld)).toBeNull();
          expect(await tx.getReportAggregations(taskId, doneOld)).toEqual([]);
          expect(await tx.getAggregationJob(taskId, doneRecent)).not.toBeNull();
          expect(await tx.getReportAggregations(taskId, activeJob)).toHaveLength(1);
        });
        // Throw the replay probe above away again.
        await ds.transaction('t', (tx) => tx.deleteExpired(taskId, cut, 100));

        // Jobs by creation time: inactive ones go, the active job and the started collection stay.
        const byAge = await ds.transaction('t', (tx) =>
          tx.deleteExpired(taskId, { reportTimeBefore: null, createdBefore: 10_000 }, 100),
        );
        expect(byAge).toEqual({
          clientReports: 0,
          aggregatedReports: 0,
          aggregationJobs: 1,
          collectionJobs: 1,
          aggregateShareJobs: 1,
          outstandingBatches: 0,
        });
        await ds.transaction('t', async (tx) => {
          expect(await tx.getAggregationJob(taskId, activeJob)).not.toBeNull();
          expect(await tx.getAggregationJob(taskId, doneRecent)).toBeNull();
          expect(await tx.acquireCollectionJobs(1e12, 10, 10)).toHaveLength(1);
          // Aggregates and their collection marks are never garbage collected.
          expect(await tx.readBatchAggregations(taskId, [bucket])).toHaveLength(1);
        });
      }));

    it('garbage-collects closed leader-selected batches only once they are collected', () =>
      withStore(async (ds) => {
        const taskId = id32();
        const [collected, uncollected, open] = [id32(), id32(), id32()];
        await ds.transaction('t', async (tx) => {
          for (const [batchId, closed] of [
            [collected, true],
            [uncollected, true],
            [open, false],
          ] as const) {
            await tx.putOutstandingBatch({ taskId, batchId, assigned: 3, closed, createdAt: 1 });
            await tx.lockBucketsForCommit(taskId, [batchId]);
          }
          await tx.markBucketsCollected(taskId, [collected, open], id16());
        });
        const cut = { reportTimeBefore: null, createdBefore: 2 };
        expect(
          await ds.transaction('t', (tx) =>
            tx.deleteExpired(taskId, { ...cut, createdBefore: 1 }, 10),
          ),
        ).toMatchObject({ outstandingBatches: 0 });
        expect(await ds.transaction('t', (tx) => tx.deleteExpired(taskId, cut, 10))).toMatchObject({
          outstandingBatches: 1,
        });
        const left = await ds.transaction('t', (tx) => tx.listOutstandingBatches(taskId));
        expect(left.map((b) => b.batchId).sort(Buffer.compare)).toEqual(
          [uncollected, open].sort(Buffer.compare),
        );
        const [status] = await ds.transaction('t', (tx) =>
          tx.lockBucketsForCommit(taskId, [collected]),
        );
        expect(status.collectedBy).not.toBeNull();
      }));

    it('garbage collection leaves alone a report a concurrent transaction claims', () =>
      withStore(async (ds) => {
        const taskId = id32();
        await ds.transaction('t', async (tx) => {
          for (let i = 0; i < 6; i++)
            await tx.putClientReport({ taskId, reportId: id16(), time: 1, encoded: u8(1) });
        });
        let claimedNow = (): void => {};
        const claimedP = new Promise<void>((r) => (claimedNow = r));
        let proceed = (): void => {};
        const proceedP = new Promise<void>((r) => (proceed = r));
        const claim = ds.transaction('claim', async (tx) => {
          const got = await tx.claimPendingReports(taskId, 3);
          claimedNow();
          await proceedP;
          return got;
        });
        await claimedP;
        const gc = ds.transaction('gc', (tx) =>
          tx.deleteExpired(taskId, { reportTimeBefore: 5, createdBefore: null }, 100),
        );
        await new Promise((r) => setTimeout(r, 50));
        proceed();
        const got = await claim;
        const counts = await gc;
        expect(got).toHaveLength(3);
        expect(counts.clientReports).toBe(3);
        expect(await ds.transaction('t', (tx) => tx.countClientReports(taskId, 'claimed'))).toBe(3);
        expect(await ds.transaction('t', (tx) => tx.countClientReports(taskId, 'pending'))).toBe(0);
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

// Regressions found by the kill tests: PostgreSQL transactions pass DAP aborts on; a waiting
// collection survives a Helper failure; Leaders sharing a store form batches and collect safely.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createAggregator } from '../src/aggregator.js';
import { StoreError } from '../src/errors.js';
import { DapAbort } from '../src/http/problem.js';
import { openDatastore } from '../src/store/open.js';
import type { Datastore } from '../src/store/types.js';
import {
  awaitCollection,
  COLLECTOR_TOKEN,
  deploy,
  leaderSelectedCollectionReq,
  makeReports,
  openResult,
  postCollection,
  quietLogger,
  timeIntervalCollectionReq,
  upload,
} from './harness.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';
import { waitFor } from './support/wait.js';

async function withSchemas(n: number, fn: (urls: string[]) => Promise<void>): Promise<void> {
  const schemas = Array.from({ length: n }, freshSchema);
  try {
    await fn(schemas.map((s) => `${PG_URL}?schema=${s}`));
  } finally {
    for (const s of schemas) await dropSchema(s);
  }
}

describe('DAP aborts inside PostgreSQL transactions', () => {
  it('reach the caller unchanged, and the transaction is rolled back', async () => {
    await withSchemas(1, async ([url]) => {
      const ds = await openDatastore(url);
      try {
        const taskId = new Uint8Array(32).fill(3);
        const failed = ds.transaction('t', async (tx) => {
          await tx.putTask({ taskId, role: 'leader', spec: '{}' });
          throw new DapAbort('batchOverlap', 'query: a bucket was already collected', taskId);
        });
        await expect(failed).rejects.toBeInstanceOf(DapAbort);
        await expect(failed).rejects.toMatchObject({ code: 'DAP_batchOverlap' });
        await expect(failed).rejects.not.toBeInstanceOf(StoreError);
        expect(await ds.transaction('t', (tx) => tx.getTask(taskId))).toBeNull();
      } finally {
        await ds.close();
      }
    });
  });

  it('a second collection of a collected interval is refused with batchOverlap', async () => {
    await withSchemas(2, async ([leaderStore, helperStore]) => {
      const d = await deploy({ vdaf: { type: 'Prio3Count' }, leaderStore, helperStore });
      try {
        const reports = await makeReports(d, [1, 0, 1]);
        expect((await upload(d, reports)).status).toBe(200);
        const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
        const created = await postCollection(d, req);
        const location = created.headers.get('location')!;
        const res = await awaitCollection(d, location);
        expect(res.status).toBe(200);
        const opened = await openResult(d, req, new Uint8Array(await res.arrayBuffer()));
        expect(opened).toEqual({ result: 2n, reportCount: 3n });
        const del = await fetch(new URL(location.slice(1), d.leaderHost.url), {
          method: 'DELETE',
          headers: { authorization: `Bearer ${COLLECTOR_TOKEN}` },
        });
        expect(del.status).toBe(200);
        const again = await postCollection(d, req);
        expect(again.status).toBe(400);
        expect(((await again.json()) as { type: string }).type).toBe(
          'urn:ietf:params:ppm:dap:error:batchOverlap',
        );
      } finally {
        await d.close();
      }
    });
  });

  it('a collection below min_batch_size fails with invalidBatchSize, no retry', async () => {
    await withSchemas(2, async ([leaderStore, helperStore]) => {
      const d = await deploy({
        vdaf: { type: 'Prio3Count' },
        leaderStore,
        helperStore,
        minBatchSize: 5,
      });
      try {
        const reports = await makeReports(d, [1, 1]);
        expect((await upload(d, reports)).status).toBe(200);
        const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
        const created = await postCollection(d, req);
        const res = await awaitCollection(d, created.headers.get('location')!);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { type: string }).type).toBe(
          'urn:ietf:params:ppm:dap:error:invalidBatchSize',
        );
      } finally {
        await d.close();
      }
    });
  });
});

describe('a collection job that waited for aggregation', () => {
  it('retries a transient aggregate share failure, not failing the collected batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-kill-reg-'));
    // The Helper refuses aggregation (503) until `open`, then fails the first aggregate share.
    let open = false;
    let clock = Date.now();
    let shareFailures = 0;
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input);
      if (!open && url.endsWith('/aggregation_jobs')) return new Response(null, { status: 503 });
      if (url.endsWith('/aggregate_shares') && shareFailures === 0) {
        shareFailures++;
        return new Response(null, { status: 503 });
      }
      return fetch(input, init);
    };
    const d = await deploy({
      vdaf: { type: 'Prio3Count' },
      leaderStore: `sqlite:${join(dir, 'l.db')}`,
      helperStore: `sqlite:${join(dir, 'h.db')}`,
      // The default attempt budget (10); a clock the test moves by one driver interval a pass,
      // so that the aggregation job backs off (doubling) while the collection job waits.
      leaderOptions: {
        fetch: flaky,
        now: () => clock,
        drivers: { intervalMs: 10, maxBackoffMs: 50 },
      },
    });
    try {
      const reports = await makeReports(d, [1, 1, 0, 1]);
      expect((await upload(d, reports)).status).toBe(200);
      const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
      const location = (await postCollection(d, req)).headers.get('location')!;
      // The collection job is leased (and waits) on every pass while aggregation is refused.
      for (let i = 0; i < 15; i++) {
        await d.leader.runDriversOnce();
        clock += 10;
      }
      const waited = await d.leader.datastore.transaction('t', (tx) =>
        tx.acquireCollectionJobs(clock, 1, 1),
      );
      expect(waited[0].attempts).toBeGreaterThan(10);
      await d.leader.datastore.transaction('t', (tx) => tx.releaseCollectionJob(waited[0], clock));
      open = true;
      let res: Response | undefined;
      for (let pass = 0; pass < 50 && res === undefined; pass++) {
        await d.leader.runDriversOnce();
        clock += 50;
        const polled = await fetch(new URL(location.slice(1), d.leaderHost.url), {
          headers: { authorization: `Bearer ${COLLECTOR_TOKEN}` },
        });
        if (polled.status !== 200 || polled.headers.get('content-length') !== '0') res = polled;
        else await polled.arrayBuffer();
      }
      expect(shareFailures).toBe(1);
      expect(res?.status).toBe(200);
      const opened = await openResult(d, req, new Uint8Array(await res!.arrayBuffer()));
      expect(opened).toEqual({ result: 3n, reportCount: 4n });
    } finally {
      await d.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('leader-selected batches formed by two processes sharing PostgreSQL', () => {
  it('a second process finds the batch the first opened instead of opening another', async () => {
    await withSchemas(1, async ([url]) => {
      const [ds1, ds2] = [await openDatastore(url), await openDatastore(url)];
      const probe = new pg.Client({ connectionString: PG_URL });
      await probe.connect();
      try {
        const taskId = new Uint8Array(32).fill(5);
        await ds1.transaction('t', (tx) => tx.putTask({ taskId, role: 'leader', spec: '{}' }));
        const batch = {
          taskId,
          batchId: new Uint8Array(32).fill(6),
          assigned: 0,
          closed: false,
          createdAt: 1,
        };
        // The first process finds no open batch and opens one, then holds its transaction open.
        let opened!: () => void;
        const isOpen = new Promise<void>((r) => (opened = r));
        let commit!: () => void;
        const committing = new Promise<void>((r) => (commit = r));
        const first = ds1.transaction('form-1', async (tx) => {
          expect(await tx.getOpenBatch(taskId)).toBeNull();
          await tx.putOutstandingBatch(batch);
          await tx.assignToBatch(taskId, batch.batchId, 50, 150);
          opened();
          await committing;
        });
        await isOpen;
        // The second process looks for an open batch meanwhile: it must wait for the first.
        let settled = false;
        const second = ds2
          .transaction('form-2', (tx) => tx.getOpenBatch(taskId))
          .finally(() => (settled = true));
        for (let i = 0; i < 250 && !settled; i++) {
          const { rows } = await probe.query(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' " +
              'AND datname = current_database()',
          );
          if (rows.length > 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        commit();
        await first;
        const found = await second;
        expect(found?.batchId).toEqual(batch.batchId);
        expect(found?.assigned).toBe(50);
      } finally {
        await probe.end();
        await ds1.close();
        await ds2.close();
      }
    });
  });
});

describe('two Leaders sharing PostgreSQL: a job formed while the other collects', () => {
  it.each(['time_interval', 'leader_selected'] as const)(
    'is waited for (%s), so that both aggregators agree on the batch (no batchMismatch)',
    async (batchMode) => {
      await withSchemas(2, async ([leaderStore, helperStore]) => {
        // Leader A pauses right before marking the batch collected, at the test's signal.
        const inner = await openDatastore(leaderStore);
        let beforeCollect: (() => Promise<void>) | undefined;
        const gated: Datastore = {
          dialect: inner.dialect,
          transaction: async (name, fn) => {
            const hook = name === 'collect-buckets' ? beforeCollect : undefined;
            if (hook !== undefined) {
              beforeCollect = undefined;
              await hook();
            }
            return inner.transaction(name, fn);
          },
          schemaVersion: () => inner.schemaVersion(),
          close: () => inner.close(),
        };
        // Leader-selected: the batch (3 to 10 reports) is still open when it is collected.
        const d = await deploy({
          vdaf: { type: 'Prio3Count' },
          leaderStore,
          helperStore,
          leaderOptions: { store: gated },
          batchMode,
          minBatchSize: 3,
          ...(batchMode === 'leader_selected' ? { maxBatchSize: 10 } : {}),
        });
        // Leader B holds the Helper's answer to its init request until the test releases it.
        let heldAnswer: (() => void) | undefined;
        let answered!: () => void;
        const bGotAnswer = new Promise<void>((r) => (answered = r));
        const b = await createAggregator({
          store: leaderStore,
          tasks: [d.leaderSpec],
          logger: quietLogger,
          unsafeDisableNoiseForTesting: true,
          fetch: async (input, init) => {
            const res = await fetch(input, init);
            if (String(input).endsWith('/aggregation_jobs') && init?.method === 'POST') {
              answered();
              await new Promise<void>((r) => (heldAnswer = r));
            }
            return res;
          },
        });
        try {
          const reports = await makeReports(d, [1, 1, 0]);
          expect((await upload(d, reports)).status).toBe(200);
          await d.leader.runDriversOnce();
          const req =
            batchMode === 'time_interval'
              ? timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n)
              : leaderSelectedCollectionReq();
          const location = (await postCollection(d, req)).headers.get('location')!;
          // Between A's check that the batch is fully aggregated and its marking, a late report
          // arrives and B forms and sends a job for it (the Helper commits it; B's commit waits).
          let bPass: Promise<unknown> | undefined;
          beforeCollect = async () => {
            expect((await upload(d, await makeReports(d, [1]))).status).toBe(200);
            bPass = b.runDriversOnce();
            await bGotAnswer;
          };
          const aPass = d.leader.runDriversOnce();
          await waitFor('leader B to have its answer', () => heldAnswer);
          await aPass;
          heldAnswer!();
          await bPass;
          const res = await awaitCollection(d, location);
          const body = new Uint8Array(await res.arrayBuffer());
          expect(res.status, new TextDecoder().decode(body)).toBe(200);
          expect(await openResult(d, req, body)).toEqual({ result: 3n, reportCount: 4n });
        } finally {
          heldAnswer?.();
          await b.close();
          await d.close();
          await inner.close();
        }
      });
    },
  );
});

// The Prometheus metrics at /metrics after a scenario: queue depths (pending and claimed reports,
// active aggregation jobs, pending collection jobs) read at scrape time, upload rejections by
// reason, a driver retry, a lease taken over from a dead holder, garbage collected rows; and a
// scrape that still answers when the store cannot be read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAggregator } from '../src/aggregator.js';
import { observeDatastore } from '../src/store/instrumented.js';
import { openSqliteDatastore } from '../src/store/sqlite.js';
import {
  awaitCollection,
  deploy,
  makeReports,
  postCollection,
  quietLogger,
  timeIntervalCollectionReq,
  upload,
} from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-metrics-'));
let n = 0;
const sqlite = () => `sqlite:${join(dir, `s${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One scrape, parsed into samples: metric name, labels, value. */
async function scrape(
  base: string,
): Promise<{ name: string; labels: Record<string, string>; value: number }[]> {
  const res = await fetch(new URL('metrics', base));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const out = [];
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function value(
  samples: Awaited<ReturnType<typeof scrape>>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

const depth = (samples: Awaited<ReturnType<typeof scrape>>, queue: string) =>
  value(samples, 'pm_queue_depth', { queue });

describe('/metrics', () => {
  it('exposes queue depths, rejections, retries, takeovers and garbage collection', async () => {
    let clock = Date.now();
    const now = () => clock;
    let refusals = 1;
    // The Helper is unavailable for the first aggregation request: one driver retry.
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/aggregation_jobs') && refusals > 0) {
        refusals--;
        return new Response(null, { status: 503 });
      }
      return fetch(input, init);
    };
    const d = await deploy({
      vdaf: { type: 'Prio3Count' },
      leaderStore: sqlite(),
      helperStore: sqlite(),
      leaderOptions: { now, fetch: flaky, gc: { jobRetentionSeconds: 60 } },
    });
    try {
      const unit = Math.floor(clock / 1000 / d.task.timePrecision);
      const good = await makeReports(d, [true, true, false, true], unit);
      const [early] = await makeReports(d, [true], unit + 48);
      expect((await upload(d, [...good, good[0], early])).status).toBe(200);
      const req = timeIntervalCollectionReq(BigInt(unit), 1n);
      const created = await postCollection(d, req);
      expect(created.status).toBe(201);

      let s = await scrape(d.leaderHost.url);
      expect(depth(s, 'pending_reports')).toBe(4);
      expect(depth(s, 'claimed_reports')).toBe(0);
      expect(depth(s, 'active_aggregation_jobs')).toBe(0);
      expect(depth(s, 'pending_collection_jobs')).toBe(1);
      expect(value(s, 'pm_reports_uploaded_total', { result: 'accepted' })).toBe(4);
      expect(value(s, 'pm_reports_uploaded_total', { result: 'report_replayed' })).toBe(1);
      expect(value(s, 'pm_reports_uploaded_total', { result: 'report_too_early' })).toBe(1);
      expect(value(s, 'pm_lease_takeovers_total')).toBeUndefined();

      // The Helper refuses: the job is retried later; its reports stay claimed.
      await d.leader.runDriversOnce();
      s = await scrape(d.leaderHost.url);
      expect(value(s, 'pm_jobs_total', { kind: 'aggregation', outcome: 'retry' })).toBe(1);
      expect(depth(s, 'pending_reports')).toBe(0);
      expect(depth(s, 'claimed_reports')).toBe(4);
      expect(depth(s, 'active_aggregation_jobs')).toBe(1);

      // A holder takes the job and dies (its short lease runs out unreleased); the next driver
      // takes it over and finishes it.
      clock += 1000;
      const [dead] = await d.leader.datastore.transaction('dead', (tx) =>
        tx.acquireAggregationJobs(clock, 10, 10),
      );
      expect(dead).toBeDefined();
      clock += 1000;
      await d.leader.runDriversOnce();
      s = await scrape(d.leaderHost.url);
      expect(value(s, 'pm_lease_takeovers_total', { kind: 'aggregation' })).toBe(1);
      expect(
        value(s, 'pm_report_aggregations_total', { role: 'leader', result: 'committed' }),
      ).toBe(4);
      expect(depth(s, 'claimed_reports')).toBe(0);
      expect(depth(s, 'active_aggregation_jobs')).toBe(0);

      const res = await awaitCollection(d, created.headers.get('location')!);
      expect(res.status).toBe(200);
      s = await scrape(d.leaderHost.url);
      expect(depth(s, 'pending_collection_jobs')).toBe(0);
      const hs = await scrape(d.helperHost.url);
      expect(
        value(hs, 'pm_report_aggregations_total', { role: 'helper', result: 'committed' }),
      ).toBe(4);

      // Finished jobs older than the one-minute retention are collected.
      clock += 120_000;
      await d.leader.collectGarbage();
      s = await scrape(d.leaderHost.url);
      expect(value(s, 'pm_gc_deleted_total', { kind: 'aggregationJobs' })).toBe(1);
      expect(value(s, 'pm_gc_deleted_total', { kind: 'collectionJobs' })).toBe(1);
    } finally {
      await d.close();
    }
  });

  it('counts a takeover once, and never for a rolled-back transaction', async () => {
    const raw = await openSqliteDatastore(join(dir, `observed-${n++}.db`));
    const heard: [string, number][] = [];
    const ds = observeDatastore(raw, {
      onLeaseTakeover: (kind, count) => heard.push([kind, count]),
    });
    try {
      const taskId = new Uint8Array(32).fill(3);
      await ds.transaction('t', async (tx) => {
        for (let i = 0; i < 2; i++) {
          await tx.putAggregationJob(
            {
              taskId,
              jobId: new Uint8Array(16).fill(i),
              aggParam: new Uint8Array(0),
              batchId: null,
              state: 'active',
              step: 0,
              requestHash: null,
              response: null,
              timeMin: 1,
              timeMax: 1,
              createdAt: 1,
            },
            [],
          );
        }
      });
      await ds.transaction('t', (tx) => tx.acquireAggregationJobs(100, 10, 5));
      expect(heard).toEqual([]);
      await expect(
        ds.transaction('t', async (tx) => {
          expect((await tx.acquireAggregationJobs(200, 10, 5)).every((l) => l.takeover)).toBe(true);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(heard).toEqual([]);
      await ds.transaction('t', (tx) => tx.acquireAggregationJobs(300, 10, 5));
      expect(heard).toEqual([['aggregation', 2]]);
      // A hook that throws does not fail the committed transaction.
      const loud = observeDatastore(raw, {
        onLeaseTakeover: () => {
          throw new Error('hook');
        },
      });
      expect(
        await loud.transaction('t', (tx) => tx.acquireAggregationJobs(400, 10, 5)),
      ).toHaveLength(2);
    } finally {
      await ds.close();
    }
  });

  it('still answers when the store cannot be read, keeping the last depths', async () => {
    const agg = await createAggregator({ store: sqlite(), logger: quietLogger });
    const text = async () => {
      const res = await agg.fetch(new Request('http://agg.test/metrics'));
      expect(res.status).toBe(200);
      return res.text();
    };
    expect(await text()).toMatch(/^pm_queue_depth\{queue="pending_reports"\} 0$/m);
    await agg.datastore.close();
    const body = await text();
    expect(body).toMatch(/^pm_queue_depth\{queue="pending_collection_jobs"\} 0$/m);
    await agg.close();
  });
});

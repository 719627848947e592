// Faults between the parties: lost responses, an unavailable or garbage-speaking Helper, and
// restarts of both aggregators between upload, aggregation and collection. Nothing accepted is
// lost and nothing is counted twice; PostgreSQL stores take the same path as SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatastore } from '../src/store/open.js';
import {
  awaitCollection,
  deploy,
  makeReports,
  openResult,
  postCollection,
  timeIntervalCollectionReq,
  upload,
  type DeployOptions,
} from './harness.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-faults-'));
let n = 0;
const store = () => `sqlite:${join(dir, `s${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SUM: DeployOptions['vdaf'] = { type: 'Prio3Sum', maxMeasurement: 20 };

/** A fetch that performs `failures` matching requests but then reports them lost. */
function losingFetch(
  match: (url: string) => boolean,
  failures: number,
): { fetch: typeof fetch; lost: () => number } {
  let lost = 0;
  return {
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (match(String(input)) && lost < failures) {
        lost++;
        await res.arrayBuffer();
        throw new TypeError('connection reset');
      }
      return res;
    },
    lost: () => lost,
  };
}

describe('lost responses', () => {
  it('retries an aggregation job whose response was lost, counting each report once', async () => {
    const lossy = losingFetch((u) => u.endsWith('/aggregation_jobs'), 2);
    const d = await deploy({
      vdaf: SUM,
      leaderStore: store(),
      helperStore: store(),
      leaderOptions: { fetch: lossy.fetch },
    });
    try {
      const ms = Array.from({ length: 25 }, (_, i) => i % 21);
      const reports = await makeReports(d, ms);
      expect((await upload(d, reports)).status).toBe(200);
      const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
      const created = await postCollection(d, req);
      const res = await awaitCollection(d, created.headers.get('location')!);
      expect(res.status).toBe(200);
      expect(lossy.lost()).toBe(2);
      const { result, reportCount } = await openResult(
        d,
        req,
        new Uint8Array(await res.arrayBuffer()),
      );
      expect(reportCount).toBe(25n);
      expect(result).toBe(BigInt(ms.reduce((a, b) => a + b, 0)));
    } finally {
      await d.close();
    }
  });

  it('retries an aggregate share request whose response was lost', async () => {
    const lossy = losingFetch((u) => u.endsWith('/aggregate_shares'), 1);
    const d = await deploy({
      vdaf: SUM,
      leaderStore: store(),
      helperStore: store(),
      leaderOptions: { fetch: lossy.fetch },
    });
    try {
      const reports = await makeReports(d, [1, 2, 3, 4]);
      expect((await upload(d, reports)).status).toBe(200);
      const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
      const res = await awaitCollection(d, (await postCollection(d, req)).headers.get('location')!);
      expect(res.status).toBe(200);
      expect(lossy.lost()).toBe(1);
      const { result } = await openResult(d, req, new Uint8Array(await res.arrayBuffer()));
      expect(result).toBe(10n);
    } finally {
      await d.close();
    }
  });
});

describe('a faulty helper', () => {
  it('abandons a job on a garbage answer and aggregates nothing from it', async () => {
    const garbage: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/aggregation_jobs') && init?.method === 'POST') {
        return new Response(new Uint8Array([1, 2, 3, 4, 5]), { status: 200 });
      }
      return fetch(input, init);
    };
    const leaderStore = store();
    const d = await deploy({
      vdaf: SUM,
      leaderStore,
      helperStore: store(),
      leaderOptions: { fetch: garbage },
    });
    try {
      expect((await upload(d, await makeReports(d, [5, 6]))).status).toBe(200);
      await d.leader.runDriversOnce();
      const summary = await d.leader.datastore.transaction('t', (tx) =>
        tx.summarizeBuckets(d.task.id),
      );
      expect(summary.reduce((s, b) => s + b.count, 0)).toBe(0);
      expect(
        await d.leader.datastore.transaction('t', (tx) =>
          tx.countClientReports(d.task.id, 'pending'),
        ),
      ).toBe(0);
      expect(
        await d.leader.datastore.transaction('t', (tx) =>
          tx.acquireAggregationJobs(Date.now() + 1e9, 1000, 10),
        ),
      ).toEqual([]);
    } finally {
      await d.close();
    }
  });

  it('keeps retrying while the helper is down, then finishes when it is back', async () => {
    let down = true;
    const flaky: typeof fetch = async (input, init) => {
      if (down) return new Response('unavailable', { status: 503 });
      return fetch(input, init);
    };
    const d = await deploy({
      vdaf: SUM,
      leaderStore: store(),
      helperStore: store(),
      leaderOptions: { fetch: flaky },
    });
    try {
      const reports = await makeReports(d, [7, 8, 9]);
      expect((await upload(d, reports)).status).toBe(200);
      for (let i = 0; i < 3; i++) {
        await d.leader.runDriversOnce();
        await new Promise((r) => setTimeout(r, 60));
      }
      const summary = await d.leader.datastore.transaction('t', (tx) =>
        tx.summarizeBuckets(d.task.id),
      );
      expect(summary.reduce((s, b) => s + b.count, 0)).toBe(0);
      down = false;
      const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
      const res = await awaitCollection(
        d,
        (await postCollection(d, req)).headers.get('location')!,
        100,
      );
      expect(res.status).toBe(200);
      expect((await openResult(d, req, new Uint8Array(await res.arrayBuffer()))).result).toBe(24n);
    } finally {
      await d.close();
    }
  });
});

async function restartScenario(leaderStore: string, helperStore: string): Promise<void> {
  const first = await deploy({ vdaf: SUM, leaderStore, helperStore }, undefined);
  const reuse = {
    leaderHost: first.leaderHost,
    helperHost: first.helperHost,
    spec: first.leaderSpec,
    collectorKeys: first.collectorKeys,
  };
  const ms = Array.from({ length: 30 }, (_, i) => (i * 3) % 21);
  const reports = await makeReports(first, ms);
  expect((await upload(first, reports.slice(0, 20))).status).toBe(200);
  await first.leader.close();
  await first.helper.close();

  // Restart both; upload the rest (and replay some), aggregate.
  const second = await deploy({ vdaf: SUM, leaderStore, helperStore }, reuse);
  const again = await upload(second, reports.slice(10));
  expect(again.status).toBe(200);
  await again.arrayBuffer();
  await second.leader.runDriversOnce();
  await second.leader.close();
  await second.helper.close();

  // Restart again; collect.
  const third = await deploy({ vdaf: SUM, leaderStore, helperStore }, reuse);
  try {
    const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
    const res = await awaitCollection(
      third,
      (await postCollection(third, req)).headers.get('location')!,
    );
    expect(res.status).toBe(200);
    const { result, reportCount } = await openResult(
      third,
      req,
      new Uint8Array(await res.arrayBuffer()),
    );
    expect(reportCount).toBe(30n);
    expect(result).toBe(BigInt(ms.reduce((a, b) => a + b, 0)));
  } finally {
    await third.close();
  }
}

describe('restarts', () => {
  it('lose and double nothing across restarts between upload, aggregation and collection (SQLite)', async () => {
    await restartScenario(store(), store());
  });

  it('lose and double nothing across restarts (PostgreSQL)', async () => {
    const [ls, hs] = [freshSchema(), freshSchema()];
    try {
      await restartScenario(`${PG_URL}?schema=${ls}`, `${PG_URL}?schema=${hs}`);
      const ds = await openDatastore(`${PG_URL}?schema=${ls}`);
      expect(await ds.schemaVersion()).toBe(3);
      await ds.close();
    } finally {
      await dropSchema(ls);
      await dropSchema(hs);
    }
  });
});

// Back-pressure on uploads: while too many reports wait for aggregation the Leader answers 503
// with Retry-After and stores nothing of the request (malformed ones included); once the
// drivers catch up uploads are accepted again; the count is cached; bad settings are refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeUploadRequest, MediaType, ResourcePath } from '@private-measurement/protocol';
import type { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createAggregator } from '../src/aggregator.js';
import { parseBackpressureConfig, parseConfig } from '../src/config.js';
import { openSqliteDatastore } from '../src/store/sqlite.js';
import type { Datastore } from '../src/store/types.js';
import { deploy, makeReports, quietLogger, upload, type Deployment } from './harness.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-bp-'));
let n = 0;
const sqlite = () => `sqlite:${join(dir, `s${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function counter(registry: Registry, name: string, labels: Record<string, string>) {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const hit = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return hit?.value ?? 0;
}

const pending = (d: Deployment) =>
  d.leader.datastore.transaction('t', (tx) => tx.countClientReports(d.task.id, 'pending'));

async function scenario(leaderStore: string): Promise<void> {
  let clock = Date.now();
  const d = await deploy({
    vdaf: { type: 'Prio3Count' },
    leaderStore,
    helperStore: sqlite(),
    leaderOptions: {
      now: () => clock,
      backpressure: { maxPendingReports: 5, checkIntervalMs: 1000, retryAfterSeconds: 7 },
    },
  });
  try {
    const first = await makeReports(d, [true, false, true, true, false]);
    expect((await upload(d, first)).status).toBe(200);
    expect(await pending(d)).toBe(5);

    // Five pending (read after the clock moved on, so not from the cache of the first upload).
    clock += 1000;
    const more = await makeReports(d, [true, true, true]);
    const refused = await upload(d, more);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/^reports: /);
    expect(await pending(d)).toBe(5);
    for (const r of more) {
      expect(
        await d.leader.datastore.transaction('t', (tx) =>
          tx.getClientReport(d.task.id, r.reportMetadata.reportId),
        ),
      ).toBeNull();
    }

    // A malformed body is refused the same way, before it is even read.
    const garbage = await fetch(
      new URL(ResourcePath.reports(d.task.id).slice(1), d.leaderHost.url),
      {
        method: 'POST',
        headers: { 'content-type': MediaType.uploadReq },
        body: new Uint8Array([1, 2, 3]) as unknown as BodyInit,
      },
    );
    expect(garbage.status).toBe(503);
    await garbage.arrayBuffer();

    // A large body still being sent gets the 503 too, not a connection reset: the Leader reads
    // and discards it before answering.
    for (let i = 0; i < 3; i++) {
      const large = await fetch(
        new URL(ResourcePath.reports(d.task.id).slice(1), d.leaderHost.url),
        {
          method: 'POST',
          headers: { 'content-type': MediaType.uploadReq },
          body: new Uint8Array(8 << 20) as unknown as BodyInit,
        },
      );
      expect(large.status).toBe(503);
      expect(large.headers.get('retry-after')).toBe('7');
      await large.arrayBuffer();
    }

    // The drivers catch up; the cached count still refuses until it is a second old.
    await d.leader.runDriversOnce();
    expect(await pending(d)).toBe(0);
    expect((await upload(d, more)).status).toBe(503);
    clock += 1000;
    const accepted = await upload(d, more);
    expect(accepted.status).toBe(200);
    expect(await pending(d)).toBe(3);
    expect(
      await counter(d.leader.metrics, 'pm_backpressure_rejections_total', { route: 'reports' }),
    ).toBe(6);
    expect(
      await counter(d.leader.metrics, 'pm_http_requests_total', {
        route: 'reports',
        status: '503',
      }),
    ).toBe(6);
  } finally {
    await d.close();
  }
}

describe('upload back-pressure', () => {
  it('refuses with 503 and Retry-After while aggregation is behind (SQLite)', async () => {
    await scenario(sqlite());
  });

  it('refuses with 503 and Retry-After while aggregation is behind (PostgreSQL)', async () => {
    const schema = freshSchema();
    try {
      await scenario(`${PG_URL}?schema=${schema}`);
    } finally {
      await dropSchema(schema);
    }
  });

  it('shares one count among concurrent uploads that find it stale', async () => {
    const d = await deploy({
      vdaf: { type: 'Prio3Count' },
      leaderStore: sqlite(),
      helperStore: sqlite(),
    });
    const raw = await openSqliteDatastore(join(dir, `probe-${n++}.db`));
    let counts = 0;
    const counting: Datastore = {
      dialect: raw.dialect,
      transaction: (name, fn) => {
        if (name === 'count-pending') counts++;
        return raw.transaction(name, fn);
      },
      schemaVersion: () => raw.schemaVersion(),
      close: () => raw.close(),
    };
    const probe = await createAggregator({
      store: counting,
      tasks: [d.leaderSpec],
      logger: quietLogger,
      backpressure: { maxPendingReports: 100, checkIntervalMs: 60_000 },
    });
    try {
      // Reports sealed to the probe's key: it answers the Leader's hpke_config now.
      d.leaderHost.setListener(probe.listener);
      const batches = await Promise.all(
        Array.from({ length: 5 }, () => makeReports(d, [true, false])),
      );
      const answers = await Promise.all(
        batches.map((reports) =>
          probe.fetch(
            new Request(`http://agg.test${ResourcePath.reports(d.task.id)}`, {
              method: 'POST',
              headers: { 'content-type': MediaType.uploadReq },
              body: encodeUploadRequest(reports) as unknown as BodyInit,
            }),
          ),
        ),
      );
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      for (const r of answers) expect((await r.arrayBuffer()).byteLength).toBe(0);
      expect(counts).toBe(1);
      expect(await raw.transaction('t', (tx) => tx.countUnaggregatedReports())).toBe(10);
    } finally {
      await probe.close();
      await raw.close();
      await d.close();
    }
  });

  it('never refuses when no bound is set', async () => {
    const d = await deploy({
      vdaf: { type: 'Prio3Count' },
      leaderStore: sqlite(),
      helperStore: sqlite(),
    });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await upload(d, await makeReports(d, [true, false, true, false]))).status).toBe(
          200,
        );
      }
      expect(await pending(d)).toBe(12);
    } finally {
      await d.close();
    }
  });
});

describe('back-pressure settings', () => {
  it('fills defaults and validates every field by name', async () => {
    expect(parseBackpressureConfig(undefined, 'backpressure')).toEqual({
      maxPendingReports: null,
      checkIntervalMs: 1000,
      retryAfterSeconds: 30,
      maxHelperJobsInFlight: 256,
    });
    const bad: [unknown, RegExp][] = [
      [{ maxPendingReports: 0 }, /^backpressure\.maxPendingReports: expected an integer in \[1, /],
      [{ maxPendingReports: '10' }, /^backpressure\.maxPendingReports: expected an integer/],
      [{ checkIntervalMs: -1 }, /^backpressure\.checkIntervalMs: expected an integer in \[0, /],
      [{ retryAfterSeconds: 0 }, /^backpressure\.retryAfterSeconds: expected an integer in \[1, /],
      [{ maxHelperJobsInFlight: 0 }, /^backpressure\.maxHelperJobsInFlight: expected an integer/],
      [{ retryAfter: 5 }, /^backpressure\.retryAfter: unknown field/],
      ['on', /^backpressure: expected an object/],
    ];
    for (const [value, message] of bad) {
      expect(() => parseBackpressureConfig(value, 'backpressure')).toThrow(message);
    }
    expect(() =>
      parseConfig({ store: 'sqlite:x', backpressure: { maxPendingReports: -3 } }),
    ).toThrow(/^config\.backpressure\.maxPendingReports: /);
    expect(
      parseConfig({ store: 'sqlite:x', backpressure: { maxPendingReports: 9 } }).backpressure,
    ).toEqual({
      maxPendingReports: 9,
      checkIntervalMs: 1000,
      retryAfterSeconds: 30,
      maxHelperJobsInFlight: 256,
    });
    await expect(
      createAggregator({
        store: sqlite(),
        logger: quietLogger,
        backpressure: { retryAfterSeconds: 1.5 },
      }),
    ).rejects.toMatchObject({ code: 'CONFIG' });
  });
});

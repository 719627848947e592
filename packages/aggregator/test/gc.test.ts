// The garbage collector end to end, on SQLite and PostgreSQL: expired reports, anti-replay
// entries and old jobs go on both aggregators, the uncollected batch's aggregates stay and
// still collect correctly, a replay of an expired report is dropped rather than counted
// twice, the driver loop runs the collector on its interval, and bad settings are refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  decodeUploadErrors,
  encodeHpkeConfig,
  encodeReport,
  generateHpkeKeypair,
  ReportError,
} from '@private-measurement/protocol';
import type { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createAggregator } from '../src/aggregator.js';
import { parseConfig, parseGcConfig, parseTaskSpec, type TaskSpec } from '../src/config.js';
import {
  awaitCollection,
  b64,
  COLLECTOR_TOKEN,
  PEER_TOKEN,
  startHost,
  deploy,
  makeReports,
  openResult,
  postCollection,
  quietLogger,
  timeIntervalCollectionReq,
  upload,
  type DeployOptions,
} from './harness.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-gc-'));
let n = 0;
const sqlite = () => `sqlite:${join(dir, `s${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SUM: DeployOptions['vdaf'] = { type: 'Prio3Sum', maxMeasurement: 20 };
const HOUR = 3600;

async function counter(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  const hit = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return hit?.value ?? 0;
}

/**
 * Upload, aggregate, let the reports expire, collect garbage, then replay and collect. The
 * clock of both aggregators is a variable the test moves.
 */
async function expiryScenario(leaderStore: string, helperStore: string): Promise<void> {
  let clock = Date.now();
  const now = () => clock;
  const expiry = 2 * HOUR;
  const gc = { safetyMarginSeconds: 600, jobRetentionSeconds: HOUR, batchSize: 4 };
  const leaderHost = await startHost();
  const helperHost = await startHost();
  const collectorKeys = await generateHpkeKeypair(200);
  const spec: TaskSpec = {
    taskId: b64(randomBytes(32)),
    role: 'leader',
    leaderEndpoint: leaderHost.url,
    helperEndpoint: helperHost.url,
    taskInfo: 'gc test',
    timePrecision: HOUR,
    minBatchSize: 1,
    batchMode: 'time_interval',
    vdaf: SUM,
    vdafVerifyKey: b64(randomBytes(32)),
    collectorHpkeConfig: b64(encodeHpkeConfig(collectorKeys.config)),
    aggregatorAuthToken: PEER_TOKEN,
    collectorAuthToken: COLLECTOR_TOKEN,
    dp: { mechanism: 'discrete-laplace', epsilon: 1 },
    reportExpirySeconds: expiry,
  };
  const d = await deploy(
    { vdaf: SUM, leaderStore, helperStore, leaderOptions: { now, gc }, helperOptions: { now, gc } },
    { leaderHost, helperHost, spec, collectorKeys },
  );
  const { leader, helper } = d;
  try {
    const unit = Math.floor(clock / 1000 / HOUR);
    const ms = [3, 5, 7, 11, 13, 17];
    const reports = await makeReports(d, ms, unit);
    expect((await upload(d, reports)).status).toBe(200);
    await leader.runDriversOnce();
    await leader.runDriversOnce();

    // Too early: nothing is old enough yet.
    const early = await leader.collectGarbage();
    expect(early.deleted.clientReports).toBe(0);
    expect((await helper.collectGarbage()).deleted.aggregatedReports).toBe(0);

    // Expired, but within the safety margin: reports kept (already rejected at upload), while
    // the job, older than the one-hour job retention, goes.
    clock = (unit + 1) * HOUR * 1000 + expiry * 1000 + 1000;
    expect((await leader.collectGarbage()).deleted).toMatchObject({
      clientReports: 0,
      aggregatedReports: 0,
      aggregationJobs: 1,
    });
    const refused = await upload(d, [reports[0]]);
    expect(refused.status).toBe(200);
    const [status] = decodeUploadErrors(new Uint8Array(await refused.arrayBuffer()));
    expect(status.error).toBe(ReportError.report_dropped);

    // Past the margin: the leader's reports and replay entries and the helper's job go, in
    // batches of four within one pass.
    clock += gc.safetyMarginSeconds * 1000;
    const lg = await leader.collectGarbage();
    expect(lg.deleted).toMatchObject({ clientReports: 6, aggregatedReports: 6 });
    expect(lg.unfinished).toBe(0);
    const hg = await helper.collectGarbage();
    expect(hg.deleted).toMatchObject({ aggregatedReports: 6, aggregationJobs: 1 });
    expect(await counter(leader.metrics, 'pm_gc_deleted_total', { kind: 'clientReports' })).toBe(6);
    expect(
      await counter(helper.metrics, 'pm_gc_deleted_total', { kind: 'aggregatedReports' }),
    ).toBe(6);
    expect((await leader.collectGarbage()).deleted.clientReports).toBe(0);

    // A replay of an expired report: refused at upload, and dropped at aggregation when it
    // reaches the store anyway (as if uploaded just before it expired).
    const replay = await upload(d, [reports[1]]);
    expect(decodeUploadErrors(new Uint8Array(await replay.arrayBuffer()))[0].error).toBe(
      ReportError.report_dropped,
    );
    await leader.datastore.transaction('sneak', (tx) =>
      tx.putClientReport({
        taskId: d.task.id,
        reportId: reports[1].reportMetadata.reportId,
        time: unit,
        encoded: encodeReport(reports[1]),
      }),
    );
    await leader.runDriversOnce();
    expect(
      await counter(leader.metrics, 'pm_report_aggregations_total', {
        role: 'leader',
        result: 'report_dropped',
      }),
    ).toBe(1);

    // The uncollected batch's aggregate survived garbage collection: it collects, once each.
    const req = timeIntervalCollectionReq(BigInt(unit), 1n);
    const res = await awaitCollection(d, (await postCollection(d, req)).headers.get('location')!);
    expect(res.status).toBe(200);
    const { result, reportCount } = await openResult(
      d,
      req,
      new Uint8Array(await res.arrayBuffer()),
    );
    expect(reportCount).toBe(BigInt(ms.length));
    expect(result).toBe(BigInt(ms.reduce((a, b) => a + b, 0)));
  } finally {
    await d.close();
  }
}

describe('garbage collection', () => {
  it('expires reports and jobs but keeps aggregates and anti-replay (SQLite)', async () => {
    await expiryScenario(sqlite(), sqlite());
  });

  it('expires reports and jobs but keeps aggregates and anti-replay (PostgreSQL)', async () => {
    const [ls, hs] = [freshSchema(), freshSchema()];
    try {
      await expiryScenario(`${PG_URL}?schema=${ls}`, `${PG_URL}?schema=${hs}`);
    } finally {
      await dropSchema(ls);
      await dropSchema(hs);
    }
  });

  it('keeps everything of a task without a report expiry or job retention', async () => {
    let clock = Date.now();
    const d = await deploy({
      vdaf: SUM,
      leaderStore: sqlite(),
      helperStore: sqlite(),
      leaderOptions: { now: () => clock },
    });
    try {
      expect((await upload(d, await makeReports(d, [1, 2, 3]))).status).toBe(200);
      await d.leader.runDriversOnce();
      clock += 10 * 365 * 86_400_000;
      const r = await d.leader.collectGarbage();
      expect(Object.values(r.deleted).every((x) => x === 0)).toBe(true);
      expect(
        await d.leader.datastore.transaction('t', (tx) => tx.countClientReports(d.task.id, 'done')),
      ).toBe(3);
    } finally {
      await d.close();
    }
  });

  it('runs in the driver loop on its interval, on the Helper too', async () => {
    let clock = Date.now();
    const d = await deploy({
      vdaf: SUM,
      leaderStore: sqlite(),
      helperStore: sqlite(),
      helperOptions: {
        now: () => clock,
        gc: { intervalMs: 10, jobRetentionSeconds: 60 },
        drivers: { intervalMs: 10 },
      },
    });
    try {
      expect((await upload(d, await makeReports(d, [4, 4]))).status).toBe(200);
      await d.leader.runDriversOnce();
      clock += 120_000;
      d.helper.start();
      let deleted = 0;
      for (let i = 0; i < 200 && deleted === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        deleted = await counter(d.helper.metrics, 'pm_gc_deleted_total', {
          kind: 'aggregationJobs',
        });
      }
      expect(deleted).toBe(1);
      await d.helper.stop();
    } finally {
      await d.close();
    }
  });
});

describe('garbage-collection settings', () => {
  it('fills defaults and validates every field by name', () => {
    expect(parseGcConfig(undefined, 'gc')).toEqual({
      enabled: true,
      intervalMs: 60_000,
      batchSize: 1000,
      maxBatchesPerPass: 10,
      jobRetentionSeconds: null,
      safetyMarginSeconds: 3600,
    });
    expect(parseGcConfig({ jobRetentionSeconds: null }, 'gc').jobRetentionSeconds).toBeNull();
    const bad: [unknown, RegExp][] = [
      [{ intervalMs: 0 }, /^gc\.intervalMs: expected an integer in \[1, /],
      [{ batchSize: 1.5 }, /^gc\.batchSize: expected an integer/],
      [{ maxBatchesPerPass: '3' }, /^gc\.maxBatchesPerPass: expected an integer/],
      [{ jobRetentionSeconds: 0 }, /^gc\.jobRetentionSeconds: expected an integer in \[1, /],
      [{ safetyMarginSeconds: -1 }, /^gc\.safetyMarginSeconds: expected an integer in \[0, /],
      [{ enabled: 'yes' }, /^gc\.enabled: expected a boolean/],
      [{ everyHour: true }, /^gc\.everyHour: unknown field/],
      [[], /^gc: expected an object/],
    ];
    for (const [value, message] of bad) {
      expect(() => parseGcConfig(value, 'gc')).toThrow(message);
      try {
        parseGcConfig(value, 'gc');
      } catch (e) {
        expect((e as { code: string }).code).toBe('CONFIG');
      }
    }
  });

  it('validates gc in the configuration file and reportExpirySeconds in tasks', async () => {
    expect(() => parseConfig({ store: 'sqlite:x', gc: { batchSize: 0 } })).toThrow(
      /^config\.gc\.batchSize: expected an integer/,
    );
    expect(parseConfig({ store: 'sqlite:x', gc: { intervalMs: 5 } }).gc.intervalMs).toBe(5);
    const d = await deploy({ vdaf: SUM, leaderStore: sqlite(), helperStore: sqlite() });
    try {
      for (const bad of [0, -5, 1.5, '3600', null]) {
        expect(() => parseTaskSpec({ ...d.leaderSpec, reportExpirySeconds: bad })).toThrow(
          /^task\.reportExpirySeconds: expected an integer in \[1, /,
        );
      }
      expect(parseTaskSpec({ ...d.leaderSpec, reportExpirySeconds: 60 }).reportExpirySeconds).toBe(
        60,
      );
      await expect(
        createAggregator({ store: sqlite(), gc: { intervalMs: -1 }, logger: quietLogger }),
      ).rejects.toMatchObject({
        code: 'CONFIG',
        message: expect.stringMatching(/^gc\.intervalMs/),
      });
    } finally {
      await d.close();
    }
  });
});

// SIGKILL of a Helper (PostgreSQL) answering aggregation jobs asynchronously (aggregationSyncMs 0),
// killed while the Leader polls a job it is still initializing, restarted; the result is exact.
// The processes run the built package (dist/, see kill.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeIntervalCollectionReq } from './harness.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';
import {
  awaitCollectionResult,
  createCollection,
  makeTestTask,
  sealReports,
  uploadWithFailover,
} from './support/dap-parties.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { ensureBuilt, restartAggregator, startAggregator } from './support/processes.js';
import { openStoreProbe } from './support/store-probe.js';
import { waitFor } from './support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-kill-async-'));
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REPORTS = 300;

describe('an asynchronous helper under SIGKILL', () => {
  it('is killed while jobs are polled, comes back, and nothing is lost or doubled', async () => {
    const helperProxy = await startFaultProxy('http://127.0.0.1:1/');
    const t = await makeTestTask({
      vdaf: { type: 'Prio3Sum', maxMeasurement: 50 },
      helperEndpoint: helperProxy.url,
    });
    // PostgreSQL for the Helper: its commit then waits on the network, so even fast shares
    // outlast aggregationSyncMs 0 and the answer is "not ready".
    const helperSchema = freshSchema();
    const helperStore = `${PG_URL}?schema=${helperSchema}`;
    const leaderStore = `sqlite:${join(dir, 'leader.db')}`;
    let helper = await startAggregator(
      {
        name: 'helper',
        store: helperStore,
        tasks: [t.helperSpec],
        drivers: { enabled: false },
        aggregationSyncMs: 0,
      },
      dir,
    );
    helperProxy.setTarget(helper.url);
    const leader = await startAggregator(
      {
        name: 'leader',
        store: leaderStore,
        tasks: [t.leaderSpec],
        drivers: {
          intervalMs: 20,
          // No takeover here: a long lease costs nothing and survives a loaded machine.
          leaseMs: 15_000,
          maxJobSize: 50,
          maxAttempts: 1000,
          maxBackoffMs: 200,
          peerTimeoutMs: 5000,
        },
      },
      dir,
    );
    const leaderProbe = await openStoreProbe(leaderStore);
    const helperProbe = await openStoreProbe(helperStore);
    try {
      let open = false;
      helperProxy.setPolicy(() => (open ? { kind: 'forward' } : { kind: 'fail', status: 503 }));
      const time = BigInt(Math.floor(Date.now() / 1000 / t.leaderSpec.timePrecision));
      const measurements = Array.from({ length: REPORTS }, (_, i) => (i * 13) % 51);
      const reports = await sealReports(t, leader.url, helper.url, measurements, time);
      await uploadWithFailover(t, reports, () => [leader.url], {
        chunk: 100,
        concurrency: 1,
        attempts: 3,
        pauseMs: 50,
      });
      open = true;

      // The Helper answers the first init request "not ready" (empty, with a Location to poll);
      // it is SIGKILLed at once, while that job may still be initializing, then restarted.
      const deferred = await waitFor('an init request answered "not ready"', () =>
        helperProxy.log.find(
          (r) => r.resource === 'aggregation_jobs' && r.status === 200 && r.response?.length === 0,
        ),
      );
      await helper.kill();
      const polledWhileDown = helperProxy.log.length;
      helper = await restartAggregator(helper, dir);
      helperProxy.setTarget(helper.url);
      expect(deferred.location).toMatch(/\?step=0$/);

      await waitFor(
        'aggregation to finish',
        async () => {
          const c = await leaderProbe.counts();
          return (c.reports.done ?? 0) === REPORTS && (c.jobs.active ?? 0) === 0;
        },
        45_000,
      );
      // The deferred job was answered in full after the restart, to a poll or a re-sent init.
      const answered = helperProxy.log
        .slice(polledWhileDown)
        .filter(
          (r) =>
            (r.path === deferred.location ||
              Buffer.from(r.body).equals(Buffer.from(deferred.body))) &&
            r.status === 200 &&
            (r.response?.length ?? 0) > 0,
        );
      expect(answered.length).toBeGreaterThan(0);
      const leaderDone = await leaderProbe.counts();
      expect(leaderDone.jobs.abandoned ?? 0).toBe(0);
      expect(leaderDone.aggregatedCount).toBe(REPORTS);
      const helperDone = await helperProbe.counts();
      expect(helperDone.aggregatedCount).toBe(REPORTS);
      expect(helperDone.aggregatedIds).toBe(REPORTS);

      const req = timeIntervalCollectionReq(time, 1n);
      const created = await createCollection(leader.url, t, req);
      if (!('location' in created)) throw new Error('collection refused');
      const outcome = await awaitCollectionResult(() => leader.url, t, created.location, req);
      expect(outcome).toMatchObject({
        kind: 'result',
        reportCount: BigInt(REPORTS),
        result: BigInt(measurements.reduce((a, b) => a + b, 0)),
      });
    } finally {
      await leaderProbe.close();
      await helperProbe.close();
      await leader.kill();
      await helper.kill();
      await helperProxy.close();
      await dropSchema(helperSchema);
    }
  }, 80_000);
});

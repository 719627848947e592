// Leader-selected batches under SIGKILL: two Leader processes on PostgreSQL, one killed while it
// drives an aggregation job and one while it collects a batch; each batch is collected once.
// The processes run the built package (dist/, see kill.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderSelectedCollectionReq } from './harness.js';
import { KillDeployment, sameBody } from './kill-scenario.js';
import { dropSchema, freshSchema, PG_URL } from './pg-test-url.js';
import {
  awaitCollectionResult,
  createCollection,
  makeTestTask,
  sealReports,
  uploadWithFailover,
} from './support/dap-parties.js';
import { startFaultProxy, type ProxiedRequest } from './support/fault-proxy.js';
import { ensureBuilt } from './support/processes.js';
import { openStoreProbe } from './support/store-probe.js';
import { waitFor } from './support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-kill-batches-'));
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BATCH = 150;
const BATCHES = 4;

describe('leader-selected batches under SIGKILL (PostgreSQL, two leaders)', () => {
  it('collects every batch exactly once, nothing lost or doubled', async () => {
    const [ls, hs] = [freshSchema(), freshSchema()];
    const leaderStore = `${PG_URL}?schema=${ls}`;
    const helperStore = `${PG_URL}?schema=${hs}`;
    const helperProxy = await startFaultProxy('http://127.0.0.1:1/');
    const t = await makeTestTask({
      vdaf: { type: 'Prio3Sum', maxMeasurement: 10 },
      helperEndpoint: helperProxy.url,
      batchMode: 'leader_selected',
      minBatchSize: BATCH,
      maxBatchSize: BATCH,
    });
    const d = await KillDeployment.start(
      { dir, leaderStore, helperStore, leaders: 2 },
      t,
      helperProxy,
    );
    const leaderProbe = await openStoreProbe(leaderStore);
    const helperProbe = await openStoreProbe(helperStore);
    try {
      const n = BATCH * BATCHES;
      const measurements = Array.from({ length: n }, (_, i) => (i * 3) % 11);
      const time = BigInt(Math.floor(Date.now() / 1000 / t.leaderSpec.timePrecision));
      const reports = await sealReports(t, d.leaderUrls()[0], d.helper.url, measurements, time);

      // Aggregation: four init requests go through (the rest get 503 meanwhile, so work
      // remains); once a job finished, the next init request of slot 0 is held and that Leader
      // SIGKILLed; the other Leader takes the job over after lease expiry.
      let held: ProxiedRequest | undefined;
      let retaken: ProxiedRequest | undefined;
      // Bodies of the jobs let through (a job whose lease ran out comes again with its body).
      const forwarded = new Set<string>();
      let finished = 0;
      let uploading = true;
      const target = d.leaders[0]!.name;
      helperProxy.setPolicy((r) => {
        if (r.resource !== 'aggregation_jobs') return { kind: 'forward' };
        if (held === undefined) {
          if (finished > 0 && r.sender === target) {
            held = r;
            return { kind: 'hold' };
          }
          const body = Buffer.from(r.body).toString('hex');
          if (uploading || (forwarded.size >= 4 && !forwarded.has(body)))
            return { kind: 'fail', status: 503 };
          forwarded.add(body);
          return { kind: 'forward' };
        }
        if (retaken === undefined && r.sender !== target && sameBody(r, held)) retaken = r;
        return { kind: 'forward' };
      });
      await uploadWithFailover(t, reports, () => d.leaderUrls(), {
        chunk: 50,
        concurrency: 2,
        attempts: 3,
        pauseMs: 50,
      });
      uploading = false;
      await waitFor('an init request of slot 0 to be held', async () => {
        finished = (await leaderProbe.counts()).jobs.finished ?? 0;
        return held;
      });
      await d.killLeader(0);
      await helperProxy.release();
      await waitFor('the held job to be taken over and answered', () => retaken?.status);
      expect(retaken!.status).toBe(200);
      await d.startLeader(0);
      await waitFor('aggregation to finish', async () => {
        const c = await leaderProbe.counts();
        return (c.reports.done ?? 0) === n && (c.jobs.active ?? 0) === 0;
      });

      // Collection, batch after batch (deleting each finished job names the next batch). While
      // the second batch is collected, the Leader sending its aggregate share request is killed.
      const req = leaderSelectedCollectionReq();
      const results: { result: unknown; reportCount: bigint }[] = [];
      for (let b = 0; b < BATCHES; b++) {
        let heldShare: ProxiedRequest | undefined;
        helperProxy.setPolicy((r) => {
          if (b === 1 && r.resource === 'aggregate_shares' && heldShare === undefined) {
            heldShare = r;
            return { kind: 'hold' };
          }
          return { kind: 'forward' };
        });
        const created = await createCollection(d.liveUrl(), t, req);
        if (!('location' in created))
          throw new Error(`collection refused: ${JSON.stringify(created)}`);
        if (b === 1) {
          await waitFor('the aggregate share request to be held', () => heldShare);
          const slot = d.slotOf(heldShare!.sender);
          await d.killLeader(slot);
          await helperProxy.release();
          const outcome = await awaitCollectionResult(() => d.liveUrl(), t, created.location, req);
          await d.startLeader(slot);
          if (outcome.kind !== 'result') throw new Error(`batch ${b}: ${JSON.stringify(outcome)}`);
          results.push(outcome);
        } else {
          const outcome = await awaitCollectionResult(() => d.liveUrl(), t, created.location, req);
          if (outcome.kind !== 'result') throw new Error(`batch ${b}: ${JSON.stringify(outcome)}`);
          results.push(outcome);
        }
        const del = await fetch(new URL(created.location.slice(1), d.liveUrl()), {
          method: 'DELETE',
          headers: { authorization: `Bearer ${t.leaderSpec.collectorAuthToken}` },
        });
        expect(del.status).toBe(200);
      }

      expect(results.map((r) => r.reportCount)).toEqual(Array(BATCHES).fill(BigInt(BATCH)));
      const total = results.reduce((a, r) => a + (r.result as bigint), 0n);
      expect(total).toBe(BigInt(measurements.reduce((a, m) => a + m, 0)));
      const leaderEnd = await leaderProbe.counts();
      expect(leaderEnd.collectedBuckets, 'each batch marked collected once').toBe(BATCHES);
      expect(leaderEnd.aggregatedCount).toBe(n);
      const helperEnd = await helperProbe.counts();
      expect(helperEnd.aggregatedIds).toBe(n);
      expect(helperEnd.collectedBuckets).toBe(BATCHES);
      expect(helperEnd.shareJobs, 'one aggregate share per batch').toBe(BATCHES);
    } finally {
      await leaderProbe.close();
      await helperProbe.close();
      await d.close();
      await dropSchema(ls);
      await dropSchema(hs);
    }
  }, 80_000);
});

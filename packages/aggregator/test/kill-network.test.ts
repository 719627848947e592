// Network faults between real Leader and Helper processes (SQLite): Helper down and back, killed
// mid-collection, slow, failing, duplicated, reordered requests; the result (noise off) is exact.
// The processes run the built package (dist/, see kill.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeAggregationJobContinueReq,
  MediaType,
  PROBLEM_MEDIA_TYPE,
} from '@private-measurement/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEER_TOKEN, timeIntervalCollectionReq } from './harness.js';
import {
  awaitCollectionResult,
  createCollection,
  makeTestTask,
  sealReports,
  uploadWithFailover,
} from './support/dap-parties.js';
import { startFaultProxy, type Action, type ProxiedRequest } from './support/fault-proxy.js';
import { restartAggregator, startAggregator, ensureBuilt } from './support/processes.js';
import { openStoreProbe } from './support/store-probe.js';
import { waitFor } from './support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-kill-net-'));
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REPORTS = 400;
const DRIVERS = {
  intervalMs: 20,
  // Shorter than the 'slow' answer: it arrives after the lease ran out.
  leaseMs: 2000,
  maxJobSize: 25,
  minJobSize: 1,
  // Outlasts the Helper's outage (see the Limitation on KILL_DRIVERS in kill-scenario.ts).
  maxAttempts: 1000,
  maxBackoffMs: 200,
  // Longer than the 'slow' answer, 3 s shorter than the 'delay' one, so that the Leader gives up
  // first even when a loaded machine runs its timer late.
  peerTimeoutMs: 5000,
};

const sameBody = (a: ProxiedRequest, b: ProxiedRequest): boolean =>
  Buffer.compare(Buffer.from(a.body), Buffer.from(b.body)) === 0;

/** POSTs to the Helper directly, as the Leader would. */
async function toHelper(
  url: string,
  contentType: string,
  body: Uint8Array,
): Promise<{ status: number; body: Uint8Array; type?: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${PEER_TOKEN}`, 'content-type': contentType },
    body: body as unknown as BodyInit,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!(res.headers.get('content-type') ?? '').startsWith(PROBLEM_MEDIA_TYPE))
    return { status: res.status, body: bytes };
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as { type: string };
  return { status: res.status, body: bytes, type: doc.type.split(':').pop() };
}

describe('a faulty network between real aggregator processes', () => {
  it('helper down, killed mid-collection, slow, failing, duplicated, reordered', async () => {
    const helperProxy = await startFaultProxy('http://127.0.0.1:1/');
    const t = await makeTestTask({
      vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
      helperEndpoint: helperProxy.url,
    });
    // The Helper runs the packaged CLI (`pm-aggregator serve`), the Leader the test script.
    let helper = await startAggregator(
      {
        name: 'helper',
        store: `sqlite:${join(dir, 'helper.db')}`,
        tasks: [t.helperSpec],
        drivers: { enabled: false },
        cli: true,
      },
      dir,
    );
    expect(helper.logCount('listening'), 'the CLI announced its port').toBe(1);
    helperProxy.setTarget(helper.url);
    const leaderStore = `sqlite:${join(dir, 'leader.db')}`;
    const leader = await startAggregator(
      { name: 'leader', store: leaderStore, tasks: [t.leaderSpec], drivers: DRIVERS },
      dir,
    );
    const leaderProbe = await openStoreProbe(leaderStore);
    const helperProbe = await openStoreProbe(`sqlite:${join(dir, 'helper.db')}`);
    try {
      // Upload while the Helper answers 503 to everything.
      let stage: 'closed' | 'warmup' | 'brake' | 'down' | 'faults' = 'closed';
      let warm = 0;
      let faultCount = 0;
      let held: ProxiedRequest | undefined;
      let helperKilledAtCollection = false;
      const shareActions: Action[] = [
        {
          kind: 'drop',
          afterUpstream: async () => {
            await helper.kill();
            helperKilledAtCollection = true;
          },
        },
        { kind: 'fail', status: 500 },
        { kind: 'duplicate' },
      ];
      // Once each: a request delayed past the Leader's timeout (it gives up; the Helper gets
      // the request afterwards), and an answer that comes past the lease but within the timeout
      // (the Leader must not commit it). Then, in turn: 500, duplicate, forward, forward.
      const once: Record<number, Action> = {
        1: { kind: 'delay', ms: 8000 },
        4: { kind: 'slow', ms: 2800 },
      };
      const faults: Action[] = [
        { kind: 'fail', status: 500 },
        { kind: 'duplicate' },
        { kind: 'forward' },
        { kind: 'forward' },
      ];
      helperProxy.setPolicy((r) => {
        if (r.resource === 'aggregate_shares') return shareActions.shift() ?? { kind: 'forward' };
        if (r.resource !== 'aggregation_jobs') return { kind: 'forward' };
        switch (stage) {
          case 'closed':
          case 'brake':
            return { kind: 'fail', status: 503 };
          case 'warmup':
            // The first init request is held until a later one was answered (reordering).
            if (held === undefined) {
              held = r;
              return { kind: 'hold' };
            }
            if (++warm >= 4) stage = 'brake';
            return { kind: 'forward' };
          case 'down':
            return { kind: 'forward' };
          case 'faults': {
            const n = faultCount++;
            return once[n] ?? faults[n % faults.length];
          }
        }
      });
      const time = BigInt(Math.floor(Date.now() / 1000 / t.leaderSpec.timePrecision));
      const measurements = Array.from({ length: REPORTS }, (_, i) => (i * 7) % 4);
      const expected = [0, 1, 2, 3].map((b) => BigInt(measurements.filter((m) => m === b).length));
      const reports = await sealReports(t, leader.url, helper.url, measurements, time);
      await uploadWithFailover(t, reports, () => [leader.url], {
        chunk: 50,
        concurrency: 2,
        attempts: 3,
        pauseMs: 50,
      });
      expect(Object.values((await leaderProbe.counts()).reports).reduce((a, b) => a + b, 0)).toBe(
        REPORTS,
      );

      // Reordering: the held first request reaches the Helper after a later one was answered.
      stage = 'warmup';
      await waitFor('an init request to be held', () => held);
      await waitFor('a later init request to be answered', () =>
        helperProxy.log.some(
          (r) => r.seq > held!.seq && r.resource === 'aggregation_jobs' && r.status === 200,
        ),
      );
      await helperProxy.release();
      expect(held!.status).toBe(200);

      // The Helper goes down for a while (the Leader's requests get 502 from the proxy) and
      // comes back on the same port and store.
      await waitFor('the warm-up to end', () => stage === 'brake');
      await helper.kill();
      const downFrom = helperProxy.log.length;
      stage = 'down';
      await waitFor('three init requests to fail while the helper is down', () =>
        helperProxy.log.slice(downFrom).filter((r) => r.status === 502).length >= 3 ? true : false,
      );
      const whileDown = await leaderProbe.counts();
      expect(whileDown.jobs.active ?? 0, 'jobs wait for the helper').toBeGreaterThan(0);
      helper = await restartAggregator(helper, dir);
      helperProxy.setTarget(helper.url);
      stage = 'faults';

      await waitFor(
        'aggregation to finish',
        async () => {
          const c = await leaderProbe.counts();
          return (c.reports.done ?? 0) === REPORTS && (c.jobs.active ?? 0) === 0;
        },
        45_000,
      );
      const leaderDone = await leaderProbe.counts();
      expect(leaderDone.jobs.abandoned ?? 0).toBe(0);
      expect(leaderDone.aggregatedCount).toBe(REPORTS);
      const helperDone = await helperProbe.counts();
      expect(helperDone.aggregatedCount).toBe(REPORTS);
      expect(helperDone.aggregatedIds).toBe(REPORTS);
      // Every kind of fault was met: a request delayed past the Leader's timeout was sent again,
      // and an answer that came after the lease ran out was not committed (the job was driven
      // again under a new lease).
      // On a fast machine the job can finish under a new lease before the delayed request
      // reaches the Helper at all: wait for its answer before looking at it.
      await waitFor('the delayed request to be answered', () =>
        helperProxy.log.some((r) => r.action === 'delay' && r.status !== undefined),
      );
      const slow = helperProxy.log.filter((r) => r.action === 'delay' && r.status === 200);
      expect(helperProxy.log.some((r) => r.action === 'slow' && r.status === 200)).toBe(true);
      expect(leader.logCount('lease lost before commit')).toBeGreaterThan(0);
      expect(slow.some((s) => helperProxy.log.some((r) => r.seq > s.seq && sameBody(r, s)))).toBe(
        true,
      );
      for (const kind of ['fail', 'duplicate', 'hold'] as const)
        expect(helperProxy.log.some((r) => r.action === kind)).toBe(true);

      // Collection: the Helper is SIGKILLed right after it answered the first aggregate share
      // request (the answer is lost) and restarted; then one request fails with 500 and one is
      // duplicated.
      const req = timeIntervalCollectionReq(time, 1n);
      const created = await createCollection(leader.url, t, req);
      if (!('location' in created)) throw new Error('collection refused');
      await waitFor('the helper to be killed mid-collection', () => helperKilledAtCollection);
      helper = await restartAggregator(helper, dir);
      helperProxy.setTarget(helper.url);
      const outcome = await awaitCollectionResult(() => leader.url, t, created.location, req);
      expect(outcome).toMatchObject({ kind: 'result', reportCount: BigInt(REPORTS) });
      if (outcome.kind === 'result') expect(outcome.result).toEqual(expected);
      expect(shareActions).toHaveLength(0);

      // Requests sent again, late and out of order, change nothing: an old init request gets
      // its stored answer, a continuation of a finished job is a step mismatch, one of an
      // unknown job is refused, and the aggregate share request gets its stored answer.
      const first = helperProxy.log.find(
        (r) => r.resource === 'aggregation_jobs' && r.status === 200,
      )!;
      const base = new URL(first.path, helper.url).toString();
      const replay = await toHelper(base, MediaType.aggregationJobInitReq, first.body);
      expect(replay.status).toBe(200);
      expect(Buffer.from(replay.body).equals(Buffer.from(first.response!))).toBe(true);
      const jobUrl = new URL(first.location!, helper.url).toString();
      const cont = encodeAggregationJobContinueReq({ step: 1, verifyContinues: [] });
      expect(await toHelper(jobUrl, MediaType.aggregationJobContinueReq, cont)).toMatchObject({
        status: 400,
        type: 'stepMismatch',
      });
      const step0 = encodeAggregationJobContinueReq({ step: 0, verifyContinues: [] });
      expect(await toHelper(jobUrl, MediaType.aggregationJobContinueReq, step0)).toMatchObject({
        type: 'invalidMessage',
      });
      const unknownJob = jobUrl.replace(/[^/]+$/, Buffer.alloc(16, 9).toString('base64url'));
      expect(await toHelper(unknownJob, MediaType.aggregationJobContinueReq, cont)).toMatchObject({
        type: 'unrecognizedAggregationJob',
      });
      const share = helperProxy.log.find(
        (r) => r.resource === 'aggregate_shares' && r.status === 200,
      )!;
      const shareAgain = await toHelper(
        new URL(share.path, helper.url).toString(),
        MediaType.aggregateShareReq,
        share.body,
      );
      expect(shareAgain.status).toBe(200);
      expect(Buffer.from(shareAgain.body).equals(Buffer.from(share.response!))).toBe(true);
      const helperAfter = await helperProbe.counts();
      expect(helperAfter.aggregatedCount).toBe(REPORTS);
      expect(helperAfter.shareJobs).toBe(1);
      const same = await awaitCollectionResult(() => leader.url, t, created.location, req);
      expect(same).toMatchObject({
        kind: 'result',
        reportCount: BigInt(REPORTS),
        result: expected,
      });
    } finally {
      await leaderProbe.close();
      await helperProbe.close();
      await leader.kill();
      await helper.kill();
      await helperProxy.close();
    }
  }, 80_000);
});

// Full DAP round trips over real HTTP on loopback: a Leader and a Helper, thousands of reports
// for every Prio3 VDAF, collection with noise off (test flag) giving the exact aggregate, with
// noise on giving errors whose spread matches the configured scale, and with a Helper that
// answers its aggregation jobs asynchronously (draft-ietf-ppm-dap-18 §3.1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeAggregationJobInitReq,
  decodeAggregationJobResp,
  decodeHpkeConfig,
  encodeAggregationJobInitReq,
  HpkeRecipientKeys,
  MediaType,
  noiseInterval,
  openInputShare,
  pingPongLeaderInit,
  ResourcePath,
  Role,
  type VerifyInit,
} from '@private-measurement/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { DpSpec, VdafSpec } from '../src/config.js';
import { calibrateNoise } from '../src/core/noise.js';
import {
  awaitCollection,
  COLLECTOR_TOKEN,
  deploy,
  leaderSelectedCollectionReq,
  makeReports,
  openResult,
  PEER_TOKEN,
  postCollection,
  timeIntervalCollectionReq,
  upload,
  uploadAll,
  type Deployment,
} from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-rt-'));
let n = 0;
const store = () => `sqlite:${join(dir, `s${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  vdaf: VdafSpec;
  measurements: unknown[];
  expected: unknown;
}

/** Deterministic pseudo-random integers in [0, k) (a 32-bit LCG), so failures reproduce. */
function lcg(seed: number): (k: number) => number {
  let x = seed >>> 0;
  return (k) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return Math.floor((x / 2 ** 32) * k);
  };
}

const sumOf = (xs: number[]) => BigInt(xs.reduce((a, b) => a + b, 0));
const columns = (vs: number[][], len: number) =>
  Array.from({ length: len }, (_, j) => sumOf(vs.map((v) => v[j])));

function cases(): Case[] {
  const r = lcg(42);
  const count = Array.from({ length: 3000 }, () => r(3) === 0);
  const sums = Array.from({ length: 2000 }, () => r(101));
  const hist = Array.from({ length: 2000 }, () => r(8));
  const vecs = Array.from({ length: 2000 }, () => [r(4), r(4), r(4)]);
  const multi = Array.from({ length: 2000 }, () => {
    const v = [r(2) === 1, r(2) === 1, r(4) === 0, r(2) === 1];
    if (v.filter(Boolean).length > 3) v[0] = false; // at most max_weight 3 set
    return v;
  });
  // L1BoundSum(5, 15): non-negative entries summing to at most 15.
  const l1 = Array.from({ length: 2000 }, () => {
    const v = [0, 0, 0, 0, 0];
    let budget = r(16);
    for (let j = 0; j < 5 && budget > 0; j++) {
      const x = r(budget + 1);
      v[j] = x;
      budget -= x;
    }
    return v;
  });
  return [
    {
      vdaf: { type: 'Prio3Count' },
      measurements: count,
      expected: BigInt(count.filter(Boolean).length),
    },
    { vdaf: { type: 'Prio3Sum', maxMeasurement: 100 }, measurements: sums, expected: sumOf(sums) },
    {
      vdaf: { type: 'Prio3Histogram', length: 8, chunkLength: 3 },
      measurements: hist,
      expected: Array.from({ length: 8 }, (_, b) => BigInt(hist.filter((h) => h === b).length)),
    },
    {
      vdaf: { type: 'Prio3SumVec', length: 3, maxMeasurement: 3, chunkLength: 2 },
      measurements: vecs,
      expected: columns(vecs, 3),
    },
    {
      vdaf: { type: 'Prio3MultihotCountVec', length: 4, maxWeight: 3, chunkLength: 2 },
      measurements: multi,
      expected: columns(
        multi.map((v) => v.map(Number)),
        4,
      ),
    },
    {
      vdaf: { type: 'Prio3L1BoundSum', length: 5, maxValue: 15, chunkLength: 4 },
      measurements: l1,
      expected: columns(l1, 5),
    },
  ];
}

/** Uploads, collects the current time bucket and opens the result. */
async function collectAll(d: Deployment, measurements: unknown[]) {
  const reports = await makeReports(d, measurements);
  await uploadAll(d, reports);
  const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
  const created = await postCollection(d, req);
  expect(created.status).toBe(201);
  const res = await awaitCollection(d, created.headers.get('location')!, 200);
  expect(res.status).toBe(200);
  const noise = res.headers.get('pm-dp-noise');
  return { noise, ...(await openResult(d, req, new Uint8Array(await res.arrayBuffer()))) };
}

describe('round trip over HTTP (time-interval, SQLite)', () => {
  for (const c of cases()) {
    it(`${c.vdaf.type}: ${c.measurements.length} reports, exact sum with noise off`, async () => {
      const d = await deploy({
        vdaf: c.vdaf,
        leaderStore: store(),
        helperStore: store(),
        minBatchSize: 100,
      });
      try {
        const { noise, result, reportCount } = await collectAll(d, c.measurements);
        expect(noise).toBe('leader=off-for-testing, helper=off-for-testing');
        expect(reportCount).toBe(BigInt(c.measurements.length));
        expect(result).toEqual(c.expected);
        // The batch size metric saw one batch of every report, at each aggregator.
        const n = c.measurements.length;
        for (const [agg, role] of [
          [d.leader, 'leader'],
          [d.helper, 'helper'],
        ] as const) {
          const text = await agg.metrics.metrics();
          expect(text).toContain(`pm_batch_reports_sum{role="${role}"} ${n}\n`);
          expect(text).toContain(`pm_batch_reports_count{role="${role}"} 1\n`);
        }
      } finally {
        await d.close();
      }
    });
  }
});

describe('round trip over HTTP with noise on', () => {
  // Every bucket's error is the sum of two independent draws (one per aggregator) of the
  // calibrated distribution. Over 1,000 buckets the sample variance must match the expected
  // variance (its relative standard deviation is about 0.06 here, the bound is about 6 of them),
  // the mean must be near 0 and about 95% of the buckets must lie within the 95% interval.
  const BUCKETS = 1000;
  const noiseCases: {
    name: string;
    vdaf: VdafSpec;
    dp: DpSpec;
    measurement: (i: number) => unknown;
    truth: (ms: unknown[]) => bigint[];
  }[] = [
    {
      name: 'Prio3Histogram(1000), discrete Laplace, epsilon 1',
      vdaf: { type: 'Prio3Histogram', length: BUCKETS, chunkLength: 32 },
      dp: { mechanism: 'discrete-laplace', epsilon: 1 },
      measurement: (i) => (i * 37) % BUCKETS,
      truth: (ms) =>
        Array.from({ length: BUCKETS }, (_, b) => BigInt(ms.filter((m) => m === b).length)),
    },
    {
      name: 'Prio3SumVec(1000), discrete Gaussian, epsilon 1, delta 1e-9',
      vdaf: { type: 'Prio3SumVec', length: BUCKETS, maxMeasurement: 1, chunkLength: 32 },
      dp: { mechanism: 'discrete-gaussian', epsilon: 1, delta: 1e-9 },
      measurement: (i) => Array.from({ length: BUCKETS }, (_, j) => ((i + j) % 3 === 0 ? 1 : 0)),
      truth: (ms) => columns(ms as number[][], BUCKETS),
    },
  ];
  for (const c of noiseCases) {
    it(`${c.name}: the error matches the configured scale`, async () => {
      const d = await deploy({
        vdaf: c.vdaf,
        noise: true,
        dp: c.dp,
        leaderStore: store(),
        helperStore: store(),
      });
      try {
        const ms = Array.from({ length: 200 }, (_, i) => c.measurement(i));
        const { noise, result, reportCount } = await collectAll(d, ms);
        const label =
          c.dp.mechanism === 'discrete-laplace'
            ? 'discrete-laplace;epsilon=1'
            : 'discrete-gaussian;epsilon=1;delta=1e-9';
        expect(noise).toBe(`leader=${label}, helper=${label}`);
        expect(reportCount).toBe(200n);

        const params = calibrateNoise(c.vdaf, c.dp);
        const dist =
          params.mechanism === 'discrete-laplace'
            ? { mechanism: params.mechanism, scale: params.scale }
            : { mechanism: params.mechanism, sigmaSquared: params.sigmaSquared };
        const { stddev, halfWidth } = noiseInterval(dist, { draws: 2, confidence: 0.95 });
        const p = d.task.vdaf.field.modulus;
        const truth = c.truth(ms);
        const errors = (result as bigint[]).map((v, j) => {
          const signed = v > p / 2n ? v - p : v;
          return Number(signed - truth[j]);
        });
        expect(errors.length).toBe(BUCKETS);
        const mean = errors.reduce((a, b) => a + b, 0) / BUCKETS;
        const variance = errors.reduce((a, e) => a + e * e, 0) / BUCKETS;
        expect(Math.abs(mean)).toBeLessThan((6 * stddev) / Math.sqrt(BUCKETS));
        expect(variance / stddev ** 2).toBeGreaterThan(0.64);
        expect(variance / stddev ** 2).toBeLessThan(1.36);
        // Binomial(1000, >= 0.95): mean >= 950, standard deviation about 7.
        const inside = errors.filter((e) => Math.abs(e) <= halfWidth).length;
        expect(inside).toBeGreaterThanOrEqual(908);
      } finally {
        await d.close();
      }
    });
  }
});

describe('round trip with the background loop', () => {
  it('aggregates and collects after start() with no manual driver pass, and stops', async () => {
    const d = await deploy({
      vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
      leaderStore: store(),
      helperStore: store(),
    });
    d.leader.start();
    try {
      const ms = Array.from({ length: 300 }, (_, i) => i % 4);
      const reports = await makeReports(d, ms);
      await uploadAll(d, reports);
      const req = timeIntervalCollectionReq(reports[0].reportMetadata.time, 1n);
      const created = await postCollection(d, req);
      const url = new URL(created.headers.get('location')!.slice(1), d.leaderHost.url);
      let body: Uint8Array | undefined;
      for (let i = 0; i < 400 && body === undefined; i++) {
        const res = await fetch(url, { headers: { authorization: `Bearer ${COLLECTOR_TOKEN}` } });
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (bytes.length > 0) body = bytes;
        else await new Promise((r) => setTimeout(r, 25));
      }
      expect(body).toBeDefined();
      const { result, reportCount } = await openResult(d, req, body!);
      expect(reportCount).toBe(300n);
      expect(result).toEqual([75n, 75n, 75n, 75n]);
    } finally {
      await d.leader.stop();
      await d.close();
    }
  });
});

describe('round trip over HTTP (leader-selected)', () => {
  it('Prio3Sum in batches of the target size', async () => {
    const d = await deploy({
      vdaf: { type: 'Prio3Sum', maxMeasurement: 10 },
      batchMode: 'leader_selected',
      minBatchSize: 20,
      maxBatchSize: 20,
      leaderStore: store(),
      helperStore: store(),
    });
    try {
      const ms = Array.from({ length: 40 }, (_, i) => i % 11);
      expect((await upload(d, await makeReports(d, ms))).status).toBe(200);
      const results: bigint[] = [];
      for (let k = 0; k < 2; k++) {
        // Distinct collection requests need distinct bodies; the query is empty, so vary nothing
        // but delete the finished job to post the identical request again.
        const req = leaderSelectedCollectionReq();
        const created = await postCollection(d, req);
        expect(created.status).toBe(201);
        const location = created.headers.get('location')!;
        const res = await awaitCollection(d, location);
        expect(res.status).toBe(200);
        const { result, reportCount } = await openResult(
          d,
          req,
          new Uint8Array(await res.arrayBuffer()),
        );
        expect(reportCount).toBe(20n);
        results.push(result as bigint);
        const del = await fetch(new URL(location.slice(1), d.leaderHost.url), {
          method: 'DELETE',
          headers: { authorization: 'Bearer collector-token-0123456789abcdef' },
        });
        expect(del.status).toBe(200);
      }
      expect(results[0] + results[1]).toBe(BigInt(ms.reduce((a, b) => a + b, 0)));
    } finally {
      await d.close();
    }
  });
});

describe('round trip with an asynchronous Helper', () => {
  const vdaf: VdafSpec = { type: 'Prio3Sum', maxMeasurement: 100 };
  const asyncHelper = { aggregationSyncMs: 0 };

  /** An AggregationJobInitReq for fresh reports, built as the Leader does. */
  /** POSTs an AggregationJobInitReq to the Helper's aggregation jobs resource, as the Leader. */
  function postInit(d: Deployment, body: Uint8Array): Promise<Response> {
    const url = new URL(ResourcePath.aggregationJobs(d.task.id).slice(1), d.helperHost.url);
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': MediaType.aggregationJobInitReq,
        authorization: `Bearer ${PEER_TOKEN}`,
      },
      body: body as unknown as BodyInit,
    });
  }

  async function initBody(d: Deployment, ms: number[]): Promise<Uint8Array> {
    const t = d.task;
    const reports = await makeReports(d, ms);
    const verifyInits: VerifyInit[] = [];
    // The Leader's own keys, as its store holds them.
    const stored = await d.leader.datastore.transaction('keys', (tx) => tx.listHpkeKeys());
    const leaderKeys = await HpkeRecipientKeys.prepare(
      stored.map((k) => ({ config: decodeHpkeConfig(k.config), privateKey: k.privateKey })),
    );
    for (const r of reports) {
      const pt = await openInputShare({
        taskId: t.id,
        taskConfiguration: t.config,
        role: Role.leader,
        keys: leaderKeys,
        reportMetadata: r.reportMetadata,
        publicShare: r.publicShare,
        encryptedInputShare: r.leaderEncryptedInputShare,
      });
      const st = pingPongLeaderInit(
        t.vdaf,
        t.verifyKey,
        t.ctx,
        r.reportMetadata.reportId,
        r.publicShare,
        pt.payload,
      );
      if (st.kind !== 'continued') throw new Error('leader init failed');
      verifyInits.push({
        reportShare: {
          reportMetadata: r.reportMetadata,
          publicShare: r.publicShare,
          encryptedInputShare: r.helperEncryptedInputShare,
        },
        payload: st.outbound,
      });
    }
    return encodeAggregationJobInitReq({
      verificationKeyId: 0,
      aggParam: new Uint8Array(0),
      extensions: [],
      verifyInits,
    });
  }

  it('answers "not ready" (step=0, Retry-After), joins retries, then serves the job', async () => {
    const d = await deploy({
      vdaf,
      leaderStore: store(),
      helperStore: store(),
      helperOptions: asyncHelper,
    });
    try {
      const ms = Array.from({ length: 200 }, (_, i) => i % 101);
      const body = await initBody(d, ms);
      const post = () => postInit(d, body);
      const first = await post();
      expect(first.status).toBe(200);
      expect((await first.arrayBuffer()).byteLength).toBe(0);
      expect(first.headers.get('retry-after')).toBe('1');
      const location = first.headers.get('location')!;
      expect(location).toMatch(/\/aggregation_jobs\/[A-Za-z0-9_-]{22}\?step=0$/);
      // An identical request while the work runs joins it: same Location, still not ready.
      const again = await post();
      expect((await again.arrayBuffer()).byteLength).toBe(0);
      expect(again.headers.get('location')).toBe(location);

      const jobUrl = new URL(location.slice(1), d.helperHost.url);
      const get = (u: URL) => fetch(u, { headers: { authorization: `Bearer ${PEER_TOKEN}` } });
      let ready: Uint8Array | undefined;
      for (let i = 0; i < 200 && ready === undefined; i++) {
        const res = await get(jobUrl);
        expect(res.status).toBe(200);
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (bytes.length > 0) ready = bytes;
        else await new Promise((r) => setTimeout(r, 20));
      }
      expect(ready).toBeDefined();
      const resps = decodeAggregationJobResp(ready!);
      expect(resps.map((r) => r.type)).toEqual(ms.map(() => 'continue'));
      const sent = decodeAggregationJobInitReq(body).verifyInits;
      expect(resps.map((r) => Buffer.from(r.reportId).toString('hex'))).toEqual(
        sent.map((v) => Buffer.from(v.reportShare.reportMetadata.reportId).toString('hex')),
      );
      // Done: the identical request now answers with the stored job at once.
      const done = await post();
      expect(new Uint8Array(await done.arrayBuffer())).toEqual(ready);
      const wrongStep = await get(new URL(jobUrl.href.replace('step=0', 'step=1')));
      expect(wrongStep.status).toBe(400);
      expect(((await wrongStep.json()) as { type: string }).type).toBe(
        'urn:ietf:params:ppm:dap:error:stepMismatch',
      );
    } finally {
      await d.close();
    }
  });

  it('refuses a new job with 503 and Retry-After while too many are in flight', async () => {
    const d = await deploy({
      vdaf,
      leaderStore: store(),
      helperStore: store(),
      helperOptions: { ...asyncHelper, backpressure: { maxHelperJobsInFlight: 1 } },
    });
    try {
      const first = await initBody(
        d,
        Array.from({ length: 400 }, (_, i) => i % 101),
      );
      const second = await initBody(
        d,
        Array.from({ length: 10 }, (_, i) => i),
      );
      const post = (body: Uint8Array) => postInit(d, body);
      const started = await post(first);
      expect(started.status).toBe(200);
      expect((await started.arrayBuffer()).byteLength).toBe(0); // not ready: still in flight
      const refused = await post(second);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(((await refused.json()) as { detail: string }).detail).toContain('aggregation jobs');
      // An identical retry of the job in flight joins it rather than counting as a new one.
      const joined = await post(first);
      expect(joined.status).toBe(200);
      await joined.arrayBuffer();

      // Once the first job is stored, the second is accepted.
      const jobUrl = new URL(started.headers.get('location')!.slice(1), d.helperHost.url);
      let done = false;
      for (let i = 0; i < 500 && !done; i++) {
        const res = await fetch(jobUrl, { headers: { authorization: `Bearer ${PEER_TOKEN}` } });
        done = (await res.arrayBuffer()).byteLength > 0;
        if (!done) await new Promise((r) => setTimeout(r, 20));
      }
      expect(done).toBe(true);
      const accepted = await post(second);
      expect(accepted.status).toBe(200);
      await accepted.arrayBuffer();
    } finally {
      await d.close();
    }
  });

  it('deletes a job still in progress once its work is stored, then forgets it', async () => {
    const d = await deploy({
      vdaf,
      leaderStore: store(),
      helperStore: store(),
      helperOptions: asyncHelper,
    });
    try {
      const body = await initBody(
        d,
        Array.from({ length: 100 }, (_, i) => i),
      );
      const auth = { authorization: `Bearer ${PEER_TOKEN}` };
      const post = () => postInit(d, body);
      const first = await post();
      expect((await first.arrayBuffer()).byteLength).toBe(0);
      const jobUrl = new URL(first.headers.get('location')!.slice(1), d.helperHost.url);
      const del = await fetch(jobUrl, { method: 'DELETE', headers: auth });
      expect(del.status).toBe(200);
      const gone = await fetch(jobUrl, { headers: auth });
      expect(gone.status).toBe(404);
      const unrecognized = 'urn:ietf:params:ppm:dap:error:unrecognizedAggregationJob';
      expect(((await gone.json()) as { type: string }).type).toBe(unrecognized);
      const again = await post();
      expect(again.status).toBe(404);
      expect(((await again.json()) as { type: string }).type).toBe(unrecognized);
    } finally {
      await d.close();
    }
  });

  it('gives the exact sum with the Leader polling the Helper, past a missing job', async () => {
    // The Leader's first poll of an aggregation job is answered as by a Helper that lost the
    // job (unrecognizedAggregationJob): the Leader sends the identical job again later.
    let faked = 0;
    const leaderFetch: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if ((init?.method ?? 'GET') === 'GET' && url.includes('/aggregation_jobs/') && faked === 0) {
        faked++;
        return new Response(
          JSON.stringify({
            type: 'urn:ietf:params:ppm:dap:error:unrecognizedAggregationJob',
            status: 404,
          }),
          { status: 404, headers: { 'content-type': 'application/problem+json' } },
        );
      }
      return fetch(input, init);
    };
    const d = await deploy({
      vdaf,
      leaderStore: store(),
      helperStore: store(),
      minBatchSize: 100,
      helperOptions: asyncHelper,
      leaderOptions: { fetch: leaderFetch },
    });
    try {
      const ms = Array.from({ length: 600 }, (_, i) => (i * 7) % 101);
      const { noise, result, reportCount } = await collectAll(d, ms);
      expect(faked).toBe(1);
      expect(noise).toBe('leader=off-for-testing, helper=off-for-testing');
      expect(reportCount).toBe(600n);
      expect(result).toBe(sumOf(ms));
    } finally {
      await d.close();
    }
  });
});

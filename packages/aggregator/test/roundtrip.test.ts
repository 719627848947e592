// Full DAP round trips over real HTTP on loopback: a Leader and a Helper, thousands of reports
// for every Prio3 VDAF, collection with noise off (test flag) giving the exact aggregate, and
// with noise on giving errors whose spread matches the configured scale.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noiseInterval } from '@private-measurement/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { DpSpec, VdafSpec } from '../src/config.js';
import { calibrateNoise } from '../src/core/noise.js';
import {
  awaitCollection,
  deploy,
  leaderSelectedCollectionReq,
  makeReports,
  openResult,
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
    it(`${c.vdaf.type}: ${c.measurements.length} reports give the exact sum with noise off`, async () => {
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

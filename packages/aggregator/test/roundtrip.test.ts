// Full DAP round trips over real HTTP on loopback: a Leader and a Helper, many reports per
// VDAF, collection with noise off (test flag) giving the exact aggregate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VdafSpec } from '../src/config.js';
import {
  awaitCollection,
  deploy,
  leaderSelectedCollectionReq,
  makeReports,
  openResult,
  postCollection,
  timeIntervalCollectionReq,
  upload,
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

function cases(): Case[] {
  const count: number[] = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const sums = Array.from({ length: 50 }, (_, i) => (i * 7) % 101);
  const hist = Array.from({ length: 50 }, (_, i) => (i * 5) % 8);
  const vecs = Array.from({ length: 30 }, (_, i) => [i % 4, (i * 3) % 4, 3 - (i % 4)]);
  const multi = Array.from({ length: 30 }, (_, i) => [
    i % 2 === 0,
    i % 3 === 0,
    false,
    i % 5 === 0,
  ]);
  const histExpected = Array.from({ length: 8 }, (_, b) =>
    BigInt(hist.filter((h) => h === b).length),
  );
  return [
    {
      vdaf: { type: 'Prio3Count' },
      measurements: count,
      expected: BigInt(count.reduce((a, b) => a + b, 0)),
    },
    {
      vdaf: { type: 'Prio3Sum', maxMeasurement: 100 },
      measurements: sums,
      expected: BigInt(sums.reduce((a, b) => a + b, 0)),
    },
    {
      vdaf: { type: 'Prio3Histogram', length: 8, chunkLength: 3 },
      measurements: hist,
      expected: histExpected,
    },
    {
      vdaf: { type: 'Prio3SumVec', length: 3, maxMeasurement: 3, chunkLength: 2 },
      measurements: vecs,
      expected: [0, 1, 2].map((j) => BigInt(vecs.reduce((s, v) => s + v[j], 0))),
    },
    {
      vdaf: { type: 'Prio3MultihotCountVec', length: 4, maxWeight: 3, chunkLength: 2 },
      measurements: multi,
      expected: [0, 1, 2, 3].map((j) => BigInt(multi.filter((v) => v[j]).length)),
    },
  ];
}

describe('round trip over HTTP (time-interval, SQLite)', () => {
  for (const c of cases()) {
    it(`${c.vdaf.type}: ${c.measurements.length} reports give the exact sum with noise off`, async () => {
      const d = await deploy({
        vdaf: c.vdaf,
        leaderStore: store(),
        helperStore: store(),
        minBatchSize: 10,
      });
      try {
        const reports = await makeReports(d, c.measurements);
        const up = await upload(d, reports);
        expect(up.status).toBe(200);
        expect((await up.arrayBuffer()).byteLength).toBe(0);

        const time = reports[0].reportMetadata.time;
        const req = timeIntervalCollectionReq(time, 1n);
        const created = await postCollection(d, req);
        expect(created.status).toBe(201);
        const res = await awaitCollection(d, created.headers.get('location')!);
        expect(res.status).toBe(200);
        expect(res.headers.get('pm-dp-noise')).toBe(
          'leader=off-for-testing, helper=off-for-testing',
        );
        const { result, reportCount } = await openResult(
          d,
          req,
          new Uint8Array(await res.arrayBuffer()),
        );
        expect(reportCount).toBe(BigInt(c.measurements.length));
        expect(result).toEqual(c.expected);
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

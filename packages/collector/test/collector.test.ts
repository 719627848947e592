// End-to-end tests of the Collector against a fake Leader on loopback: real Prio3 aggregate
// shares sealed with the real AAD, synchronous and polled jobs, both batch modes, noise.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchMode,
  MediaType,
  decodeCollectionJobReq,
  type Interval,
} from '@private-measurement/protocol';
import {
  Collector,
  noiseSummary,
  type CollectorEvent,
  type CollectorOptions,
} from '../src/index.js';
import {
  addOffsets,
  aggregateShares,
  collectionJobResp,
  histogram,
  makeTask,
  sendResp,
  startLeader,
  type FakeLeader,
  type TestTask,
} from './fake-leader.js';

const TOKEN = 'test-token-123';
const INTERVAL: Interval = { start: 490_000n, duration: 24n };
const QUERY = { batchMode: 'time_interval', batchInterval: INTERVAL } as const;
const MEASUREMENTS = [0, 1, 1, 3, 3, 3, 2];

let leader: FakeLeader;
let task: TestTask;
let shares: ReturnType<typeof aggregateShares>;

beforeAll(async () => {
  leader = await startLeader();
  task = await makeTask(leader.url);
  shares = aggregateShares(task, MEASUREMENTS);
});

afterAll(async () => {
  await leader.close();
});

beforeEach(() => {
  leader.received.length = 0;
});

function collector(extra: Partial<CollectorOptions> = {}): {
  c: Collector;
  delays: number[];
  events: CollectorEvent[];
} {
  const delays: number[] = [];
  const events: CollectorEvent[] = [];
  const c = new Collector({
    taskId: task.taskId,
    taskConfiguration: task.taskConfiguration,
    authToken: TOKEN,
    hpkeKeys: task.collectorKey,
    sleep: async (ms) => {
      delays.push(ms);
    },
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { c, delays, events };
}

const JOB_PATH = '/dap/tasks/BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc/collection_jobs';

describe('a synchronous Leader', () => {
  it('returns the true histogram through real HPKE and Prio3 unsharding', async () => {
    leader.handle(async (req, res) => {
      sendResp(
        res,
        await collectionJobResp(task, req.body, shares, MEASUREMENTS.length),
        201,
        `${JOB_PATH}/job1`,
      );
    });
    const { c, delays } = collector();
    const result = await c.collect(QUERY);

    expect(result.values).toEqual(histogram(MEASUREMENTS));
    expect(result.aggregate).toEqual(histogram(MEASUREMENTS));
    expect(result.reportCount).toBe(BigInt(MEASUREMENTS.length));
    expect(result.vdaf).toBe('Prio3Histogram');
    expect(result.interval).toEqual(INTERVAL);
    expect(result.intervalSeconds).toEqual({ start: 490_000n * 3600n, duration: 24n * 3600n });
    expect(result.noise).toBeUndefined();
    expect(result.buckets[3]).toEqual({ index: 3, value: 3n, low: 3n, high: 3n });
    expect(delays).toEqual([]);

    // draft-ietf-ppm-dap-18 §4.6.1: POST to the creation URL with the request media type.
    expect(leader.received).toHaveLength(1);
    const req = leader.received[0];
    expect(req.method).toBe('POST');
    expect(req.url).toBe(JOB_PATH);
    expect(req.headers['content-type']).toBe(MediaType.collectionJobReq);
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const decoded = decodeCollectionJobReq(req.body);
    expect(decoded.query).toEqual({ batchMode: BatchMode.time_interval, batchInterval: INTERVAL });
    expect(decoded.aggParam).toEqual(new Uint8Array(0));
    expect(decoded.extensions).toEqual([]);
  });

  it('reads noise below zero as negative values and reports the 95% interval', async () => {
    const noise = [-5n, 2n, 0n, -1n];
    const helperNoise = [1n, 0n, -4n, 0n];
    const noisy: typeof shares = [
      addOffsets(task, shares[0], noise),
      addOffsets(task, shares[1], helperNoise),
    ];
    leader.handle(async (req, res) => {
      sendResp(
        res,
        await collectionJobResp(task, req.body, noisy, MEASUREMENTS.length),
        200,
        `${JOB_PATH}/n`,
      );
    });
    const spec = { mechanism: 'discrete-laplace', scale: 2 } as const;
    const { c } = collector({ noise: spec });
    const result = await c.collect(QUERY);

    const truth = histogram(MEASUREMENTS);
    const expected = truth.map((t, i) => t + noise[i] + helperNoise[i]);
    expect(expected[0]).toBeLessThan(0n);
    expect(result.values).toEqual(expected);
    const h = BigInt(noiseSummary(spec).halfWidth);
    expect(h).toBeGreaterThan(0n);
    expect(result.noise).toEqual(noiseSummary(spec));
    expect(result.buckets.map((b) => [b.low, b.high])).toEqual(expected.map((v) => [v - h, v + h]));
  });
});

describe("the aggregators' noise labels", () => {
  const respondWith = (header: string) =>
    leader.handle(async (req, res) => {
      res.setHeader('pm-dp-noise', header);
      sendResp(
        res,
        await collectionJobResp(task, req.body, shares, MEASUREMENTS.length),
        201,
        `${JOB_PATH}/labels`,
      );
    });
  const spec = { mechanism: 'discrete-laplace', scale: 2 } as const;

  it('drops the configured noise when both aggregators report it off for testing', async () => {
    respondWith('leader=off-for-testing, helper=off-for-testing');
    const result = await collector({ noise: spec }).c.collect(QUERY);
    expect(result.values).toEqual(histogram(MEASUREMENTS));
    expect(result.noiseOff).toEqual(['leader', 'helper']);
    expect(result.reportedNoise).toEqual({ leader: 'off-for-testing', helper: 'off-for-testing' });
    expect(result.noise).toBeUndefined();
    expect(result.buckets.every((b) => b.low === b.value && b.high === b.value)).toBe(true);
  });

  it('counts one draw when one aggregator reports noise off', async () => {
    respondWith('leader=off-for-testing, helper=discrete-laplace;epsilon=1');
    const result = await collector({ noise: spec }).c.collect(QUERY);
    expect(result.noiseOff).toEqual(['leader']);
    expect(result.noise).toEqual(noiseSummary({ ...spec, aggregators: 1 }));
    expect(result.noise!.halfWidth).toBeLessThan(noiseSummary(spec).halfWidth);
  });

  it('keeps the configured noise for real labels and ignores a malformed header', async () => {
    for (const header of [
      'leader=discrete-laplace;epsilon=1, helper=discrete-laplace;epsilon=1',
      'leader=off-for-testing',
      'leader = off-for-testing, helper = off-for-testing',
    ]) {
      respondWith(header);
      const result = await collector({ noise: spec }).c.collect(QUERY);
      expect(result.noiseOff).toBeUndefined();
      expect(result.noise).toEqual(noiseSummary(spec));
    }
  });

  it('passes the labels of a polled job through poll and finish', async () => {
    leader.handle(async (req, res, n) => {
      if (n === 0) {
        res.statusCode = 201;
        res.setHeader('location', `${JOB_PATH}/polled`);
        res.setHeader('retry-after', '1');
        res.end();
        return;
      }
      res.setHeader('pm-dp-noise', 'leader=off-for-testing, helper=off-for-testing');
      sendResp(
        res,
        await collectionJobResp(task, leader.received[0].body, shares, MEASUREMENTS.length),
      );
    });
    const { c } = collector({ noise: spec });
    const created = await c.createJob(QUERY);
    expect(created.response).toBeUndefined();
    const state = await c.pollOnce(created.job);
    expect(state.status).toBe('ready');
    if (state.status !== 'ready') return;
    expect(state.reportedNoise?.helper).toBe('off-for-testing');
    const result = await c.finish(created.job, state.response, state.reportedNoise);
    expect(result.noiseOff).toEqual(['leader', 'helper']);
    expect((await c.finish(created.job, state.response)).noiseOff).toBeUndefined();
  });
});

describe('an asynchronous Leader', () => {
  it('polls the Location, honouring Retry-After, then backing off', async () => {
    leader.handle(async (req, res, n) => {
      if (n === 0) {
        res.statusCode = 201;
        res.setHeader('location', `${JOB_PATH}/job2`);
        res.setHeader('retry-after', '7');
        res.end();
      } else if (n === 1) {
        res.setHeader('retry-after', '3');
        res.end();
      } else if (n === 2 || n === 3) {
        res.end();
      } else {
        sendResp(
          res,
          await collectionJobResp(task, leader.received[0].body, shares, MEASUREMENTS.length),
        );
      }
    });
    const { c, delays, events } = collector({ poll: { initialDelayMs: 1000, multiplier: 2 } });
    const result = await c.collect(QUERY);

    expect(result.values).toEqual(histogram(MEASUREMENTS));
    // draft-ietf-ppm-dap-18 §3.1: Retry-After first, exponential backoff when absent.
    expect(delays).toEqual([7000, 3000, 1000, 2000]);
    expect(leader.received.map((r) => [r.method, r.url])).toEqual([
      ['POST', JOB_PATH],
      ['GET', `${JOB_PATH}/job2`],
      ['GET', `${JOB_PATH}/job2`],
      ['GET', `${JOB_PATH}/job2`],
      ['GET', `${JOB_PATH}/job2`],
    ]);
    for (const r of leader.received) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(events[0]).toEqual({
      type: 'created',
      location: `${leader.url}tasks/${JOB_PATH.split('/')[3]}/collection_jobs/job2`,
    });
  });

  it('bounds a hostile Retry-After between the minimum and maximum delay', async () => {
    leader.handle(async (_req, res, n) => {
      if (n === 0) {
        res.setHeader('location', `${JOB_PATH}/j`);
        res.setHeader('retry-after', '0');
        res.end();
      } else if (n === 1) {
        res.setHeader('retry-after', '99999999');
        res.end();
      } else {
        sendResp(
          res,
          await collectionJobResp(task, leader.received[0].body, shares, MEASUREMENTS.length),
        );
      }
    });
    const { c, delays } = collector({
      poll: { minDelayMs: 250, maxDelayMs: 60_000, deadlineMs: 1e9 },
    });
    await c.collect(QUERY);
    expect(delays).toEqual([250, 60_000]);
  });

  it('resumes a job with createJob, pollOnce and poll, and deletes it', async () => {
    leader.handle(async (req, res, n) => {
      if (req.method === 'DELETE') {
        res.end();
      } else if (n <= 1) {
        if (n === 0) res.setHeader('location', `${JOB_PATH}/j3`);
        res.end();
      } else {
        sendResp(
          res,
          await collectionJobResp(task, leader.received[0].body, shares, MEASUREMENTS.length),
        );
      }
    });
    const { c } = collector();
    const created = await c.createJob(QUERY);
    expect(created.response).toBeUndefined();
    expect(await c.pollOnce(created.job)).toEqual({ status: 'pending', retryAfterMs: undefined });
    const result = await c.poll(created.job);
    expect(result.values).toEqual(histogram(MEASUREMENTS));
    await c.deleteJob(created.job);
    expect(leader.received.at(-1)?.method).toBe('DELETE');
    expect(leader.received.at(-1)?.url).toBe(`${JOB_PATH}/j3`);
  });
});

describe('the leader-selected batch mode', () => {
  it('sends an empty query and accepts the batch the Leader chose', async () => {
    const lsTask = await makeTask(leader.url, BatchMode.leader_selected);
    const lsShares = aggregateShares(lsTask, [2, 2, 2, 0]);
    leader.handle(async (req, res) => {
      sendResp(res, await collectionJobResp(lsTask, req.body, lsShares, 4), 201, `${JOB_PATH}/ls`);
    });
    const c = new Collector({
      taskId: lsTask.taskId,
      taskConfiguration: lsTask.taskConfiguration,
      authToken: TOKEN,
      hpkeKeys: [lsTask.collectorKey],
      backend: 'ts',
    });
    const result = await c.collect({ batchMode: 'leader_selected' });
    expect(result.values).toEqual([1n, 0n, 3n, 0n]);
    expect(result.batchMode).toBe(BatchMode.leader_selected);
    expect(decodeCollectionJobReq(leader.received[0].body).query).toEqual({
      batchMode: BatchMode.leader_selected,
    });
  });
});

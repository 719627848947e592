// Several aggregation jobs in flight: the report lane runs the CPU-bound part of one job at a
// time in arrival order, the Leader drives at most `drivers.jobsInFlight` jobs at once and keeps
// that many going from its background loop, and stopping waits for the jobs in flight.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { SerialLane } from '../src/core/serial-lane.js';
import { deploy, makeReports, upload, type Deployment } from './harness.js';
import { openStoreProbe } from './support/store-probe.js';
import { waitFor } from './support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'pm-pipelining-'));
let n = 0;
const store = () => `sqlite:${join(dir, `s${n++}.db`)}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SerialLane', () => {
  it('runs tasks one at a time in the order they were queued', async () => {
    const lane = new SerialLane();
    const order: number[] = [];
    let running = 0;
    let most = 0;
    const task = (i: number, ms: number) => async () => {
      running++;
      most = Math.max(most, running);
      await sleep(ms);
      order.push(i);
      running--;
      return i * 10;
    };
    const results = await Promise.all([
      lane.run(task(0, 30)),
      lane.run(task(1, 1)),
      lane.run(task(2, 10)),
    ]);
    expect(results).toEqual([0, 10, 20]);
    expect(order).toEqual([0, 1, 2]);
    expect(most).toBe(1);
    expect(lane.size).toBe(0);
  });

  it('passes a rejection on and still runs the tasks queued after it', async () => {
    const lane = new SerialLane();
    const failing = lane.run(async () => {
      await sleep(5);
      throw new Error('boom');
    });
    const next = lane.run(async () => 'after');
    expect(lane.size).toBe(2);
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('after');
    expect(lane.size).toBe(0);
  });
});

describe('drivers.jobsInFlight', () => {
  it('defaults to 4 and must be a positive integer', () => {
    expect(parseConfig({ store: 'sqlite:x' }).drivers.jobsInFlight).toBe(4);
    expect(
      parseConfig({ store: 'sqlite:x', drivers: { jobsInFlight: 2 } }).drivers.jobsInFlight,
    ).toBe(2);
    for (const bad of [0, -1, 1.5, '2', null]) {
      expect(() => parseConfig({ store: 'sqlite:x', drivers: { jobsInFlight: bad } })).toThrow(
        /config\.drivers\.jobsInFlight/,
      );
    }
  });
});

/**
 * A fetch to the Helper that holds aggregation job inits (the k-th, from 0, for `delayMs(k)`) and
 * counts them.
 */
function slowInits(delayMs: number | ((k: number) => number)): {
  fetch: typeof fetch;
  inFlight: () => number;
  most: () => number;
  sent: () => number;
  /** Inits sent while the first one was still held. */
  sentWhileFirstHeld: () => number;
} {
  let inFlight = 0;
  let most = 0;
  let sent = 0;
  let firstHeld = false;
  let whileFirstHeld = 0;
  return {
    fetch: async (input, init) => {
      const isInit = String(input).endsWith('/aggregation_jobs') && init?.method === 'POST';
      if (!isInit) return fetch(input, init);
      const k = sent++;
      if (k === 0) firstHeld = true;
      else if (firstHeld) whileFirstHeld++;
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        await sleep(typeof delayMs === 'number' ? delayMs : delayMs(k));
        return await fetch(input, init);
      } finally {
        inFlight--;
        if (k === 0) firstHeld = false;
      }
    },
    inFlight: () => inFlight,
    most: () => most,
    sent: () => sent,
    sentWhileFirstHeld: () => whileFirstHeld,
  };
}

async function deployWith(
  peer: ReturnType<typeof slowInits>,
  jobsInFlight: number,
  leaderStore = store(),
): Promise<Deployment> {
  return deploy({
    vdaf: { type: 'Prio3Histogram', length: 4, chunkLength: 2 },
    leaderStore,
    helperStore: store(),
    leaderOptions: {
      fetch: peer.fetch,
      drivers: {
        intervalMs: 5,
        maxBackoffMs: 50,
        peerTimeoutMs: 5000,
        maxJobSize: 5,
        jobsInFlight,
      },
    },
  });
}

async function aggregatedCount(d: Deployment): Promise<number> {
  const buckets = await d.leader.datastore.transaction('t', (tx) => tx.summarizeBuckets(d.task.id));
  return buckets.reduce((s, b) => s + b.count, 0);
}

describe('the Leader with several jobs in flight', () => {
  it('keeps jobsInFlight jobs going: while one is held, the others pass through', async () => {
    // The first job's init is held at the Helper for 1.5 s, the others for 20 ms.
    const peer = slowInits((k) => (k === 0 ? 1500 : 20));
    const d = await deployWith(peer, 2);
    try {
      const measurements = Array.from({ length: 40 }, (_, i) => i % 4);
      expect((await upload(d, await makeReports(d, measurements))).status).toBe(200);
      d.leader.start();
      // 40 reports in jobs of 5: 8 jobs. The other 7 go through the second slot while the first
      // is held (a loop that waited for both jobs of a pass would send none of them).
      await waitFor('every report to be aggregated', async () => (await aggregatedCount(d)) === 40);
      expect(peer.sentWhileFirstHeld()).toBe(7);
      await d.leader.stop();
      expect(peer.sent()).toBe(8);
      expect(peer.most()).toBe(2);
    } finally {
      await d.close();
    }
  });

  it('runDriversOnce returns once every job it leased has finished its step', async () => {
    const peer = slowInits(50);
    const d = await deployWith(peer, 4);
    try {
      expect((await upload(d, await makeReports(d, Array(20).fill(1)))).status).toBe(200);
      const r = await d.leader.runDriversOnce();
      expect(r).toMatchObject({ created: 4, aggregation: 4 });
      expect(peer.inFlight()).toBe(0);
      expect(await aggregatedCount(d)).toBe(20);
      expect(await d.leader.runDriversOnce()).toMatchObject({ created: 0, aggregation: 0 });
    } finally {
      await d.close();
    }
  });

  it('stop waits for the jobs in flight, which then commit', async () => {
    const peer = slowInits(300);
    const leaderStore = store();
    const d = await deployWith(peer, 4, leaderStore);
    try {
      expect((await upload(d, await makeReports(d, Array(10).fill(2)))).status).toBe(200);
      d.leader.start();
      await waitFor('two jobs at the Helper', () => peer.inFlight() === 2);
      await d.leader.stop();
      expect(peer.inFlight()).toBe(0);
      expect(await aggregatedCount(d)).toBe(10);
      const probe = await openStoreProbe(leaderStore);
      try {
        expect((await probe.counts()).jobs).toEqual({ finished: 2 });
      } finally {
        await probe.close();
      }
    } finally {
      await d.close();
    }
  });
});

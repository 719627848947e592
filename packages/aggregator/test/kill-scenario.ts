// The kill scenario of the PostgreSQL (two Leaders) and SQLite (one Leader) deployments: SIGKILL
// mid-upload, mid-aggregation and mid-collection at points a fault proxy pins down, exact result.
import { expect } from 'vitest';
import { encodeUploadRequest, ReportError } from '@private-measurement/protocol';
import type { DriverConfig } from '../src/config.js';
import { timeIntervalCollectionReq } from './harness.js';
import {
  awaitCollectionResult,
  createCollection,
  makeTestTask,
  sealReports,
  uploadOnce,
  uploadWithFailover,
  type TestTask,
} from './support/dap-parties.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from './support/fault-proxy.js';
import { restartAggregator, startAggregator, type AggregatorProcess } from './support/processes.js';
import { openStoreProbe, type StoreProbe } from './support/store-probe.js';
import { sleep, waitFor } from './support/wait.js';

/**
 * Driver settings of every Leader process: leases short enough for quick takeovers, jobs small
 * enough that a pass of four finishes well within a lease on a loaded 2-core machine (a job that
 * outlives its lease is not committed and goes round again).
 */
export const KILL_DRIVERS: Partial<DriverConfig> = {
  intervalMs: 20,
  leaseMs: 3000,
  maxJobSize: 25,
  minJobSize: 1,
  // Limitation: a job out of attempts is abandoned and its reports are dropped; if the Helper
  // had committed it (its answer lost), the batch then fails collection with batchMismatch. So
  // the attempt budget here outlasts every outage the tests cause.
  maxAttempts: 1000,
  maxBackoffMs: 200,
  peerTimeoutMs: 10_000,
};

/** How the scenario is deployed. */
export interface KillScenarioOptions {
  /** Temporary directory for option files. */
  dir: string;
  leaderStore: string;
  helperStore: string;
  /** 2: two Leader processes share the store (PostgreSQL); 1: one Leader (SQLite). */
  leaders: 1 | 2;
  reports: number;
}

/** What happened, for the test's own assertions and its log line. */
export interface KillScenarioReport {
  uploadRetries: number;
  replayed: number;
  killed: string[];
}

/**
 * Whether two proxied requests carry the same body (a retry or takeover of the same job).
 *
 * @returns true for byte-identical bodies.
 */
export const sameBody = (a: ProxiedRequest, b: ProxiedRequest): boolean =>
  Buffer.compare(Buffer.from(a.body), Buffer.from(b.body)) === 0;

/** Where a kill deployment keeps its state. */
export type KillDeploymentOptions = Pick<
  KillScenarioOptions,
  'dir' | 'leaderStore' | 'helperStore' | 'leaders'
>;

/** The running processes of a deployment, by Leader slot, with restarts on the same store. */
export class KillDeployment {
  leaders: (AggregatorProcess | undefined)[] = [];
  /** One proxy per Leader slot: clients reach Leaders through it, so it survives restarts. */
  leaderProxies: FaultProxy[] = [];
  helper!: AggregatorProcess;
  generation = 0;
  readonly killed: string[] = [];

  private constructor(
    readonly o: KillDeploymentOptions,
    readonly t: TestTask,
    readonly helperProxy: FaultProxy,
  ) {}

  /**
   * Starts the Helper behind `helperProxy`, then the Leaders one after the other (the first
   * creates the shared HPKE key, the second finds it), each behind a proxy of its own.
   *
   * @returns the running deployment; `close()` kills everything.
   */
  static async start(
    o: KillDeploymentOptions,
    t: TestTask,
    helperProxy: FaultProxy,
  ): Promise<KillDeployment> {
    const d = new KillDeployment(o, t, helperProxy);
    try {
      d.helper = await startAggregator(
        {
          name: 'helper',
          store: o.helperStore,
          tasks: [t.helperSpec],
          drivers: { enabled: false },
        },
        o.dir,
      );
      helperProxy.setTarget(d.helper.url);
      for (let slot = 0; slot < o.leaders; slot++) {
        d.leaderProxies.push(await startFaultProxy('http://127.0.0.1:1/'));
        await d.startLeader(slot);
      }
      return d;
    } catch (e) {
      await d.close();
      throw e;
    }
  }

  /** Starts a Leader process (a new name each time) in `slot` and points its proxy at it. */
  async startLeader(slot: number): Promise<AggregatorProcess> {
    const p = await startAggregator(
      {
        name: `leader${slot}-${this.generation++}`,
        store: this.o.leaderStore,
        tasks: [this.t.leaderSpec],
        drivers: KILL_DRIVERS,
      },
      this.o.dir,
    );
    this.leaders[slot] = p;
    this.leaderProxies[slot].setTarget(p.url);
    return p;
  }

  /** SIGKILLs the Leader in `slot`; the slot stays empty until `startLeader`. */
  async killLeader(slot: number): Promise<void> {
    const p = this.leaders[slot];
    if (p === undefined) throw new Error(`leader slot ${slot} is not running`);
    this.leaders[slot] = undefined;
    this.killed.push(p.name);
    await p.kill();
  }

  /** The slot of the running Leader process named `name`. */
  slotOf(name: string): number {
    const slot = this.leaders.findIndex((p) => p?.name === name);
    if (slot < 0) throw new Error(`no running leader named ${name}`);
    return slot;
  }

  /** SIGKILLs the Helper. */
  async killHelper(): Promise<void> {
    this.killed.push(this.helper.name);
    await this.helper.kill();
  }

  /** Starts the Helper again on its port and store. */
  async restartHelper(): Promise<void> {
    this.helper = await restartAggregator(this.helper, this.o.dir);
    expect(new URL(this.helper.url).port).toBe(String(this.helper.options.port));
    this.helperProxy.setTarget(this.helper.url);
  }

  /** URLs clients use now: every Leader slot's proxy. */
  leaderUrls(): string[] {
    return this.leaderProxies.map((p) => p.url);
  }

  /** A slot whose Leader is running. */
  liveUrl(): string {
    const slot = this.leaders.findIndex((p) => p !== undefined);
    return this.leaderProxies[slot].url;
  }

  /** Kills every process and closes every proxy. */
  async close(): Promise<void> {
    for (const p of this.leaders) await p?.kill();
    await this.helper?.kill();
    for (const p of this.leaderProxies) await p.close();
    await this.helperProxy.close();
  }
}

/**
 * Runs the scenario and checks that the collected result is exact.
 *
 * "The middle" of a phase is pinned down without sleeps: clients reach each Leader slot through
 * a fault proxy, Leaders reach the Helper through another, and every Leader process names itself
 * in a header on its Helper requests. The proxy cuts or holds the chosen request (an upload the
 * Leader stored, an init request once a job finished, the aggregate share request after the
 * batch was marked collected), the store is checked (lease held, batch marked), and only then
 * is the process killed. A takeover is seen as the same request body from another process.
 *
 * @returns what happened (kills, retries, takeovers).
 */
export async function runKillScenario(o: KillScenarioOptions): Promise<KillScenarioReport> {
  const helperProxy = await startFaultProxy('http://127.0.0.1:1/');
  const t = await makeTestTask({
    vdaf: { type: 'Prio3Sum', maxMeasurement: 100 },
    helperEndpoint: helperProxy.url,
  });
  const d = await KillDeployment.start(o, t, helperProxy);
  let leaderProbe: StoreProbe | undefined;
  let helperProbe: StoreProbe | undefined;
  try {
    leaderProbe = await openStoreProbe(o.leaderStore);
    helperProbe = await openStoreProbe(o.helperStore);

    const time = BigInt(Math.floor(Date.now() / 1000 / t.leaderSpec.timePrecision));
    const measurements = Array.from({ length: o.reports }, (_, i) => (i * 37) % 101);
    const expectedSum = BigInt(measurements.reduce((a, b) => a + b, 0));
    const reports = await sealReports(t, d.leaderUrls()[0], d.helper.url, measurements, time);

    // Aggregation waits until the upload is over: the Helper answers 503 meanwhile (the jobs
    // retry with backoff), so that the kills below fall into a phase, not a race.
    let gate = true;
    helperProxy.setPolicy(() => (gate ? { kind: 'fail', status: 503 } : { kind: 'forward' }));

    // 1. Upload. A request to slot 0 whose body is still being sent when that Leader dies can
    // never be stored there; the 3rd request slot 0 gets is stored, then the Leader is
    // SIGKILLed before its answer reaches the client, so the client's retry is a replay.
    const streamed = reports.slice(0, 40);
    const streamedBytes = encodeUploadRequest(streamed);
    const inflight = uploadOnce(
      d.leaders[0]!.url,
      t,
      new ReadableStream<Uint8Array>({
        start: (c) => c.enqueue(streamedBytes.subarray(0, streamedBytes.length >> 1)),
      }),
    );
    let uploadsSeen = 0;
    let cutChunk: ProxiedRequest | undefined;
    let restarting: Promise<AggregatorProcess> | undefined;
    d.leaderProxies[0].setPolicy((r) => {
      if (r.resource !== 'reports' || ++uploadsSeen !== 3) return { kind: 'forward' };
      cutChunk = r;
      return {
        kind: 'drop',
        afterUpstream: async () => {
          await d.killLeader(0);
          // One Leader only: it comes back on the same store while the client keeps retrying.
          if (o.leaders === 1) restarting = d.startLeader(0);
        },
      };
    });
    const stats = await uploadWithFailover(t, reports.slice(40), () => d.leaderUrls(), {
      chunk: 40,
      concurrency: 3,
      attempts: 60,
      pauseMs: 100,
    });
    expect(await inflight, 'the half-sent request failed').toMatchObject({ kind: 'failed' });
    expect(cutChunk, 'the 3rd upload to slot 0 was cut by the kill').toBeDefined();
    if (restarting !== undefined) await restarting;
    else await d.startLeader(0);
    // The cut request's reports were all stored before the kill: its retry replays them all.
    // (Another request in flight at the kill may have been stored too: requests are stored
    // whole or not at all, so replays come in whole chunks.)
    expect(stats.replayed).toBeGreaterThanOrEqual(40);
    expect(stats.replayed % 40).toBe(0);
    expect(stats.retried).toBeGreaterThanOrEqual(1);
    // The half-sent request, sent again in full, stores every report (none was stored before).
    expect(await uploadOnce(d.liveUrl(), t, streamed)).toEqual({ kind: 'stored', replayed: 0 });
    const afterUpload = await leaderProbe.counts();
    const storedReports = Object.values(afterUpload.reports).reduce((a, b) => a + b, 0);
    expect(storedReports, 'each uploaded report stored exactly once').toBe(o.reports);

    // 2. Aggregation. A job is "taken over" when the Helper sees its init request (same body)
    // again from another Leader process after the lease expired; until then every other init
    // request gets 503, so that work remains for the next step.
    let finishedJobs = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        finishedJobs = (await leaderProbe!.counts()).jobs.finished ?? 0;
        await sleep(20);
      }
    })();
    const target0 = d.leaders[0]!.name;
    /** Holds the first init request of slot 0 once a job finished; forwards its takeover. */
    const holdAndTakeOver = (
      r: ProxiedRequest,
      step: { held?: ProxiedRequest; retaken?: ProxiedRequest },
    ) => {
      if (step.held === undefined) {
        if (finishedJobs === 0 || r.sender !== target0) return { kind: 'forward' } as const;
        step.held = r;
        return { kind: 'hold' } as const;
      }
      if (step.retaken === undefined && r.sender !== target0 && sameBody(r, step.held)) {
        step.retaken = r;
        return { kind: 'forward' } as const;
      }
      return step.retaken === undefined ? ({ kind: 'fail', status: 503 } as const) : undefined;
    };
    // 2a (two Leaders): the lease of a Leader that is alive but slow runs out; the other Leader
    // takes the job over and commits it; the first one's late commit must be refused.
    const live: { held?: ProxiedRequest; retaken?: ProxiedRequest } = {};
    // 2b: the Leader in slot 0 is SIGKILLed while its init request is held (it holds the
    // lease); the request then reaches the Helper (which commits) but the answer is lost.
    const killed: { held?: ProxiedRequest; retaken?: ProxiedRequest } = {};
    let droppedInit: ProxiedRequest | undefined;
    let phase: 'live' | 'kill' = o.leaders === 2 ? 'live' : 'kill';
    helperProxy.setPolicy((r) => {
      if (r.resource !== 'aggregation_jobs') return { kind: 'forward' };
      if (phase === 'live') return holdAndTakeOver(r, live) ?? { kind: 'fail', status: 503 };
      const held = holdAndTakeOver(r, killed);
      if (held !== undefined) return held;
      // 3. The Helper is SIGKILLed right after it answered an init request (it committed; the
      // Leader never sees the answer), then restarted on the same port and store.
      if (droppedInit === undefined && killed.retaken!.status !== undefined) {
        droppedInit = r;
        return { kind: 'drop', afterUpstream: () => d.killHelper() };
      }
      return { kind: 'forward' };
    });
    gate = false;
    if (o.leaders === 2) {
      await waitFor('the slot-0 leader to send an init request', () => live.held);
      await waitFor('its job to be taken over and answered', () => live.retaken?.status);
      expect(live.retaken!.status).toBe(200);
      await helperProxy.release();
      await waitFor(
        'the late commit of the slot-0 leader to be refused',
        () => d.leaders[0]!.logCount('lease lost before commit') > 0,
      );
      phase = 'kill';
    }
    await waitFor('an init request of the slot-0 leader to be held', () => killed.held);
    watching = false;
    await watcher;
    const midAgg = await leaderProbe.counts();
    expect(midAgg.jobs.finished ?? 0, 'some jobs finished before the kill').toBeGreaterThan(0);
    expect(midAgg.leasedJobs, 'the killed leader holds a lease').toBeGreaterThan(0);
    await d.killLeader(0);
    await helperProxy.release();
    if (o.leaders === 1) await d.startLeader(0);
    await waitFor('the held job to be taken over and answered', () => killed.retaken?.status);
    expect(killed.retaken!.status).toBe(200);
    if (o.leaders === 2) await d.startLeader(0);

    await waitFor('the helper to be killed mid-aggregation', () => d.killed.includes('helper'));
    await d.restartHelper();
    const resent = await waitFor('the lost init answer to be asked for again', () =>
      helperProxy.log.find(
        (r) => r.seq > droppedInit!.seq && sameBody(r, droppedInit!) && r.status === 200,
      ),
    );
    expect(resent.sender).not.toBe('');

    // Aggregation completes: every report went through both aggregators exactly once.
    await waitFor(
      'aggregation to finish',
      async () => {
        const c = await leaderProbe!.counts();
        return (c.reports.done ?? 0) === o.reports && (c.jobs.active ?? 0) === 0;
      },
      45_000,
    );
    const leaderDone = await leaderProbe.counts();
    const helperDone = await helperProbe.counts();
    expect(leaderDone.jobs.abandoned ?? 0).toBe(0);
    expect(leaderDone.aggregatedCount).toBe(o.reports);
    expect(helperDone.aggregatedCount).toBe(o.reports);
    expect(helperDone.aggregatedIds).toBe(o.reports);

    // 4. Collection. The aggregate-share request is held; the Leader that sent it (it has marked
    // the batch collected) is SIGKILLed; the request then reaches the Helper, the answer is lost,
    // and the collection job is taken over after lease expiry.
    let heldShare: ProxiedRequest | undefined;
    helperProxy.setPolicy((r) => {
      if (r.resource === 'aggregate_shares' && heldShare === undefined) {
        heldShare = r;
        return { kind: 'hold' };
      }
      return { kind: 'forward' };
    });
    const req = timeIntervalCollectionReq(time, 1n);
    const created = await createCollection(d.liveUrl(), t, req);
    if (!('location' in created)) throw new Error(`collection refused: ${JSON.stringify(created)}`);
    await waitFor('the aggregate share request to be held', () => heldShare !== undefined);
    const collector = heldShare!.sender;
    const midCollect = await leaderProbe.counts();
    expect(midCollect.collectedBuckets, 'the batch is marked collected').toBe(1);
    expect(midCollect.collectionJobs.start ?? 0, 'the collection job is not finished').toBe(1);
    await d.killLeader(d.slotOf(collector));
    await helperProxy.release();
    if (o.leaders === 1) await d.startLeader(0);
    const outcome = await awaitCollectionResult(() => d.liveUrl(), t, created.location, req);
    expect(outcome).toMatchObject({ kind: 'result', reportCount: BigInt(o.reports) });
    if (outcome.kind === 'result') {
      expect(outcome.result).toBe(expectedSum);
      expect(outcome.noise).toBe('leader=off-for-testing, helper=off-for-testing');
    }
    const shareRequests = helperProxy.log.filter(
      (r) => r.resource === 'aggregate_shares' && sameBody(r, heldShare!),
    );
    expect(shareRequests.some((r) => r.sender !== collector && r.status === 200)).toBe(true);
    expect((await helperProbe.counts()).shareJobs, 'one aggregate share at the helper').toBe(1);

    // 5. Collected at most once: the same request names the same job (same result), a deleted
    // job cannot be created again, an overlapping query is refused, late reports are rejected.
    const again = await createCollection(d.liveUrl(), t, req);
    if (!('location' in again)) throw new Error('the existing job was not returned');
    expect(again.location).toBe(created.location);
    const same = await awaitCollectionResult(() => d.liveUrl(), t, again.location, req);
    expect(same).toMatchObject({
      kind: 'result',
      reportCount: BigInt(o.reports),
      result: expectedSum,
    });
    const del = await fetch(new URL(created.location.slice(1), d.liveUrl()), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t.leaderSpec.collectorAuthToken}` },
    });
    expect(del.status).toBe(200);
    expect(await createCollection(d.liveUrl(), t, req)).toMatchObject({
      kind: 'problem',
      status: 400,
      type: 'batchOverlap',
    });
    expect(
      await createCollection(d.liveUrl(), t, timeIntervalCollectionReq(time, 2n)),
    ).toMatchObject({ kind: 'problem', type: 'batchOverlap' });
    const late = await sealReports(t, d.liveUrl(), d.helper.url, [5], time);
    await expect(uploadOnce(d.liveUrl(), t, late)).rejects.toThrow(
      `report errors ${ReportError.batch_collected}`,
    );

    return {
      uploadRetries: stats.retried,
      replayed: stats.replayed,
      killed: d.killed,
    };
  } finally {
    await leaderProbe?.close();
    await helperProbe?.close();
    await d.close();
  }
}

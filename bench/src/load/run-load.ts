// The load run: reports sealed once to a file in bounded batches (prepareLoad), then per store
// (runLoad) a Helper and one or two Leader processes on fresh stores, the reports uploaded with
// back-pressure honoured, aggregated by the Leaders' drivers, collected without noise and
// checked exactly; throughput per phase and the RSS of every process sampled throughout.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collector } from '@private-measurement/collector';
import {
  encodeHpkeConfig,
  generateHpkeKeypair,
  type HpkeKeypair,
} from '@private-measurement/protocol';
import {
  COLLECTOR_TOKEN,
  currentTimeUnits,
  helperSpec,
  makeBenchTask,
  type BenchTask,
  type Variant,
} from '../aggregator/deployment.js';
import { postgresProblem, StorePool, type StoreKind } from '../aggregator/stores.js';
import { uploadReports } from '../aggregator/upload.js';
import { summarizeRss, type LoadFigure, type LoadPhase, type PhaseWindow } from '../load-figure.js';
import { AggregatorChild } from './child.js';
import type { ChildRequest, ChildStatus } from './messages.js';
import { generateReports, ReportReader, type GeneratedReports } from './report-file.js';
import { RssSampler } from './rss.js';

/** Reports that every store's run uploads: one task, keys and ports, sealed once. */
export interface PreparedLoad {
  task: BenchTask;
  leaderKey: HpkeKeypair;
  helperKey: HpkeKeypair;
  /** Loopback ports of the first Leader and of the Helper: their URLs are in every AAD. */
  leaderPort: number;
  helperPort: number;
  /** Report time, time_precision units: the one batch bucket to collect. */
  time: bigint;
  generated: GeneratedReports;
  /** Reports per upload request (the batch they were sealed in). */
  batch: number;
  /** The sealing phase: client work, once for every run. */
  generate: LoadPhase;
  /** Removes the report file. */
  close(): void;
}

/** How to prepare the reports. */
export interface PrepareSettings {
  variant: Variant;
  reports: number;
  /** Reports per batch: per write, and per upload request. */
  batch: number;
  /** Seal worker threads; 0 seals in this thread. */
  workers: number;
  /** Path of the bundled dist/load/seal-worker.js, when `workers` > 0. */
  workerScript?: string;
  progress?: (label: string) => void;
}

/**
 * How upload and aggregation share the run: `concurrent`, the Leaders' drivers run from the
 * first upload and the Leaders refuse uploads with 503 while {@link LOAD_MAX_PENDING} reports
 * wait (so the uploader must honour Retry-After); `sequential`, every report is uploaded
 * before the drivers start, which gives ingest and aggregation rates apart.
 */
export type LoadMode = 'concurrent' | 'sequential';

/** Reports waiting for aggregation at which the Leaders refuse uploads, concurrent mode. */
export const LOAD_MAX_PENDING = 20_000;

/** How to run the load on one store. */
export interface LoadSettings {
  prepared: PreparedLoad;
  /** Default `concurrent`. */
  mode?: LoadMode;
  /** Concurrent mode: pending reports at which uploads are refused; default LOAD_MAX_PENDING. */
  maxPending?: number;
  /** Concurrent mode: how long the Leaders reuse a count of pending reports, ms; default 500. */
  pendingCheckMs?: number;
  store: StoreKind;
  /** Leader processes sharing the Leader's store: 1, or 2 (PostgreSQL only). */
  leaders: 1 | 2;
  /** Path of the bundled aggregator process (dist/load/aggregator-process.js). */
  childScript: string;
  /** Upload requests in flight at once; default 4. */
  concurrency?: number;
  /** RSS sampling period, ms; default 500. */
  sampleMs?: number;
  /** Seconds without aggregation progress before the run is failed; default 300. */
  stallSeconds?: number;
  /** The PostgreSQL server; default the bench's. */
  pgUrl?: string;
  /** Told what the run is doing. */
  progress?: (label: string) => void;
  /** Name of the suite, for the figure. */
  suite?: string;
}

/** The Leader's driver settings in the load run: a short idle pause, defaults otherwise. */
const LOAD_DRIVERS = { intervalMs: 100 };

/** Back-pressure of the concurrent mode: a count at most 0.5 s old, Retry-After 1 s. */
const LOAD_BACKPRESSURE = { checkIntervalMs: 500, retryAfterSeconds: 1 };

type ConfigureBody = Omit<Extract<ChildRequest, { type: 'configure' }>, 'id'>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rate(reports: number, seconds: number): number {
  return seconds > 0 ? Math.round(reports / seconds) : 0;
}

/** A loopback port free right now (the kernel's pick, released at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function keyMessage(key: HpkeKeypair): { config: string; privateKey: string } {
  return { config: b64(encodeHpkeConfig(key.config)), privateKey: b64(key.privateKey) };
}

/**
 * Seals the reports of the load run: a task between a Leader and a Helper on two loopback
 * ports chosen now, HPKE keys made here and installed in every deployment, and `reports`
 * random measurements in a temporary file.
 *
 * @param p - the settings.
 * @returns the prepared reports; call `close()` to remove the file.
 * @throws {Error} when the report count is not a positive integer or sealing fails.
 */
export async function prepareLoad(p: PrepareSettings): Promise<PreparedLoad> {
  if (!Number.isSafeInteger(p.reports) || p.reports < 1) {
    throw new Error(`reports: expected a positive integer, received ${p.reports}`);
  }
  const leaderPort = await freePort();
  const helperPort = await freePort();
  const task = makeBenchTask(
    p.variant,
    `http://127.0.0.1:${leaderPort}/`,
    `http://127.0.0.1:${helperPort}/`,
    await generateHpkeKeypair(9),
  );
  const leaderKey = await generateHpkeKeypair(1);
  const helperKey = await generateHpkeKeypair(2);
  const time = currentTimeUnits();
  const dir = mkdtempSync(join(tmpdir(), 'pm-bench-load-'));
  const close = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const t0 = performance.now();
    const generated = await generateReports({
      path: join(dir, 'reports.bin'),
      task,
      leaderConfig: leaderKey.config,
      helperConfig: helperKey.config,
      time,
      count: p.reports,
      batch: p.batch,
      workers: p.workers,
      workerScript: p.workerScript,
      onProgress: (n) => p.progress?.(`sealing reports: ${n} of ${p.reports}`),
    });
    const seconds = (performance.now() - t0) / 1000;
    const generate: LoadPhase = {
      phase: 'generate',
      seconds: Math.round(seconds * 1000) / 1000,
      reportsPerSecond: rate(p.reports, seconds),
    };
    return {
      task,
      leaderKey,
      helperKey,
      leaderPort,
      helperPort,
      time,
      generated,
      batch: p.batch,
      generate,
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}

/**
 * Uploads every report, `concurrency` requests at a time, spread over the Leaders in turn.
 *
 * @returns the 503 answers honoured and the ms waited for them.
 */
async function uploadAll(
  reader: ReportReader,
  generated: GeneratedReports,
  leaders: readonly AggregatorChild[],
  taskId: string,
  batch: number,
  concurrency: number,
  onProgress: (done: number) => void,
): Promise<{ retries: number; waitedMs: number }> {
  const batches = Math.ceil(generated.count / batch);
  let next = 0;
  let done = 0;
  const total = { retries: 0, waitedMs: 0 };
  // After one request fails, the others take no further batch.
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < batches && !failed) {
      const k = next++;
      const first = k * batch;
      const n = Math.min(batch, generated.count - first);
      try {
        const body = await reader.read(first, n);
        const outcome = await uploadReports(leaders[k % leaders.length].url, taskId, body);
        total.retries += outcome.retries;
        total.waitedMs += outcome.waitedMs;
      } catch (e) {
        failed = true;
        throw e;
      }
      done += n;
      onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches) }, worker));
  return total;
}

/** Waits until the Leaders' buckets hold every report; fails when progress stalls. */
async function awaitAggregation(
  leader: AggregatorChild,
  taskId: string,
  count: number,
  stallSeconds: number,
  onProgress: (aggregated: number) => void,
): Promise<void> {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const status = (await leader.request({ type: 'status', taskId })) as ChildStatus;
    onProgress(status.aggregated);
    if (status.aggregated === count) return;
    if (status.aggregated > count) {
      throw new Error(`aggregation: expected ${count} reports, received ${status.aggregated}`);
    }
    if (status.aggregated !== last) {
      last = status.aggregated;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > stallSeconds * 1000) {
      throw new Error(
        `aggregation: stalled at ${status.aggregated} of ${count} reports for ${stallSeconds} s`,
      );
    }
    await sleep(500);
  }
}

/**
 * Runs the prepared reports through one deployment. Failures are reported in the figure,
 * never thrown; the processes and the stores are removed in every case.
 *
 * @param s - the settings.
 * @returns the figure: phases, per-process RSS, back-pressure, and whether the sum was exact.
 */
export async function runLoad(s: LoadSettings): Promise<LoadFigure> {
  const started = performance.now();
  const p = s.prepared;
  const reports = p.generated.count;
  const progress = s.progress ?? (() => {});
  const mode = s.mode ?? 'concurrent';
  const figure: LoadFigure = {
    name: `load ${p.task.variant.label}`,
    group: 'load',
    suite: s.suite ?? 'load',
    params: { store: s.store, leaders: s.leaders, mode, reports },
    reports,
    phases: [p.generate],
    processes: [],
    backPressure: { retries: 0, waitedSeconds: 0 },
    exact: false,
    elapsed: 0,
  };
  const concurrency = s.concurrency ?? 4;
  const pool = new StorePool(s.store, s.pgUrl);
  const children: AggregatorChild[] = [];
  let sampler: RssSampler | undefined;
  let window: [number, number] | undefined;
  /** Where each phase lies on the sampler's clock, for the memory of each phase. */
  const phaseWindows: PhaseWindow[] = [];
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    // A sample at each end of the phase, outside its timing, so that a short phase has some.
    const from = sampler?.now() ?? 0;
    await sampler?.sampleNow();
    const cpuBefore = sampler?.cpu();
    const t0 = performance.now();
    const value = await work();
    const seconds = (performance.now() - t0) / 1000;
    const cpuAfter = sampler?.cpu();
    await sampler?.sampleNow();
    if (sampler !== undefined && name !== 'collect') {
      const used = new Map<string, number>();
      for (const [role, after] of cpuAfter ?? []) {
        const before = cpuBefore?.get(role);
        if (after !== undefined && before !== undefined) used.set(role, after - before);
      }
      phaseWindows.push([name, [from, sampler.now()], used]);
    }
    figure.phases.push({
      phase: name,
      seconds: Math.round(seconds * 1000) / 1000,
      reportsPerSecond: rate(reports, seconds),
    });
    return value;
  };
  try {
    if (s.leaders === 2 && s.store !== 'postgres') {
      throw new Error(`leaders: expected 1 on ${s.store}, received 2 (two need postgres)`);
    }
    if (s.store === 'postgres') {
      const problem = await postgresProblem(s.pgUrl);
      if (problem !== undefined) throw new Error(problem);
    }

    // The processes: the Helper and the Leaders, the first Leader and the Helper on the ports
    // the reports were sealed for.
    progress('starting the aggregator processes');
    const helper = await AggregatorChild.start(s.childScript, 'helper', p.helperPort);
    children.push(helper);
    const leaders: AggregatorChild[] = [];
    for (let i = 1; i <= s.leaders; i++) {
      const leader = await AggregatorChild.start(
        s.childScript,
        `leader ${i}`,
        i === 1 ? p.leaderPort : 0,
      );
      leaders.push(leader);
      children.push(leader);
    }
    sampler = new RssSampler(
      [
        { role: 'runner', pid: process.pid, ask: () => Promise.resolve(process.memoryUsage.rss()) },
        ...children.map((c) => ({
          role: c.role,
          pid: c.pid,
          ask: async () => (await c.request({ type: 'rss' })) as number,
        })),
      ],
      s.sampleMs ?? 500,
    );
    sampler.start();

    // The task and keys in each process; the Leaders share one store, configured in turn so
    // that the first migrates it and installs the key.
    const configure = (store: string, key?: HpkeKeypair, spec = p.task.spec): ConfigureBody => ({
      type: 'configure',
      store,
      task: spec,
      drivers: LOAD_DRIVERS,
      ...(mode === 'concurrent'
        ? {
            backpressure: {
              ...LOAD_BACKPRESSURE,
              maxPendingReports: s.maxPending ?? LOAD_MAX_PENDING,
              ...(s.pendingCheckMs !== undefined ? { checkIntervalMs: s.pendingCheckMs } : {}),
            },
          }
        : {}),
      ...(key !== undefined ? { hpkeKey: keyMessage(key) } : {}),
    });
    await helper.request(configure(pool.fresh('helper'), p.helperKey, helperSpec(p.task.spec)));
    const leaderStore = pool.fresh('leader');
    for (const [i, l] of leaders.entries()) {
      await l.request(configure(leaderStore, i === 0 ? p.leaderKey : undefined));
    }

    // Upload, aggregation and collection: the window over which memory must stay flat.
    const windowStart = sampler.now();
    const aggregateAll = (): Promise<void> =>
      awaitAggregation(leaders[0], p.task.spec.taskId, reports, s.stallSeconds ?? 300, (n) =>
        progress(`aggregating: ${n} of ${reports}`),
      );
    const uploadPhase = async (): Promise<void> => {
      const reader = await ReportReader.open(p.generated);
      try {
        const pressure = await phase('upload', () =>
          uploadAll(reader, p.generated, leaders, p.task.spec.taskId, p.batch, concurrency, (n) =>
            progress(`uploading: ${n} of ${reports}`),
          ),
        );
        figure.backPressure = {
          retries: pressure.retries,
          waitedSeconds: Math.round(pressure.waitedMs) / 1000,
        };
      } finally {
        await reader.close();
      }
    };
    if (mode === 'sequential') {
      await uploadPhase();
      await phase('aggregate', async () => {
        for (const l of leaders) await l.request({ type: 'start' });
        await aggregateAll();
      });
    } else {
      // The aggregate phase spans the whole pipeline: from the first upload to the last
      // report aggregated, the Leaders' drivers running throughout.
      await phase('aggregate', async () => {
        for (const l of leaders) await l.request({ type: 'start' });
        await uploadPhase();
        await aggregateAll();
      });
    }

    progress('collecting');
    const collector = new Collector({
      taskId: p.task.taskId,
      taskConfiguration: p.task.taskConfiguration,
      authToken: COLLECTOR_TOKEN,
      hpkeKeys: p.task.collectorKey,
      leaderUrl: leaders[0].url,
      poll: { initialDelayMs: 100, minDelayMs: 100, maxDelayMs: 1000 },
    });
    const result = await phase('collect', () =>
      collector.collect({
        batchMode: 'time_interval',
        batchInterval: { start: p.time, duration: 1n },
      }),
    );
    window = [windowStart, sampler.now()];

    // The check: noise is off, so the aggregate is the exact sum of what was uploaded.
    if (result.reportCount !== BigInt(reports)) {
      throw new Error(`collection: expected ${reports} reports, received ${result.reportCount}`);
    }
    const expected = p.generated.expected;
    const wrong = expected.findIndex((v, i) => result.values[i] !== v);
    if (result.values.length !== expected.length || wrong !== -1) {
      throw new Error(
        `collection: expected the exact sum of the measurements, received another value in bucket ${wrong}`,
      );
    }
    figure.exact = true;
  } catch (e) {
    figure.error = e instanceof Error ? e.message : String(e);
  } finally {
    if (sampler !== undefined) {
      window ??= [0, sampler.now()];
      for (const [role, m] of await sampler.stop()) {
        // The runner's high-water mark covers whatever it ran before this run: samples only.
        const highWater = role === 'runner' ? 0 : m.highWater;
        figure.processes.push(summarizeRss(role, m.samples, window, highWater, phaseWindows));
      }
    }
    for (const c of children) await c.stop().catch(() => undefined);
    await pool.removeAll().catch((e: unknown) => {
      figure.error ??= `clean-up: ${(e as Error).message}`;
    });
    figure.elapsed = Math.round((performance.now() - started) / 100) / 10;
  }
  return figure;
}

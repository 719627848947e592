// Aggregator benchmark suite, on SQLite and on PostgreSQL, over loopback HTTP: upload ingest at
// the Leader, and upload plus aggregation through a Leader (this thread) and a Helper (a worker
// thread, so the two share the machine's cores as two processes would), for
// Prio3Histogram(16), Prio3Histogram(256) and Prio3L1BoundSum(20, 255).
import { randomFillSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  createAggregator,
  openDatastore,
  type Aggregator,
  type Datastore,
  type TaskSpec,
} from '@private-measurement/aggregator';
import {
  encodeHpkeConfig,
  generateHpkeKeypair,
  type HpkeKeypair,
} from '@private-measurement/protocol';
import pino from 'pino';
import {
  concat,
  currentTimeUnits,
  helperSpec,
  makeBenchTask,
  ReportSealer,
  VARIANTS,
  type BenchTask,
  type Variant,
} from '../aggregator/deployment.js';
import { postgresProblem, StorePool, STORE_KINDS, type StoreKind } from '../aggregator/stores.js';
import { uploadReports } from '../aggregator/upload.js';
import type { BenchCase, Suite, SuiteOptions } from '../suite.js';

const GROUP = 'aggregator';
/** Reports per upload request of the end-to-end cases. */
const UPLOAD_BATCH = 500;
/** Reports of the longer end-to-end case (Histogram(16), full runs only). */
const STEADY_COUNT = 10_000;

const quiet = pino({ level: 'silent' });
/**
 * The Leader's drivers in the bench: jobs of 250 reports (eight per 2,000-report operation, so
 * that the Leader prepares one while the Helper verifies another for most of the run), eight in
 * flight, and a short pause between passes. Eight in flight against four: about 10% more
 * reports/s end to end in two back-to-back runs of this suite on SQLite (2,000 reports: 2.94 k
 * to 3.34 k; 10,000: 3.17 k to 3.54 k), and in the same comparison of a Leader and a Helper
 * thread outside the bench.
 */
const drivers = {
  intervalMs: 5,
  maxJobSize: 250,
  jobsInFlight: 8,
  maxBackoffMs: 50,
  peerTimeoutMs: 30_000,
};

/** Opens a fresh store holding one given HPKE key (so that sealed reports stay valid). */
async function storeWithKey(url: string, key: HpkeKeypair): Promise<Datastore> {
  const ds = await openDatastore(url);
  await ds.transaction('bench-key', (tx) =>
    tx.putHpkeKey({
      configId: key.config.id,
      config: encodeHpkeConfig(key.config),
      privateKey: key.privateKey,
      state: 'active',
      createdAt: Date.now(),
    }),
  );
  return ds;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** SQLite stores a {@link Host} keeps open after their round (an end-to-end case runs fewer). */
const MAX_RETIRED = 16;

/**
 * One aggregator on a loopback server whose store is replaced on request. Closing a SQLite store
 * checkpoints its WAL (measured 20 ms for a Leader's after 2,000 reports, 40 ms after 10,000),
 * which is no part of the next round: a replaced SQLite store is kept open until `close`,
 * outside the timing. A replaced PostgreSQL store closes at once (cheap, and it holds
 * connections to the server).
 */
class Host {
  private current: { agg: Aggregator; ds: Datastore; store: string } | undefined;
  private readonly retired: Datastore[] = [];
  private constructor(
    readonly server: Server,
    readonly url: string,
    private readonly cell: { host?: Host },
  ) {}

  static async start(): Promise<Host> {
    const cell: { host?: Host } = {};
    const server = createServer((req, res) => {
      const agg = cell.host?.current?.agg;
      if (agg) agg.listener(req, res);
      else res.writeHead(503).end();
    });
    cell.host = new Host(server, await listen(server), cell);
    return cell.host;
  }

  /** Closes the current aggregator and every store, the replaced ones included. */
  async close(): Promise<void> {
    await this.retire();
    for (const ds of this.retired.splice(0)) await ds.close();
  }

  /** Stops the current aggregator; its store closes now (PostgreSQL) or at `close` (SQLite). */
  private async retire(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (c === undefined) return;
    await c.agg.close();
    if (c.store.startsWith('sqlite:')) this.retired.push(c.ds);
    else await c.ds.close();
    // Bounded, for cases of many short cycles (fresh stores), whose stores are small to close.
    if (this.retired.length > MAX_RETIRED) await this.retired.shift()?.close();
  }

  /** Replaces the aggregator by a fresh one on a fresh store. */
  async reset(store: string, spec: TaskSpec, key: HpkeKeypair): Promise<Aggregator> {
    await this.retire();
    const ds = await storeWithKey(store, key);
    const agg = await createAggregator({ store: ds, tasks: [spec], logger: quiet, drivers });
    this.current = { agg, ds, store };
    return agg;
  }
}

// ---- The Helper's thread: a Host driven by messages from the main thread.
interface HelperMessage {
  store: string;
  spec: TaskSpec;
  key: HpkeKeypair;
}

type HelperRequest = HelperMessage | 'close' | 'exit';

async function helperThread(): Promise<void> {
  const host = await Host.start();
  parentPort?.on('message', (m: HelperRequest) => {
    void (async () => {
      try {
        if (m === 'close' || m === 'exit') await host.close();
        if (m === 'exit') {
          host.server.closeAllConnections();
          host.server.close();
          parentPort?.close();
          return;
        }
        if (m !== 'close') await host.reset(m.store, m.spec, m.key);
        parentPort?.postMessage({ ok: true });
      } catch (e) {
        parentPort?.postMessage({ ok: false, error: (e as Error).message });
      }
    })();
  });
  parentPort?.postMessage({ url: host.url });
}

if (!isMainThread && (workerData as { pmAggregatorHelper?: boolean })?.pmAggregatorHelper) {
  void helperThread();
}

/**
 * The worker's next message, or its error: both listeners go once either arrives (a case sends
 * many requests, and listeners left behind would pile up; Node warns past ten).
 */
function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (e: Error): void => {
      worker.off('message', onMessage);
      reject(e);
    };
    const onMessage = (m: T): void => {
      worker.off('error', onError);
      resolve(m);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

/** The Helper worker seen from the main thread. */
class HelperWorker {
  private constructor(
    private readonly worker: Worker,
    readonly url: string,
  ) {}

  static async start(): Promise<HelperWorker> {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { pmAggregatorHelper: true },
    });
    worker.unref();
    const { url } = await nextMessage<{ url: string }>(worker);
    return new HelperWorker(worker, url);
  }

  /** Sends a request and waits for the answer. */
  async send(m: HelperMessage | 'close'): Promise<void> {
    const answer = nextMessage<{ ok: boolean; error?: string }>(this.worker);
    this.worker.postMessage(m);
    const a = await answer;
    if (!a.ok) throw new Error(`helper: ${a.error}`);
  }
}

/**
 * One variant: its task and keys, the same on every store kind (the Leader and Helper keep
 * their loopback URLs), and the reports sealed for it, by count, sealed once.
 */
interface Setup {
  task: BenchTask;
  leaderKey: HpkeKeypair;
  helperKey: HpkeKeypair;
  sealer: ReportSealer;
  sealed: Map<number, Uint8Array[]>;
}

async function setup(variant: Variant, leader: Host, helper: HelperWorker): Promise<Setup> {
  const task = makeBenchTask(variant, leader.url, helper.url, await generateHpkeKeypair(9));
  const leaderKey = await generateHpkeKeypair(1);
  const helperKey = await generateHpkeKeypair(2);
  const sealer = new ReportSealer(task, leaderKey.config, helperKey.config, currentTimeUnits());
  return { task, leaderKey, helperKey, sealer, sealed: new Map() };
}

async function seal(s: Setup, count: number): Promise<Uint8Array[]> {
  const cached = s.sealed.get(count);
  if (cached !== undefined) return cached;
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(await s.sealer.seal(s.task.variant.measurement().value));
  s.sealed.set(count, out);
  return out;
}

/** A case that cannot run on this store: every cycle fails with the reason. */
function unavailable(c: Omit<BenchCase, 'fn' | 'async'>, reason: string): BenchCase {
  return {
    ...c,
    async: true,
    fn: () => Promise.reject(new Error(reason)),
  };
}

/**
 * Upload ingest: requests of `perRequest` reports, `concurrent` at a time, into one store for
 * the whole case. The reports are copies of one sealed report with fresh report IDs: the
 * Leader stores them without opening them, so ingest cannot tell, and sealing stays out of the
 * timing.
 */
async function ingestCase(
  s: Setup,
  leader: Host,
  pool: StorePool,
  perRequest: number,
  concurrent: number,
): Promise<BenchCase> {
  const [template] = await seal(s, 1);
  const body = concat(Array.from({ length: perRequest }, () => template));
  const bodies = Array.from({ length: concurrent }, () => body.slice());
  return {
    name: `upload ingest ${s.task.variant.label}`,
    group: GROUP,
    backend: 'wasm',
    params: { store: pool.kind, perRequest, concurrent },
    unit: 'report',
    unitsPerOp: perRequest * concurrent,
    bytes: template.length,
    async: true,
    setup: () => leader.reset(pool.fresh('ingest'), s.task.spec, s.leaderKey),
    fn: async () => {
      // Fresh report IDs (the first 16 bytes of each encoded Report) so none is a replay.
      for (const b of bodies) {
        for (let at = 0; at < b.length; at += template.length) randomFillSync(b, at, 16);
      }
      await Promise.all(bodies.map((b) => uploadReports(leader.url, s.task.spec.taskId, b)));
    },
    teardown: async () => {
      await leader.close();
      await pool.removeAll();
    },
  };
}

/** Opens fresh Leader and Helper stores and aggregators for the task. */
async function freshPair(
  s: Setup,
  leader: Host,
  helper: HelperWorker,
  pool: StorePool,
): Promise<Aggregator> {
  await helper.send({
    store: pool.fresh('helper'),
    spec: helperSpec(s.task.spec),
    key: s.helperKey,
  });
  return leader.reset(pool.fresh('leader'), s.task.spec, s.leaderKey);
}

/** What opening fresh Leader and Helper stores costs: part of every end-to-end operation. */
function freshStoresCase(s: Setup, leader: Host, helper: HelperWorker, pool: StorePool): BenchCase {
  return {
    name: 'fresh Leader and Helper stores',
    group: GROUP,
    backend: 'wasm',
    params: { store: pool.kind },
    async: true,
    fn: () => freshPair(s, leader, helper, pool),
    teardown: async () => {
      await leader.close();
      await helper.send('close');
      await pool.removeAll();
    },
  };
}

/**
 * End to end: fresh Leader and Helper stores, upload of `count` sealed reports in requests of
 * 500, and the Leader's background driver loop (as a deployment runs it) until the Leader has
 * aggregated every report; the loop's stop waits for the jobs in flight, so both parties have
 * committed when the operation ends.
 */
async function endToEndCase(
  s: Setup,
  leader: Host,
  helper: HelperWorker,
  pool: StorePool,
  count: number,
): Promise<BenchCase> {
  const bodiesOf = (reports: Uint8Array[]): Uint8Array[] => {
    const bodies: Uint8Array[] = [];
    for (let i = 0; i < reports.length; i += UPLOAD_BATCH) {
      bodies.push(concat(reports.slice(i, i + UPLOAD_BATCH)));
    }
    return bodies;
  };
  const bodies = bodiesOf(await seal(s, count));
  const warmUp = bodiesOf(await seal(s, WARM_UP_COUNT));
  return {
    name: `upload + aggregate ${s.task.variant.label}`,
    group: GROUP,
    backend: 'wasm',
    params: { store: pool.kind, reports: count, jobSize: drivers.maxJobSize },
    unit: 'report',
    unitsPerOp: count,
    async: true,
    // One untimed round first, so that the first timed one does not also pay for compiling the
    // VDAF's and the job path's code (measured: that first round took about 1.5 times as long).
    // The previous round's SQLite stores are closed when the case ends, not in the next round
    // (see Host).
    setup: () => uploadAndAggregate(s, leader, helper, pool, warmUp, WARM_UP_COUNT),
    fn: () => uploadAndAggregate(s, leader, helper, pool, bodies, count),
    teardown: async () => {
      await leader.close();
      await helper.send('close');
      await pool.removeAll();
    },
  };
}

/** Reports of the untimed round before an end-to-end case. */
const WARM_UP_COUNT = 2000;

/**
 * One end-to-end operation: fresh stores, the upload of `bodies`, then the Leader's background
 * loop until `count` reports are aggregated.
 */
async function uploadAndAggregate(
  s: Setup,
  leader: Host,
  helper: HelperWorker,
  pool: StorePool,
  bodies: readonly Uint8Array[],
  count: number,
): Promise<void> {
  const agg = await freshPair(s, leader, helper, pool);
  for (const b of bodies) await uploadReports(leader.url, s.task.spec.taskId, b);
  const aggregated = async (): Promise<number> => {
    const buckets = await agg.datastore.transaction('bench-count', (tx) =>
      tx.summarizeBuckets(s.task.taskId),
    );
    return buckets.reduce((sum, b) => sum + b.count, 0);
  };
  agg.start();
  const deadline = Date.now() + 120_000;
  while ((await aggregated()) < count && Date.now() < deadline) await sleep(5);
  await agg.stop();
  const n = await aggregated();
  if (n !== count) throw new Error(`aggregation: expected ${count} reports, received ${n}`);
}

/**
 * The store kinds asked for: `--store` names among sqlite and postgres (others are for the
 * load suite), default both.
 */
function storeKinds(options: SuiteOptions): StoreKind[] {
  if (options.stores === undefined) return [...STORE_KINDS];
  return STORE_KINDS.filter((k) => options.stores!.includes(k));
}

const suite: Suite = {
  name: 'aggregator',
  description:
    'Leader upload ingest and Leader+Helper (worker thread) upload-and-aggregate, ' +
    'SQLite and PostgreSQL, loopback HTTP',
  async cases(options: SuiteOptions): Promise<BenchCase[]> {
    const leader = await Host.start();
    leader.server.unref();
    const helper = await HelperWorker.start();
    const count = options.quick ? 500 : 2000;
    const out: BenchCase[] = [];
    const setups = new Map<Variant, Setup>();
    for (const kind of storeKinds(options)) {
      const problem = kind === 'postgres' ? await postgresProblem() : undefined;
      // Quick mode keeps PostgreSQL to Histogram(16), where every operation is slowest.
      const variants = options.quick && kind === 'postgres' ? VARIANTS.slice(0, 1) : VARIANTS;
      for (const variant of variants) {
        let s = setups.get(variant);
        if (s === undefined) {
          s = await setup(variant, leader, helper);
          setups.set(variant, s);
        }
        const pool = new StorePool(kind);
        const first = variant === VARIANTS[0];
        const shapes: Array<[number, number]> =
          first || !options.quick
            ? [
                [1, 32],
                [200, 1],
              ]
            : [];
        if (problem !== undefined) {
          const base = { group: GROUP, backend: 'wasm' as const, unit: 'report' };
          for (const [perRequest, concurrent] of shapes) {
            out.push(
              unavailable(
                {
                  ...base,
                  name: `upload ingest ${variant.label}`,
                  params: { store: kind, perRequest, concurrent },
                },
                problem,
              ),
            );
          }
          if (first) {
            out.push(
              unavailable(
                { ...base, name: 'fresh Leader and Helper stores', params: { store: kind } },
                problem,
              ),
            );
          }
          for (const reports of first && !options.quick ? [count, STEADY_COUNT] : [count]) {
            out.push(
              unavailable(
                {
                  ...base,
                  name: `upload + aggregate ${variant.label}`,
                  params: { store: kind, reports },
                },
                problem,
              ),
            );
          }
          continue;
        }
        for (const [perRequest, concurrent] of shapes) {
          out.push(await ingestCase(s, leader, pool, perRequest, concurrent));
        }
        if (first) out.push(freshStoresCase(s, leader, helper, pool));
        out.push(await endToEndCase(s, leader, helper, pool, count));
        // A longer run of the target VDAF: the first and last jobs, when one party waits for
        // the other, weigh five times less than in the 2,000-report case.
        if (first && !options.quick) {
          out.push(await endToEndCase(s, leader, helper, pool, STEADY_COUNT));
        }
      }
    }
    return out;
  },
};

export default suite;

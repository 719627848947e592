// Test support: a fake DAP-18 Leader on loopback (node:http) and a task whose aggregate shares
// come from real Prio3 shard, verification and aggregation, sealed to the Collector with the
// protocol package. Hostile behaviours are scripted per test.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  BatchMode,
  MediaType,
  Prio3Histogram,
  Role,
  decodeCollectionJobReq,
  deriveHpkeKeypair,
  encodeCollectionJobResp,
  makeTaskConfiguration,
  sealAggregateShare,
  vdafContext,
  type CollectionJobResp,
  type HpkeKeypair,
  type Interval,
  type TaskConfiguration,
} from '@private-measurement/protocol';
import type { FieldVec } from '@private-measurement/core-wasm';

/** One request the fake Leader received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Uint8Array;
}

/** Answers one request; `n` counts the requests so far, from 0. */
export type Handler = (req: Received, res: ServerResponse, n: number) => void | Promise<void>;

/** A running fake Leader. */
export interface FakeLeader {
  /** Base URL, e.g. http://127.0.0.1:40123/dap/ */
  url: string;
  received: Received[];
  /** Replaces the handler. */
  handle(h: Handler): void;
  close(): Promise<void>;
}

/**
 * Starts a fake Leader on 127.0.0.1 with an ephemeral port.
 *
 * @returns the Leader; call `close()` when done.
 */
export async function startLeader(): Promise<FakeLeader> {
  let handler: Handler = (_req, res) => {
    res.statusCode = 500;
    res.end();
  };
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: new Uint8Array(Buffer.concat(chunks)),
      };
      received.push(r);
      Promise.resolve(handler(r, res, received.length - 1)).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/dap/`,
    received,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A task, the Collector's key, and what the Collector needs to talk to the Leader. */
export interface TestTask {
  taskId: Uint8Array;
  taskConfiguration: TaskConfiguration;
  collectorKey: HpkeKeypair;
  vdaf: Prio3Histogram;
}

/** Histogram length of the test tasks. */
export const LENGTH = 4;

/**
 * A Prio3Histogram task (length 4, chunk length 2) whose Leader is `leaderUrl`.
 *
 * @param leaderUrl - the fake Leader's URL.
 * @param batchMode - the task's batch mode.
 * @returns the task.
 */
export async function makeTask(
  leaderUrl: string,
  batchMode: number = BatchMode.time_interval,
): Promise<TestTask> {
  const taskConfiguration = makeTaskConfiguration({
    taskInfo: new TextEncoder().encode('collector test'),
    leaderAggregatorEndpoint: leaderUrl,
    helperAggregatorEndpoint: 'https://helper.example/dap',
    timePrecision: 3600n,
    minBatchSize: 3n,
    batchMode,
    vdaf: { type: 'Prio3Histogram', length: LENGTH, chunkLength: 2 },
  });
  return {
    taskId: new Uint8Array(32).fill(7),
    taskConfiguration,
    collectorKey: await deriveHpkeKeypair(1, new Uint8Array(32).fill(42)),
    vdaf: new Prio3Histogram(2, LENGTH, 2),
  };
}

/**
 * Runs real Prio3 on the measurements: shard, verify on both aggregators, aggregate.
 *
 * @param task - the task.
 * @param measurements - bucket indexes.
 * @returns the Leader's and Helper's aggregate shares.
 */
export function aggregateShares(task: TestTask, measurements: number[]): [FieldVec, FieldVec] {
  const v = task.vdaf;
  const ctx = vdafContext(task.taskId);
  const verifyKey = randomBytes(32);
  const out: [FieldVec[], FieldVec[]] = [[], []];
  for (const m of measurements) {
    const nonce = randomBytes(16);
    const { publicShare, inputShares } = v.shard(ctx, m, nonce, randomBytes(v.randSize));
    const inits = [0, 1].map((aggId) =>
      v.verifyInit(verifyKey, ctx, aggId, nonce, publicShare, inputShares[aggId]),
    );
    const message = v.verifierSharesToMessage(
      ctx,
      inits.map((i) => i.verifierShare),
    );
    for (const aggId of [0, 1]) out[aggId].push(v.verifyNext(ctx, inits[aggId].state, message));
  }
  return [v.aggregate(out[0]), v.aggregate(out[1])];
}

/**
 * Adds signed offsets to an aggregate share, as an Aggregator's DP noise would.
 *
 * @param task - the task.
 * @param share - the aggregate share.
 * @param offsets - one signed offset per bucket.
 * @returns the noisy share.
 */
export function addOffsets(task: TestTask, share: FieldVec, offsets: bigint[]): FieldVec {
  const f = task.vdaf.field;
  return f.add(share, f.fromBigInts(offsets.map((x) => ((x % f.modulus) + f.modulus) % f.modulus)));
}

/** Options of {@link collectionJobResp}. */
export interface RespOptions {
  reportCount?: bigint;
  interval?: Interval;
  /** Seals with this request instead of the one received (to break the AAD). */
  requestForAad?: Uint8Array;
  /** Encodes these bytes as the Leader's aggregate share instead of the real one. */
  leaderShareBytes?: Uint8Array;
}

/**
 * Builds the `CollectionJobResp` the Leader would send: both shares sealed to the Collector
 * with the AAD over the request it received.
 *
 * @param task - the task.
 * @param request - the body of the Collector's POST.
 * @param shares - the Leader's and Helper's aggregate shares.
 * @param reportCount - the number of reports aggregated.
 * @param options - deviations for hostile tests.
 * @returns the encoded response body.
 */
export async function collectionJobResp(
  task: TestTask,
  request: Uint8Array,
  shares: [FieldVec, FieldVec],
  reportCount: number,
  options: RespOptions = {},
): Promise<Uint8Array> {
  const req = decodeCollectionJobReq(request);
  const interval =
    options.interval ??
    (req.query.batchMode === BatchMode.time_interval
      ? req.query.batchInterval
      : { start: 490_000n, duration: 1n });
  const seal = (role: Role, bytes: Uint8Array) =>
    sealAggregateShare({
      taskId: task.taskId,
      taskConfiguration: task.taskConfiguration,
      collectionJobReq: options.requestForAad ?? request,
      role,
      collectorHpkeConfig: task.collectorKey.config,
      aggregateShare: bytes,
    });
  const resp: CollectionJobResp = {
    reportCount: options.reportCount ?? BigInt(reportCount),
    interval,
    leaderEncryptedAggShare: await seal(
      Role.leader,
      options.leaderShareBytes ?? task.vdaf.encodeAggShare(shares[0]),
    ),
    helperEncryptedAggShare: await seal(Role.helper, task.vdaf.encodeAggShare(shares[1])),
  };
  return encodeCollectionJobResp(resp);
}

/**
 * Sends a ready collection job.
 *
 * @param res - the response.
 * @param body - the encoded `CollectionJobResp`.
 * @param status - the status, 200 by default.
 * @param location - a Location header to add.
 */
export function sendResp(
  res: ServerResponse,
  body: Uint8Array,
  status = 200,
  location?: string,
): void {
  res.statusCode = status;
  res.setHeader('content-type', MediaType.collectionJobResp);
  if (location !== undefined) res.setHeader('location', location);
  res.end(body);
}

/**
 * Sends a problem document.
 *
 * @param res - the response.
 * @param status - the HTTP status.
 * @param doc - the document.
 */
export function sendProblem(res: ServerResponse, status: number, doc: object): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  res.end(JSON.stringify(doc));
}

/**
 * The true histogram of bucket measurements.
 *
 * @param measurements - bucket indexes.
 * @returns the count per bucket.
 */
export function histogram(measurements: number[]): bigint[] {
  const h = Array.from({ length: LENGTH }, () => 0n);
  for (const m of measurements) h[m] += 1n;
  return h;
}

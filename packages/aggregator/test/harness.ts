// Test harness: a Leader and a Helper on loopback HTTP servers sharing one task, a client that
// seals reports with the protocol package, and a collector that opens and unshards results.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BatchMode,
  decodeCollectionJobResp,
  decodeHpkeConfigList,
  encodeCollectionJobReq,
  encodeHpkeConfig,
  encodeUploadRequest,
  generateHpkeKeypair,
  MediaType,
  openAggregateShare,
  ResourcePath,
  Role,
  sealReport,
  type HpkeConfig,
  type HpkeKeypair,
  type Report,
} from '@private-measurement/protocol';
import pino from 'pino';
import { createAggregator, type Aggregator, type AggregatorOptions } from '../src/aggregator.js';
import type { TaskSpec, VdafSpec } from '../src/config.js';
import { mapBounded } from '../src/core/map-bounded.js';
import { taskFromSpec, type Task } from '../src/core/task.js';

/** Loopback server whose handler is set after the port is known. */
export interface Host {
  server: Server;
  url: string;
  setListener(l: Aggregator['listener']): void;
}

export async function startHost(): Promise<Host> {
  let listener: Aggregator['listener'] | undefined;
  const server = createServer((req, res) => {
    if (listener) listener(req, res);
    else {
      res.writeHead(503);
      res.end();
    }
  });
  // Idle keep-alive sockets are closed by the client (undici, after about 4 s), never by this
  // server: on a loaded machine a server-side close can race the client's next request on the
  // same socket, which then fails with ECONNRESET through no fault of the aggregator.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}/`, setListener: (l) => (listener = l) };
}

export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
export const quietLogger = pino({ level: 'silent' });

export interface Deployment {
  leader: Aggregator;
  helper: Aggregator;
  leaderHost: Host;
  helperHost: Host;
  leaderSpec: TaskSpec;
  helperSpec: TaskSpec;
  task: Task;
  collectorKeys: HpkeKeypair;
  close(): Promise<void>;
}

export interface DeployOptions {
  vdaf: VdafSpec;
  batchMode?: TaskSpec['batchMode'];
  minBatchSize?: number;
  maxBatchSize?: number;
  timePrecision?: number;
  /** A store URL, or an open datastore (which the caller closes after `close`). */
  leaderStore: AggregatorOptions['store'];
  helperStore: string;
  noise?: boolean;
  /** The task's DP parameters; default discrete Laplace with epsilon 1. */
  dp?: TaskSpec['dp'];
  taskInterval?: TaskSpec['taskInterval'];
  leaderOptions?: Partial<AggregatorOptions>;
  helperOptions?: Partial<AggregatorOptions>;
}

/** Tokens used by every deployment (test values, not secrets). */
export const PEER_TOKEN = 'peer-token-0123456789abcdef';
export const COLLECTOR_TOKEN = 'collector-token-0123456789abcdef';

export async function deploy(
  o: DeployOptions,
  reuse?: { leaderHost: Host; helperHost: Host; spec: TaskSpec; collectorKeys: HpkeKeypair },
): Promise<Deployment> {
  const leaderHost = reuse?.leaderHost ?? (await startHost());
  const helperHost = reuse?.helperHost ?? (await startHost());
  const collectorKeys = reuse?.collectorKeys ?? (await generateHpkeKeypair(200));
  const base: TaskSpec = reuse?.spec ?? {
    taskId: b64(randomBytes(32)),
    role: 'leader',
    leaderEndpoint: leaderHost.url,
    helperEndpoint: helperHost.url,
    taskInfo: 'aggregator test',
    timePrecision: o.timePrecision ?? 3600,
    minBatchSize: o.minBatchSize ?? 1,
    batchMode: o.batchMode ?? 'time_interval',
    ...(o.maxBatchSize === undefined ? {} : { maxBatchSize: o.maxBatchSize }),
    ...(o.taskInterval === undefined ? {} : { taskInterval: o.taskInterval }),
    vdaf: o.vdaf,
    vdafVerifyKey: b64(randomBytes(32)),
    collectorHpkeConfig: b64(encodeHpkeConfig(collectorKeys.config)),
    aggregatorAuthToken: PEER_TOKEN,
    collectorAuthToken: COLLECTOR_TOKEN,
    dp: o.dp ?? { mechanism: 'discrete-laplace', epsilon: 1 },
  };
  const leaderSpec: TaskSpec = { ...base, role: 'leader', collectorAuthToken: COLLECTOR_TOKEN };
  const { collectorAuthToken: _drop, ...rest } = base;
  const helperSpec: TaskSpec = { ...rest, role: 'helper' };
  const common = {
    logger: quietLogger,
    unsafeDisableNoiseForTesting: o.noise !== true,
    drivers: { intervalMs: 20, maxBackoffMs: 50, peerTimeoutMs: 5000 },
  };
  const leader = await createAggregator({
    store: o.leaderStore,
    tasks: [leaderSpec],
    ...common,
    ...o.leaderOptions,
  });
  const helper = await createAggregator({
    store: o.helperStore,
    tasks: [helperSpec],
    ...common,
    ...o.helperOptions,
  });
  leaderHost.setListener(leader.listener);
  helperHost.setListener(helper.listener);
  return {
    leader,
    helper,
    leaderHost,
    helperHost,
    leaderSpec,
    helperSpec,
    task: taskFromSpec(leaderSpec),
    collectorKeys,
    close: async () => {
      await leader.close();
      await helper.close();
      leaderHost.server.closeAllConnections();
      helperHost.server.closeAllConnections();
      await new Promise((r) => leaderHost.server.close(r));
      await new Promise((r) => helperHost.server.close(r));
    },
  };
}

/**
 * Seals one report per measurement, at `timeUnits` (default: now), many at once, to the HPKE
 * configs the aggregators advertise (or to those given).
 */
export async function makeReports(
  d: Deployment,
  measurements: unknown[],
  timeUnits?: number,
  configs: { leader?: HpkeConfig; helper?: HpkeConfig } = {},
): Promise<Report[]> {
  const fetchConfig = async (url: string) => {
    const res = await fetch(new URL('hpke_config', url));
    return decodeHpkeConfigList(new Uint8Array(await res.arrayBuffer()))[0];
  };
  const leaderHpkeConfig = configs.leader ?? (await fetchConfig(d.leaderHost.url));
  const helperHpkeConfig = configs.helper ?? (await fetchConfig(d.helperHost.url));
  const t = d.task;
  const time = BigInt(timeUnits ?? Math.floor(Date.now() / 1000 / t.timePrecision));
  return mapBounded(measurements, 32, async (m) => {
    const reportId = new Uint8Array(randomBytes(16));
    const rand = new Uint8Array(randomBytes(t.vdaf.randSize));
    const { publicShare, inputShares } = t.vdaf.shard(t.ctx, m, reportId, rand);
    return sealReport({
      taskId: t.id,
      taskConfiguration: t.config,
      leaderHpkeConfig,
      helperHpkeConfig,
      reportId,
      time,
      publicShare: t.vdaf.encodePublicShare(publicShare),
      leaderInputShare: t.vdaf.encodeInputShare(inputShares[0]),
      helperInputShare: t.vdaf.encodeInputShare(inputShares[1]),
    });
  });
}

/** Uploads reports in requests of `perRequest`, expecting each to be accepted whole. */
export async function uploadAll(d: Deployment, reports: Report[], perRequest = 500): Promise<void> {
  for (let i = 0; i < reports.length; i += perRequest) {
    const res = await upload(d, reports.slice(i, i + perRequest));
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200 || body.length !== 0) {
      throw new Error(`upload: expected 200 with no report errors, received ${res.status}`);
    }
  }
}

export async function upload(d: Deployment, reports: Report[]): Promise<Response> {
  return fetch(new URL(ResourcePath.reports(d.task.id).slice(1), d.leaderHost.url), {
    method: 'POST',
    headers: { 'content-type': MediaType.uploadReq },
    body: encodeUploadRequest(reports) as unknown as BodyInit,
  });
}

export function timeIntervalCollectionReq(start: bigint, duration: bigint): Uint8Array {
  return encodeCollectionJobReq({
    query: { batchMode: BatchMode.time_interval, batchInterval: { start, duration } },
    aggParam: new Uint8Array(0),
    extensions: [],
  });
}

export function leaderSelectedCollectionReq(): Uint8Array {
  return encodeCollectionJobReq({
    query: { batchMode: BatchMode.leader_selected },
    aggParam: new Uint8Array(0),
    extensions: [],
  });
}

export async function postCollection(
  d: Deployment,
  body: Uint8Array,
  token = COLLECTOR_TOKEN,
): Promise<Response> {
  return fetch(new URL(ResourcePath.collectionJobs(d.task.id).slice(1), d.leaderHost.url), {
    method: 'POST',
    headers: { 'content-type': MediaType.collectionJobReq, authorization: `Bearer ${token}` },
    body: body as unknown as BodyInit,
  });
}

/** Drives the Leader until the collection job at `location` answers with a result or a problem. */
export async function awaitCollection(
  d: Deployment,
  location: string,
  maxPasses = 50,
): Promise<Response> {
  const url = new URL(location.slice(1), d.leaderHost.url);
  for (let i = 0; i < maxPasses; i++) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${COLLECTOR_TOKEN}` } });
    const len = Number(res.headers.get('content-length') ?? '0');
    if (res.status !== 200 || len > 0) return res;
    await res.arrayBuffer();
    await d.leader.runDriversOnce();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('collection did not finish');
}

/** Opens both aggregate shares of a CollectionJobResp and unshards them. */
export async function openResult(
  d: Deployment,
  collectionReq: Uint8Array,
  body: Uint8Array,
): Promise<{ result: unknown; reportCount: bigint }> {
  const resp = decodeCollectionJobResp(body);
  const t = d.task;
  const open = (role: 2 | 3, ciphertext: typeof resp.leaderEncryptedAggShare) =>
    openAggregateShare({
      taskId: t.id,
      taskConfiguration: t.config,
      collectionJobReq: collectionReq,
      role,
      keys: d.collectorKeys,
      ciphertext,
    });
  const leaderShare = t.vdaf.decodeAggShare(await open(Role.leader, resp.leaderEncryptedAggShare));
  const helperShare = t.vdaf.decodeAggShare(await open(Role.helper, resp.helperEncryptedAggShare));
  return {
    result: t.vdaf.unshard([leaderShare, helperShare], Number(resp.reportCount)),
    reportCount: resp.reportCount,
  };
}

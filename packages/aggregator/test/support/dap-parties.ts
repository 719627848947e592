// The client and collector side of the kill tests, over real HTTP: task specifications for a
// Leader and a Helper, report sealing, uploads that fail over between Leaders, and collection.
import { randomBytes } from 'node:crypto';
import {
  decodeCollectionJobResp,
  decodeHpkeConfigList,
  decodeUploadErrors,
  encodeHpkeConfig,
  encodeUploadRequest,
  generateHpkeKeypair,
  MediaType,
  openAggregateShare,
  PROBLEM_MEDIA_TYPE,
  problemTypeOf,
  ReportError,
  ResourcePath,
  Role,
  sealReport,
  type HpkeKeypair,
  type Report,
} from '@private-measurement/protocol';
import type { TaskSpec, VdafSpec } from '../../src/config.js';
import { taskFromSpec, type Task } from '../../src/core/task.js';
import { b64, COLLECTOR_TOKEN, PEER_TOKEN } from '../harness.js';
import { sleep } from './wait.js';

/** A task as both aggregators and the Collector know it. */
export interface TestTask {
  leaderSpec: TaskSpec;
  helperSpec: TaskSpec;
  task: Task;
  collectorKeys: HpkeKeypair;
}

/**
 * A fresh task. The endpoints enter every AAD, so they are fixed before any process starts:
 * the Helper's is the URL the Leaders reach it at (a proxy), the Leader's a nominal one shared
 * by every Leader process (clients are pointed at the processes directly).
 *
 * @returns the Leader's and Helper's specifications and the Collector's keys.
 */
export async function makeTestTask(o: {
  vdaf: VdafSpec;
  helperEndpoint: string;
  leaderEndpoint?: string;
  minBatchSize?: number;
  batchMode?: TaskSpec['batchMode'];
  /** Leader-selected only: the reports per batch. */
  maxBatchSize?: number;
}): Promise<TestTask> {
  const collectorKeys = await generateHpkeKeypair(201);
  const leaderSpec: TaskSpec = {
    taskId: b64(randomBytes(32)),
    role: 'leader',
    leaderEndpoint: o.leaderEndpoint ?? 'http://127.0.0.1:9/',
    helperEndpoint: o.helperEndpoint,
    taskInfo: 'kill test',
    timePrecision: 3600,
    minBatchSize: o.minBatchSize ?? 1,
    batchMode: o.batchMode ?? 'time_interval',
    ...(o.maxBatchSize === undefined ? {} : { maxBatchSize: o.maxBatchSize }),
    vdaf: o.vdaf,
    vdafVerifyKey: b64(randomBytes(32)),
    collectorHpkeConfig: b64(encodeHpkeConfig(collectorKeys.config)),
    aggregatorAuthToken: PEER_TOKEN,
    collectorAuthToken: COLLECTOR_TOKEN,
    dp: { mechanism: 'discrete-laplace', epsilon: 1 },
  };
  const { collectorAuthToken: _drop, ...rest } = leaderSpec;
  return {
    leaderSpec,
    helperSpec: { ...rest, role: 'helper' },
    task: taskFromSpec(leaderSpec),
    collectorKeys,
  };
}

async function hpkeConfigOf(url: string): Promise<ReturnType<typeof decodeHpkeConfigList>[0]> {
  const res = await fetch(new URL('hpke_config', url));
  if (res.status !== 200) throw new Error(`hpke_config of ${url}: status ${res.status}`);
  return decodeHpkeConfigList(new Uint8Array(await res.arrayBuffer()))[0];
}

/**
 * Seals one report per measurement, all at time unit `time`.
 *
 * @returns the reports, in measurement order.
 */
export async function sealReports(
  t: TestTask,
  leaderUrl: string,
  helperUrl: string,
  measurements: readonly unknown[],
  time: bigint,
): Promise<Report[]> {
  const leaderHpkeConfig = await hpkeConfigOf(leaderUrl);
  const helperHpkeConfig = await hpkeConfigOf(helperUrl);
  const { task } = t;
  const out: Report[] = [];
  for (const m of measurements) {
    const reportId = new Uint8Array(randomBytes(16));
    const rand = new Uint8Array(randomBytes(task.vdaf.randSize));
    const { publicShare, inputShares } = task.vdaf.shard(task.ctx, m, reportId, rand);
    out.push(
      await sealReport({
        taskId: task.id,
        taskConfiguration: task.config,
        leaderHpkeConfig,
        helperHpkeConfig,
        reportId,
        time,
        publicShare: task.vdaf.encodePublicShare(publicShare),
        leaderInputShare: task.vdaf.encodeInputShare(inputShares[0]),
        helperInputShare: task.vdaf.encodeInputShare(inputShares[1]),
      }),
    );
  }
  return out;
}

/** The outcome of one upload request. */
export type UploadOutcome =
  { kind: 'stored'; replayed: number } | { kind: 'failed'; reason: string };

/**
 * POSTs an UploadRequest. Reports the Leader lists as `report_replayed` are already stored
 * (an earlier attempt reached it), so they count as stored; any other report error is a failure.
 *
 * @param body - a ready-made request body, or the reports to encode.
 * @returns stored (with how many were replays) or failed (no answer, 5xx, another error).
 */
export async function uploadOnce(
  leaderUrl: string,
  t: TestTask,
  reports: Report[] | ReadableStream<Uint8Array>,
): Promise<UploadOutcome> {
  let res: Response;
  try {
    res = await fetch(new URL(ResourcePath.reports(t.task.id).slice(1), leaderUrl), {
      method: 'POST',
      headers: { 'content-type': MediaType.uploadReq },
      body: (Array.isArray(reports)
        ? encodeUploadRequest(reports)
        : reports) as unknown as BodyInit,
      signal: AbortSignal.timeout(20_000),
      duplex: 'half',
    } as RequestInit);
  } catch (e) {
    return { kind: 'failed', reason: `no answer (${(e as Error).name})` };
  }
  const body = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
  if (res.status !== 200) return { kind: 'failed', reason: `status ${res.status}` };
  if (body.length === 0) return { kind: 'stored', replayed: 0 };
  const errors = decodeUploadErrors(body);
  const other = errors.filter((e) => e.error !== ReportError.report_replayed);
  if (other.length > 0) throw new Error(`upload: report errors ${other.map((e) => e.error)}`);
  return { kind: 'stored', replayed: errors.length };
}

/** Totals of `uploadWithFailover`. */
export interface UploadStats {
  requests: number;
  /** Requests that failed on one Leader and were sent again to another. */
  retried: number;
  /** Reports a retry found already stored (`report_replayed`). */
  replayed: number;
}

/**
 * Uploads `reports` in chunks, `concurrency` requests at a time, spreading chunks over the
 * Leaders; a failed request is sent again to the next Leader after `pauseMs`, at most
 * `attempts` times in all.
 *
 * @param leaders - returns the Leader URLs to use now.
 * @returns the totals.
 * @throws {Error} when a chunk is not stored after `attempts` attempts.
 */
export async function uploadWithFailover(
  t: TestTask,
  reports: Report[],
  leaders: () => string[],
  o: { chunk: number; concurrency: number; attempts: number; pauseMs: number },
): Promise<UploadStats> {
  const chunks: Report[][] = [];
  for (let i = 0; i < reports.length; i += o.chunk) chunks.push(reports.slice(i, i + o.chunk));
  const stats: UploadStats = { requests: 0, retried: 0, replayed: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const k = next++;
      let outcome: UploadOutcome | undefined;
      for (let attempt = 0; attempt < o.attempts; attempt++) {
        const live = leaders();
        outcome = await uploadOnce(live[(k + attempt) % live.length], t, chunks[k]);
        stats.requests++;
        if (outcome.kind === 'stored') break;
        stats.retried++;
        await sleep(o.pauseMs);
      }
      if (outcome?.kind !== 'stored') throw new Error(`upload of chunk ${k}: ${outcome?.reason}`);
      stats.replayed += outcome.replayed;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return stats;
}

/** A collection job's final answer: the result, or the problem type it failed with. */
export type CollectionOutcome =
  | { kind: 'result'; result: unknown; reportCount: bigint; noise: string | null }
  | { kind: 'problem'; status: number; type: string | undefined };

async function problemOf(res: Response): Promise<CollectionOutcome> {
  const text = await res.text();
  let type: string | undefined;
  if ((res.headers.get('content-type') ?? '').startsWith(PROBLEM_MEDIA_TYPE)) {
    type = problemTypeOf((JSON.parse(text) as { type?: unknown }).type);
  }
  return { kind: 'problem', status: res.status, type };
}

/**
 * Creates a collection job at a Leader (PUT-like POST of the CollectionJobReq).
 *
 * @returns the job's Location, or the problem the Leader refused it with.
 */
export async function createCollection(
  leaderUrl: string,
  t: TestTask,
  req: Uint8Array,
): Promise<{ location: string } | CollectionOutcome> {
  const res = await fetch(new URL(ResourcePath.collectionJobs(t.task.id).slice(1), leaderUrl), {
    method: 'POST',
    headers: {
      'content-type': MediaType.collectionJobReq,
      authorization: `Bearer ${COLLECTOR_TOKEN}`,
    },
    body: req as unknown as BodyInit,
  });
  if (res.status >= 400) return problemOf(res);
  await res.arrayBuffer();
  const location = res.headers.get('location');
  if (location === null) throw new Error('collection job: no Location');
  return { location };
}

/**
 * Polls a collection job (at whichever Leader `leaderUrl()` names now) until it finishes or
 * fails, then opens both aggregate shares.
 *
 * @returns the unsharded result and report count, or the problem.
 * @throws {Error} when the job is not done within `timeoutMs`.
 */
export async function awaitCollectionResult(
  leaderUrl: () => string,
  t: TestTask,
  location: string,
  req: Uint8Array,
  timeoutMs = 30_000,
): Promise<CollectionOutcome> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let res: Response;
    try {
      res = await fetch(new URL(location.slice(1), leaderUrl()), {
        headers: { authorization: `Bearer ${COLLECTOR_TOKEN}` },
      });
    } catch {
      await sleep(50);
      continue;
    }
    if (res.status >= 400) return problemOf(res);
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.length > 0) {
      const opened = await openCollection(t, req, body);
      return { kind: 'result', ...opened, noise: res.headers.get('pm-dp-noise') };
    }
    await sleep(50);
  }
  throw new Error(`collection job not done within ${timeoutMs} ms`);
}

/**
 * Opens both aggregate shares of a CollectionJobResp and unshards them.
 *
 * @returns the aggregate result and the report count.
 */
export async function openCollection(
  t: TestTask,
  req: Uint8Array,
  body: Uint8Array,
): Promise<{ result: unknown; reportCount: bigint }> {
  const resp = decodeCollectionJobResp(body);
  const { task } = t;
  const open = async (role: 2 | 3, ciphertext: typeof resp.leaderEncryptedAggShare) =>
    task.vdaf.decodeAggShare(
      await openAggregateShare({
        taskId: task.id,
        taskConfiguration: task.config,
        collectionJobReq: req,
        role,
        keys: t.collectorKeys,
        ciphertext,
      }),
    );
  const shares = [
    await open(Role.leader, resp.leaderEncryptedAggShare),
    await open(Role.helper, resp.helperEncryptedAggShare),
  ];
  return {
    result: task.vdaf.unshard(shares, Number(resp.reportCount)),
    reportCount: resp.reportCount,
  };
}

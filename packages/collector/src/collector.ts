// The DAP-18 Collector (draft-ietf-ppm-dap-18 §4.6): creates a collection job at the Leader,
// polls it, then decrypts both aggregate shares and unshards them into the aggregate result.
import {
  BatchMode,
  DecodeError,
  MediaType,
  MediaTypeMessage,
  ResourcePath,
  dapMessageOf,
  decodeCollectionJobResp,
  encodeCollectionJobReq,
  resourceUrl,
  type CollectionJobResp,
  type Extension,
  type Interval,
  type TaskConfiguration,
} from '@private-measurement/protocol';
import {
  HttpStatusError,
  ParamError,
  PollDeadlineError,
  ResponseError,
  TransportError,
} from './errors.js';
import {
  isTransient,
  parseRetryAfter,
  raiseForStatus,
  send,
  type HttpResponse,
  type Transport,
} from './http.js';
import { finalizeCollection, type CollectorHpkeKey, type FinalizeOptions } from './finalize.js';
import { checkNoise } from './noise.js';
import { nextDelay, pollPolicy, sleep as defaultSleep, type PollPolicy } from './poll.js';
import { NOISE_HEADER, parseReportedNoise, type ReportedNoise } from './reported-noise.js';
import type { CollectionResult, NoiseSpec } from './result.js';

/** The batch to collect (draft-ietf-ppm-dap-18 §5). */
export type CollectorQuery =
  /** A batch interval, in `time_precision` units (§5.1). */
  | { batchMode: 'time_interval'; batchInterval: Interval }
  /** The next batch the Leader selects (§5.2); the query carries no batch ID in DAP-18. */
  | { batchMode: 'leader_selected' };

/** A collection job created at the Leader. */
export interface CollectionJob {
  /** Absolute URL of the job, from the Leader's Location header. */
  location: string;
  /** The encoded `CollectionJobReq`, byte for byte as sent: it enters the AAD. */
  request: Uint8Array;
  /** The query of the job. */
  query: CollectorQuery;
}

/** The state of a job after one poll. */
export type PollResult =
  | { status: 'pending'; retryAfterMs: number | undefined }
  | {
      status: 'ready';
      response: CollectionJobResp;
      /** The Aggregators' noise labels (`pm-dp-noise` header), when the Leader sent them. */
      reportedNoise?: ReportedNoise;
    };

/** Events a caller may observe; the default hook ignores them. Never carries secrets. */
export type CollectorEvent =
  | { type: 'created'; location: string }
  | { type: 'pending'; location: string; delayMs: number }
  | { type: 'retry'; location: string; code: string; delayMs: number };

/** Options of a {@link Collector}. */
export interface CollectorOptions {
  /** The 32-byte task ID. */
  taskId: Uint8Array;
  /** The task configuration, exactly as agreed (it enters the AAD, URLs included). */
  taskConfiguration: TaskConfiguration;
  /** Bearer token presented to the Leader. */
  authToken: string;
  /** The Collector's HPKE key (or keys, one per config ID) that the shares are sealed to. */
  hpkeKeys: CollectorHpkeKey | readonly CollectorHpkeKey[];
  /** Where to send requests; default the task's `leader_aggregator_endpoint`. */
  leaderUrl?: string;
  /** The DP noise the Aggregators add, to report its scale and intervals. */
  noise?: NoiseSpec;
  /** Backend for unsharding: `'wasm'` (default when available) or `'ts'`. */
  backend?: 'wasm' | 'ts';
  /** Milliseconds one HTTP request may take; default 30 s. */
  requestTimeoutMs?: number;
  /** Largest response body accepted in bytes; default 64 MiB. */
  maxBodyBytes?: number;
  /** Polling policy; defaults in `DEFAULT_POLL_POLICY`. */
  poll?: Partial<PollPolicy>;
  /** The fetch implementation; default the global one. */
  fetch?: typeof fetch;
  /** Waits between polls; replaceable in tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock in ms since the Epoch; replaceable in tests. */
  now?: () => number;
  /** Observes job creation, pending polls and retries. */
  onEvent?: (event: CollectorEvent) => void;
}

/** Per-call options of {@link Collector.collect} and {@link Collector.poll}. */
export interface CollectOptions {
  /** Cancels the requests and the waits. */
  signal?: AbortSignal;
  /** The aggregation parameter; Prio3 has none, so the default is empty. */
  aggParam?: Uint8Array;
  /** Collection job extensions (draft-ietf-ppm-dap-18 §4.6.2); default none. */
  extensions?: Extension[];
}

const EMPTY = new Uint8Array(0);

/**
 * A Collector for one task: `collect(query)` runs a whole collection job.
 *
 * @example
 * const collector = new Collector({ taskId, taskConfiguration, authToken, hpkeKeys: key });
 * const result = await collector.collect({
 *   batchMode: 'time_interval',
 *   batchInterval: { start: 1_765_000n, duration: 24n },
 * });
 * console.log(result.values, result.intervals);
 */
export class Collector {
  private readonly options: CollectorOptions;
  private readonly transport: Transport;
  private readonly policy: PollPolicy;
  private readonly leaderUrl: string;
  private readonly finalize: FinalizeOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  /**
   * @param options - the task, credentials, keys and policies.
   * @throws {ParamError} when an option is missing or out of range.
   */
  constructor(options: CollectorOptions) {
    if (!(options.taskId instanceof Uint8Array) || options.taskId.length !== 32) {
      throw new ParamError(`taskId: expected 32 bytes, received ${describe(options.taskId)}`);
    }
    if (typeof options.authToken !== 'string' || !/^[\x21-\x7e]+$/.test(options.authToken)) {
      throw new ParamError('authToken: expected a non-empty printable ASCII token');
    }
    const leaderUrl = options.leaderUrl ?? options.taskConfiguration?.leaderAggregatorEndpoint;
    if (typeof leaderUrl !== 'string' || !URL.canParse(leaderUrl)) {
      throw new ParamError('leaderUrl: expected an absolute URL');
    }
    const timeoutMs = options.requestTimeoutMs ?? 30_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new ParamError(`requestTimeoutMs: expected a positive number, received ${timeoutMs}`);
    }
    const maxBodyBytes = options.maxBodyBytes ?? 64 * 2 ** 20;
    if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
      throw new ParamError(`maxBodyBytes: expected a positive integer, received ${maxBodyBytes}`);
    }
    this.options = options;
    this.leaderUrl = leaderUrl;
    this.policy = pollPolicy(options.poll);
    this.transport = {
      fetch: options.fetch ?? globalThis.fetch,
      authToken: options.authToken,
      timeoutMs,
      maxBodyBytes,
    };
    this.finalize = {
      taskId: options.taskId,
      taskConfiguration: options.taskConfiguration,
      hpkeKeys: Array.isArray(options.hpkeKeys)
        ? [...(options.hpkeKeys as CollectorHpkeKey[])]
        : [options.hpkeKeys as CollectorHpkeKey],
      backend: options.backend,
      noise: options.noise,
    };
    if (options.noise !== undefined) checkNoise(options.noise);
    const wait = options.sleep ?? defaultSleep;
    // A wait cancelled by the caller's signal ends like a cancelled request: TransportError.
    this.sleep = async (ms, signal) => {
      try {
        await wait(ms, signal);
      } catch (e) {
        if (signal?.aborted === true) {
          throw new TransportError('ABORTED', 'collection job: cancelled by the caller');
        }
        throw e;
      }
    };
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs a whole collection job: creates it, polls until it is ready, decrypts and unshards.
   *
   * @param query - the batch to collect.
   * @param options - signal, aggregation parameter, extensions.
   * @returns the noisy aggregate with its noise scale and 95% intervals.
   * @throws {ProblemError} when the Leader aborts the job (e.g. `invalidBatchSize`).
   * @throws {PollDeadlineError} when the job is not ready before the polling deadline.
   * @throws {TransportError} | {HttpStatusError} | {ResponseError} | {DecryptError} |
   *   {UnshardError} as described on each.
   */
  async collect(query: CollectorQuery, options: CollectOptions = {}): Promise<CollectionResult> {
    const started = this.now();
    const created = await this.createJob(query, options);
    const ready =
      created.response !== undefined
        ? { response: created.response, reportedNoise: created.reportedNoise }
        : await this.pollUntilReady(created.job, created.retryAfterMs, started, options.signal);
    return this.finish(created.job, ready.response, ready.reportedNoise);
  }

  /**
   * Creates a collection job: POST `{leader}/tasks/{task-id}/collection_jobs`
   * (draft-ietf-ppm-dap-18 §4.6.1). The Leader may answer with the result at once.
   *
   * @param query - the batch to collect.
   * @param options - signal, aggregation parameter, extensions.
   * @returns the job, the result (with the Aggregators' noise labels) when the Leader handled
   *   the request synchronously, and the Leader's Retry-After otherwise.
   * @throws {ParamError} when the query does not match the task's batch mode.
   * @throws {ProblemError} | {HttpStatusError} | {TransportError} | {ResponseError}.
   */
  async createJob(
    query: CollectorQuery,
    options: CollectOptions = {},
  ): Promise<{
    job: CollectionJob;
    response?: CollectionJobResp;
    reportedNoise?: ReportedNoise;
    retryAfterMs?: number;
  }> {
    const request = encodeCollectionJobReq({
      query: this.encodeQuery(query),
      aggParam: options.aggParam ?? EMPTY,
      extensions: options.extensions ?? [],
    });
    const url = resourceUrl(this.leaderUrl, ResourcePath.collectionJobs(this.options.taskId));

    // draft-ietf-ppm-dap-18 §3.2: creation is idempotent, so a transient failure is retried.
    const r = await this.withRetries(url, options.signal, async () => {
      const answer = await send(this.transport, 'POST', url, {
        body: request,
        contentType: MediaType.collectionJobReq,
        signal: options.signal,
      });
      raiseForStatus(answer, 'create collection job', this.now());
      return answer;
    });

    const location = this.jobLocation(r, url);
    const job: CollectionJob = { location, request, query };
    this.options.onEvent?.({ type: 'created', location });
    const state = this.readJobState(r);
    return state.status === 'ready'
      ? { job, response: state.response, reportedNoise: state.reportedNoise }
      : { job, retryAfterMs: state.retryAfterMs };
  }

  /**
   * Polls a job once: GET its location (draft-ietf-ppm-dap-18 §3.1).
   *
   * @param job - the job.
   * @param signal - cancels the request.
   * @returns `pending` with the Leader's Retry-After, or `ready` with the response.
   * @throws {ProblemError} | {HttpStatusError} | {TransportError} | {ResponseError}.
   */
  async pollOnce(job: CollectionJob, signal?: AbortSignal): Promise<PollResult> {
    const r = await send(this.transport, 'GET', job.location, { signal });
    raiseForStatus(r, 'poll collection job', this.now());
    return this.readJobState(r);
  }

  /**
   * Polls a job until it is ready, decrypts and unshards it.
   *
   * @param job - a job from {@link Collector.createJob}.
   * @param options - signal.
   * @returns the result.
   * @throws as {@link Collector.collect}.
   */
  async poll(job: CollectionJob, options: CollectOptions = {}): Promise<CollectionResult> {
    const ready = await this.pollUntilReady(job, undefined, this.now(), options.signal);
    return this.finish(job, ready.response, ready.reportedNoise);
  }

  /**
   * Decrypts and unshards a ready job (draft-ietf-ppm-dap-18 §4.6.6).
   *
   * @param job - the job.
   * @param response - its `CollectionJobResp`.
   * @param reportedNoise - the Aggregators' noise labels from the ready poll, if any.
   * @returns the result.
   * @throws {ResponseError} | {DecryptError} | {UnshardError}.
   */
  finish(
    job: CollectionJob,
    response: CollectionJobResp,
    reportedNoise?: ReportedNoise,
  ): Promise<CollectionResult> {
    return finalizeCollection(this.finalize, job.request, job.query, response, reportedNoise);
  }

  /**
   * Asks the Leader to abandon a job: DELETE its location (draft-ietf-ppm-dap-18 §4.6.3).
   *
   * @param job - the job.
   * @param signal - cancels the request.
   * @throws {ProblemError} | {HttpStatusError} | {TransportError}.
   */
  async deleteJob(job: CollectionJob, signal?: AbortSignal): Promise<void> {
    const r = await send(this.transport, 'DELETE', job.location, { signal });
    raiseForStatus(r, 'delete collection job', this.now());
  }

  private encodeQuery(query: CollectorQuery) {
    const mode = this.options.taskConfiguration.batchMode;
    if (query?.batchMode === 'time_interval') {
      // draft-ietf-ppm-dap-18 §4.6.1: the query's batch mode must be the task's.
      if (mode !== BatchMode.time_interval) {
        throw new ParamError(`query: the task's batch mode is ${mode}, not time_interval`);
      }
      const { start, duration } = query.batchInterval ?? {};
      if (
        typeof start !== 'bigint' ||
        typeof duration !== 'bigint' ||
        start < 0n ||
        duration <= 0n
      ) {
        throw new ParamError(
          'batchInterval: expected a non-negative start and a positive duration',
        );
      }
      return { batchMode: BatchMode.time_interval, batchInterval: { start, duration } } as const;
    }
    if (query?.batchMode === 'leader_selected') {
      if (mode !== BatchMode.leader_selected) {
        throw new ParamError(`query: the task's batch mode is ${mode}, not leader_selected`);
      }
      return { batchMode: BatchMode.leader_selected } as const;
    }
    throw new ParamError('query: expected batchMode "time_interval" or "leader_selected"');
  }

  /** The absolute job URL from Location, which must stay on the Leader's origin. */
  private jobLocation(r: HttpResponse, requestUrl: string): string {
    const location = r.headers.get('location');
    if (location === null || location.trim() === '') {
      throw new ResponseError('BAD_RESPONSE', 'create collection job: no Location header');
    }
    let url: URL;
    try {
      url = new URL(location.trim(), requestUrl);
    } catch {
      throw new ResponseError('BAD_RESPONSE', 'create collection job: Location is not a URL');
    }
    // Spec: §4.6.1 does not restrict Location; we refuse another origin so that the bearer
    // token is never sent anywhere but to the Leader.
    if (url.origin !== new URL(requestUrl).origin) {
      throw new ResponseError('BAD_RESPONSE', 'create collection job: Location leaves the leader');
    }
    return url.href;
  }

  /** Reads a 2xx answer: empty body = pending, else a `collection-job-resp`. */
  private readJobState(r: HttpResponse): PollResult {
    if (r.body.length === 0) {
      return {
        status: 'pending',
        retryAfterMs: parseRetryAfter(r.headers.get('retry-after'), this.now()),
      };
    }
    const message = dapMessageOf(r.headers.get('content-type'));
    if (message !== MediaTypeMessage.collectionJobResp) {
      throw new ResponseError(
        'MEDIA_TYPE',
        `collection job: expected ${MediaType.collectionJobResp}, received ${describeType(r)}`,
      );
    }
    const reportedNoise = parseReportedNoise(r.headers.get(NOISE_HEADER));
    try {
      const response = decodeCollectionJobResp(r.body);
      return reportedNoise === undefined
        ? { status: 'ready', response }
        : { status: 'ready', response, reportedNoise };
    } catch (e) {
      if (e instanceof DecodeError) {
        throw new ResponseError('DECODE', `collection job: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }

  private async pollUntilReady(
    job: CollectionJob,
    firstRetryAfterMs: number | undefined,
    started: number,
    signal?: AbortSignal,
  ): Promise<{ response: CollectionJobResp; reportedNoise?: ReportedNoise }> {
    let attempt = 0;
    let retryAfterMs = firstRetryAfterMs;
    for (;;) {
      const delayMs = nextDelay(this.policy, attempt, retryAfterMs);
      if (this.now() + delayMs - started > this.policy.deadlineMs) {
        throw new PollDeadlineError(
          job.location,
          `collection job: not ready within ${this.policy.deadlineMs} ms`,
        );
      }
      this.options.onEvent?.({ type: 'pending', location: job.location, delayMs });
      await this.sleep(delayMs, signal);
      if (retryAfterMs === undefined) attempt++;

      const state = await this.withRetries(job.location, signal, () => this.pollOnce(job, signal));
      if (state.status === 'ready') return state;
      retryAfterMs = state.retryAfterMs;
    }
  }

  /** Runs `op`, retrying transient failures with backoff up to `maxTransientRetries`. */
  private async withRetries<T>(
    location: string,
    signal: AbortSignal | undefined,
    op: () => Promise<T>,
  ): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await op();
      } catch (e) {
        if (!isTransient(e) || failures >= this.policy.maxTransientRetries) throw e;
        // A 429 or 503 may say when to come back (RFC 9110 §10.2.3).
        const delayMs = nextDelay(this.policy, failures, (e as HttpStatusError).retryAfterMs);
        const code = (e as { code: string }).code;
        this.options.onEvent?.({ type: 'retry', location, code, delayMs });
        await this.sleep(delayMs, signal);
      }
    }
  }
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return v === null ? 'null' : typeof v;
}

function describeType(r: HttpResponse): string {
  const t = r.headers.get('content-type');
  return t === null ? 'no content type' : JSON.stringify(t.slice(0, 100));
}

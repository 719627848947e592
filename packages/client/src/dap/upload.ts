// Upload of encoded reports to a DAP-18 Leader (draft-ietf-ppm-dap-18 §4.4.2): one POST of an
// UploadRequest per batch, retried with exponential backoff on transient failures, with every
// answer the Leader can give turned into a result or a typed error.

import {
  PROBLEM_MEDIA_TYPE,
  ResourcePath,
  TASK_ID_LENGTH,
  MediaType,
  dapMessageOf,
  decodeReport,
  decodeUploadErrors,
  encodeUploadRequest,
  problemTypeOf,
  resourceUrl,
  type Report,
  type ReportUploadStatus,
} from '@private-measurement/protocol';

import { ConfigError, ReportError, UploadError } from '../errors.js';

/** How transient failures are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 disables retrying); default 3. */
  retries?: number;
  /** Delay before the first retry, ms; doubles on each retry; default 200. */
  baseDelayMs?: number;
  /** Upper bound of one delay, ms, a Retry-After header included; default 10000. */
  maxDelayMs?: number;
}

/** Options of an upload. */
export interface UploadOptions {
  /** HTTP client; `globalThis.fetch` by default. */
  fetch?: typeof fetch;
  retry?: RetryPolicy;
  /** Waits between retries (inject for tests); a timer by default. */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY: Required<RetryPolicy> = { retries: 3, baseDelayMs: 200, maxDelayMs: 10_000 };

/** Statuses worth another try: timeouts, rate limits and server errors (RFC 9110 §15.6). */
function transientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function checkCount(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name}: expected an integer in [${min}, ${max}], received ${typeof value === 'number' ? value : typeof value}`,
    );
  }
  return value;
}

/**
 * Validate a retry policy and fill in defaults.
 *
 * @param policy - the caller's policy
 * @returns the complete policy
 * @throws {ConfigError} when a member is not an integer in range
 */
export function resolveRetryPolicy(policy: RetryPolicy = {}): Required<RetryPolicy> {
  if (typeof policy !== 'object' || policy === null) {
    throw new ConfigError('retry: expected an object');
  }
  return {
    retries: checkCount('retry.retries', policy.retries ?? DEFAULT_RETRY.retries, 0, 20),
    baseDelayMs: checkCount(
      'retry.baseDelayMs',
      policy.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      0,
      600_000,
    ),
    maxDelayMs: checkCount(
      'retry.maxDelayMs',
      policy.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
      0,
      600_000,
    ),
  };
}

/**
 * Check a task ID and an aggregator URL as a request target.
 *
 * @throws {ConfigError} when either is unusable
 */
export function checkTarget(url: unknown, taskId: unknown): void {
  if (typeof url !== 'string' || !URL.canParse(url)) {
    throw new ConfigError('leader url: expected an absolute URL');
  }
  const protocol = new URL(url).protocol;
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new ConfigError(`leader url: expected http or https, received ${protocol}`);
  }
  if (!(taskId instanceof Uint8Array) || taskId.length !== TASK_ID_LENGTH) {
    throw new ConfigError(`taskId: expected ${TASK_ID_LENGTH} bytes`);
  }
}

/** The delay before retry number `attempt` (0-based), honouring a Retry-After in seconds. */
function backoff(
  policy: Required<RetryPolicy>,
  attempt: number,
  retryAfter: string | null,
): number {
  const exponential = policy.baseDelayMs * 2 ** attempt;
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  const asked = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 0;
  return Math.min(policy.maxDelayMs, Math.max(exponential, asked));
}

const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * POST one UploadRequest, retrying transient failures; the final answer becomes the per-report
 * errors or an UploadError.
 */
async function post(
  url: string,
  body: Uint8Array,
  options: UploadOptions,
): Promise<ReportUploadStatus[]> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? timerSleep;
  const policy = resolveRetryPolicy(options.retry);
  if (typeof fetchFn !== 'function') throw new ConfigError('fetch: expected a function');

  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': MediaType.uploadReq },
        body: body as Uint8Array<ArrayBuffer>,
      });
    } catch (error) {
      // draft-ietf-ppm-dap-18 §4.4.2.2: uploads are idempotent, so a lost request is resent.
      if (attempt < policy.retries) {
        await sleep(backoff(policy, attempt, null));
        continue;
      }
      const name = (error as Error | null)?.name ?? 'error';
      throw new UploadError(`upload: request failed after ${attempt + 1} attempts (${name})`, 0);
    }

    if (!response.ok) {
      if (transientStatus(response.status) && attempt < policy.retries) {
        await response.body?.cancel().catch(() => {});
        await sleep(backoff(policy, attempt, response.headers.get('retry-after')));
        continue;
      }
      throw await responseError(response);
    }

    // draft-ietf-ppm-dap-18 §4.4.2.2: an empty body when every report was accepted, else
    // UploadErrors listing the rejected ones.
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length === 0) return [];
    if (dapMessageOf(response.headers.get('content-type')) !== 'upload-errors') {
      throw new UploadError('upload: unexpected response body', response.status);
    }
    try {
      return decodeUploadErrors(bytes);
    } catch {
      throw new UploadError('upload: upload-errors body does not decode', response.status);
    }
  }
}

/** An UploadError for an error response, with the DAP problem type when the body names one. */
async function responseError(response: Response): Promise<UploadError> {
  let problemType: string | undefined;
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.toLowerCase().startsWith(PROBLEM_MEDIA_TYPE)) {
    const doc = (await response.json().catch(() => undefined)) as { type?: unknown } | undefined;
    if (typeof doc?.type === 'string') problemType = doc.type;
  }
  // draft-ietf-ppm-dap-18 §3.6: name the DAP problem type (invalidMessage, unrecognizedTask...)
  // in the message; other types are only reported in `problemType`.
  const token = problemTypeOf(problemType);
  const detail = token === undefined ? '' : ` (${token})`;
  return new UploadError(
    `upload: leader answered ${response.status}${detail}`,
    response.status,
    problemType,
  );
}

/**
 * Upload encoded reports to a Leader (draft-ietf-ppm-dap-18 §4.4.2): one POST of an
 * UploadRequest to `{leader}/tasks/{task-id}/reports`. Network failures, 408, 429 and 5xx
 * answers are retried with exponential backoff (uploads are idempotent).
 *
 * @param leaderUrl - the Leader's API URL, as configured
 * @param taskId - 32-byte task ID
 * @param reports - encoded Reports (as AttributionClient.measureConversion returns)
 * @param fetchFn - HTTP client; `globalThis.fetch` by default
 * @param options - retry policy and sleep function
 * @returns the reports the Leader rejected, with their ReportError codes (empty when all passed)
 * @throws {ConfigError} when the URL, task ID or options are unusable
 * @throws {ReportError} when an item is not an encoded Report
 * @throws {UploadError} after the last failed attempt, or on an error response that is not
 *   transient (its `status` and DAP `problemType`)
 * @example
 * const rejected = await uploadReports(leaderUrl, task.taskId, [result.report]);
 */
export async function uploadReports(
  leaderUrl: string,
  taskId: Uint8Array,
  reports: readonly Uint8Array[],
  fetchFn?: typeof fetch,
  options: Omit<UploadOptions, 'fetch'> = {},
): Promise<ReportUploadStatus[]> {
  checkTarget(leaderUrl, taskId);
  if (!Array.isArray(reports)) throw new ReportError('reports: expected an array of reports');
  let decoded: Report[];
  try {
    decoded = reports.map((r) => decodeReport(r));
  } catch {
    throw new ReportError('reports: expected encoded DAP reports');
  }
  return uploadDecodedReports(leaderUrl, taskId, decoded, { ...options, fetch: fetchFn });
}

/**
 * Upload already decoded reports (the internal path of DapClient).
 *
 * @throws {UploadError} as uploadReports
 */
export async function uploadDecodedReports(
  leaderUrl: string,
  taskId: Uint8Array,
  reports: readonly Report[],
  options: UploadOptions,
): Promise<ReportUploadStatus[]> {
  const body = encodeUploadRequest(reports);
  return post(resourceUrl(leaderUrl, ResourcePath.reports(taskId)), body, options);
}

// Uploads to the Leader as a well-behaved client: one UploadRequest per call, retried after an
// HTTP 503 for as long as its Retry-After asks (back-pressure) and after a transport failure
// (connection reset, keep-alive race), any other refusal an error.
import {
  decodeUploadErrors,
  MediaType,
  ReportError,
  reportErrorName,
} from '@private-measurement/protocol';

/** Longest wait honoured from one Retry-After, ms: a larger value is capped, not obeyed. */
export const MAX_RETRY_AFTER_MS = 30_000;
/** Wait after a 503 without a usable Retry-After, ms. */
export const DEFAULT_RETRY_MS = 1000;

const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Reads a Retry-After header: delay-seconds or an IMF-fixdate HTTP-date (RFC 9110 §10.2.3).
 *
 * @param value - the header value, or null.
 * @param nowMs - the clock, ms since the epoch.
 * @returns the wait in ms, between 0 and {@link MAX_RETRY_AFTER_MS}; the default when absent
 *   or unreadable.
 */
export function retryAfterMs(value: string | null, nowMs = Date.now()): number {
  if (value === null) return DEFAULT_RETRY_MS;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    // RFC 9110 §5.6.7: the preferred IMF-fixdate form only; Date.parse alone reads "-1" too.
    if (!IMF_FIXDATE.test(text)) return DEFAULT_RETRY_MS;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return DEFAULT_RETRY_MS;
    ms = at - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** Wait before re-sending a request whose connection failed, ms (doubled per failure). */
export const TRANSPORT_RETRY_MS = 200;

/** What one upload took. */
export interface UploadOutcome {
  /** HTTP 503 answers honoured before the request was accepted. */
  retries: number;
  /** Milliseconds spent waiting as Retry-After asked. */
  waitedMs: number;
  /** Attempts whose connection failed before an answer arrived (re-sent). */
  transportRetries?: number;
}

/** Settings of {@link uploadReports}. */
export interface UploadSettings {
  /** Gives up after this many 503 answers to one request; default 1000. */
  maxRetries?: number;
  /** Gives up after this many transport failures of one request; default 5. */
  maxTransportRetries?: number;
  /** Waits between attempts; replaceable in tests. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Posts one UploadRequest to the Leader and waits until it is accepted: a 503 is retried after
 * its Retry-After, the same bytes again.
 *
 * @param leaderUrl - the Leader's endpoint, ending in "/".
 * @param taskId - the task ID, unpadded base64url.
 * @param body - the encoded reports, concatenated.
 * @param settings - retry limit and sleep.
 * @returns how many 503 answers were honoured and how long that took.
 * @throws {Error} when the Leader answers anything but 200 or 503, rejects a report (the
 *   message names the first report error), keeps answering 503 past the retry limit, or the
 *   connection fails more than `maxTransportRetries` times for this request.
 */
export async function uploadReports(
  leaderUrl: string,
  taskId: string,
  body: Uint8Array,
  settings: UploadSettings = {},
): Promise<UploadOutcome> {
  const maxRetries = settings.maxRetries ?? 1000;
  const maxTransportRetries = settings.maxTransportRetries ?? 5;
  const sleep = settings.sleep ?? defaultSleep;
  const outcome: UploadOutcome = { retries: 0, waitedMs: 0 };
  let transportRetries = 0;
  for (;;) {
    let res: Response;
    let answer: Uint8Array;
    try {
      res = await fetch(`${leaderUrl}tasks/${taskId}/reports`, {
        method: 'POST',
        headers: { 'content-type': MediaType.uploadReq },
        body: body as unknown as BodyInit,
      });
      answer = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      // The request may or may not have been stored: re-sending is safe because the Leader
      // stores a report ID once (draft-ietf-ppm-dap-18 §4.4.2.2), answering report_replayed
      // for reports the lost attempt stored, which then count as accepted.
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      if (transportRetries >= maxTransportRetries) {
        throw new Error(`upload: connection failed ${transportRetries + 1} times (${why})`, {
          cause: e,
        });
      }
      await sleep(TRANSPORT_RETRY_MS * 2 ** transportRetries);
      transportRetries += 1;
      outcome.transportRetries = transportRetries;
      continue;
    }
    if (res.status === 503) {
      if (outcome.retries >= maxRetries) {
        throw new Error(`upload: expected the leader to accept within ${maxRetries} retries`);
      }
      const wait = retryAfterMs(res.headers.get('retry-after'));
      outcome.retries += 1;
      outcome.waitedMs += wait;
      await sleep(wait);
      continue;
    }
    if (res.status !== 200) {
      throw new Error(`upload: expected status 200 or 503, received ${res.status}`);
    }
    if (answer.length > 0) {
      // After a lost attempt, report_replayed means that attempt stored the report.
      const errors = decodeUploadErrors(answer).filter(
        (e) => transportRetries === 0 || e.error !== ReportError.report_replayed,
      );
      if (errors.length === 0) return outcome;
      const first = errors[0] === undefined ? 'none' : reportErrorName(errors[0].error);
      throw new Error(
        `upload: expected every report accepted, received ${errors.length} rejected ` +
          `(first: ${first})`,
      );
    }
    return outcome;
  }
}

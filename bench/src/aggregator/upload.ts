// Uploads to the Leader as a well-behaved client: one UploadRequest per call, retried after an
// HTTP 503 for as long as its Retry-After asks (back-pressure), any other refusal an error.
import { decodeUploadErrors, MediaType, reportErrorName } from '@private-measurement/protocol';

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

/** What one upload took. */
export interface UploadOutcome {
  /** HTTP 503 answers honoured before the request was accepted. */
  retries: number;
  /** Milliseconds spent waiting as Retry-After asked. */
  waitedMs: number;
}

/** Settings of {@link uploadReports}. */
export interface UploadSettings {
  /** Gives up after this many 503 answers to one request; default 1000. */
  maxRetries?: number;
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
 *   message names the first report error), or keeps answering 503 past the retry limit.
 */
export async function uploadReports(
  leaderUrl: string,
  taskId: string,
  body: Uint8Array,
  settings: UploadSettings = {},
): Promise<UploadOutcome> {
  const maxRetries = settings.maxRetries ?? 1000;
  const sleep = settings.sleep ?? defaultSleep;
  const outcome: UploadOutcome = { retries: 0, waitedMs: 0 };
  for (;;) {
    const res = await fetch(`${leaderUrl}tasks/${taskId}/reports`, {
      method: 'POST',
      headers: { 'content-type': MediaType.uploadReq },
      body: body as unknown as BodyInit,
    });
    const answer = new Uint8Array(await res.arrayBuffer());
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
      const errors = decodeUploadErrors(answer);
      const first = errors[0] === undefined ? 'none' : reportErrorName(errors[0].error);
      throw new Error(
        `upload: expected every report accepted, received ${errors.length} rejected (first: ${first})`,
      );
    }
    return outcome;
  }
}

// HTTP exchanges with the Leader: bearer-token authentication, a timeout per request, a cap on
// response sizes, problem documents (RFC 9457) turned into typed errors, and Retry-After.
import { PROBLEM_MEDIA_TYPE, problemTypeOf } from '@private-measurement/protocol';
import {
  CollectorError,
  HttpStatusError,
  ProblemError,
  ResponseError,
  TransportError,
} from './errors.js';

/** A response read in full. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** How requests are sent. */
export interface Transport {
  /** The fetch implementation (the global one by default). */
  fetch: typeof fetch;
  /** Bearer token presented to the Leader (draft-ietf-ppm-dap-18 §3.5). */
  authToken: string;
  /** Milliseconds one request may take, body included. */
  timeoutMs: number;
  /** Largest response body accepted, in bytes. */
  maxBodyBytes: number;
}

/** Largest problem `detail` text kept, in characters. */
const MAX_DETAIL = 300;

/**
 * Reads a body, refusing more than `max` bytes without buffering the excess.
 *
 * @param response - the fetch response.
 * @param max - the cap in bytes.
 * @returns the body.
 * @throws {ResponseError} code `BAD_RESPONSE` when the body exceeds the cap.
 */
async function readBody(response: Response, max: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await response.body.cancel().catch(() => undefined);
    throw new ResponseError('BAD_RESPONSE', `response body: expected at most ${max} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseError('BAD_RESPONSE', `response body: expected at most ${max} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

/**
 * Sends one request with the bearer token and reads the whole response.
 *
 * @param t - the transport.
 * @param method - `GET`, `POST` or `DELETE`.
 * @param url - the absolute URL.
 * @param init - an optional body with its media type, and a signal to cancel.
 * @returns the response, whatever its status.
 * @throws {TransportError} code `TIMEOUT` when the request outlasts `timeoutMs`, `NETWORK` when
 *   the Leader cannot be reached.
 * @throws {ResponseError} code `BAD_RESPONSE` when the body exceeds `maxBodyBytes`.
 * @throws {TransportError} code `ABORTED` when `init.signal` cancels the request.
 */
export async function send(
  t: Transport,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  init: { body?: Uint8Array; contentType?: string; signal?: AbortSignal } = {},
): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(t.timeoutMs);
  const signal = init.signal === undefined ? timeout : AbortSignal.any([timeout, init.signal]);
  const headers: Record<string, string> = { authorization: `Bearer ${t.authToken}` };
  if (init.contentType !== undefined) headers['content-type'] = init.contentType;
  try {
    // Redirects are not followed: the token must go to the Leader and nowhere else.
    const response = await t.fetch(url, {
      method,
      headers,
      body: init.body as Uint8Array<ArrayBuffer> | undefined,
      signal,
      redirect: 'manual',
    });
    const body = await readBody(response, t.maxBodyBytes);
    return { status: response.status, headers: response.headers, body };
  } catch (e) {
    if (e instanceof CollectorError) throw e;
    if (init.signal?.aborted === true) {
      throw new TransportError('ABORTED', `${method} collection job: cancelled by the caller`);
    }
    if (timeout.aborted) {
      throw new TransportError(
        'TIMEOUT',
        `${method} collection job: no answer within ${t.timeoutMs} ms`,
      );
    }
    throw new TransportError('NETWORK', `${method} collection job: leader unreachable`, {
      cause: e,
    });
  }
}

/**
 * The media type of a response without parameters, lowercased.
 *
 * @param headers - the response headers.
 * @returns e.g. `application/problem+json`, or the empty string when absent.
 */
export function mediaTypeOf(headers: Headers): string {
  return (headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

/** Keeps printable text only and bounds its length, for a `detail` read from the network. */
function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > MAX_DETAIL ? `${clean.slice(0, MAX_DETAIL)}…` : clean;
}

/**
 * Throws the typed error of a response with an error status (4xx, 5xx) or a redirect.
 *
 * @param r - the response.
 * @param what - what was requested, for the message, e.g. "create collection job".
 * @param nowMs - the current time, to read a Retry-After date.
 * @throws {ProblemError} for an error status with a problem document (draft-ietf-ppm-dap-18
 *   §3.6).
 * @throws {HttpStatusError} for an error status or a redirect without a valid problem document.
 */
export function raiseForStatus(r: HttpResponse, what: string, nowMs: number = Date.now()): void {
  if (r.status >= 200 && r.status < 300) return;
  const retryAfterMs = parseRetryAfter(r.headers.get('retry-after'), nowMs);
  if (r.status >= 400 && mediaTypeOf(r.headers) === PROBLEM_MEDIA_TYPE) {
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(r.body));
    } catch {
      doc = undefined;
    }
    if (
      typeof doc === 'object' &&
      doc !== null &&
      typeof (doc as { type?: unknown }).type === 'string'
    ) {
      const { type, detail } = doc as { type: string; detail?: unknown };
      const e = new ProblemError(
        r.status,
        sanitize(type),
        problemTypeOf(type),
        typeof detail === 'string' ? sanitize(detail) : undefined,
      );
      e.retryAfterMs = retryAfterMs;
      throw e;
    }
  }
  const e = new HttpStatusError(r.status, `${what}: leader answered with status ${r.status}`);
  e.retryAfterMs = retryAfterMs;
  throw e;
}

/**
 * Whether a failure is worth retrying: a network error, a timeout, 429 or a 502, 503 or 504.
 *
 * @param e - the error.
 * @returns true when a later attempt may succeed.
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof TransportError) return true;
  if (e instanceof HttpStatusError || e instanceof ProblemError) {
    return e.status === 429 || e.status === 502 || e.status === 503 || e.status === 504;
  }
  return false;
}

/**
 * Parses a Retry-After value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 *
 * @param value - the header value, or null when absent.
 * @param nowMs - the current time in milliseconds since the epoch.
 * @returns the delay in milliseconds (0 for a date in the past), or undefined when the value is
 *   absent or not valid.
 * @example parseRetryAfter('120', Date.now()); // 120000
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  // RFC 9110 §5.6.7: IMF-fixdate (and the obsolete forms Date.parse also reads).
  if (!/^[A-Za-z]{3},? /.test(v)) return undefined;
  const at = Date.parse(v);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}

// Requests from the Leader to the Helper: bearer-authenticated, with a timeout, following the
// asynchronous pattern of draft-ietf-ppm-dap-18 §3.1 (empty 2xx, then GET the Location until
// the resource is ready), and turning problem documents into typed PeerErrors.
import { PROBLEM_MEDIA_TYPE, problemTypeOf } from '@private-measurement/protocol';
import { PeerError } from '../errors.js';

/** One request to the peer. */
export interface PeerRequest {
  method: 'POST' | 'GET' | 'DELETE';
  url: string;
  token: string;
  contentType?: string;
  body?: Uint8Array;
  timeoutMs: number;
  /** Largest response body accepted, bytes. */
  maxResponseBytes?: number;
  /** Polls allowed while the peer defers its answer. */
  maxPolls?: number;
}

/** The peer's answer once ready. */
export interface PeerResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** True when a PeerError is worth retrying (no answer, 5xx, 429). */
export function isTransient(e: unknown): boolean {
  return e instanceof PeerError && (e.status === 0 || e.status >= 500 || e.status === 429);
}

async function once(
  fetchFn: typeof fetch,
  req: PeerRequest,
  method: string,
  url: string,
  body?: Uint8Array,
): Promise<PeerResponse> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method,
      headers: {
        authorization: `Bearer ${req.token}`,
        ...(req.contentType && body ? { 'content-type': req.contentType } : {}),
      },
      body: body as unknown as BodyInit | undefined,
      signal: AbortSignal.timeout(req.timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    throw new PeerError(`peer request failed: ${(e as Error).name}`, 0);
  }
  const limit = req.maxResponseBytes ?? 64 * 1024 * 1024;
  const buf = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
  if (buf.length > limit) throw new PeerError('peer response: too large', res.status);
  if (res.status >= 400) {
    let type: string | undefined;
    if ((res.headers.get('content-type') ?? '').startsWith(PROBLEM_MEDIA_TYPE)) {
      try {
        const doc = JSON.parse(new TextDecoder().decode(buf)) as { type?: unknown };
        type = problemTypeOf(doc.type);
      } catch {
        type = undefined;
      }
    }
    throw new PeerError(`peer answered ${res.status}${type ? ` ${type}` : ''}`, res.status, type);
  }
  return { status: res.status, headers: res.headers, body: buf };
}

/**
 * Sends a request to the peer and waits for its resource to be ready.
 *
 * @param fetchFn - the fetch implementation.
 * @param req - the request.
 * @returns the final answer (2xx with a body, or 2xx for DELETE).
 * @throws {PeerError} for an error status (with its DAP problem type), no answer, or a
 *   resource still not ready after `maxPolls` polls.
 */
export async function peerRequest(fetchFn: typeof fetch, req: PeerRequest): Promise<PeerResponse> {
  let res = await once(fetchFn, req, req.method, req.url, req.body);
  if (req.method === 'DELETE' || res.body.length > 0) return res;
  // draft-ietf-ppm-dap-18 §3.1: an empty success defers; poll the Location.
  for (let poll = 0; poll < (req.maxPolls ?? 20); poll++) {
    const location = res.headers.get('location');
    const target = location === null ? req.url : new URL(location, req.url).toString();
    const wait = Math.min(Number(res.headers.get('retry-after') ?? '1') || 1, 5) * 1000;
    await new Promise((r) => setTimeout(r, Math.min(wait, req.timeoutMs)));
    res = await once(fetchFn, req, 'GET', target);
    if (res.body.length > 0) return res;
  }
  throw new PeerError('peer resource: not ready after polling', 0);
}

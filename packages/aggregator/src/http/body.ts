// Reading request bodies safely: the declared media type must be the expected DAP message and
// the body may not exceed the configured limit, whatever Content-Length claims.
import { dapMessageOf } from '@private-measurement/protocol';
import { HttpFailure } from './problem.js';

/**
 * Checks a request's media type against the DAP message it must carry.
 *
 * @param headers - the request headers.
 * @param message - the expected `message` parameter, e.g. `upload-req`.
 * @throws {HttpFailure} 415 otherwise.
 */
export function requireMediaType(headers: Headers, message: string): void {
  // draft-ietf-ppm-dap-18 §9.1: application/ppm-dap with the message parameter naming the type.
  if (dapMessageOf(headers.get('content-type')) !== message) {
    throw new HttpFailure(415, `content-type: expected application/ppm-dap;message=${message}`);
  }
}

/**
 * Reads a request body up to `limit` bytes.
 *
 * @param request - the request.
 * @param limit - largest accepted body in bytes.
 * @returns the body bytes.
 * @throws {HttpFailure} 413 when the body (or its declared length) exceeds the limit.
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    throw new HttpFailure(413, `body: expected at most ${limit} bytes, received ${declared}`);
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new HttpFailure(413, `body: expected at most ${limit} bytes, received more`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

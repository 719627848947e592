// Request authentication between DAP parties (draft-ietf-ppm-dap-18 §3.5): bearer tokens in the
// Authorization header, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpFailure } from './problem.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Compares two tokens in time independent of where they differ and of their lengths (both are
 * hashed to 32 bytes first).
 *
 * @param presented - the token from the request.
 * @param expected - the configured token.
 * @returns true when equal.
 */
export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Extracts the bearer token of a request's Authorization header.
 *
 * @param header - the header value, or null.
 * @returns the token, or undefined when absent or not a Bearer credential.
 */
export function bearerToken(header: string | null): string | undefined {
  if (header === null) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(header);
  return match?.[1];
}

/**
 * Checks that a request carries one of the accepted bearer tokens.
 *
 * @param headers - the request headers.
 * @param accepted - accepted tokens (each compared in constant time).
 * @throws {HttpFailure} 401 when the token is missing, 403 when it matches none.
 */
export function requireBearer(headers: Headers, accepted: readonly string[]): void {
  const token = bearerToken(headers.get('authorization'));
  if (token === undefined) throw new HttpFailure(401, 'authorization: expected a bearer token');
  let ok = false;
  // Every candidate is compared, so timing does not reveal which one matched.
  for (const candidate of accepted) ok = tokensEqual(token, candidate) || ok;
  if (!ok) throw new HttpFailure(403, 'authorization: the bearer token is not accepted');
}

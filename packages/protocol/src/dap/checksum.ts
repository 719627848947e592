// The batch-bucket checksum of DAP-18 (draft-ietf-ppm-dap-18 §4.5.4.3): 32 zero bytes, XORed
// with SHA-256(report_id) for every committed report; shards combine by XOR.
import { ParamError } from '../errors.js';
import { CHECKSUM_LENGTH, REPORT_ID_LENGTH } from './basic.js';
import { describe } from '../codec.js';

/**
 * The checksum of an empty batch bucket: 32 zero bytes (draft-ietf-ppm-dap-18 §4.5.4.3).
 *
 * @returns a fresh zero checksum
 * @example emptyChecksum().length // 32
 */
export function emptyChecksum(): Uint8Array {
  return new Uint8Array(CHECKSUM_LENGTH);
}

/**
 * XORs two checksums, as when combining batch-bucket shards (draft-ietf-ppm-dap-18 §4.5.4.3).
 *
 * @param a a 32-byte checksum
 * @param b a 32-byte checksum
 * @returns a new checksum `a XOR b`
 * @throws {ParamError} when either is not 32 bytes
 * @example xorChecksums(bucketA.checksum, bucketB.checksum)
 */
export function xorChecksums(a: Uint8Array, b: Uint8Array): Uint8Array {
  for (const [name, c] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (!(c instanceof Uint8Array) || c.length !== CHECKSUM_LENGTH) {
      throw new ParamError(`checksum ${name}: expected 32 bytes, received ${describe(c)}`);
    }
  }
  const out = new Uint8Array(CHECKSUM_LENGTH);
  for (let i = 0; i < CHECKSUM_LENGTH; i++) out[i] = a[i] ^ b[i];
  return out;
}

/**
 * Folds report IDs into a checksum: `checksum XOR SHA-256(id)` for each ID
 * (draft-ietf-ppm-dap-18 §4.5.4.3), using the platform's WebCrypto SHA-256.
 *
 * @param reportIds the 16-byte IDs of the committed reports
 * @param checksum the starting checksum (default: 32 zero bytes); not modified
 * @returns the new checksum
 * @throws {ParamError} when an ID is not 16 bytes or the checksum not 32
 * @example await updateChecksum(committedIds)
 */
export async function updateChecksum(
  reportIds: Iterable<Uint8Array>,
  checksum: Uint8Array = emptyChecksum(),
): Promise<Uint8Array> {
  let acc = xorChecksums(checksum, emptyChecksum());
  const ids = [...reportIds];
  for (const id of ids) {
    if (!(id instanceof Uint8Array) || id.length !== REPORT_ID_LENGTH) {
      throw new ParamError(`report_id: expected 16 bytes, received ${describe(id)}`);
    }
  }
  const digests = await Promise.all(
    ids.map((id) => globalThis.crypto.subtle.digest('SHA-256', id.slice())),
  );
  for (const d of digests) acc = xorChecksums(acc, new Uint8Array(d));
  return acc;
}

// Argument checks and message framing shared by both XOF backends: TurboSHAKE128 (RFC 9861)
// and XofTurboShake128 (draft-irtf-cfrg-vdaf-20 §6.2.1). Both backends throw the same errors.
import type { Field } from '../types.js';
import { ParamError } from '../errors.js';

/** TurboSHAKE128 rate in bytes: 1344 bits (RFC 9861 §2.2). */
export const RATE = 168;

/** Domain separation byte of XofTurboShake128 (draft-irtf-cfrg-vdaf-20 §6.2.1). */
export const XOF_DOMAIN = 0x01;

/** Output size of `derive_seed`: XofTurboShake128.SEED_SIZE (draft-irtf-cfrg-vdaf-20 §6.2.1). */
export const SEED_SIZE = 32;

/** Longest seed the one-byte length prefix can frame (draft-irtf-cfrg-vdaf-20 §6.2.1). */
export const MAX_SEED_LEN = 255;

/** Longest dst the two-byte length prefix can frame (draft-irtf-cfrg-vdaf-20 §6.2.1). */
export const MAX_DST_LEN = 65535;

/**
 * Largest byte count one `squeeze`/`next` call returns (1 GiB).
 * Limitation: larger outputs must be taken in several calls.
 */
export const MAX_OUTPUT_BYTES = 2 ** 30;

/**
 * Largest element count one `nextVec`/`expandIntoVec` call returns (2^26: 1 GiB for Field128).
 * Limitation: larger vectors must be taken in several calls.
 */
export const MAX_VEC_LEN = 2 ** 26;

/**
 * The parts of a field that rejection sampling needs, checked once per call.
 */
export interface SampledField {
  /** Bytes read per candidate: 8 or 16. */
  readonly size: 8 | 16;
  /** 64-bit words per element: 1 or 2. */
  readonly words: 1 | 2;
  /** p. */
  readonly modulus: bigint;
  /** next_power_of_2(p) - 1, the mask applied to each candidate (draft-irtf-cfrg-vdaf-20 §6.2). */
  readonly mask: bigint;
}

/**
 * Checks a TurboSHAKE128 domain separation byte.
 *
 * @param domain - the byte D.
 * @throws {ParamError} unless D is an integer in 0x01..0x7f (RFC 9861 §2.1).
 */
export function checkDomain(domain: number): void {
  if (!Number.isInteger(domain) || domain < 0x01 || domain > 0x7f) {
    throw new ParamError(`domain: expected an integer in 0x01..0x7f, received ${String(domain)}`);
  }
}

/**
 * Checks that `data` is a byte array.
 *
 * @param name - parameter name for the error message.
 * @param data - the value to check.
 * @throws {ParamError} unless `data` is a Uint8Array.
 */
export function checkBytes(name: string, data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new ParamError(`${name}: expected a Uint8Array, received ${typeName(data)}`);
  }
}

/**
 * Checks a requested output length.
 *
 * @param name - parameter name for the error message.
 * @param n - the length.
 * @param max - the largest accepted value.
 * @throws {ParamError} unless `n` is an integer in [0, max].
 */
export function checkCount(name: string, n: number, max: number): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new ParamError(`${name}: expected an integer in [0, ${max}], received ${String(n)}`);
  }
}

/**
 * Checks the XofTurboShake128 inputs.
 *
 * @param seed - at most 255 bytes.
 * @param dst - at most 65535 bytes.
 * @param binder - any length.
 * @throws {ParamError} for a non-byte argument or an over-long seed or dst.
 */
export function checkXofInputs(seed: Uint8Array, dst: Uint8Array, binder: Uint8Array): void {
  checkBytes('seed', seed);
  checkBytes('dst', dst);
  checkBytes('binder', binder);
  if (seed.length > MAX_SEED_LEN) {
    // draft-irtf-cfrg-vdaf-20 §6.2.1
    throw new ParamError(`seed: expected at most ${MAX_SEED_LEN} bytes, received ${seed.length}`);
  }
  if (dst.length > MAX_DST_LEN) {
    // draft-irtf-cfrg-vdaf-20 §6.2.1
    throw new ParamError(`dst: expected at most ${MAX_DST_LEN} bytes, received ${dst.length}`);
  }
}

/**
 * The framing that precedes the binder in the XofTurboShake128 message:
 * to_le_bytes(len(dst), 2) || dst || to_le_bytes(len(seed), 1) || seed.
 *
 * @param seed - checked seed.
 * @param dst - checked dst.
 * @returns the framed bytes; the caller absorbs the binder after them.
 */
export function xofPrefix(seed: Uint8Array, dst: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + dst.length + seed.length);

  // draft-irtf-cfrg-vdaf-20 §6.2.1: two-byte little-endian dst length, then dst.
  out[0] = dst.length & 0xff;
  out[1] = dst.length >>> 8;
  out.set(dst, 2);

  // draft-irtf-cfrg-vdaf-20 §6.2.1: one-byte seed length, then seed.
  out[2 + dst.length] = seed.length;
  out.set(seed, 3 + dst.length);
  return out;
}

/**
 * Reads and checks the rejection-sampling parameters of a field.
 *
 * @param field - a Field64 or Field128 (any backend: only its constants are read).
 * @returns the sampling parameters.
 * @throws {ParamError} unless the field has 8- or 16-byte elements and a modulus that fits them.
 */
export function sampledField(field: Field): SampledField {
  // The cached parameters stand while the field's constants are the ones they came from.
  const hit = field !== null && typeof field === 'object' ? cache.get(field) : undefined;
  if (
    hit !== undefined &&
    hit.modulus === field.modulus &&
    hit.size === field.encodedSize &&
    hit.words === field.words
  ) {
    return hit;
  }

  const size = (field as Partial<Field> | null)?.encodedSize;
  const words = field?.words;
  const modulus = field?.modulus;
  if ((size !== 8 && size !== 16) || words !== size / 8) {
    throw new ParamError(`field: expected 8 or 16 bytes per element, received ${String(size)}`);
  }
  if (typeof modulus !== 'bigint' || modulus < 2n || modulus >= 1n << BigInt(8 * size)) {
    throw new ParamError(`field: expected a modulus below 2^${8 * size}`);
  }

  // draft-irtf-cfrg-vdaf-20 §6.2: m = next_power_of_2(p) - 1.
  const mask = (1n << BigInt((modulus - 1n).toString(2).length)) - 1n;
  const out = { size, words, modulus, mask };
  cache.set(field, out);
  return out;
}

const cache = new WeakMap<object, SampledField>();

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

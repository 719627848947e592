// Word-level helpers on field vectors (BigUint64Array): strided copies, transposition and
// exact-length decoding. They move 32-bit words and never materialise a BigInt per element.
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { DecodeError, ParamError } from '../../errors.js';

/** Smallest power of two >= n (1 for n <= 1). */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** A Uint32Array view on the same memory as `v`. */
export function words32(v: FieldVec): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
}

/**
 * Copies `count` elements of `src` starting at element `srcStart`, step `srcStep`, into `dst`
 * starting at element `dstStart`, step `dstStep`.
 */
export function copyStrided(
  field: Field,
  src: FieldVec,
  srcStart: number,
  srcStep: number,
  dst: FieldVec,
  dstStart: number,
  dstStep: number,
  count: number,
): void {
  if (srcStep === 1 && dstStep === 1) {
    const fw = field.words;
    dst.set(src.subarray(srcStart * fw, (srcStart + count) * fw), dstStart * fw);
    return;
  }
  const w = field.words * 2;
  stridedWords(
    words32(src),
    srcStart * w,
    srcStep * w,
    words32(dst),
    dstStart * w,
    dstStep * w,
    count,
    w,
  );
}

/**
 * `count` elements of `w` 32-bit words (2 or 4) from s[si], s[si + ss], ... to d[di],
 * d[di + ds], ...: the loop of `copyStrided` on views the caller already holds.
 */
function stridedWords(
  s: Uint32Array,
  si: number,
  ss: number,
  d: Uint32Array,
  di: number,
  ds: number,
  count: number,
  w: number,
): void {
  if (w === 2) {
    for (let i = 0; i < count; i++, si += ss, di += ds) {
      d[di] = s[si];
      d[di + 1] = s[si + 1];
    }
  } else {
    for (let i = 0; i < count; i++, si += ss, di += ds) {
      d[di] = s[si];
      d[di + 1] = s[si + 1];
      d[di + 2] = s[si + 2];
      d[di + 3] = s[si + 3];
    }
  }
}

/** Transpose of the row-major `rows` x `cols` matrix `v` (a `cols` x `rows` matrix). */
export function transpose(field: Field, v: FieldVec, rows: number, cols: number): FieldVec {
  const out = field.zeros(rows * cols);
  transposeInto(field, v, rows, cols, out);
  return out;
}

/** Writes the transpose of the row-major `rows` x `cols` matrix `v` into `out` (no alias). */
export function transposeInto(
  field: Field,
  v: FieldVec,
  rows: number,
  cols: number,
  out: FieldVec,
): void {
  const ew = field.words * 2;
  const s = words32(v);
  const d = words32(out);
  // Row r of v, contiguous, becomes column r of out (step rows).
  for (let r = 0; r < rows; r++) stridedWords(s, r * cols * ew, ew, d, r * ew, rows * ew, cols, ew);
}

/**
 * Decodes exactly `n` field elements from `bytes` (draft-irtf-cfrg-vdaf-20 §6.1).
 *
 * @throws {DecodeError} on a wrong length or a value >= p.
 */
export function decodeVec(field: Field, bytes: Uint8Array, n: number, what: string): FieldVec {
  if (bytes.length !== n * field.encodedSize) {
    throw new DecodeError(
      `${what}: expected ${n * field.encodedSize} bytes, received ${bytes.length}`,
    );
  }
  try {
    // Field.decode allocates its result (no `out`), so the vector never aliases `bytes`.
    return field.decode(bytes);
  } catch {
    throw new DecodeError(`${what}: field element not in canonical form`);
  }
}

/** Whether this host stores 64-bit words little-endian, as the field encoding orders them. */
const LITTLE_ENDIAN = new Uint8Array(new BigUint64Array([1n]).buffer)[0] === 1;

/**
 * Writes the encoding of `v` (draft-irtf-cfrg-vdaf-20 §6.1.1: little-endian 64-bit words of
 * the canonical elements) into `out` at byte `offset`. On a little-endian host those are the
 * vector's own bytes, copied once; elsewhere `Field.encode` orders them.
 *
 * @throws {ParamError} when `v` is not a vector of whole elements or does not fit.
 */
export function encodeInto(field: Field, v: FieldVec, out: Uint8Array, offset: number): void {
  const n = field.len(v) * field.encodedSize;
  if (offset + n > out.length) {
    throw new ParamError(`out: expected room for ${n} bytes at ${offset}, received ${out.length}`);
  }
  if (LITTLE_ENDIAN) out.set(new Uint8Array(v.buffer, v.byteOffset, n), offset);
  else out.set(field.encode(v), offset);
}

/** Concatenation of byte strings. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time-ish equality of two byte strings (no early exit on content). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * A non-negative safe integer parameter, checked.
 *
 * @throws {ParamError} when `x` is not an integer in [min, max].
 */
export function checkInt(name: string, x: unknown, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
    throw new ParamError(`${name}: expected an integer in [${min}, ${max}], received ${String(x)}`);
  }
  return x;
}

/**
 * Sums the `rows` rows of the row-major `rows` x `cols` matrix `m` into a vector of `cols`
 * elements, by folding the bottom half onto the top half: about log2(rows) kernel calls.
 * Overwrites `m`.
 */
export function foldRows(field: Field, m: FieldVec, rows: number, cols: number): FieldVec {
  return foldRowsInPlace(field, m, rows, cols).slice();
}

/** `foldRows` leaving the sum in the first row of `m` and returning that row as a view. */
function foldRowsInPlace(field: Field, m: FieldVec, rows: number, cols: number): FieldVec {
  const w = field.words * cols;
  let n = rows;
  while (n > 1) {
    const h = Math.floor(n / 2);
    const top = m.subarray(0, h * w);
    field.add(top, m.subarray((n - h) * w, n * w), top);
    n -= h;
  }
  return m.subarray(0, w);
}

/**
 * The combination sum_k weights[k] * (row k) of the row-major `rows` x `cols` matrix `m`: the
 * weights repeated along each row in `scratch`, one product, then a fold of the rows.
 * Overwrites `m` and `scratch`.
 *
 * @param field - the field.
 * @param m - the matrix; overwritten.
 * @param rows - number of rows, the length of `weights`.
 * @param cols - number of columns.
 * @param weights - one weight per row.
 * @param scratch - room for rows * cols elements.
 * @returns the `cols` elements, as a view of the first row of `m`.
 */
export function weightedRowSum(
  field: Field,
  m: FieldVec,
  rows: number,
  cols: number,
  weights: FieldVec,
  scratch: FieldVec,
): FieldVec {
  // Row k of scratch is weights[k] repeated: its first element copied, then doubled with
  // copyWithin (no BigInt conversion per element, log2(cols) moves per row).
  const fw = field.words;
  for (let k = 0; k < rows; k++) {
    const o = k * cols * fw;
    scratch.set(weights.subarray(k * fw, (k + 1) * fw), o);
    for (let len = 1; len < cols; len *= 2) {
      scratch.copyWithin(o + len * fw, o, o + Math.min(len, cols - len) * fw);
    }
  }
  field.mul(m, scratch, m);
  return foldRowsInPlace(field, m, rows, cols);
}

// What both field backends share: argument checks, element access, scalar arithmetic on BigInt
// and roots of unity. The backends extend `FieldBase` with their own vector kernels.
import type { BackendKind, Field, FieldName, FieldVec } from '../types.js';
import { ArithmeticError, DecodeError, ParamError } from '../errors.js';
import { powMod, type FieldParams } from './params.js';

const MASK64 = (1n << 64n) - 1n;

/** Largest vector length accepted by any kernel (elements); keeps byte sizes below 2^32. */
export const MAX_LEN = 2 ** 26;

/** A `Field` whose vector kernels are left to a backend. */
export abstract class FieldBase implements Field {
  readonly name: FieldName;
  readonly modulus: bigint;
  readonly encodedSize: 8 | 16;
  readonly words: 1 | 2;
  readonly generator: bigint;
  readonly genOrder: bigint;
  abstract readonly backend: BackendKind;
  protected readonly log2Order: number;
  private readonly roots: bigint[] = [];

  constructor(params: FieldParams) {
    this.name = params.name;
    this.modulus = params.modulus;
    this.encodedSize = params.encodedSize;
    this.words = params.words;
    this.generator = params.generator;
    this.genOrder = params.genOrder;
    this.log2Order = params.log2Order;
  }

  // ---- argument checks -------------------------------------------------------------------

  /** Throws `ParamError` unless `v` is a BigUint64Array holding whole elements. */
  protected vec(v: FieldVec, what: string): FieldVec {
    if (!(v instanceof BigUint64Array)) {
      throw new ParamError(`${what}: expected BigUint64Array, received ${typeName(v)}`);
    }
    if (v.length % this.words !== 0) {
      throw new ParamError(
        `${what}: expected a multiple of ${this.words} words, received ${v.length}`,
      );
    }
    if (v.length / this.words > MAX_LEN) {
      throw new ParamError(`${what}: expected at most ${MAX_LEN} elements, received more`);
    }
    return v;
  }

  /** Throws `ParamError` unless `a` and `b` are vectors of the same length. */
  protected pair(a: FieldVec, b: FieldVec): void {
    this.vec(a, 'a');
    this.vec(b, 'b');
    if (a.length !== b.length) {
      throw new ParamError(
        `b: expected ${a.length / this.words} elements, received ${b.length / this.words}`,
      );
    }
  }

  /** `out` checked against `words` words, or a fresh vector of that size. */
  protected outFor(words: number, out: FieldVec | undefined): FieldVec {
    if (out === undefined) return new BigUint64Array(words);
    this.vec(out, 'out');
    if (out.length !== words) {
      throw new ParamError(
        `out: expected ${words / this.words} elements, received ${out.length / this.words}`,
      );
    }
    return out;
  }

  /** Throws `ParamError` unless `x` is a bigint in [0, p). */
  protected scalar(x: bigint, what: string): bigint {
    if (typeof x !== 'bigint') {
      throw new ParamError(`${what}: expected bigint, received ${typeName(x)}`);
    }
    if (x < 0n || x >= this.modulus) {
      throw new ParamError(`${what}: expected an integer in [0, p), received one out of range`);
    }
    return x;
  }

  /** Throws `ParamError` unless `n` is an integer in [0, max]. */
  protected count(n: number, what: string, max = MAX_LEN): number {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) {
      throw new ParamError(`${what}: expected an integer in [0, ${max}], received ${String(n)}`);
    }
    return n;
  }

  /** log2(n); throws `ParamError` unless n is a power of two in [1, max]. */
  protected log2(n: number, what: string, max = MAX_LEN): number {
    const k = typeof n === 'number' && n >= 1 ? Math.log2(n) : NaN;
    if (!Number.isInteger(k) || n > max || 2 ** k !== n) {
      throw new ParamError(
        `${what}: expected a power of two in [1, ${max}], received ${String(n)}`,
      );
    }
    return k;
  }

  // ---- element access --------------------------------------------------------------------

  len(v: FieldVec): number {
    return this.vec(v, 'v').length / this.words;
  }

  zeros(n: number): FieldVec {
    return new BigUint64Array(this.count(n, 'n') * this.words);
  }

  fromBigInts(xs: readonly (bigint | number)[]): FieldVec {
    if (!Array.isArray(xs)) throw new ParamError(`xs: expected an array, received ${typeName(xs)}`);
    this.count(xs.length, 'xs.length');
    const out = new BigUint64Array(xs.length * this.words);
    for (let i = 0; i < xs.length; i++) {
      let x = xs[i];
      if (typeof x === 'number') {
        if (!Number.isSafeInteger(x)) {
          throw new ParamError(`xs[${i}]: expected a safe integer, received ${String(x)}`);
        }
        x = BigInt(x);
      }
      this.put(out, i, this.scalar(x, `xs[${i}]`));
    }
    return out;
  }

  toBigInts(v: FieldVec): bigint[] {
    const n = this.len(v);
    const out = new Array<bigint>(n);
    for (let i = 0; i < n; i++) out[i] = this.at(v, i);
    return out;
  }

  get(v: FieldVec, i: number): bigint {
    this.count(i, 'i', this.len(v) - 1);
    return this.at(v, i);
  }

  set(v: FieldVec, i: number, x: bigint): void {
    this.count(i, 'i', this.len(v) - 1);
    this.put(v, i, this.scalar(x, 'x'));
  }

  slice(v: FieldVec, start: number, end?: number): FieldVec {
    const n = this.len(v);
    const e = end === undefined ? n : this.count(end, 'end', n);
    this.count(start, 'start', e);
    return v.slice(start * this.words, e * this.words);
  }

  concat(vs: readonly FieldVec[]): FieldVec {
    if (!Array.isArray(vs)) throw new ParamError(`vs: expected an array, received ${typeName(vs)}`);
    let total = 0;
    for (let i = 0; i < vs.length; i++) total += this.vec(vs[i], `vs[${i}]`).length;
    this.count(total / this.words, 'total length');
    const out = new BigUint64Array(total);
    let off = 0;
    for (const v of vs) {
      out.set(v, off);
      off += v.length;
    }
    return out;
  }

  /** Element `i` of `v` as a bigint, unchecked. */
  protected at(v: FieldVec, i: number): bigint {
    return this.words === 1 ? v[i] : v[2 * i] | (v[2 * i + 1] << 64n);
  }

  /** Writes `x` (canonical) to element `i` of `v`, unchecked. */
  protected put(v: FieldVec, i: number, x: bigint): void {
    if (this.words === 1) {
      v[i] = x;
    } else {
      v[2 * i] = x & MASK64;
      v[2 * i + 1] = x >> 64n;
    }
  }

  // ---- scalars ---------------------------------------------------------------------------

  addS(x: bigint, y: bigint): bigint {
    const s = this.scalar(x, 'x') + this.scalar(y, 'y');
    return s >= this.modulus ? s - this.modulus : s;
  }

  subS(x: bigint, y: bigint): bigint {
    const d = this.scalar(x, 'x') - this.scalar(y, 'y');
    return d < 0n ? d + this.modulus : d;
  }

  mulS(x: bigint, y: bigint): bigint {
    return (this.scalar(x, 'x') * this.scalar(y, 'y')) % this.modulus;
  }

  negS(x: bigint): bigint {
    return this.scalar(x, 'x') === 0n ? 0n : this.modulus - x;
  }

  invS(x: bigint): bigint {
    if (this.scalar(x, 'x') === 0n) throw new ArithmeticError('x: expected nonzero, received 0');
    return powMod(x, this.modulus - 2n, this.modulus);
  }

  powS(x: bigint, e: bigint): bigint {
    this.scalar(x, 'x');
    if (typeof e !== 'bigint' || e < 0n) {
      throw new ParamError(`e: expected a non-negative bigint, received ${typeName(e)}`);
    }
    return powMod(x, e, this.modulus);
  }

  nthRoot(n: number): bigint {
    const k = this.log2(n, 'n', 2 ** Math.min(this.log2Order, 52));
    let r = this.roots[k];
    if (r === undefined) {
      // draft-irtf-cfrg-vdaf-20 §6.1.2: nth_root(n) = gen() ** (GEN_ORDER // n)
      r = powMod(this.generator, this.genOrder >> BigInt(k), this.modulus);
      this.roots[k] = r;
    }
    return r;
  }

  // ---- vector kernels (per backend) ------------------------------------------------------

  abstract add(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec;
  abstract sub(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec;
  abstract mul(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec;
  abstract neg(a: FieldVec, out?: FieldVec): FieldVec;
  abstract addScalar(a: FieldVec, c: bigint, out?: FieldVec): FieldVec;
  abstract mulScalar(a: FieldVec, c: bigint, out?: FieldVec): FieldVec;
  abstract sum(a: FieldVec): bigint;
  abstract innerProduct(a: FieldVec, b: FieldVec): bigint;
  abstract inv(a: FieldVec, out?: FieldVec): FieldVec;
  abstract powers(x: bigint, n: number): FieldVec;
  abstract encode(v: FieldVec): Uint8Array;
  abstract decode(bytes: Uint8Array): FieldVec;
  abstract ntt(coeffs: FieldVec, n: number): FieldVec;
  abstract nttCoset(coeffs: FieldVec, n: number): FieldVec;
  abstract invNtt(evals: FieldVec): FieldVec;
  abstract cosetEvalsRows(vals: FieldVec, rows: number, out?: FieldVec): FieldVec;
  abstract polyEval(coeffs: FieldVec, x: bigint): bigint;
  abstract polyMul(a: FieldVec, b: FieldVec): FieldVec;
  abstract lagrangeEval(evals: FieldVec, x: bigint): bigint;
  abstract lagrangeBasis(n: number, x: bigint, out?: FieldVec): FieldVec;

  /** Checks `bytes` before a decode; returns the element count. */
  protected decodeLength(bytes: Uint8Array): number {
    if (!(bytes instanceof Uint8Array)) {
      throw new ParamError(`bytes: expected Uint8Array, received ${typeName(bytes)}`);
    }
    if (bytes.length % this.encodedSize !== 0) {
      // draft-irtf-cfrg-vdaf-20 §6.1.1: decode_vec rejects a length not a multiple of ENCODED_SIZE
      throw new DecodeError(
        `bytes: expected a multiple of ${this.encodedSize} bytes, received ${bytes.length}`,
      );
    }
    return this.count(bytes.length / this.encodedSize, 'bytes.length / encodedSize');
  }

  /**
   * Checks the arguments of `cosetEvalsRows`: `rows` >= 1 rows of n elements each, n a power of
   * two the field's NTT supports.
   *
   * @returns [n, log2(n)].
   * @throws {ParamError} on a non-vector, a bad row count or a row length that is no power of two.
   */
  protected cosetRowsArgs(vals: FieldVec, rows: number, what = 'rows'): [number, number] {
    const total = this.len(vals);
    if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1 || total % rows !== 0) {
      throw new ParamError(
        `${what}: expected a positive divisor of ${total} (the element count), ` +
          `received ${String(rows)}`,
      );
    }
    const n = total / rows;
    return [n, this.log2(n, 'row length', Math.min(MAX_LEN, 2 ** (this.log2Order - 1)))];
  }

  /**
   * Checks the arguments of `sumProductsDoubled`: `pairs` >= 1 pairs of rows of n elements.
   *
   * @returns [n, log2(n)].
   * @throws {ParamError} on a non-vector, a bad pair count or a row length that is no power of two.
   */
  protected productPairsArgs(wires: FieldVec, pairs: number): [number, number] {
    if (typeof pairs !== 'number' || !Number.isInteger(pairs) || pairs < 1) {
      throw new ParamError(`pairs: expected an integer >= 1, received ${String(pairs)}`);
    }
    return this.cosetRowsArgs(wires, 2 * pairs, '2 * pairs');
  }

  /**
   * The gadget polynomial of ParallelSum(Mul) from the field's own kernels, pair by pair (see
   * `Field.sumProductsDoubled`); a backend may replace it by a fused kernel.
   */
  sumProductsDoubled(wires: FieldVec, pairs: number): FieldVec {
    const [n] = this.productPairsArgs(wires, pairs);
    const rw = n * this.words;
    const even = this.zeros(n);
    const odd = this.zeros(n);
    for (let j = 0; j < pairs; j++) {
      const xy = wires.subarray(2 * j * rw, (2 * j + 2) * rw);
      this.add(even, this.mul(xy.subarray(0, rw), xy.subarray(rw)), even);
      // draft-irtf-cfrg-vdaf-20 §6.1.3.2 double_evaluations: the odd half is on the coset
      const c = this.cosetEvalsRows(xy, 2);
      this.add(odd, this.mul(c.subarray(0, rw), c.subarray(rw)), odd);
    }
    const out = this.zeros(2 * n);
    for (let k = 0; k < n; k++) {
      this.put(out, 2 * k, this.at(even, k));
      this.put(out, 2 * k + 1, this.at(odd, k));
    }
    return out;
  }

  /** Checks the arguments of `ntt`/`nttCoset`; returns log2(n). */
  protected nttArgs(coeffs: FieldVec, n: number): number {
    this.vec(coeffs, 'coeffs');
    const k = this.log2(n, 'n', Math.min(MAX_LEN, 2 ** (this.log2Order - 1)));
    if (coeffs.length / this.words > n) {
      throw new ParamError(`coeffs: expected at most ${n} elements, received ${this.len(coeffs)}`);
    }
    return k;
  }
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

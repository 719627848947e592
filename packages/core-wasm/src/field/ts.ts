// The pure-TS twin of the field kernels: Field64 and Field128 vector arithmetic, NTT and
// polynomial helpers on BigInt. It defines the expected results that the WASM kernels must match.
import type { FieldPair } from '../backend.js';
import type { FieldVec } from '../types.js';
import { ArithmeticError, DecodeError } from '../errors.js';
import { FieldBase, MAX_LEN } from './base.js';
import { FIELD128, FIELD64, powMod, type FieldParams } from './params.js';

/** Below this length of the shorter factor, `polyMul` multiplies term by term. */
export const POLY_MUL_SCHOOLBOOK_MAX = 32;

/** A field whose every kernel runs on BigInt. */
class TsField extends FieldBase {
  readonly backend = 'ts' as const;
  private readonly p: bigint;
  /** Keyed by powers of two up to the NTT limit, so at most log2 of it entries. */
  private readonly nInvCache = new Map<number, bigint>();

  constructor(params: FieldParams) {
    super(params);
    this.p = params.modulus;
  }

  /** 1/n for a power of two n, cached per n: a BigInt exponentiation costs tens of us. */
  private nInv(n: number): bigint {
    let r = this.nInvCache.get(n);
    if (r === undefined) {
      r = powMod(BigInt(n), this.p - 2n, this.p);
      this.nInvCache.set(n, r);
    }
    return r;
  }

  private read(v: FieldVec): bigint[] {
    const n = v.length / this.words;
    const out = new Array<bigint>(n);
    for (let i = 0; i < n; i++) out[i] = this.at(v, i);
    return out;
  }

  private write(xs: readonly bigint[], out?: FieldVec): FieldVec {
    const v = this.outFor(xs.length * this.words, out);
    for (let i = 0; i < xs.length; i++) this.put(v, i, xs[i]);
    return v;
  }

  private map2(
    a: FieldVec,
    b: FieldVec,
    out: FieldVec | undefined,
    f: (x: bigint, y: bigint) => bigint,
  ) {
    this.pair(a, b);
    const o = this.outFor(a.length, out);
    const n = a.length / this.words;
    for (let i = 0; i < n; i++) this.put(o, i, f(this.at(a, i), this.at(b, i)));
    return o;
  }

  private map1(a: FieldVec, out: FieldVec | undefined, f: (x: bigint) => bigint) {
    this.vec(a, 'a');
    const o = this.outFor(a.length, out);
    const n = a.length / this.words;
    for (let i = 0; i < n; i++) this.put(o, i, f(this.at(a, i)));
    return o;
  }

  add(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec {
    const p = this.p;
    return this.map2(a, b, out, (x, y) => (x + y >= p ? x + y - p : x + y));
  }

  sub(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec {
    const p = this.p;
    return this.map2(a, b, out, (x, y) => (x >= y ? x - y : x - y + p));
  }

  mul(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec {
    const p = this.p;
    return this.map2(a, b, out, (x, y) => (x * y) % p);
  }

  neg(a: FieldVec, out?: FieldVec): FieldVec {
    const p = this.p;
    return this.map1(a, out, (x) => (x === 0n ? 0n : p - x));
  }

  addScalar(a: FieldVec, c: bigint, out?: FieldVec): FieldVec {
    const p = this.p;
    this.scalar(c, 'c');
    return this.map1(a, out, (x) => (x + c >= p ? x + c - p : x + c));
  }

  mulScalar(a: FieldVec, c: bigint, out?: FieldVec): FieldVec {
    const p = this.p;
    this.scalar(c, 'c');
    return this.map1(a, out, (x) => (x * c) % p);
  }

  sum(a: FieldVec): bigint {
    this.vec(a, 'a');
    let s = 0n;
    for (let i = 0; i < a.length / this.words; i++) s += this.at(a, i);
    return s % this.p;
  }

  innerProduct(a: FieldVec, b: FieldVec): bigint {
    this.pair(a, b);
    let s = 0n;
    for (let i = 0; i < a.length / this.words; i++) s += this.at(a, i) * this.at(b, i);
    return s % this.p;
  }

  inv(a: FieldVec, out?: FieldVec): FieldVec {
    this.vec(a, 'a');
    this.outFor(a.length, out);
    const p = this.p;
    const xs = this.read(a);

    // Montgomery's trick: prefix products, one inversion, then walk back.
    const prefix = new Array<bigint>(xs.length);
    let acc = 1n;
    for (let i = 0; i < xs.length; i++) {
      if (xs[i] === 0n) throw new ArithmeticError(`a[${i}]: expected nonzero, received 0`);
      prefix[i] = acc;
      acc = (acc * xs[i]) % p;
    }
    let t = powMod(acc, p - 2n, p);
    const res = new Array<bigint>(xs.length);
    for (let i = xs.length - 1; i >= 0; i--) {
      res[i] = (t * prefix[i]) % p;
      t = (t * xs[i]) % p;
    }
    return this.write(res, out);
  }

  powers(x: bigint, n: number): FieldVec {
    this.scalar(x, 'x');
    this.count(n, 'n');
    const res = new Array<bigint>(n);
    let acc = 1n;
    for (let i = 0; i < n; i++) {
      res[i] = acc;
      acc = (acc * x) % this.p;
    }
    return this.write(res);
  }

  encode(v: FieldVec): Uint8Array {
    const n = this.len(v);
    const out = new Uint8Array(n * this.encodedSize);
    const dv = new DataView(out.buffer);
    // draft-irtf-cfrg-vdaf-20 §6.1.1: encode_vec, ENCODED_SIZE bytes per element, little-endian
    for (let i = 0; i < v.length; i++) dv.setBigUint64(8 * i, v[i], true);
    return out;
  }

  decode(bytes: Uint8Array): FieldVec {
    const n = this.decodeLength(bytes);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new BigUint64Array(n * this.words);
    for (let i = 0; i < out.length; i++) out[i] = dv.getBigUint64(8 * i, true);
    for (let i = 0; i < n; i++) {
      // draft-irtf-cfrg-vdaf-20 §6.1.1: decode_vec rejects x >= MODULUS
      if (this.at(out, i) >= this.p) {
        throw new DecodeError(`bytes: element ${i} expected < p, received a value >= p`);
      }
    }
    return out;
  }

  /** In-place radix-2 DFT of `a` (length n, a power of two) with root `w` of order n. */
  private dft(a: bigint[], w: bigint): void {
    const n = a.length;
    const p = this.p;
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) [a[i], a[j]] = [a[j], a[i]];
    }
    for (let len = 2; len <= n; len <<= 1) {
      const wl = powMod(w, BigInt(n / len), p);
      const half = len >> 1;
      const tw = new Array<bigint>(half);
      tw[0] = 1n;
      for (let j = 1; j < half; j++) tw[j] = (tw[j - 1] * wl) % p;
      for (let i = 0; i < n; i += len) {
        for (let j = 0; j < half; j++) {
          const u = a[i + j];
          const v = (a[i + j + half] * tw[j]) % p;
          a[i + j] = u + v >= p ? u + v - p : u + v;
          a[i + j + half] = u >= v ? u - v : u - v + p;
        }
      }
    }
  }

  ntt(coeffs: FieldVec, n: number): FieldVec {
    this.nttArgs(coeffs, n);
    const a = this.read(coeffs);
    while (a.length < n) a.push(0n);
    this.dft(a, this.nthRoot(n));
    return this.write(a);
  }

  nttCoset(coeffs: FieldVec, n: number): FieldVec {
    this.nttArgs(coeffs, n);
    const a = this.read(coeffs);
    while (a.length < n) a.push(0n);

    // draft-irtf-cfrg-vdaf-20 §6.1.2: set_s evaluates at s * Wn^i, s = nth_root(2n)
    const s = this.nthRoot(2 * n);
    let si = 1n;
    for (let i = 0; i < n; i++) {
      a[i] = (a[i] * si) % this.p;
      si = (si * s) % this.p;
    }
    this.dft(a, this.nthRoot(n));
    return this.write(a);
  }

  invNtt(evals: FieldVec): FieldVec {
    const n = this.len(evals);
    this.log2(n, 'len(evals)', Math.min(MAX_LEN, 2 ** (this.log2Order - 1)));
    const a = this.read(evals);
    this.dft(a, this.nthRoot(n));

    // DFT with w^-1 equals the DFT with w read at indices n - k; then scale by 1/n.
    const nInv = this.nInv(n);
    const res = new Array<bigint>(n);
    for (let k = 0; k < n; k++) res[k] = (a[(n - k) % n] * nInv) % this.p;
    return this.write(res);
  }

  cosetEvalsRows(vals: FieldVec, rows: number, out?: FieldVec): FieldVec {
    const [n] = this.cosetRowsArgs(vals, rows);
    const o = this.outFor(vals.length, out);
    const rw = n * this.words;
    for (let r = 0; r < rows; r++) {
      // draft-irtf-cfrg-vdaf-20 §6.1.3.2 double_evaluations: coefficients, then the coset s * w^i
      const row = this.nttCoset(this.invNtt(vals.subarray(r * rw, (r + 1) * rw)), n);
      o.set(row, r * rw);
    }
    return o;
  }

  polyEval(coeffs: FieldVec, x: bigint): bigint {
    this.vec(coeffs, 'coeffs');
    this.scalar(x, 'x');
    let r = 0n;
    for (let i = coeffs.length / this.words - 1; i >= 0; i--)
      r = (r * x + this.at(coeffs, i)) % this.p;
    return r;
  }

  polyMul(a: FieldVec, b: FieldVec): FieldVec {
    this.vec(a, 'a');
    this.vec(b, 'b');
    const la = a.length / this.words;
    const lb = b.length / this.words;
    if (la === 0 || lb === 0) return new BigUint64Array(0);
    const m = la + lb - 1;
    this.count(m, 'len(a) + len(b) - 1');
    if (Math.min(la, lb) <= POLY_MUL_SCHOOLBOOK_MAX) {
      const xs = this.read(a);
      const ys = this.read(b);
      const res = new Array<bigint>(m).fill(0n);
      for (let i = 0; i < la; i++) for (let j = 0; j < lb; j++) res[i + j] += xs[i] * ys[j];
      return this.write(res.map((r) => r % this.p));
    }
    let n = 1;
    while (n < m) n *= 2;
    const prod = this.mul(this.ntt(a, n), this.ntt(b, n));
    return this.slice(this.invNtt(prod), 0, m);
  }

  lagrangeBasis(n: number, x: bigint, out?: FieldVec): FieldVec {
    this.log2(n, 'n', Math.min(MAX_LEN, 2 ** (this.log2Order - 1)));
    this.scalar(x, 'x');
    this.outFor(n * this.words, out);
    const p = this.p;
    const w = this.nthRoot(n);

    // L_i(x) = (w^i / n) * prod over j != i of (x - w^j): w^i times the prefix products, then
    // the suffix products, which start at 1/n.
    const d = new Array<bigint>(n);
    const res = new Array<bigint>(n);
    let node = 1n;
    let prefix = 1n;
    for (let i = 0; i < n; i++) {
      d[i] = x >= node ? x - node : x - node + p;
      res[i] = (prefix * node) % p;
      prefix = (prefix * d[i]) % p;
      node = (node * w) % p;
    }
    let suffix = this.nInv(n);
    for (let i = n - 1; i >= 0; i--) {
      res[i] = (res[i] * suffix) % p;
      suffix = (suffix * d[i]) % p;
    }
    return this.write(res, out);
  }

  lagrangeEval(evals: FieldVec, x: bigint): bigint {
    const n = this.len(evals);
    this.log2(n, 'len(evals)', Math.min(MAX_LEN, 2 ** (this.log2Order - 1)));
    this.scalar(x, 'x');
    const p = this.p;
    const w = this.nthRoot(n);

    // draft-irtf-cfrg-vdaf-20 §6.1.3.2 Lagrange.poly_eval: division-free, so x may be a node.
    let node = 1n;
    let k = 1n;
    let u = this.at(evals, 0);
    let d = (node - x + p) % p;
    for (let i = 1; i < n; i++) {
      k = (k * d) % p;
      node = (node * w) % p;
      d = (node - x + p) % p;
      u = (u * d + k * node * this.at(evals, i)) % p;
    }
    const sign = (n - 1) % 2 === 0 ? 1n : p - 1n;
    return (((u * sign) % p) * this.nInv(n)) % p;
  }
}

/** Field64 and Field128 of the pure-TS twin. */
export const tsFields: FieldPair = {
  Field64: new TsField(FIELD64),
  Field128: new TsField(FIELD128),
};

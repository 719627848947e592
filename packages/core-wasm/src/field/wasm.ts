// Field64 and Field128 on the AssemblyScript kernels of assembly/field: each call copies its
// vectors into the arena once, runs one kernel over whole vectors and copies the result out.
import type { FieldPair } from '../backend.js';
import type { FieldVec } from '../types.js';
import { ArithmeticError, BackendError, DecodeError } from '../errors.js';
import { Arena } from './arena.js';
import { FieldBase, MAX_LEN } from './base.js';
import { FIELD128, FIELD64, type FieldParams } from './params.js';
import { POLY_MUL_SCHOOLBOOK_MAX } from './ts.js';

/** Status codes of assembly/field/status.ts. */
const OK = 0;
const ERR_ZERO = 1;
const ERR_RANGE = 2;

const MASK64 = (1n << 64n) - 1n;

/** NTT twiddle tables are kept in JS up to this log2 size (2^16: 512 KiB for Field128). */
const TWIDDLE_CACHE_LOG = 16;

type Kernel = (...args: (number | bigint)[]) => number;

/** Kernel names, without the `f64_` / `f128_` prefix. */
const KERNELS = [
  'add',
  'sub',
  'mul',
  'neg',
  'add_scalar',
  'mul_scalar',
  'sum',
  'inner',
  'inv',
  'powers',
  'check',
  'twiddles',
  'ntt',
  'ntt_coset',
  'inv_ntt',
  'poly_eval',
  'poly_mul_school',
  'lagrange_eval',
  'lagrange_basis',
] as const;

type KernelName = (typeof KERNELS)[number];

/** Operations the benchmark can time on data already in linear memory. */
export type RawKernelOp = 'add' | 'mul' | 'ntt';

/** A field whose vector kernels run in WebAssembly. */
class WasmField extends FieldBase {
  readonly backend = 'wasm' as const;
  private readonly arena: Arena;
  private readonly kn: Record<KernelName, Kernel>;
  private readonly nInvCache: bigint[] = [];
  private readonly twiddleCache: BigUint64Array[] = [];
  private readonly invTwiddleCache: BigUint64Array[] = [];
  private readonly cosetMidCache: BigUint64Array[] = [];
  /** Field128 only: the fused kernels of `cosetEvalsRows`, `sumProductsDoubled` (f128-ntt.ts). */
  private readonly cosetRows: Kernel | null;
  private readonly sumProducts: Kernel | null;

  constructor(params: FieldParams, exports: WebAssembly.Exports, arena: Arena) {
    super(params);
    this.arena = arena;
    const prefix = params.words === 1 ? 'f64_' : 'f128_';
    const kn: Partial<Record<KernelName, Kernel>> = {};
    for (const name of KERNELS) {
      const f = exports[prefix + name];
      if (typeof f !== 'function') throw new BackendError(`wasm kernel ${prefix + name} missing`);
      kn[name] = f as Kernel;
    }
    this.kn = kn as Record<KernelName, Kernel>;
    this.cosetRows = params.words === 2 ? f128Kernel(exports, 'f128_coset_rows') : null;
    this.sumProducts = params.words === 2 ? f128Kernel(exports, 'f128_sum_products_double') : null;
  }

  /** The scalar as kernel arguments: one i64, or low and high i64 for Field128. */
  private sc(x: bigint): bigint[] {
    return this.words === 1 ? [x] : [x & MASK64, x >> 64n];
  }

  private slotValue(): bigint {
    const a = this.arena;
    return this.words === 1 ? a.slotWord(0) : a.slotWord(0) | (a.slotWord(1) << 64n);
  }

  private check(status: number): void {
    if (status !== OK) throw new BackendError(`wasm kernel: unexpected status ${status}`);
  }

  /** Copies `v` into linear memory at byte offset `at`. */
  private put64(v: FieldVec, at: number): void {
    this.arena.u64.set(v, at / 8);
  }

  /** Copies `words` words from byte offset `at` into `out`, or into a new vector. */
  private take(at: number, words: number, out?: FieldVec): FieldVec {
    const src = this.arena.u64.subarray(at / 8, at / 8 + words);
    if (out === undefined) return src.slice();
    out.set(src);
    return out;
  }

  private binary(name: 'add' | 'sub' | 'mul', a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec {
    this.pair(a, b);
    this.outFor(a.length, out);
    const pa = this.arena.layout(a.length * 8, b.length * 8);
    const pb = this.arena.p1;
    this.put64(a, pa);
    this.put64(b, pb);
    this.check(this.kn[name](pa, pb, pa, a.length / this.words));
    return this.take(pa, a.length, out);
  }

  private unary(
    name: 'neg' | 'add_scalar' | 'mul_scalar',
    a: FieldVec,
    out: FieldVec | undefined,
    c?: bigint,
  ): FieldVec {
    this.vec(a, 'a');
    this.outFor(a.length, out);
    const pa = this.arena.layout(a.length * 8);
    this.put64(a, pa);
    const f = this.kn[name];
    const n = a.length / this.words;
    let status: number;
    if (c === undefined) status = f(pa, pa, n);
    else if (this.words === 1) status = f(pa, c, pa, n);
    else status = f(pa, c & MASK64, c >> 64n, pa, n);
    this.check(status);
    return this.take(pa, a.length, out);
  }

  add(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec {
    return this.binary('add', a, b, out);
  }

  sub(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec {
    return this.binary('sub', a, b, out);
  }

  mul(a: FieldVec, b: FieldVec, out?: FieldVec): FieldVec {
    return this.binary('mul', a, b, out);
  }

  neg(a: FieldVec, out?: FieldVec): FieldVec {
    return this.unary('neg', a, out);
  }

  addScalar(a: FieldVec, c: bigint, out?: FieldVec): FieldVec {
    return this.unary('add_scalar', a, out, this.scalar(c, 'c'));
  }

  mulScalar(a: FieldVec, c: bigint, out?: FieldVec): FieldVec {
    return this.unary('mul_scalar', a, out, this.scalar(c, 'c'));
  }

  sum(a: FieldVec): bigint {
    this.vec(a, 'a');
    const pa = this.arena.layout(a.length * 8);
    this.put64(a, pa);
    this.check(this.kn.sum(pa, a.length / this.words, this.arena.slot));
    return this.slotValue();
  }

  innerProduct(a: FieldVec, b: FieldVec): bigint {
    this.pair(a, b);
    const pa = this.arena.layout(a.length * 8, b.length * 8);
    const pb = this.arena.p1;
    this.put64(a, pa);
    this.put64(b, pb);
    this.check(this.kn.inner(pa, pb, a.length / this.words, this.arena.slot));
    return this.slotValue();
  }

  inv(a: FieldVec, out?: FieldVec): FieldVec {
    this.vec(a, 'a');
    this.outFor(a.length, out);
    const pa = this.arena.layout(a.length * 8, a.length * 8);
    const pt = this.arena.p1;
    this.put64(a, pa);
    const status = this.kn.inv(pa, pa, a.length / this.words, pt, this.arena.slot);
    if (status === ERR_ZERO) {
      throw new ArithmeticError(`a[${this.arena.slotWord(0)}]: expected nonzero, received 0`);
    }
    this.check(status);
    return this.take(pa, a.length, out);
  }

  powers(x: bigint, n: number): FieldVec {
    this.scalar(x, 'x');
    this.count(n, 'n');
    const po = this.arena.layout(n * this.words * 8);
    this.check(this.kn.powers(...this.sc(x), po, n));
    return this.take(po, n * this.words);
  }

  encode(v: FieldVec): Uint8Array {
    this.vec(v, 'v');
    // draft-irtf-cfrg-vdaf-20 §6.1.1: little-endian words of a canonical vector are its encoding
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  }

  decode(bytes: Uint8Array): FieldVec {
    const n = this.decodeLength(bytes);
    const pa = this.arena.layout(bytes.length);
    this.arena.u8.set(bytes, pa);
    const status = this.kn.check(pa, n, this.arena.slot);
    if (status === ERR_RANGE) {
      // draft-irtf-cfrg-vdaf-20 §6.1.1: decode_vec rejects x >= MODULUS
      const i = this.arena.slotWord(0);
      throw new DecodeError(`bytes: element ${i} expected < p, received a value >= p`);
    }
    this.check(status);
    return this.take(pa, n * this.words);
  }

  /** Bytes of the twiddle tables of an NTT of size n. */
  private twiddleBytes(n: number): number {
    return n * this.words * 8;
  }

  /** Writes the twiddle tables of size n at `tw`: cached up to 2^16, else computed in place. */
  private placeTwiddles(tw: number, n: number, logn: number): void {
    const cached = this.twiddleCache[logn];
    if (cached !== undefined) {
      this.arena.u64.set(cached, tw / 8);
      return;
    }
    this.check(this.kn.twiddles(...this.sc(this.nthRoot(n)), tw, n));
    if (logn <= TWIDDLE_CACHE_LOG) {
      this.twiddleCache[logn] = this.arena.u64.slice(tw / 8, tw / 8 + (n - 1) * this.words);
    }
  }

  /** Lays out an NTT of size n with `coeffs` zero-padded at the first region, twiddles next. */
  private nttInput(coeffs: FieldVec, n: number, logn: number): [number, number] {
    const pa = this.arena.layout(n * this.words * 8, this.twiddleBytes(n));
    const tw = this.arena.p1;
    this.arena.u64.fill(0n, pa / 8 + coeffs.length, pa / 8 + n * this.words);
    this.put64(coeffs, pa);
    this.placeTwiddles(tw, n, logn);
    return [pa, tw];
  }

  ntt(coeffs: FieldVec, n: number): FieldVec {
    const logn = this.nttArgs(coeffs, n);
    const [pa, tw] = this.nttInput(coeffs, n, logn);
    this.check(this.kn.ntt(pa, n, logn, tw));
    return this.take(pa, n * this.words);
  }

  nttCoset(coeffs: FieldVec, n: number): FieldVec {
    const logn = this.nttArgs(coeffs, n);
    const [pa, tw] = this.nttInput(coeffs, n, logn);
    // draft-irtf-cfrg-vdaf-20 §6.1.2: set_s evaluates at s * Wn^i, s = nth_root(2n)
    this.check(this.kn.ntt_coset(pa, n, logn, ...this.sc(this.nthRoot(2 * n)), tw));
    return this.take(pa, n * this.words);
  }

  private nInv(logn: number): bigint {
    let r = this.nInvCache[logn];
    if (r === undefined) {
      r = this.invS(BigInt(2 ** logn) % this.modulus);
      this.nInvCache[logn] = r;
    }
    return r;
  }

  /** Runs the inverse NTT in place on n elements at `pa`, twiddles already at `tw`. */
  private invNttAt(pa: number, n: number, logn: number, tw: number): void {
    this.check(this.kn.inv_ntt(pa, n, logn, ...this.sc(this.nInv(logn)), tw));
  }

  invNtt(evals: FieldVec): FieldVec {
    const n = this.len(evals);
    const logn = this.log2(n, 'len(evals)', 2 ** (this.log2Order - 1));
    const [pa, tw] = this.nttInput(evals, n, logn);
    this.invNttAt(pa, n, logn, tw);
    return this.take(pa, n * this.words);
  }

  /**
   * Writes the tables of the inverse transform of size n at `tw` (the twiddle tables of
   * nthRoot(n)^-1), cached up to 2^16 like the forward ones.
   */
  private placeInvTwiddles(tw: number, n: number, logn: number): void {
    const cached = this.invTwiddleCache[logn];
    if (cached !== undefined) {
      this.arena.u64.set(cached, tw / 8);
      return;
    }
    this.check(this.kn.twiddles(...this.sc(this.invS(this.nthRoot(n))), tw, n));
    if (logn <= TWIDDLE_CACHE_LOG) {
      this.invTwiddleCache[logn] = this.arena.u64.slice(tw / 8, tw / 8 + (n - 1) * this.words);
    }
  }

  /**
   * Writes the middle factors of f128_coset_rows for size n >= 2 at `mid` (n elements), with
   * 2.5 n elements of scratch space at `tmp`: mid[2b] = s^rev(2b) / n (rev over log2(n) bits)
   * and mid[2b + 1] = w^rev'(b) * mid[2b] (rev' over log2(n) - 1 bits), w = nthRoot(n),
   * s = nthRoot(2n). Cached up to 2^16 like the twiddles.
   */
  private placeCosetMid(mid: number, tmp: number, n: number, logn: number): void {
    const u64 = this.arena.u64;
    const cached = this.cosetMidCache[logn];
    if (cached !== undefined) {
      u64.set(cached, mid / 8);
      return;
    }
    const h = n / 2;
    const ps = tmp;
    const pw = ps + n * 16;
    const pe = pw + h * 16;
    const pt = pe + h * 16;
    // draft-irtf-cfrg-vdaf-20 §6.1.2: set_s evaluates at s * Wn^i, s = nth_root(2n)
    this.check(this.kn.powers(...this.sc(this.nthRoot(2 * n)), ps, n));
    this.check(this.kn.mul_scalar(ps, ...this.sc(this.nInv(logn)), ps, n));
    this.check(this.kn.powers(...this.sc(this.nthRoot(n)), pw, h));
    for (let b = 0; b < h; b++) {
      copyWords(u64, pw / 8 + 2 * reverseBits(b, logn - 1), pt / 8 + 2 * b);
      copyWords(u64, ps / 8 + 2 * reverseBits(2 * b, logn), pe / 8 + 2 * b);
    }
    // The odd entries, in place of the powers of w.
    this.check(this.kn.mul(pe, pt, pw, h));
    for (let b = 0; b < h; b++) {
      copyWords(u64, pe / 8 + 2 * b, mid / 8 + 4 * b);
      copyWords(u64, pw / 8 + 2 * b, mid / 8 + 4 * b + 2);
    }
    if (logn <= TWIDDLE_CACHE_LOG) this.cosetMidCache[logn] = u64.slice(mid / 8, mid / 8 + 2 * n);
  }

  /**
   * Lays out `words` words of data, then the tables of f128_coset_rows for size n >= 2 (forward
   * and inverse twiddles, middle factors), then `extra` bytes.
   *
   * @returns the offsets of the data, the twiddles, the inverse twiddles, the middle factors
   *   and the extra region.
   */
  private cosetLayout(words: number, n: number, logn: number, extra: number): number[] {
    const tb = this.twiddleBytes(n);
    const pa = this.arena.layout(words * 8, tb, tb + n * 16 + Math.max(extra, n * 40));
    const tw = this.arena.p1;
    const twi = this.arena.p2;
    const mid = twi + tb;
    const rest = mid + n * 16;
    this.placeTwiddles(tw, n, logn);
    this.placeInvTwiddles(twi, n, logn);
    this.placeCosetMid(mid, rest, n, logn);
    return [pa, tw, twi, mid, rest];
  }

  override sumProductsDoubled(wires: FieldVec, pairs: number): FieldVec {
    const [n, logn] = this.productPairsArgs(wires, pairs);
    if (this.sumProducts === null || n < 2) return super.sumProductsDoubled(wires, pairs);
    const [pa, tw, twi, mid, po] = this.cosetLayout(wires.length, n, logn, 2 * n * 16);
    this.put64(wires, pa);
    const iota = this.sc(this.nthRoot(4));
    this.check(this.sumProducts(pa, pairs, n, logn, twi, tw, mid, ...iota, po));
    return this.take(po, 4 * n);
  }

  cosetEvalsRows(vals: FieldVec, rows: number, out?: FieldVec): FieldVec {
    const [n, logn] = this.cosetRowsArgs(vals, rows);
    this.outFor(vals.length, out);
    if (this.cosetRows !== null && n >= 2) {
      const [pa, tw, twi, mid] = this.cosetLayout(vals.length, n, logn, 0);
      this.put64(vals, pa);
      const iota = this.sc(this.nthRoot(4));
      this.check(this.cosetRows(pa, rows, n, logn, twi, tw, mid, ...iota));
      return this.take(pa, vals.length, out);
    }
    // Field64, or one element per row: the two NTT kernels per row, in linear memory.
    const pa = this.arena.layout(vals.length * 8, this.twiddleBytes(n));
    const tw = this.arena.p1;
    this.put64(vals, pa);
    this.placeTwiddles(tw, n, logn);
    const nInv = this.sc(this.nInv(logn));
    const s = this.sc(this.nthRoot(2 * n));
    for (let r = 0, row = pa; r < rows; r++, row += n * this.words * 8) {
      this.check(this.kn.inv_ntt(row, n, logn, ...nInv, tw));
      this.check(this.kn.ntt_coset(row, n, logn, ...s, tw));
    }
    return this.take(pa, vals.length, out);
  }

  polyEval(coeffs: FieldVec, x: bigint): bigint {
    this.vec(coeffs, 'coeffs');
    this.scalar(x, 'x');
    const pa = this.arena.layout(coeffs.length * 8);
    this.put64(coeffs, pa);
    this.check(this.kn.poly_eval(pa, coeffs.length / this.words, ...this.sc(x), this.arena.slot));
    return this.slotValue();
  }

  polyMul(a: FieldVec, b: FieldVec): FieldVec {
    this.vec(a, 'a');
    this.vec(b, 'b');
    const la = a.length / this.words;
    const lb = b.length / this.words;
    if (la === 0 || lb === 0) return new BigUint64Array(0);
    const m = this.count(la + lb - 1, 'len(a) + len(b) - 1');
    const w = this.words;
    if (Math.min(la, lb) <= POLY_MUL_SCHOOLBOOK_MAX) {
      const pa = this.arena.layout(a.length * 8, b.length * 8, m * w * 8);
      const pb = this.arena.p1;
      const po = this.arena.p2;
      this.put64(a, pa);
      this.put64(b, pb);
      this.check(this.kn.poly_mul_school(pa, la, pb, lb, po));
      return this.take(po, m * w);
    }

    // Both factors to evaluations on 2^k >= m points, multiply pointwise, interpolate.
    const logn = Math.ceil(Math.log2(m));
    const n = 2 ** logn;
    const size = n * w * 8;
    const pa = this.arena.layout(size, size, this.twiddleBytes(n));
    const pb = this.arena.p1;
    const tw = this.arena.p2;
    this.arena.u64.fill(0n, pa / 8, (pb + size) / 8);
    this.put64(a, pa);
    this.put64(b, pb);
    this.placeTwiddles(tw, n, logn);
    this.check(this.kn.ntt(pa, n, logn, tw));
    this.check(this.kn.ntt(pb, n, logn, tw));
    this.check(this.kn.mul(pa, pb, pa, n));
    this.invNttAt(pa, n, logn, tw);
    return this.take(pa, m * w);
  }

  lagrangeEval(evals: FieldVec, x: bigint): bigint {
    const n = this.len(evals);
    const logn = this.log2(n, 'len(evals)', 2 ** (this.log2Order - 1));
    this.scalar(x, 'x');
    const pa = this.arena.layout(evals.length * 8);
    this.put64(evals, pa);

    // draft-irtf-cfrg-vdaf-20 §6.1.3.2 Lagrange.poly_eval: factor (-1)^(n-1) / n
    const f = n % 2 === 0 ? this.negS(this.nInv(logn)) : this.nInv(logn);
    const w = this.sc(this.nthRoot(n));
    this.check(this.kn.lagrange_eval(pa, n, ...w, ...this.sc(x), ...this.sc(f), this.arena.slot));
    return this.slotValue();
  }

  lagrangeBasis(n: number, x: bigint, out?: FieldVec): FieldVec {
    const logn = this.log2(n, 'n', Math.min(MAX_LEN, 2 ** (this.log2Order - 1)));
    this.scalar(x, 'x');
    this.outFor(n * this.words, out);
    const bytes = n * this.words * 8;
    const po = this.arena.layout(bytes, bytes, 48);
    const tmp = this.arena.p1;
    const pc = this.arena.p2;

    // The kernel reads w, x and 1/n from memory (words; a store into BigUint64Array keeps the
    // low 64 bits): passing them as i64 arguments costs more in the call wrapper.
    const u64 = this.arena.u64;
    const c = pc / 8;
    const w = this.nthRoot(n);
    const nInv = this.nInv(logn);
    if (this.words === 1) {
      u64[c] = w;
      u64[c + 1] = x;
      u64[c + 2] = nInv;
    } else {
      u64[c] = w;
      u64[c + 1] = w >> 64n;
      u64[c + 2] = x;
      u64[c + 3] = x >> 64n;
      u64[c + 4] = nInv;
      u64[c + 5] = nInv >> 64n;
    }
    this.check(this.kn.lagrange_basis(po, n, pc, tmp));
    return this.take(po, n * this.words, out);
  }

  /**
   * Internal, for the benchmark: puts `n` elements in linear memory once and returns a function
   * that runs one raw kernel over them in place, with no staging copies.
   *
   * @param op - the kernel.
   * @param n - elements (a power of two for `ntt`).
   * @returns a function running the kernel once.
   */
  _rawKernel(op: RawKernelOp, n: number): () => void {
    const words = n * this.words;
    const pa = this.arena.layout(words * 8, words * 8, this.twiddleBytes(n));
    const pb = this.arena.p1;
    const tw = this.arena.p2;
    const u64 = this.arena.u64;
    for (let i = 0; i < words; i++) {
      u64[pa / 8 + i] = BigInt(i + 1);
      u64[pb / 8 + i] = BigInt(3 * i + 7);
    }
    const cnt = n;
    if (op === 'ntt') {
      const logn = this.log2(n, 'n');
      this.placeTwiddles(tw, n, logn);
      const f = this.kn.ntt;
      return () => void f(pa, cnt, logn, tw);
    }
    const f = this.kn[op];
    return () => void f(pa, pb, pa, cnt);
  }
}

/** A Field128-only kernel of the field module. */
function f128Kernel(exports: WebAssembly.Exports, name: string): Kernel {
  const f = exports[name];
  if (typeof f !== 'function') throw new BackendError(`wasm kernel ${name} missing`);
  return f as Kernel;
}

/** Copies the Field128 element at word offset `from` to word offset `to`. */
function copyWords(u64: BigUint64Array, from: number, to: number): void {
  u64[to] = u64[from];
  u64[to + 1] = u64[from + 1];
}

/** The low `bits` bits of j in reverse order. */
function reverseBits(j: number, bits: number): number {
  let r = 0;
  for (let b = 0; b < bits; b++) r |= ((j >>> b) & 1) << (bits - 1 - b);
  return r;
}

/**
 * Field64 and Field128 backed by the compiled `field` module.
 *
 * @param instance - an instance of the `field` module (see `src/internal/wasm.ts`).
 * @returns the two fields; they share one scratch arena in the instance's memory.
 * @throws {BackendError} when the instance lacks the expected exports or the host is big-endian.
 */
export function wasmFields(instance: WebAssembly.Instance): FieldPair {
  const ex = instance.exports;
  const memory = ex.memory;
  const heapBase = ex.heapBase;
  if (!(memory instanceof WebAssembly.Memory) || typeof heapBase !== 'function') {
    throw new BackendError('wasm field module: missing memory or heapBase export');
  }
  // Limitation: the WASM backend needs a little-endian host, as linear memory is little-endian.
  if (new Uint8Array(new BigUint64Array([1n]).buffer)[0] !== 1) {
    throw new BackendError('wasm field module: big-endian hosts are not supported');
  }
  const arena = new Arena(memory, (heapBase as () => number)());
  return {
    Field64: new WasmField(FIELD64, ex, arena),
    Field128: new WasmField(FIELD128, ex, arena),
  };
}

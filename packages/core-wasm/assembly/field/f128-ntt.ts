// Field128 number-theoretic transforms: twiddle tables, the radix-2 DFT (natural order in and
// out), its coset and inverse forms, and many coset re-evaluations in one call (f128_coset_rows).
import { OK } from './status';
import { rev32 } from './bits';
import { R0, R1, VH, VL, add128, sub128, mul128, mul128x2, mul128x2v } from './f128-arith';
import { f128_mul_scalar } from './f128';

/** Twiddle tables of every stage, as f64_twiddles, two words per entry. */
export function f128_twiddles(w0: u64, w1: u64, tw: usize, n: u32): i32 {
  const top = n >> 1;
  if (top == 0) return OK;
  const base = tw + (<usize>(top - 1) << 4);
  let q0: u64 = 1;
  let q1: u64 = 0;
  for (let j: u32 = 0; j < top; j++) {
    store<u64>(base + (<usize>j << 4), q0);
    store<u64>(base + (<usize>j << 4), q1, 8);
    mul128(q0, q1, w0, w1);
    q0 = R0;
    q1 = R1;
  }
  for (let h: u32 = top >> 1, stride: u32 = 2; h >= 1; h >>= 1, stride <<= 1) {
    const dst = tw + (<usize>(h - 1) << 4);
    for (let j: u32 = 0; j < h; j++) {
      v128.store(dst + (<usize>j << 4), v128.load(base + (<usize>(j * stride) << 4)));
    }
  }
  return OK;
}

function swap128(pi: usize, pj: usize): void {
  const t = v128.load(pi);
  v128.store(pi, v128.load(pj));
  v128.store(pj, t);
}

/** The element at pu becomes u + v and the one at pv becomes u - v, v = (v0, v1). */
@inline function addSubAt(pu: usize, pv: usize, v0: u64, v1: u64): void {
  const u0 = load<u64>(pu);
  const u1 = load<u64>(pu, 8);
  add128(u0, u1, v0, v1);
  store<u64>(pu, R0);
  store<u64>(pu, R1, 8);
  sub128(u0, u1, v0, v1);
  store<u64>(pv, R0);
  store<u64>(pv, R1, 8);
}

/** u + v is stored at pu; u - v is returned as an element [low, high]. */
@inline function sumStoreDiff(pu: usize, pv: usize): v128 {
  const u0 = load<u64>(pu);
  const u1 = load<u64>(pu, 8);
  const v0 = load<u64>(pv);
  const v1 = load<u64>(pv, 8);
  add128(u0, u1, v0, v1);
  store<u64>(pu, R0);
  store<u64>(pu, R1, 8);
  sub128(u0, u1, v0, v1);
  return i64x2.replace_lane(i64x2.splat(R0), 1, R1);
}

/** Two decimation-in-frequency butterflies: (u, v) -> (u + v, (u - v) * t). */
@inline function difPair(pu: usize, pv: usize, pt: usize): void {
  const d0 = sumStoreDiff(pu, pv);
  const d1 = sumStoreDiff(pu + 16, pv + 16);
  mul128x2(d0, d1, v128.load(pt), v128.load(pt, 16), pv);
}

/**
 * The DIF stage of half-size 2 (n >= 8): in each block of four the first butterfly has the
 * factor 1 and the second the factor t, so the products of two blocks make one SIMD step.
 */
function difHalf2(a: usize, n: u32, t: v128): void {
  const end = a + (<usize>n << 4);
  for (let pu = a; pu < end; pu += 128) {
    addSubAt(pu, pu + 32, load<u64>(pu, 32), load<u64>(pu, 40));
    addSubAt(pu + 64, pu + 96, load<u64>(pu, 96), load<u64>(pu, 104));
    const d0 = sumStoreDiff(pu + 16, pu + 48);
    const d1 = sumStoreDiff(pu + 80, pu + 112);
    mul128x2v(d0, d1, t, t);
    storeLanes(pu + 48, pu + 112);
  }
}

/** Stages of half-size n/2 down to 2 of the DIF transform: natural in, bit-reversed out. */
function difStages(a: usize, n: u32, tw: usize): void {
  for (let h: u32 = n >> 1; h >= 2; h >>= 1) {
    if (h == 2 && n >= 8) {
      difHalf2(a, n, v128.load(tw, 32));
      break;
    }
    const t = tw + (<usize>(h - 1) << 4);
    const hb = <usize>h << 4;
    for (let i: u32 = 0; i < n; i += h << 1) {
      const pu0 = a + (<usize>i << 4);
      const end = pu0 + hb;
      for (let pu = pu0, pt = t; pu < end; pu += 32, pt += 32) difPair(pu, pu + hb, pt);
    }
  }
}

/** Stores lane 0 of the products (VL, VH) at p0 and lane 1 at p1. */
@inline function storeLanes(p0: usize, p1: usize): void {
  const l = VL;
  const h = VH;
  v128.store(p0, i8x16.shuffle(l, h, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  v128.store(p1, i8x16.shuffle(l, h, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
}

/**
 * The transform of bit-reversed input to natural output with Gentleman-Sande butterflies
 * (u, v) -> (u + v, c * (u - v)) and one factor c per block, so that every product comes last
 * and block 0 (c = 1) needs none: block b of every stage uses top[rev(b)] = w^rev(b), rev over
 * log2(n) - 1 bits, top the twiddle table of the top stage (w^j for j < n/2). Runs the stages
 * of half-size fromHalf (1 or 2), ..., n/2; n = 2^logn >= 4.
 */
function gsStages(a: usize, n: u32, logn: u32, top: usize, fromHalf: u32): void {
  const sh = 33 - logn;
  if (fromHalf == 1) {
    // Half-size 1: each butterfly is a block of its own.
    for (let b: u32 = 0; b < n >> 1; b += 2) {
      const pu = a + (<usize>b << 5);
      const d0 = sumStoreDiff(pu, pu + 16);
      const d1 = sumStoreDiff(pu + 32, pu + 48);
      const c0 = v128.load(top + (<usize>(rev32(b) >> sh) << 4));
      const c1 = v128.load(top + (<usize>(rev32(b + 1) >> sh) << 4));
      mul128x2v(d0, d1, c0, c1);
      storeLanes(pu + 16, pu + 48);
    }
  }
  for (let h: u32 = 2; h < n; h <<= 1) {
    const hb = <usize>h << 4;
    const blocks = n / (h << 1);
    for (let pu = a; pu < a + hb; pu += 16) {
      addSubAt(pu, pu + hb, load<u64>(pu + hb), load<u64>(pu + hb, 8));
    }
    for (let b: u32 = 1; b < blocks; b++) {
      const pu0 = a + (<usize>b << 1) * hb;
      const c = v128.load(top + (<usize>(rev32(b) >> sh) << 4));
      for (let pu = pu0; pu < pu0 + hb; pu += 32) {
        const pv = pu + hb;
        const d0 = sumStoreDiff(pu, pv);
        const d1 = sumStoreDiff(pu + 16, pv + 16);
        mul128x2(d0, d1, c, c, pv);
      }
    }
  }
}

/** In-place DFT of size n = 2^logn, natural order in and out; tw from f128_twiddles. */
export function f128_ntt(a: usize, n: u32, logn: u32, tw: usize): i32 {
  if (logn == 0) return OK;
  for (let i: u32 = 0; i < n; i++) {
    const j = rev32(i) >> (32 - logn);
    if (i < j) swap128(a + (<usize>i << 4), a + (<usize>j << 4));
  }
  if (n == 2) {
    addSubAt(a, a + 16, load<u64>(a, 16), load<u64>(a, 24));
    return OK;
  }
  gsStages(a, n, logn, tw + (<usize>((n >> 1) - 1) << 4), 1);
  return OK;
}

/** Multiplies a[i] by s^i, then the DFT: evaluations on the coset s * <w>. */
export function f128_ntt_coset(a: usize, n: u32, logn: u32, s0: u64, s1: u64, tw: usize): i32 {
  let q0: u64 = 1;
  let q1: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const pi = a + (<usize>i << 4);
    mul128(load<u64>(pi), load<u64>(pi, 8), q0, q1);
    store<u64>(pi, R0);
    store<u64>(pi, R1, 8);
    mul128(q0, q1, s0, s1);
    q0 = R0;
    q1 = R1;
  }
  return f128_ntt(a, n, logn, tw);
}

/** Inverse DFT: the DFT read at indices n - k, scaled by 1/n = (i0, i1). */
export function f128_inv_ntt(a: usize, n: u32, logn: u32, i0: u64, i1: u64, tw: usize): i32 {
  f128_ntt(a, n, logn, tw);
  for (let i: u32 = 1, j: u32 = n - 1; i < j; i++, j--) {
    swap128(a + (<usize>i << 4), a + (<usize>j << 4));
  }
  f128_mul_scalar(a, i0, i1, a, n);
  return OK;
}

/** An element [low, high] from two words. */
@inline function elem(lo: u64, hi: u64): v128 {
  return i64x2.replace_lane(i64x2.splat(lo), 1, hi);
}

/**
 * Replaces the n = 2^logn (logn >= 1) values at row, those at the powers of w = nthRoot(n) of
 * a polynomial of degree < n, by its values at s * w^i, s = nthRoot(2n). The inverse transform
 * runs as DIF with the inverse twiddles `twInv` (bit-reversed coefficients times n); the forward
 * one takes that bit-reversed order as it is (gsStages), so that no permutation pass is needed.
 * In between, one pass over each pair of positions (2b, 2b + 1) does the last DIF stage, the
 * coset factors s^rev(j) / n and the first forward stage: with t = iota * (u - v), iota =
 * nthRoot(4) = (i0, i1), it writes mid[2b] * (u + v + t) and mid[2b + 1] * (u + v - t), where
 * mid[2b] = s^rev(2b) / n and mid[2b + 1] = w^rev(b) * mid[2b] (rev as in gsStages); `tw` are
 * the forward twiddle tables.
 */
function cosetRow(
  row: usize,
  n: u32,
  logn: u32,
  twInv: usize,
  tw: usize,
  mid: usize,
  iota: v128,
): void {
  const rowBytes = <usize>n << 4;
  difStages(row, n, twInv);
  if (n == 2) {
    const u0 = load<u64>(row);
    const u1 = load<u64>(row, 8);
    const v0 = load<u64>(row, 16);
    const v1 = load<u64>(row, 24);
    sub128(u0, u1, v0, v1);
    mul128(R0, R1, i64x2.extract_lane(iota, 0), i64x2.extract_lane(iota, 1));
    const t0 = R0;
    const t1 = R1;
    add128(u0, u1, v0, v1);
    const s0 = R0;
    const s1 = R1;
    add128(s0, s1, t0, t1);
    const p = elem(R0, R1);
    sub128(s0, s1, t0, t1);
    mul128x2(p, elem(R0, R1), v128.load(mid), v128.load(mid, 16), row);
    return;
  }
  for (let pu = row, pm = mid; pu < row + rowBytes; pu += 64, pm += 64) {
    // Two pairs: (pu, pu + 16) and (pu + 32, pu + 48).
    const u0 = load<u64>(pu);
    const u1 = load<u64>(pu, 8);
    const v0 = load<u64>(pu, 16);
    const v1 = load<u64>(pu, 24);
    const x0 = load<u64>(pu, 32);
    const x1 = load<u64>(pu, 40);
    const y0 = load<u64>(pu, 48);
    const y1 = load<u64>(pu, 56);
    sub128(u0, u1, v0, v1);
    const d = elem(R0, R1);
    sub128(x0, x1, y0, y1);
    mul128x2v(d, elem(R0, R1), iota, iota);
    const l = VL;
    const h = VH;
    add128(u0, u1, v0, v1);
    const s0 = R0;
    const s1 = R1;
    add128(x0, x1, y0, y1);
    const r0 = R0;
    const r1 = R1;
    const t0 = i64x2.extract_lane(l, 0);
    const t1 = i64x2.extract_lane(h, 0);
    add128(s0, s1, t0, t1);
    const p = elem(R0, R1);
    sub128(s0, s1, t0, t1);
    mul128x2(p, elem(R0, R1), v128.load(pm), v128.load(pm, 16), pu);
    const q0 = i64x2.extract_lane(l, 1);
    const q1 = i64x2.extract_lane(h, 1);
    add128(r0, r1, q0, q1);
    const pp = elem(R0, R1);
    sub128(r0, r1, q0, q1);
    mul128x2(pp, elem(R0, R1), v128.load(pm, 32), v128.load(pm, 48), pu + 32);
  }
  gsStages(row, n, logn, tw + (<usize>((n >> 1) - 1) << 4), 2);
}

/**
 * For each of `rows` consecutive rows of n = 2^logn elements, the values at the powers of
 * w = nthRoot(n) of a polynomial of degree < n, replaces the row by the values at s * w^i,
 * s = nthRoot(2n) (see cosetRow for the tables).
 */
export function f128_coset_rows(
  a: usize,
  rows: u32,
  n: u32,
  logn: u32,
  twInv: usize,
  tw: usize,
  mid: usize,
  i0: u64,
  i1: u64,
): i32 {
  // One value per row: a constant polynomial, already its own coset values.
  if (logn == 0) return OK;
  const iota = elem(i0, i1);
  const rowBytes = <usize>n << 4;
  const end = a + <usize>rows * rowBytes;
  for (let row = a; row < end; row += rowBytes) cosetRow(row, n, logn, twInv, tw, mid, iota);
  return OK;
}

/** The element at p becomes itself plus (v0, v1). */
@inline function addTo(p: usize, v0: u64, v1: u64): void {
  add128(load<u64>(p), load<u64>(p, 8), v0, v1);
  store<u64>(p, R0);
  store<u64>(p, R1, 8);
}

/** acc[2k] += x[k] * y[k] for k < n (n even), acc holding 2n elements. */
function mulAddInterleaved(x: usize, y: usize, acc: usize, n: u32): void {
  const end = x + (<usize>n << 4);
  for (; x < end; x += 32, y += 32, acc += 64) {
    mul128x2v(v128.load(x), v128.load(x, 16), v128.load(y), v128.load(y, 16));
    const l = VL;
    const h = VH;
    addTo(acc, i64x2.extract_lane(l, 0), i64x2.extract_lane(h, 0));
    addTo(acc + 32, i64x2.extract_lane(l, 1), i64x2.extract_lane(h, 1));
  }
}

/**
 * The gadget polynomial of ParallelSum(Mul) by double evaluations (draft-irtf-cfrg-vdaf-20
 * §6.1.3.2): rows 2j and 2j + 1 of the (2 * pairs) x n matrix at `a` (n = 2^logn >= 2) are the
 * values of x_j and y_j at the powers of w = nthRoot(n); writes to out the 2n values of
 * sum_j x_j * y_j at the powers of nthRoot(2n): out[2k] at w^k (the products of the values),
 * out[2k + 1] at s * w^k (the products of the coset values). Overwrites the rows at `a` with
 * their coset values.
 */
export function f128_sum_products_double(
  a: usize,
  pairs: u32,
  n: u32,
  logn: u32,
  twInv: usize,
  tw: usize,
  mid: usize,
  i0: u64,
  i1: u64,
  out: usize,
): i32 {
  const rowBytes = <usize>n << 4;
  memory.fill(out, 0, rowBytes << 1);
  if (logn == 0) {
    // Constant polynomials: both values are the sum of the products.
    let s0: u64 = 0;
    let s1: u64 = 0;
    for (let j: u32 = 0; j < pairs; j++) {
      const x = a + (<usize>j << 5);
      mul128(load<u64>(x), load<u64>(x, 8), load<u64>(x, 16), load<u64>(x, 24));
      add128(s0, s1, R0, R1);
      s0 = R0;
      s1 = R1;
    }
    store<u64>(out, s0);
    store<u64>(out, s1, 8);
    store<u64>(out, s0, 16);
    store<u64>(out, s1, 24);
    return OK;
  }
  const iota = elem(i0, i1);
  for (let j: u32 = 0; j < pairs; j++) {
    const x = a + (<usize>j << 1) * rowBytes;
    const y = x + rowBytes;
    mulAddInterleaved(x, y, out, n);
    cosetRow(x, n, logn, twInv, tw, mid, iota);
    cosetRow(y, n, logn, twInv, tw, mid, iota);
    mulAddInterleaved(x, y, out + 16, n);
  }
  return OK;
}

// Field128 kernels (p = 2^128 - 7 * 2^66 + 1, draft-irtf-cfrg-vdaf-20 §6.1.4) on vectors in
// linear memory: two u64 per element, low word first, canonical in and out. Products use 32-bit
// limbs; the 256-bit product is folded with 2^128 = 28 * 2^64 - 1 (mod p) on signed columns.
import { OK, ERR_ZERO, ERR_RANGE } from './status';
import { rev32 } from './bits';

/** High word of p; the low word is 1. */
const P1: u64 = 0xffffffffffffffe4;
const M32: u64 = 0xffffffff;

/** Results of the inline helpers, low and high word. */
let R0: u64 = 0;
let R1: u64 = 0;

/** R = x - p when x (a 128-bit value plus carry bit c) is >= p, else x. */
@inline function canon(x0: u64, x1: u64, c: bool): void {
  const ge = c || x1 > P1 || (x1 == P1 && x0 != 0);
  const d0 = x0 - 1;
  const d1 = x1 - P1 - <u64>(x0 == 0);
  R0 = select<u64>(d0, x0, ge);
  R1 = select<u64>(d1, x1, ge);
}

@inline export function add128(a0: u64, a1: u64, b0: u64, b1: u64): void {
  const s0 = a0 + b0;
  const c0 = <u64>(s0 < a0);
  const t1 = a1 + b1;
  const s1 = t1 + c0;
  canon(s0, s1, t1 < a1 || s1 < t1);
}

@inline export function sub128(a0: u64, a1: u64, b0: u64, b1: u64): void {
  const d0 = a0 - b0;
  const bw0 = <u64>(a0 < b0);
  const d1 = a1 - b1 - bw0;
  const bw = a1 < b1 || (a1 == b1 && bw0 != 0);
  // On a borrow add p = P1 * 2^64 + 1.
  const e0 = d0 + 1;
  const e1 = d1 + P1 + <u64>(e0 == 0);
  R0 = select<u64>(e0, d0, bw);
  R1 = select<u64>(e1, d1, bw);
}

@inline export function neg128(a0: u64, a1: u64): void {
  const z = (a0 | a1) == 0;
  R0 = select<u64>(0, 1 - a0, z);
  R1 = select<u64>(0, P1 - a1 - <u64>(a0 > 1), z);
}

@inline export function mul128(a0: u64, a1: u64, b0: u64, b1: u64): void {
  const x0 = a0 & M32;
  const x1 = a0 >> 32;
  const x2 = a1 & M32;
  const x3 = a1 >> 32;
  const y0 = b0 & M32;
  const y1 = b0 >> 32;
  const y2 = b1 & M32;
  const y3 = b1 >> 32;

  // Product scanning: each 32x32 product adds its low half to column k, high half to k + 1,
  // so every column stays below 2^36.
  let p: u64 = x0 * y0;
  let c0: i64 = p & M32;
  let c1: i64 = p >> 32;
  p = x0 * y1;
  c1 += p & M32;
  let c2: i64 = p >> 32;
  p = x1 * y0;
  c1 += p & M32;
  c2 += p >> 32;
  p = x0 * y2;
  c2 += p & M32;
  let c3: i64 = p >> 32;
  p = x1 * y1;
  c2 += p & M32;
  c3 += p >> 32;
  p = x2 * y0;
  c2 += p & M32;
  c3 += p >> 32;
  p = x0 * y3;
  c3 += p & M32;
  let c4: i64 = p >> 32;
  p = x1 * y2;
  c3 += p & M32;
  c4 += p >> 32;
  p = x2 * y1;
  c3 += p & M32;
  c4 += p >> 32;
  p = x3 * y0;
  c3 += p & M32;
  c4 += p >> 32;
  p = x1 * y3;
  c4 += p & M32;
  let c5: i64 = p >> 32;
  p = x2 * y2;
  c4 += p & M32;
  c5 += p >> 32;
  p = x3 * y1;
  c4 += p & M32;
  c5 += p >> 32;
  p = x2 * y3;
  c5 += p & M32;
  let c6: i64 = p >> 32;
  p = x3 * y2;
  c5 += p & M32;
  c6 += p >> 32;
  p = x3 * y3;
  c6 += p & M32;
  const c7: i64 = p >> 32;

  // Column k >= 4 stands for c_k * 2^(32(k-4)) * 2^128 = c_k * 2^(32(k-4)) * (28 * 2^64 - 1).
  c5 += 28 * c7;
  c3 -= c7;
  c4 += 28 * c6;
  c2 -= c6;
  c3 += 28 * c5;
  c1 -= c5;
  c2 += 28 * c4;
  c0 -= c4;

  // Signed carries; what leaves column 3 (t * 2^128) is folded the same way, at most twice more.
  c1 += c0 >> 32;
  c0 &= M32;
  c2 += c1 >> 32;
  c1 &= M32;
  c3 += c2 >> 32;
  c2 &= M32;
  let t = c3 >> 32;
  c3 &= M32;
  for (let round = 0; round < 2; round++) {
    c2 += 28 * t;
    c0 -= t;
    c1 += c0 >> 32;
    c0 &= M32;
    c2 += c1 >> 32;
    c1 &= M32;
    c3 += c2 >> 32;
    c2 &= M32;
    t = c3 >> 32;
    c3 &= M32;
  }
  canon(<u64>c0 | (<u64>c1 << 32), <u64>c2 | (<u64>c3 << 32), false);
}

export function pow128(x0: u64, x1: u64, e0: u64, e1: u64): void {
  let r0: u64 = 1;
  let r1: u64 = 0;
  for (let i = 0; i < 128; i++) {
    const bit = i < 64 ? (e0 >> i) & 1 : (e1 >> (i - 64)) & 1;
    if (bit) {
      mul128(r0, r1, x0, x1);
      r0 = R0;
      r1 = R1;
    }
    mul128(x0, x1, x0, x1);
    x0 = R0;
    x1 = R1;
  }
  R0 = r0;
  R1 = r1;
}

export function f128_add(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, b += 16, out += 16) {
    add128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

export function f128_sub(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, b += 16, out += 16) {
    sub128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

export function f128_mul(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, b += 16, out += 16) {
    mul128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

export function f128_neg(a: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, out += 16) {
    neg128(load<u64>(a), load<u64>(a, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

export function f128_add_scalar(a: usize, c0: u64, c1: u64, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, out += 16) {
    add128(load<u64>(a), load<u64>(a, 8), c0, c1);
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

export function f128_mul_scalar(a: usize, c0: u64, c1: u64, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, out += 16) {
    mul128(load<u64>(a), load<u64>(a, 8), c0, c1);
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

export function f128_sum(a: usize, n: u32, res: usize): i32 {
  let s0: u64 = 0;
  let s1: u64 = 0;
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16) {
    add128(s0, s1, load<u64>(a), load<u64>(a, 8));
    s0 = R0;
    s1 = R1;
  }
  store<u64>(res, s0);
  store<u64>(res, s1, 8);
  return OK;
}

export function f128_inner(a: usize, b: usize, n: u32, res: usize): i32 {
  let s0: u64 = 0;
  let s1: u64 = 0;
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, b += 16) {
    mul128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    add128(s0, s1, R0, R1);
    s0 = R0;
    s1 = R1;
  }
  store<u64>(res, s0);
  store<u64>(res, s1, 8);
  return OK;
}

/** Batch inversion by Montgomery's trick; tmp holds 2n words. */
export function f128_inv(a: usize, out: usize, n: u32, tmp: usize, res: usize): i32 {
  let q0: u64 = 1;
  let q1: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const pa = a + (<usize>i << 4);
    const x0 = load<u64>(pa);
    const x1 = load<u64>(pa, 8);
    if ((x0 | x1) == 0) {
      store<u64>(res, <u64>i);
      return ERR_ZERO;
    }
    const pt = tmp + (<usize>i << 4);
    store<u64>(pt, q0);
    store<u64>(pt, q1, 8);
    mul128(q0, q1, x0, x1);
    q0 = R0;
    q1 = R1;
  }
  // Fermat: exponent p - 2 = P1 * 2^64 - 1.
  pow128(q0, q1, 0xffffffffffffffff, P1 - 1);
  let t0 = R0;
  let t1 = R1;
  for (let i = <i32>n - 1; i >= 0; i--) {
    const pa = a + (<usize>i << 4);
    const pt = tmp + (<usize>i << 4);
    const x0 = load<u64>(pa);
    const x1 = load<u64>(pa, 8);
    mul128(t0, t1, load<u64>(pt), load<u64>(pt, 8));
    store<u64>(out + (<usize>i << 4), R0);
    store<u64>(out + (<usize>i << 4), R1, 8);
    mul128(t0, t1, x0, x1);
    t0 = R0;
    t1 = R1;
  }
  return OK;
}

export function f128_powers(x0: u64, x1: u64, out: usize, n: u32): i32 {
  let q0: u64 = 1;
  let q1: u64 = 0;
  const end = out + (<usize>n << 4);
  for (; out < end; out += 16) {
    store<u64>(out, q0);
    store<u64>(out, q1, 8);
    mul128(q0, q1, x0, x1);
    q0 = R0;
    q1 = R1;
  }
  return OK;
}

export function f128_check(a: usize, n: u32, res: usize): i32 {
  for (let i: u32 = 0; i < n; i++) {
    const pa = a + (<usize>i << 4);
    const x0 = load<u64>(pa);
    const x1 = load<u64>(pa, 8);
    if (x1 > P1 || (x1 == P1 && x0 != 0)) {
      store<u64>(res, <u64>i);
      return ERR_RANGE;
    }
  }
  return OK;
}

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

/** In-place DFT of size n = 2^logn, natural order in and out; tw from f128_twiddles. */
export function f128_ntt(a: usize, n: u32, logn: u32, tw: usize): i32 {
  if (logn != 0) {
    for (let i: u32 = 0; i < n; i++) {
      const j = rev32(i) >> (32 - logn);
      if (i < j) swap128(a + (<usize>i << 4), a + (<usize>j << 4));
    }
  }
  for (let h: u32 = 1; h < n; h <<= 1) {
    const t = tw + (<usize>(h - 1) << 4);
    const hb = <usize>h << 4;
    for (let i: u32 = 0; i < n; i += h << 1) {
      const pu0 = a + (<usize>i << 4);
      const end = pu0 + hb;
      for (let pu = pu0, pt = t; pu < end; pu += 16, pt += 16) {
        const pv = pu + hb;
        mul128(load<u64>(pv), load<u64>(pv, 8), load<u64>(pt), load<u64>(pt, 8));
        const v0 = R0;
        const v1 = R1;
        const u0 = load<u64>(pu);
        const u1 = load<u64>(pu, 8);
        add128(u0, u1, v0, v1);
        store<u64>(pu, R0);
        store<u64>(pu, R1, 8);
        sub128(u0, u1, v0, v1);
        store<u64>(pv, R0);
        store<u64>(pv, R1, 8);
      }
    }
  }
  return OK;
}

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

export function f128_inv_ntt(a: usize, n: u32, logn: u32, i0: u64, i1: u64, tw: usize): i32 {
  f128_ntt(a, n, logn, tw);
  for (let i: u32 = 1, j: u32 = n - 1; i < j; i++, j--) swap128(a + (<usize>i << 4), a + (<usize>j << 4));
  f128_mul_scalar(a, i0, i1, a, n);
  return OK;
}

export function f128_poly_eval(a: usize, n: u32, x0: u64, x1: u64, res: usize): i32 {
  let r0: u64 = 0;
  let r1: u64 = 0;
  for (let i = <i32>n - 1; i >= 0; i--) {
    const pa = a + (<usize>i << 4);
    mul128(r0, r1, x0, x1);
    add128(R0, R1, load<u64>(pa), load<u64>(pa, 8));
    r0 = R0;
    r1 = R1;
  }
  store<u64>(res, r0);
  store<u64>(res, r1, 8);
  return OK;
}

export function f128_poly_mul_school(a: usize, la: u32, b: usize, lb: u32, out: usize): i32 {
  const m = la + lb - 1;
  memory.fill(out, 0, <usize>m << 4);
  for (let i: u32 = 0; i < la; i++) {
    const pa = a + (<usize>i << 4);
    const x0 = load<u64>(pa);
    const x1 = load<u64>(pa, 8);
    for (let j: u32 = 0; j < lb; j++) {
      const pb = b + (<usize>j << 4);
      const po = out + (<usize>(i + j) << 4);
      mul128(x0, x1, load<u64>(pb), load<u64>(pb, 8));
      add128(load<u64>(po), load<u64>(po, 8), R0, R1);
      store<u64>(po, R0);
      store<u64>(po, R1, 8);
    }
  }
  return OK;
}

export function f128_lagrange_eval(
  a: usize,
  n: u32,
  w0: u64,
  w1: u64,
  x0: u64,
  x1: u64,
  f0: u64,
  f1: u64,
  res: usize,
): i32 {
  let node0: u64 = 1;
  let node1: u64 = 0;
  let k0: u64 = 1;
  let k1: u64 = 0;
  let u0 = load<u64>(a);
  let u1 = load<u64>(a, 8);
  sub128(node0, node1, x0, x1);
  let d0 = R0;
  let d1 = R1;
  for (let i: u32 = 1; i < n; i++) {
    mul128(k0, k1, d0, d1);
    k0 = R0;
    k1 = R1;
    mul128(node0, node1, w0, w1);
    node0 = R0;
    node1 = R1;
    sub128(node0, node1, x0, x1);
    d0 = R0;
    d1 = R1;
    mul128(k0, k1, node0, node1);
    const pa = a + (<usize>i << 4);
    mul128(R0, R1, load<u64>(pa), load<u64>(pa, 8));
    const t0 = R0;
    const t1 = R1;
    mul128(u0, u1, d0, d1);
    add128(R0, R1, t0, t1);
    u0 = R0;
    u1 = R1;
  }
  mul128(u0, u1, f0, f1);
  store<u64>(res, R0);
  store<u64>(res, R1, 8);
  return OK;
}

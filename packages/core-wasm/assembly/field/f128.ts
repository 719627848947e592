// Field128 kernels on vectors in linear memory: two u64 per element, low word first,
// canonical in and out (arithmetic in f128-arith.ts).
import { OK, ERR_ZERO, ERR_RANGE } from './status';
import { rev32 } from './bits';
import { P1, R0, R1, add128, sub128, neg128, mul128, mul128x2, pow128 } from './f128-arith';

/** out[i] = a[i] + b[i] for n elements; out may alias a or b. */
export function f128_add(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, b += 16, out += 16) {
    add128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** out[i] = a[i] - b[i]; out may alias a or b. */
export function f128_sub(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, b += 16, out += 16) {
    sub128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** out[i] = a[i] * b[i], two elements per SIMD step; out may alias a or b. */
export function f128_mul(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>(n & ~1) << 4);
  for (; a < end; a += 32, b += 32, out += 32) {
    mul128x2(v128.load(a), v128.load(a, 16), v128.load(b), v128.load(b, 16), out);
  }
  if (n & 1) {
    mul128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** out[i] = -a[i]; out may alias a. */
export function f128_neg(a: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, out += 16) {
    neg128(load<u64>(a), load<u64>(a, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** out[i] = a[i] + c, c = (c0, c1); out may alias a. */
export function f128_add_scalar(a: usize, c0: u64, c1: u64, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 4);
  for (; a < end; a += 16, out += 16) {
    add128(load<u64>(a), load<u64>(a, 8), c0, c1);
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** out[i] = a[i] * c, c = (c0, c1); out may alias a. */
export function f128_mul_scalar(a: usize, c0: u64, c1: u64, out: usize, n: u32): i32 {
  const c = i64x2.replace_lane(i64x2.splat(c0), 1, c1);
  const end = a + (<usize>(n & ~1) << 4);
  for (; a < end; a += 32, out += 32) mul128x2(v128.load(a), v128.load(a, 16), c, c, out);
  if (n & 1) {
    mul128(load<u64>(a), load<u64>(a, 8), c0, c1);
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** Writes the sum of the n elements at a to res. */
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

/** Writes sum a[i] * b[i] to res; res (32 bytes) also holds each pair of products. */
export function f128_inner(a: usize, b: usize, n: u32, res: usize): i32 {
  let s0: u64 = 0;
  let s1: u64 = 0;
  const end = a + (<usize>(n & ~1) << 4);
  for (; a < end; a += 32, b += 32) {
    mul128x2(v128.load(a), v128.load(a, 16), v128.load(b), v128.load(b, 16), res);
    add128(s0, s1, load<u64>(res), load<u64>(res, 8));
    add128(R0, R1, load<u64>(res, 16), load<u64>(res, 24));
    s0 = R0;
    s1 = R1;
  }
  if (n & 1) {
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

/** out[i] = x^i for i < n. */
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

/** Checks that every element is < p; on failure writes the first bad index to res. */
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
  // Half-size 1: the twiddle is 1.
  for (let i: u32 = 0; i + 1 < n; i += 2) {
    const pu = a + (<usize>i << 4);
    const u0 = load<u64>(pu);
    const u1 = load<u64>(pu, 8);
    const v0 = load<u64>(pu, 16);
    const v1 = load<u64>(pu, 24);
    add128(u0, u1, v0, v1);
    store<u64>(pu, R0);
    store<u64>(pu, R1, 8);
    sub128(u0, u1, v0, v1);
    store<u64>(pu, R0, 16);
    store<u64>(pu, R1, 24);
  }

  // Larger stages: the products v * w of two butterflies at once (SIMD, in place), then the
  // sums and differences.
  for (let h: u32 = 2; h < n; h <<= 1) {
    const t = tw + (<usize>(h - 1) << 4);
    const hb = <usize>h << 4;
    for (let i: u32 = 0; i < n; i += h << 1) {
      const pu0 = a + (<usize>i << 4);
      const end = pu0 + hb;
      for (let pu = pu0, pt = t; pu < end; pu += 32, pt += 32) {
        const pv = pu + hb;
        mul128x2(v128.load(pv), v128.load(pv, 16), v128.load(pt), v128.load(pt, 16), pv);
        for (let k: usize = 0; k < 32; k += 16) {
          const u0 = load<u64>(pu + k);
          const u1 = load<u64>(pu + k, 8);
          const v0 = load<u64>(pv + k);
          const v1 = load<u64>(pv + k, 8);
          add128(u0, u1, v0, v1);
          store<u64>(pu + k, R0);
          store<u64>(pu + k, R1, 8);
          sub128(u0, u1, v0, v1);
          store<u64>(pv + k, R0);
          store<u64>(pv + k, R1, 8);
        }
      }
    }
  }
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

/** Horner evaluation at x of the n coefficients at a (lowest degree first); result to res. */
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

/** Schoolbook product of a (la terms) and b (lb terms) into out (la + lb - 1 terms). */
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

/** Value at x of the polynomial with values a[i] at w^i, as f64_lagrange_eval; f = (-1)^(n-1)/n. */
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

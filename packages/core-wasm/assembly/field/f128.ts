// Field128 kernels on vectors in linear memory: two u64 per element, low word first,
// canonical in and out (arithmetic in f128-arith.ts).
import { OK, ERR_ZERO, ERR_RANGE } from './status';
import { P1, R0, R1, add128, sub128, neg128, mul128, mul128x2, pow128 } from './f128-arith';

/** out[i] = a[i] + b[i] for n elements; out may alias a or b. */
export function f128_add(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + ((<usize>n) << 4);
  for (; a < end; a += 16, b += 16, out += 16) {
    add128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** out[i] = a[i] - b[i]; out may alias a or b. */
export function f128_sub(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + ((<usize>n) << 4);
  for (; a < end; a += 16, b += 16, out += 16) {
    sub128(load<u64>(a), load<u64>(a, 8), load<u64>(b), load<u64>(b, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** out[i] = a[i] * b[i], two elements per SIMD step; out may alias a or b. */
export function f128_mul(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + ((<usize>(n & ~1)) << 4);
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
  const end = a + ((<usize>n) << 4);
  for (; a < end; a += 16, out += 16) {
    neg128(load<u64>(a), load<u64>(a, 8));
    store<u64>(out, R0);
    store<u64>(out, R1, 8);
  }
  return OK;
}

/** out[i] = a[i] + c, c = (c0, c1); out may alias a. */
export function f128_add_scalar(a: usize, c0: u64, c1: u64, out: usize, n: u32): i32 {
  const end = a + ((<usize>n) << 4);
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
  const end = a + ((<usize>(n & ~1)) << 4);
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
  const end = a + ((<usize>n) << 4);
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
  const end = a + ((<usize>(n & ~1)) << 4);
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
    const pa = a + ((<usize>i) << 4);
    const x0 = load<u64>(pa);
    const x1 = load<u64>(pa, 8);
    if ((x0 | x1) == 0) {
      store<u64>(res, <u64>i);
      return ERR_ZERO;
    }
    const pt = tmp + ((<usize>i) << 4);
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
    const pa = a + ((<usize>i) << 4);
    const pt = tmp + ((<usize>i) << 4);
    const x0 = load<u64>(pa);
    const x1 = load<u64>(pa, 8);
    mul128(t0, t1, load<u64>(pt), load<u64>(pt, 8));
    store<u64>(out + ((<usize>i) << 4), R0);
    store<u64>(out + ((<usize>i) << 4), R1, 8);
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
  const end = out + ((<usize>n) << 4);
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
    const pa = a + ((<usize>i) << 4);
    const x0 = load<u64>(pa);
    const x1 = load<u64>(pa, 8);
    if (x1 > P1 || (x1 == P1 && x0 != 0)) {
      store<u64>(res, <u64>i);
      return ERR_RANGE;
    }
  }
  return OK;
}

/** Horner evaluation at x of the n coefficients at a (lowest degree first); result to res. */
export function f128_poly_eval(a: usize, n: u32, x0: u64, x1: u64, res: usize): i32 {
  let r0: u64 = 0;
  let r1: u64 = 0;
  for (let i = <i32>n - 1; i >= 0; i--) {
    const pa = a + ((<usize>i) << 4);
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
  memory.fill(out, 0, (<usize>m) << 4);
  for (let i: u32 = 0; i < la; i++) {
    const pa = a + ((<usize>i) << 4);
    const x0 = load<u64>(pa);
    const x1 = load<u64>(pa, 8);
    for (let j: u32 = 0; j < lb; j++) {
      const pb = b + ((<usize>j) << 4);
      const po = out + ((<usize>(i + j)) << 4);
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
    const pa = a + ((<usize>i) << 4);
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

/**
 * The Lagrange basis values at x of the n nodes w^i, as f64_lagrange_basis; consts holds the
 * words of w, x and 1/n, low word first.
 */
export function f128_lagrange_basis(out: usize, n: u32, consts: usize, tmp: usize): i32 {
  const w0 = load<u64>(consts);
  const w1 = load<u64>(consts, 8);
  const x0 = load<u64>(consts, 16);
  const x1 = load<u64>(consts, 24);
  let node0: u64 = 1;
  let node1: u64 = 0;
  let q0: u64 = 1;
  let q1: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const off = (<usize>i) << 4;
    sub128(x0, x1, node0, node1);
    const d0 = R0;
    const d1 = R1;
    store<u64>(tmp + off, d0);
    store<u64>(tmp + off, d1, 8);
    mul128(q0, q1, node0, node1);
    store<u64>(out + off, R0);
    store<u64>(out + off, R1, 8);
    mul128(q0, q1, d0, d1);
    q0 = R0;
    q1 = R1;
    mul128(node0, node1, w0, w1);
    node0 = R0;
    node1 = R1;
  }
  let u0 = load<u64>(consts, 32);
  let u1 = load<u64>(consts, 40);
  for (let i = <i32>n - 1; i >= 0; i--) {
    const off = (<usize>i) << 4;
    mul128(load<u64>(out + off), load<u64>(out + off, 8), u0, u1);
    store<u64>(out + off, R0);
    store<u64>(out + off, R1, 8);
    mul128(u0, u1, load<u64>(tmp + off), load<u64>(tmp + off, 8));
    u0 = R0;
    u1 = R1;
  }
  return OK;
}

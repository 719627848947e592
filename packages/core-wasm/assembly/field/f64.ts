// Field64 kernels (p = 2^64 - 2^32 + 1, draft-irtf-cfrg-vdaf-20 §6.1.4) on vectors in linear
// memory: one u64 per element, canonical in and out. Multiplication reduces a 128-bit product
// with the Goldilocks identities 2^64 = 2^32 - 1 and 2^96 = -1 (mod p).
import { OK, ERR_ZERO, ERR_RANGE } from './status';
import { rev32 } from './bits';

const P: u64 = 0xffffffff00000001;
/** 2^64 mod p. */
const EPS: u64 = 0xffffffff;
const M32: u64 = 0xffffffff;

/** a + b mod p. */
@inline export function add64(a: u64, b: u64): u64 {
  let s = a + b;
  // A carry out of 2^64 is worth 2^64 - p = EPS.
  s = select<u64>(s + EPS, s, s < a);
  return select<u64>(s - P, s, s >= P);
}

/** a - b mod p. */
@inline export function sub64(a: u64, b: u64): u64 {
  const d = a - b;
  // A borrow wrapped by 2^64; adding p instead means subtracting EPS.
  return select<u64>(d - EPS, d, a < b);
}

/** -a mod p. */
@inline export function neg64(a: u64): u64 {
  return select<u64>(P - a, 0, a != 0);
}

/** (hi * 2^64 + lo) mod p. */
@inline export function reduce64(lo: u64, hi: u64): u64 {
  const hh = hi >> 32;
  const hl = hi & M32;
  // hh * 2^96 = -hh.
  let t = lo - hh;
  t = select<u64>(t - EPS, t, lo < hh);
  // hl * 2^64 = hl * (2^32 - 1), which fits in 64 bits.
  const u = (hl << 32) - hl;
  let r = t + u;
  r = select<u64>(r + EPS, r, r < u);
  return select<u64>(r - P, r, r >= P);
}

/** a * b mod p: four 32x32-bit partial products, then reduce64. */
@inline export function mul64(a: u64, b: u64): u64 {
  const al = a & M32;
  const ah = a >> 32;
  const bl = b & M32;
  const bh = b >> 32;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  // Sum of the 32-bit column at 2^32: fits in 34 bits.
  const mid = (ll >> 32) + (lh & M32) + (hl & M32);
  const lo = (ll & M32) | (mid << 32);
  const hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
  return reduce64(lo, hi);
}

const SIGN: u64 = 0x8000000000000000;

/** Two Field64 sums at once (lanes of i64x2). */
@inline function addv(a: v128, b: v128): v128 {
  const sg = i64x2.splat(SIGN);
  const e = i64x2.splat(EPS);
  let s = i64x2.add(a, b);
  // Unsigned compares as signed ones on sign-flipped lanes.
  const carry = i64x2.lt_s(v128.xor(s, sg), v128.xor(a, sg));
  s = i64x2.add(s, v128.and(carry, e));
  const ge = i64x2.gt_s(v128.xor(s, sg), i64x2.splat((P - 1) ^ SIGN));
  return i64x2.add(s, v128.and(ge, e));
}

/** Two Field64 differences at once. */
@inline function subv(a: v128, b: v128): v128 {
  const sg = i64x2.splat(SIGN);
  const borrow = i64x2.lt_s(v128.xor(a, sg), v128.xor(b, sg));
  return i64x2.sub(i64x2.sub(a, b), v128.and(borrow, i64x2.splat(EPS)));
}

/** Two Field64 products at once: 32x32-bit lane products, then the same reduction as mul64. */
@inline function mulv(a: v128, b: v128): v128 {
  const m = i64x2.splat(M32);
  const sg = i64x2.splat(SIGN);
  const e = i64x2.splat(EPS);
  // Limbs regrouped as [x0 low, x1 low, x0 high, x1 high]; bs swaps b's halves.
  const as = i8x16.shuffle(a, a, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
  const bq = i8x16.shuffle(b, b, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
  const bs = i8x16.shuffle(b, b, 4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3, 8, 9, 10, 11);
  const ll = i64x2.extmul_low_i32x4_u(as, bq);
  const hh = i64x2.extmul_high_i32x4_u(as, bq);
  const lh = i64x2.extmul_low_i32x4_u(as, bs);
  const hl = i64x2.extmul_high_i32x4_u(as, bs);
  const mid = i64x2.add(i64x2.add(i64x2.shr_u(ll, 32), v128.and(lh, m)), v128.and(hl, m));
  const lo = v128.or(v128.and(ll, m), i64x2.shl(mid, 32));
  const hi = i64x2.add(
    i64x2.add(hh, i64x2.shr_u(lh, 32)),
    i64x2.add(i64x2.shr_u(hl, 32), i64x2.shr_u(mid, 32)),
  );
  const hih = i64x2.shr_u(hi, 32);
  const hil = v128.and(hi, m);
  const borrow = i64x2.lt_s(v128.xor(lo, sg), v128.xor(hih, sg));
  const t = i64x2.sub(i64x2.sub(lo, hih), v128.and(borrow, e));
  const u = i64x2.sub(i64x2.shl(hil, 32), hil);
  let r = i64x2.add(t, u);
  const carry = i64x2.lt_s(v128.xor(r, sg), v128.xor(u, sg));
  r = i64x2.add(r, v128.and(carry, e));
  // r - p equals r + EPS modulo 2^64.
  const ge = i64x2.gt_s(v128.xor(r, sg), i64x2.splat((P - 1) ^ SIGN));
  return i64x2.add(r, v128.and(ge, e));
}

/** x^e mod p. */
export function pow64(x: u64, e: u64): u64 {
  let r: u64 = 1;
  while (e != 0) {
    if (e & 1) r = mul64(r, x);
    x = mul64(x, x);
    e >>= 1;
  }
  return r;
}

/** out[i] = a[i] + b[i] for n elements; out may alias a or b. */
export function f64_add(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 3);
  for (; a < end; a += 8, b += 8, out += 8) store<u64>(out, add64(load<u64>(a), load<u64>(b)));
  return OK;
}

/** out[i] = a[i] - b[i]; out may alias a or b. */
export function f64_sub(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 3);
  for (; a < end; a += 8, b += 8, out += 8) store<u64>(out, sub64(load<u64>(a), load<u64>(b)));
  return OK;
}

/** out[i] = a[i] * b[i], two elements per SIMD step; out may alias a or b. */
export function f64_mul(a: usize, b: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>(n & ~1) << 3);
  for (; a < end; a += 16, b += 16, out += 16) v128.store(out, mulv(v128.load(a), v128.load(b)));
  if (n & 1) store<u64>(out, mul64(load<u64>(a), load<u64>(b)));
  return OK;
}

/** out[i] = -a[i]; out may alias a. */
export function f64_neg(a: usize, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 3);
  for (; a < end; a += 8, out += 8) store<u64>(out, neg64(load<u64>(a)));
  return OK;
}

/** out[i] = a[i] + c; out may alias a. */
export function f64_add_scalar(a: usize, c: u64, out: usize, n: u32): i32 {
  const end = a + (<usize>n << 3);
  for (; a < end; a += 8, out += 8) store<u64>(out, add64(load<u64>(a), c));
  return OK;
}

/** out[i] = a[i] * c; out may alias a. */
export function f64_mul_scalar(a: usize, c: u64, out: usize, n: u32): i32 {
  const cv = i64x2.splat(c);
  const end = a + (<usize>(n & ~1) << 3);
  for (; a < end; a += 16, out += 16) v128.store(out, mulv(v128.load(a), cv));
  if (n & 1) store<u64>(out, mul64(load<u64>(a), c));
  return OK;
}

/** Writes the sum of the n elements at a to res. */
export function f64_sum(a: usize, n: u32, res: usize): i32 {
  let s: u64 = 0;
  const end = a + (<usize>n << 3);
  for (; a < end; a += 8) s = add64(s, load<u64>(a));
  store<u64>(res, s);
  return OK;
}

/** Writes sum a[i] * b[i] to res. */
export function f64_inner(a: usize, b: usize, n: u32, res: usize): i32 {
  // Two accumulators (four lanes) keep the additions off one dependency chain.
  let acc0 = i64x2.splat(0);
  let acc1 = i64x2.splat(0);
  const end4 = a + (<usize>(n & ~3) << 3);
  for (; a < end4; a += 32, b += 32) {
    acc0 = addv(acc0, mulv(v128.load(a), v128.load(b)));
    acc1 = addv(acc1, mulv(v128.load(a, 16), v128.load(b, 16)));
  }
  const acc = addv(acc0, acc1);
  let s = add64(i64x2.extract_lane(acc, 0), i64x2.extract_lane(acc, 1));
  const end = a + (<usize>(n & 3) << 3);
  for (; a < end; a += 8, b += 8) s = add64(s, mul64(load<u64>(a), load<u64>(b)));
  store<u64>(res, s);
  return OK;
}

/**
 * Batch inversion by Montgomery's trick; tmp holds n words. On a zero element writes its index
 * to res and returns ERR_ZERO, leaving out partly written.
 */
export function f64_inv(a: usize, out: usize, n: u32, tmp: usize, res: usize): i32 {
  let acc: u64 = 1;
  for (let i: u32 = 0; i < n; i++) {
    const x = load<u64>(a + (<usize>i << 3));
    if (x == 0) {
      store<u64>(res, <u64>i);
      return ERR_ZERO;
    }
    store<u64>(tmp + (<usize>i << 3), acc);
    acc = mul64(acc, x);
  }
  // Fermat: acc^(p-2) is the inverse of the product of all elements.
  let t = pow64(acc, P - 2);
  for (let i = <i32>n - 1; i >= 0; i--) {
    const x = load<u64>(a + (<usize>i << 3));
    store<u64>(out + (<usize>i << 3), mul64(t, load<u64>(tmp + (<usize>i << 3))));
    t = mul64(t, x);
  }
  return OK;
}

/** out[i] = x^i for i < n. */
export function f64_powers(x: u64, out: usize, n: u32): i32 {
  let acc: u64 = 1;
  const end = out + (<usize>n << 3);
  for (; out < end; out += 8) {
    store<u64>(out, acc);
    acc = mul64(acc, x);
  }
  return OK;
}

/** Checks that every word is < p; on failure writes the first bad index to res. */
export function f64_check(a: usize, n: u32, res: usize): i32 {
  for (let i: u32 = 0; i < n; i++) {
    if (load<u64>(a + (<usize>i << 3)) >= P) {
      store<u64>(res, <u64>i);
      return ERR_RANGE;
    }
  }
  return OK;
}

/**
 * Twiddle tables of every stage of an NTT of size n = 2^logn with root w: the table of a stage
 * with half-size h (h = 1, 2, ..., n/2) holds w_h^j = w^(j n / 2h) for j < h at word h - 1.
 */
export function f64_twiddles(w: u64, tw: usize, n: u32): i32 {
  const top = n >> 1;
  if (top == 0) return OK;
  const base = tw + (<usize>(top - 1) << 3);
  let acc: u64 = 1;
  for (let j: u32 = 0; j < top; j++) {
    store<u64>(base + (<usize>j << 3), acc);
    acc = mul64(acc, w);
  }
  for (let h: u32 = top >> 1, stride: u32 = 2; h >= 1; h >>= 1, stride <<= 1) {
    const dst = tw + (<usize>(h - 1) << 3);
    for (let j: u32 = 0; j < h; j++) {
      store<u64>(dst + (<usize>j << 3), load<u64>(base + (<usize>(j * stride) << 3)));
    }
  }
  return OK;
}

function bitReverse64(a: usize, n: u32, logn: u32): void {
  if (logn == 0) return;
  for (let i: u32 = 0; i < n; i++) {
    const j = rev32(i) >> (32 - logn);
    if (i < j) {
      const pi = a + (<usize>i << 3);
      const pj = a + (<usize>j << 3);
      const t = load<u64>(pi);
      store<u64>(pi, load<u64>(pj));
      store<u64>(pj, t);
    }
  }
}

/** In-place DFT of size n = 2^logn, natural order in and out; tw from f64_twiddles. */
export function f64_ntt(a: usize, n: u32, logn: u32, tw: usize): i32 {
  bitReverse64(a, n, logn);

  // Half-size 1: the twiddle is 1.
  for (let i: u32 = 0; i + 1 < n; i += 2) {
    const p = a + (<usize>i << 3);
    const u = load<u64>(p);
    const v = load<u64>(p, 8);
    store<u64>(p, add64(u, v));
    store<u64>(p, sub64(u, v), 8);
  }

  // Larger stages: two butterflies per step on consecutive j.
  for (let h: u32 = 2; h < n; h <<= 1) {
    const t = tw + (<usize>(h - 1) << 3);
    const hb = <usize>h << 3;
    for (let i: u32 = 0; i < n; i += h << 1) {
      const pu0 = a + (<usize>i << 3);
      const end = pu0 + hb;
      for (let pu = pu0, pt = t; pu < end; pu += 16, pt += 16) {
        const u = v128.load(pu);
        const v = mulv(v128.load(pu + hb), v128.load(pt));
        v128.store(pu, addv(u, v));
        v128.store(pu + hb, subv(u, v));
      }
    }
  }
  return OK;
}

/** Multiplies a[i] by s^i, then the DFT: evaluations on the coset s * <w>. */
export function f64_ntt_coset(a: usize, n: u32, logn: u32, s: u64, tw: usize): i32 {
  let acc: u64 = 1;
  for (let i: u32 = 0; i < n; i++) {
    const pi = a + (<usize>i << 3);
    store<u64>(pi, mul64(load<u64>(pi), acc));
    acc = mul64(acc, s);
  }
  return f64_ntt(a, n, logn, tw);
}

/** Inverse DFT: the DFT read at indices n - k, scaled by nInv = 1/n. */
export function f64_inv_ntt(a: usize, n: u32, logn: u32, nInv: u64, tw: usize): i32 {
  f64_ntt(a, n, logn, tw);
  for (let i: u32 = 1, j: u32 = n - 1; i < j; i++, j--) {
    const pi = a + (<usize>i << 3);
    const pj = a + (<usize>j << 3);
    const t = load<u64>(pi);
    store<u64>(pi, load<u64>(pj));
    store<u64>(pj, t);
  }
  f64_mul_scalar(a, nInv, a, n);
  return OK;
}

/** Horner evaluation of the n coefficients at a (lowest degree first) at x; result to res. */
export function f64_poly_eval(a: usize, n: u32, x: u64, res: usize): i32 {
  let r: u64 = 0;
  for (let i = <i32>n - 1; i >= 0; i--) r = add64(mul64(r, x), load<u64>(a + (<usize>i << 3)));
  store<u64>(res, r);
  return OK;
}

/** Schoolbook product of a (la terms) and b (lb terms) into out (la + lb - 1 terms). */
export function f64_poly_mul_school(a: usize, la: u32, b: usize, lb: u32, out: usize): i32 {
  const m = la + lb - 1;
  for (let k: u32 = 0; k < m; k++) store<u64>(out + (<usize>k << 3), 0);
  for (let i: u32 = 0; i < la; i++) {
    const x = load<u64>(a + (<usize>i << 3));
    for (let j: u32 = 0; j < lb; j++) {
      const po = out + (<usize>(i + j) << 3);
      store<u64>(po, add64(load<u64>(po), mul64(x, load<u64>(b + (<usize>j << 3)))));
    }
  }
  return OK;
}

/**
 * Value at x of the polynomial with values a[i] at w^i (n a power of two), by the
 * division-free form of the barycentric formula; nInvSigned = (-1)^(n-1) / n.
 */
export function f64_lagrange_eval(
  a: usize,
  n: u32,
  w: u64,
  x: u64,
  nInvSigned: u64,
  res: usize,
): i32 {
  let node: u64 = 1;
  let k: u64 = 1;
  let u = load<u64>(a);
  let d = sub64(node, x);
  for (let i: u32 = 1; i < n; i++) {
    k = mul64(k, d);
    node = mul64(node, w);
    d = sub64(node, x);
    u = add64(mul64(u, d), mul64(mul64(k, node), load<u64>(a + (<usize>i << 3))));
  }
  store<u64>(res, mul64(u, nInvSigned));
  return OK;
}

/**
 * The Lagrange basis values at x of the n nodes w^i (n a power of two), division-free:
 * out[i] = (w^i / n) * prod over j != i of (x - w^j). The forward pass leaves w^i times the
 * prefix product, the backward pass multiplies in the suffix product, which starts at 1/n
 * (the differences x - w^j are kept at tmp). Five products per node; exact at the nodes. The
 * scalars are read from memory, consts = [w, x, 1/n]: an i64 argument costs the JS caller a
 * BigInt conversion in the call wrapper.
 */
export function f64_lagrange_basis(out: usize, n: u32, consts: usize, tmp: usize): i32 {
  const w = load<u64>(consts);
  const x = load<u64>(consts, 8);
  let node: u64 = 1;
  let prefix: u64 = 1;
  for (let i: u32 = 0; i < n; i++) {
    const d = sub64(x, node);
    store<u64>(tmp + (<usize>i << 3), d);
    store<u64>(out + (<usize>i << 3), mul64(prefix, node));
    prefix = mul64(prefix, d);
    node = mul64(node, w);
  }
  let suffix = load<u64>(consts, 16);
  for (let i = <i32>n - 1; i >= 0; i--) {
    const po = out + (<usize>i << 3);
    store<u64>(po, mul64(load<u64>(po), suffix));
    suffix = mul64(suffix, load<u64>(tmp + (<usize>i << 3)));
  }
  return OK;
}

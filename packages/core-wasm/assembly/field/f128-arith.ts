// Field128 arithmetic (p = 2^128 - 7 * 2^66 + 1, draft-irtf-cfrg-vdaf-20 §6.1.4) on elements
// held as two u64 words, low first, canonical in and out. Products use 32-bit limbs; the 256-bit
// product is folded with 2^128 = 28 * 2^64 - 1 (mod p) on signed 64-bit columns.

/** High word of p; the low word is 1. */
export const P1: u64 = 0xffffffffffffffe4;
const M32: u64 = 0xffffffff;

/** Results of the inline helpers, low and high word. */
export let R0: u64 = 0;
export let R1: u64 = 0;

/** R = x - p when x (a 128-bit value plus carry bit c) is >= p, else x. */
@inline function canon(x0: u64, x1: u64, c: bool): void {
  // Bitwise rather than short-circuit operators: no data-dependent branch.
  const ge = (<u32>c | <u32>(x1 > P1) | (<u32>(x1 == P1) & <u32>(x0 != 0))) != 0;
  const d0 = x0 - 1;
  const d1 = x1 - P1 - <u64>(x0 == 0);
  R0 = select<u64>(d0, x0, ge);
  R1 = select<u64>(d1, x1, ge);
}

/** R = a + b mod p. */
@inline export function add128(a0: u64, a1: u64, b0: u64, b1: u64): void {
  const s0 = a0 + b0;
  const c0 = <u64>(s0 < a0);
  const t1 = a1 + b1;
  const s1 = t1 + c0;
  canon(s0, s1, (<u32>(t1 < a1) | <u32>(s1 < t1)) != 0);
}

/** R = a - b mod p. */
@inline export function sub128(a0: u64, a1: u64, b0: u64, b1: u64): void {
  const d0 = a0 - b0;
  const bw0 = <u64>(a0 < b0);
  const d1 = a1 - b1 - bw0;
  const bw = (<u32>(a1 < b1) | (<u32>(a1 == b1) & <u32>bw0)) != 0;
  // On a borrow add p = P1 * 2^64 + 1.
  const e0 = d0 + 1;
  const e1 = d1 + P1 + <u64>(e0 == 0);
  R0 = select<u64>(e0, d0, bw);
  R1 = select<u64>(e1, d1, bw);
}

/** R = -a mod p. */
@inline export function neg128(a0: u64, a1: u64): void {
  const z = (a0 | a1) == 0;
  R0 = select<u64>(0, 1 - a0, z);
  R1 = select<u64>(0, P1 - a1 - <u64>(a0 > 1), z);
}

/** R = a * b mod p. */
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

/** R = x^e mod p, e given as two words. */
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

const SIGN: u64 = 0x8000000000000000;

/** Low 32 bits of each 64-bit lane. */
@inline function lo32(p: v128): v128 {
  return v128.and(p, i64x2.splat(M32));
}

/** High 32 bits of each 64-bit lane. */
@inline function hi32(p: v128): v128 {
  return i64x2.shr_u(p, 32);
}

/**
 * c >> 32 per lane, arithmetic: the high 32-bit word of each lane, sign-extended (one shuffle
 * and one extension, cheaper than i64x2.shr_s on hosts without a 64-bit arithmetic shift).
 */
@inline function sar32(c: v128): v128 {
  const hiWords = i8x16.shuffle(c, c, 4, 5, 6, 7, 12, 13, 14, 15, 4, 5, 6, 7, 12, 13, 14, 15);
  return i64x2.extend_low_i32x4_s(hiWords);
}

/** 28 * c per lane, signed. */
@inline function x28(c: v128): v128 {
  return i64x2.sub(i64x2.shl(c, 5), i64x2.shl(c, 2));
}

/** Results of mul128x2v in lane form: the low words of both products, then the high words. */
export let VL: v128 = i64x2(0, 0);
export let VH: v128 = i64x2(0, 0);

/**
 * Two Field128 products at once with wasm SIMD, the same column scheme as mul128 with the two
 * elements in the two i64x2 lanes; a0, a1 and b0, b1 are the elements as [low, high] words.
 * Writes the products to out and out + 16.
 */
@inline export function mul128x2(a0: v128, a1: v128, b0: v128, b1: v128, out: usize): void {
  mul128x2v(a0, a1, b0, b1);
  // Lanes back to elements: [lo, hi] of the first, then of the second.
  const l = VL;
  const h = VH;
  v128.store(out, i8x16.shuffle(l, h, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  const e1 = i8x16.shuffle(l, h, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  v128.store(out, e1, 16);
}

/**
 * mul128x2 with the products left in VL (low words) and VH (high words), lane i the product of
 * element i, so callers that go on computing need not reload them from memory.
 */
@inline export function mul128x2v(a0: v128, a1: v128, b0: v128, b1: v128): void {
  // Limb pairs across the two elements: xa = [x0, x0', x1, x1'], xb = [x2, x2', x3, x3'].
  const xa = i8x16.shuffle(a0, a1, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const xb = i8x16.shuffle(a0, a1, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const y0 = i8x16.shuffle(b0, b1, 0, 1, 2, 3, 16, 17, 18, 19, 0, 1, 2, 3, 16, 17, 18, 19);
  const y1 = i8x16.shuffle(b0, b1, 4, 5, 6, 7, 20, 21, 22, 23, 4, 5, 6, 7, 20, 21, 22, 23);
  const y2 = i8x16.shuffle(b0, b1, 8, 9, 10, 11, 24, 25, 26, 27, 8, 9, 10, 11, 24, 25, 26, 27);
  const y3 = i8x16.shuffle(b0, b1, 12, 13, 14, 15, 28, 29, 30, 31, 12, 13, 14, 15, 28, 29, 30, 31);
  let p = i64x2.extmul_low_i32x4_u(xa, y0);
  let c0 = lo32(p);
  let c1 = hi32(p);
  p = i64x2.extmul_low_i32x4_u(xa, y1);
  c1 = i64x2.add(c1, lo32(p));
  let c2 = hi32(p);
  p = i64x2.extmul_high_i32x4_u(xa, y0);
  c1 = i64x2.add(c1, lo32(p));
  c2 = i64x2.add(c2, hi32(p));
  p = i64x2.extmul_low_i32x4_u(xa, y2);
  c2 = i64x2.add(c2, lo32(p));
  let c3 = hi32(p);
  p = i64x2.extmul_high_i32x4_u(xa, y1);
  c2 = i64x2.add(c2, lo32(p));
  c3 = i64x2.add(c3, hi32(p));
  p = i64x2.extmul_low_i32x4_u(xb, y0);
  c2 = i64x2.add(c2, lo32(p));
  c3 = i64x2.add(c3, hi32(p));
  p = i64x2.extmul_low_i32x4_u(xa, y3);
  c3 = i64x2.add(c3, lo32(p));
  let c4 = hi32(p);
  p = i64x2.extmul_high_i32x4_u(xa, y2);
  c3 = i64x2.add(c3, lo32(p));
  c4 = i64x2.add(c4, hi32(p));
  p = i64x2.extmul_low_i32x4_u(xb, y1);
  c3 = i64x2.add(c3, lo32(p));
  c4 = i64x2.add(c4, hi32(p));
  p = i64x2.extmul_high_i32x4_u(xb, y0);
  c3 = i64x2.add(c3, lo32(p));
  c4 = i64x2.add(c4, hi32(p));
  p = i64x2.extmul_high_i32x4_u(xa, y3);
  c4 = i64x2.add(c4, lo32(p));
  let c5 = hi32(p);
  p = i64x2.extmul_low_i32x4_u(xb, y2);
  c4 = i64x2.add(c4, lo32(p));
  c5 = i64x2.add(c5, hi32(p));
  p = i64x2.extmul_high_i32x4_u(xb, y1);
  c4 = i64x2.add(c4, lo32(p));
  c5 = i64x2.add(c5, hi32(p));
  p = i64x2.extmul_low_i32x4_u(xb, y3);
  c5 = i64x2.add(c5, lo32(p));
  let c6 = hi32(p);
  p = i64x2.extmul_high_i32x4_u(xb, y2);
  c5 = i64x2.add(c5, lo32(p));
  c6 = i64x2.add(c6, hi32(p));
  p = i64x2.extmul_high_i32x4_u(xb, y3);
  c6 = i64x2.add(c6, lo32(p));
  const c7 = hi32(p);

  c5 = i64x2.add(c5, x28(c7));
  c3 = i64x2.sub(c3, c7);
  c4 = i64x2.add(c4, x28(c6));
  c2 = i64x2.sub(c2, c6);
  c3 = i64x2.add(c3, x28(c5));
  c1 = i64x2.sub(c1, c5);
  c2 = i64x2.add(c2, x28(c4));
  c0 = i64x2.sub(c0, c4);

  // Signed carries and the folds of what leaves column 3, as in mul128 (the last carry is 0).
  c1 = i64x2.add(c1, sar32(c0));
  c0 = lo32(c0);
  c2 = i64x2.add(c2, sar32(c1));
  c1 = lo32(c1);
  c3 = i64x2.add(c3, sar32(c2));
  c2 = lo32(c2);
  let t = sar32(c3);
  c3 = lo32(c3);
  for (let round = 0; round < 2; round++) {
    c2 = i64x2.add(c2, x28(t));
    c0 = i64x2.sub(c0, t);
    c1 = i64x2.add(c1, sar32(c0));
    c0 = lo32(c0);
    c2 = i64x2.add(c2, sar32(c1));
    c1 = lo32(c1);
    c3 = i64x2.add(c3, sar32(c2));
    c2 = lo32(c2);
    if (round == 0) {
      t = sar32(c3);
      c3 = lo32(c3);
    }
  }
  const lo = v128.or(c0, i64x2.shl(c1, 32));
  const hi = v128.or(c2, i64x2.shl(c3, 32));
  // x >= p: hi > P1, or hi == P1 and lo != 0; then x - p = (lo - 1, hi - P1 - (lo == 0)).
  const sg = i64x2.splat(SIGN);
  const hiGt = i64x2.gt_s(v128.xor(hi, sg), i64x2.splat(P1 ^ SIGN));
  const hiEq = i64x2.eq(hi, i64x2.splat(P1));
  const loZero = i64x2.eq(lo, i64x2.splat(0));
  const ge = v128.or(hiGt, v128.andnot(hiEq, loZero));
  // P1 - loZero is P1 + 1 where lo == 0 (those lanes are all ones): the borrow of lo - 1.
  VL = i64x2.sub(lo, v128.and(ge, i64x2.splat(1)));
  VH = i64x2.sub(hi, v128.and(ge, i64x2.sub(i64x2.splat(P1), loZero)));
}


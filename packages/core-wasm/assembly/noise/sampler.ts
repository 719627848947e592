// Exact discrete Laplace and Gaussian samplers (Canonne, Kamath, Steinke, NeurIPS 2020,
// Algorithms 1-3) on the noise bit stream, with u64 and two-limb u128 integer arithmetic only.
// Every draw matches src/noise/sampler.ts, the readable definition, in kind and order.
import { randBits, uniform128, uniform64, uHi } from './bits';

/** Consecutive Bernoulli(exp(-1)) successes after which a sampler gives up (see the TS twin). */
const LOOP_BOUND: u64 = 1024;

/** Set when a loop reached LOOP_BOUND; the caller turns it into a status code. */
export let failed: bool = false;

/** Clears the failure flag. */
export function resetFailed(): void {
  failed = false;
}

/** Bern(p / q) for p >= 0, q >= 1: no bits when p = 0 or p >= q. */
@inline
function bern(p: u64, q: u64): bool {
  if (p == 0) return false;
  if (p >= q) return true;
  return uniform64(q) < p;
}

/** Bern(p / q) on two-limb integers. */
function bern128(pHi: u64, pLo: u64, qHi: u64, qLo: u64): bool {
  if (pHi == 0 && pLo == 0) return false;
  if (pHi > qHi || (pHi == qHi && pLo >= qLo)) return true;
  const lo = uniform128(qHi, qLo);
  const hi = uHi;
  return hi < pHi || (hi == pHi && lo < pLo);
}

/** BernExpFrac(p / q), 0 <= p <= q: Bernoulli(exp(-p/q)) (paper Algorithm 1, gamma <= 1). */
function bernExpFrac(p: u64, q: u64): bool {
  let k: u64 = 1;
  while (bern(1, k) && bern(p, q)) k++;
  return (k & 1) == 1;
}

/** BernExpFrac on two-limb integers. */
function bernExpFrac128(pHi: u64, pLo: u64, qHi: u64, qLo: u64): bool {
  let k: u64 = 1;
  while (bern(1, k) && bern128(pHi, pLo, qHi, qLo)) k++;
  return (k & 1) == 1;
}

/** BernExp1 = BernExpFrac(1 / 1): K = 1 passes without bits, then Bern(1 / K) decides. */
@inline
function bernExp1(): bool {
  let k: u64 = 2;
  while (uniform64(k) == 0) k++;
  return (k & 1) == 1;
}

/** One discrete Laplace sample with scale s / r (paper Algorithm 2); s < 2^53, r < 2^63. */
export function laplace(s: u64, r: u64): i64 {
  while (true) {
    // U uniform in [0, s), kept with probability exp(-U/s).
    const u = uniform64(s);
    if (!bernExpFrac(u, s)) continue;

    // V geometric in exp(-1); bounded so that U + s V < 2^63.
    let v: u64 = 0;
    while (bernExp1()) {
      if (++v == LOOP_BOUND) {
        failed = true;
        return 0;
      }
    }

    const x = u + s * v;
    const y = r == 1 ? x : x / r;

    // Random sign; "-0" is rejected so that 0 is not counted twice.
    const sign = randBits(1);
    if (sign == 1 && y == 0) continue;
    return sign == 1 ? -(<i64>y) : <i64>y;
  }
}

// Product of two u64 as two limbs: high word in mulHi, low word returned.
let mulHi: u64 = 0;

@inline
function mul64(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff;
  const a1 = a >> 32;
  const b0 = b & 0xffffffff;
  const b1 = b >> 32;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  mulHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (mid << 32) | (p00 & 0xffffffff);
}

/**
 * BernExp(a / b) for a = aHi 2^64 + aLo, or any a >= 2^128 when `huge` (then a > LOOP_BOUND b):
 * floor(a / b) BernExp1 draws stopping at the first failure, then BernExpFrac((a mod b) / b).
 * Sets `failed` after LOOP_BOUND successes.
 */
function bernExp128(huge: bool, aHi: u64, aLo: u64, bHi: u64, bLo: u64): bool {
  let i: u64 = 0;
  while (huge || aHi > bHi || (aHi == bHi && aLo >= bLo)) {
    if (!bernExp1()) return false;
    if (++i == LOOP_BOUND) {
      failed = true;
      return false;
    }
    const borrow: u64 = aLo < bLo ? 1 : 0;
    aLo -= bLo;
    aHi = aHi - bHi - borrow;
  }
  return bernExpFrac128(aHi, aLo, bHi, bLo);
}

/**
 * One discrete Gaussian sample (paper Algorithm 3) with sigma^2 = n / d: Y from the discrete
 * Laplace with scale t, accepted with probability exp(-a / b), a = (|Y| m - n)^2, m = d t,
 * b = 2 n d t^2 = bHi 2^64 + bLo < 2^118.
 */
export function gaussian(t: u64, n: u64, m: u64, bHi: u64, bLo: u64): i64 {
  while (true) {
    const y = laplace(t, 1);
    if (failed) return 0;
    const ay: u64 = y < 0 ? <u64>(-y) : <u64>y;

    // x = | |Y| m - n |, as two limbs.
    const pLo = mul64(ay, m);
    const pHi = mulHi;
    let xHi: u64 = 0;
    let xLo: u64 = 0;
    if (pHi == 0 && pLo < n) {
      xLo = n - pLo;
    } else {
      xLo = pLo - n;
      xHi = pHi - (pLo < n ? 1 : 0);
    }

    // a = x^2 < 2^128 when x < 2^64; otherwise a >= 2^128 > LOOP_BOUND b.
    const aLo = mul64(xLo, xLo);
    const aHi = mulHi;
    const accept = bernExp128(xHi != 0, aHi, aLo, bHi, bLo);
    if (failed) return 0;
    if (accept) return y;
  }
  // Not reached: the loop only ends by returning.
  return 0;
}

// A plain BigInt reference of the noise samplers, written from the stream definition
// (src/noise/stream.ts header) and Canonne, Kamath, Steinke 2020, Algorithms 1-3, without any
// code of src/noise: the known answers of noise-kat.test.ts come from here, not from our output.
import { turboshake128 } from '@noble/hashes/sha3-addons.js';

/** Mechanism bytes of the stream definition. */
export const LAPLACE = 1;
export const GAUSSIAN = 2;

/** The stream's bits, least significant bit of each byte first, from TurboSHAKE128 D = 0x4E. */
class RefBits {
  private readonly xof: ReturnType<typeof turboshake128.create>;
  private byte = 0;
  private left = 0;

  constructor(mech: number, seed: Uint8Array) {
    const label = new TextEncoder().encode('private-measurement/noise/v1');
    this.xof = turboshake128.create({ D: 0x4e }).update(new Uint8Array([...label, mech, ...seed]));
  }

  /** RandBits(k): the next k bits, the first one least significant. */
  take(k: bigint): bigint {
    let v = 0n;
    for (let j = 0n; j < k; j++) {
      if (this.left === 0) {
        this.byte = this.xof.xof(1)[0];
        this.left = 8;
      }
      v |= BigInt(this.byte & 1) << j;
      this.byte >>= 1;
      this.left--;
    }
    return v;
  }
}

function bitLength(x: bigint): bigint {
  let k = 0n;
  while (x > 0n) {
    x >>= 1n;
    k++;
  }
  return k;
}

function uniform(src: RefBits, n: bigint): bigint {
  if (n === 1n) return 0n;
  const k = bitLength(n - 1n);
  for (;;) {
    const v = src.take(k);
    if (v < n) return v;
  }
}

function bern(src: RefBits, p: bigint, q: bigint): boolean {
  if (p === 0n) return false;
  if (p >= q) return true;
  return uniform(src, q) < p;
}

/** Bernoulli(exp(-p/q)) for 0 <= p <= q (Algorithm 1, gamma in [0, 1]). */
function bernExpFrac(src: RefBits, p: bigint, q: bigint): boolean {
  let k = 1n;
  while (bern(src, 1n, k) && bern(src, p, q)) k++;
  return k % 2n === 1n;
}

/** Bernoulli(exp(-a/b)) for a >= 0 (Algorithm 1, gamma > 1 by repeated exp(-1) draws). */
function bernExp(src: RefBits, a: bigint, b: bigint): boolean {
  while (a >= b) {
    if (!bernExpFrac(src, 1n, 1n)) return false;
    a -= b;
  }
  return bernExpFrac(src, a, b);
}

/** Algorithm 2: discrete Laplace with scale s / r. */
function laplace(src: RefBits, s: bigint, r: bigint): bigint {
  for (;;) {
    const u = uniform(src, s);
    if (!bernExpFrac(src, u, s)) continue;
    let v = 0n;
    while (bernExpFrac(src, 1n, 1n)) v++;
    const y = (u + s * v) / r;
    const negative = src.take(1n) === 1n;
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** Algorithm 3: discrete Gaussian with sigma^2 = n / d. */
function gaussian(src: RefBits, n: bigint, d: bigint, t: bigint): bigint {
  for (;;) {
    const y = laplace(src, t, 1n);
    const ay = y < 0n ? -y : y;
    // gamma = (|y| - sigma^2 / t)^2 / (2 sigma^2) = (|y| d t - n)^2 / (2 n d t^2).
    if (bernExp(src, (ay * d * t - n) ** 2n, 2n * n * d * t * t)) return y;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/** floor(sqrt(n / d)) by bisection on t^2 d <= n. */
function floorSqrt(n: bigint, d: bigint): bigint {
  let lo = 0n;
  let hi = n + 1n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (mid * mid * d <= n) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** `count` discrete Laplace samples of scale num/den from `seed`. */
export function refLaplace(num: bigint, den: bigint, count: number, seed: Uint8Array): bigint[] {
  const g = gcd(num, den);
  const src = new RefBits(LAPLACE, seed);
  return Array.from({ length: count }, () => laplace(src, num / g, den / g));
}

/** `count` discrete Gaussian samples with sigma^2 = num/den from `seed`. */
export function refGaussian(num: bigint, den: bigint, count: number, seed: Uint8Array): bigint[] {
  const g = gcd(num, den);
  const [n, d] = [num / g, den / g];
  const t = floorSqrt(n, d) + 1n;
  const src = new RefBits(GAUSSIAN, seed);
  return Array.from({ length: count }, () => gaussian(src, n, d, t));
}

// The noise bit stream in WASM: TurboSHAKE128 output squeezed in 1344-byte blocks and read as
// bits least significant first (src/noise/stream.ts defines the stream), and exact uniform
// integers by rejection. State is module-global: one sampler call runs at a time.
import { tsSqueeze } from '../xof/turboshake';

/** Bytes squeezed per refill: 8 TurboSHAKE128 blocks, a multiple of 8. */
export const REFILL: usize = 1344;

let ctx: usize = 0;
let buf: usize = 0;
let pos: usize = REFILL;
// Pending bits, least significant first, and how many of them there are (0..64).
let word: u64 = 0;
let avail: u32 = 0;

/** Starts reading the stream of the TurboSHAKE128 context `c` through the buffer `b`. */
export function bitsStart(c: usize, b: usize): void {
  ctx = c;
  buf = b;
  pos = REFILL;
  word = 0;
  avail = 0;
}

/** Forgets the pending bits. */
export function bitsWipe(): void {
  word = 0;
  avail = 0;
}

@inline
function nextWord(): u64 {
  if (pos == REFILL) {
    tsSqueeze(ctx, buf, REFILL);
    pos = 0;
  }
  // Little-endian load: byte j of the word holds stream bits 8j..8j+7, least significant first.
  const w = load<u64>(buf + pos);
  pos += 8;
  return w;
}

/** RandBits(k) for 1 <= k <= 64: the next k bits, the first one least significant. */
export function randBits(k: u32): u64 {
  if (k <= avail) {
    // k = 64 only when avail = 64; WASM shifts are mod 64, so that case is spelled out.
    if (k == 64) {
      const all = word;
      word = 0;
      avail = 0;
      return all;
    }
    const v = word & ((<u64>1 << k) - 1);
    word >>= k;
    avail -= k;
    return v;
  }
  const low = word;
  const have = avail;
  const w = nextWord();
  const need = k - have;
  if (need == 64) {
    word = 0;
    avail = 0;
    return w;
  }
  const v = low | ((w & ((<u64>1 << need) - 1)) << have);
  word = w >> need;
  avail = 64 - need;
  return v;
}

/** Uniform(n) for n >= 1: uniform in [0, n) by rejection on bitlength(n - 1) bits. */
export function uniform64(n: u64): u64 {
  if (n == 1) return 0;
  const max = n - 1;
  const k = 64 - <u32>clz(max);
  while (true) {
    const v = randBits(k);
    if (v <= max) return v;
  }
}

/** High word of the last `uniform128` result. */
export let uHi: u64 = 0;

/** Uniform(n) for n = nHi 2^64 + nLo >= 1; low word returned, high word in `uHi`. */
export function uniform128(nHi: u64, nLo: u64): u64 {
  if (nHi == 0) {
    uHi = 0;
    return uniform64(nLo);
  }
  // max = n - 1, with a borrow from the high word.
  const maxLo = nLo - 1;
  const maxHi = nLo == 0 ? nHi - 1 : nHi;
  if (maxHi == 0) {
    uHi = 0;
    const k = 64 - <u32>clz(maxLo);
    while (true) {
      const v = randBits(k);
      if (v <= maxLo) return v;
    }
  }
  const kHi = 64 - <u32>clz(maxHi);
  while (true) {
    const lo = randBits(64);
    const hi = randBits(kHi);
    if (hi < maxHi || (hi == maxHi && lo <= maxLo)) {
      uHi = hi;
      return lo;
    }
  }
}

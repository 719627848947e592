// next_vec of draft-irtf-cfrg-vdaf-20 §6.2 on a TurboSHAKE128 stream: read ENCODED_SIZE bytes
// little-endian, mask with next_power_of_2(p) - 1, keep the value if it is below p. Candidates
// are read straight from the sponge state; one that straddles two blocks goes through TS_TMP.
import { keccakP1600x12 } from './keccak';
import { TS_RATE, TS_TMP, tsFinish, tsPos, tsSetPos, tsSqueeze } from './turboshake';

/**
 * Writes the next `n` field elements of the stream in `ctx` to `out` as 64-bit words, least
 * significant first: one word per element for 8-byte fields, two for 16-byte fields.
 *
 * @param ctx - a TurboSHAKE128 context (absorption ends here if it has not).
 * @param out - destination of n * size bytes, 8-byte aligned.
 * @param n - element count.
 * @param size - 8 or 16 bytes per candidate; the caller checks it.
 * @param pLo - low 64 bits of p.
 * @param pHi - high 64 bits of p (0 when size is 8).
 * @param mLo - low 64 bits of the mask.
 * @param mHi - high 64 bits of the mask (0 when size is 8).
 */
export function tsNextVec(
  ctx: usize,
  out: usize,
  n: usize,
  size: usize,
  pLo: u64,
  pHi: u64,
  mLo: u64,
  mHi: u64,
): void {
  tsFinish(ctx);
  if (size == 8) next8(ctx, out, n, pLo, mLo);
  else next16(ctx, out, n, pLo, pHi, mLo, mHi);
}

function next8(ctx: usize, out: usize, n: usize, p: u64, m: u64): void {
  let pos = tsPos(ctx);
  let i: usize = 0;
  while (i < n) {
    if (pos == TS_RATE) {
      keccakP1600x12(ctx);
      pos = 0;
    }
    let x: u64;
    if (pos + 8 <= TS_RATE) {
      x = load<u64>(ctx + pos);
      pos += 8;
    } else {
      // The candidate straddles two blocks (an earlier read left pos unaligned).
      tsSetPos(ctx, pos);
      tsSqueeze(ctx, ctx + TS_TMP, 8);
      pos = tsPos(ctx);
      x = load<u64>(ctx + TS_TMP);
    }
    // draft-irtf-cfrg-vdaf-20 §6.2: mask, then reject values >= p.
    x &= m;
    if (x < p) {
      store<u64>(out + (i << 3), x);
      i++;
    }
  }
  tsSetPos(ctx, pos);
}

function next16(ctx: usize, out: usize, n: usize, pLo: u64, pHi: u64, mLo: u64, mHi: u64): void {
  let pos = tsPos(ctx);
  let i: usize = 0;
  while (i < n) {
    if (pos == TS_RATE) {
      keccakP1600x12(ctx);
      pos = 0;
    }
    let lo: u64, hi: u64;
    if (pos + 16 <= TS_RATE) {
      lo = load<u64>(ctx + pos);
      hi = load<u64>(ctx + pos, 8);
      pos += 16;
    } else {
      // 168 is not a multiple of 16: every few blocks a candidate straddles two of them.
      tsSetPos(ctx, pos);
      tsSqueeze(ctx, ctx + TS_TMP, 16);
      pos = tsPos(ctx);
      lo = load<u64>(ctx + TS_TMP);
      hi = load<u64>(ctx + TS_TMP, 8);
    }
    // draft-irtf-cfrg-vdaf-20 §6.2: mask, then reject values >= p (compared as 128-bit integers).
    lo &= mLo;
    hi &= mHi;
    if (hi < pHi || (hi == pHi && lo < pLo)) {
      store<u64>(out + (i << 4), lo);
      store<u64>(out + (i << 4), hi, 8);
      i++;
    }
  }
  tsSetPos(ctx, pos);
}

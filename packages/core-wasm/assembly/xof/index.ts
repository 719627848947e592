// WASM module "xof": TurboSHAKE128 (RFC 9861) streams and XofTurboShake128
// (draft-irtf-cfrg-vdaf-20 §6.2.1) with next_vec sampling straight into a field vector.
// Kernels take pointers into linear memory and return a status code; the TS wrapper
// (src/xof/wasm.ts) owns the memory layout above heapBase() and turns codes into errors.
import { keccakP1600x12 } from './keccak';
import { tsAbsorb, tsInit, tsIsSqueezing, tsSqueeze, TS_CTX_SIZE } from './turboshake';
import { tsNextVec } from './sample';

/** Success. */
const OK: i32 = 0;
/** A parameter is out of range (domain byte, element size). */
const ERR_PARAM: i32 = 1;
/** Absorb after the first squeeze. */
const ERR_PHASE: i32 = 2;

/** Domain byte of XofTurboShake128 (draft-irtf-cfrg-vdaf-20 §6.2.1). */
const XOF_DOMAIN: u32 = 0x01;
/** XofTurboShake128.SEED_SIZE (draft-irtf-cfrg-vdaf-20 §6.2.1). */
const SEED_SIZE: usize = 32;

/** First free byte above the static data, 64-byte aligned: the wrapper's arena starts here. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/** Bytes of one TurboSHAKE128 context. */
export function ctxSize(): usize {
  return TS_CTX_SIZE;
}

/** Keccak-p[1600, 12] on the 200 bytes at `state` (exported for known-answer tests). */
export function permute(state: usize): void {
  keccakP1600x12(state);
}

/** Starts a TurboSHAKE128 stream with domain byte `domain` in `ctx`. */
export function init(ctx: usize, domain: u32): i32 {
  // RFC 9861 §2.1: D in 0x01..0x7f.
  if (domain < 0x01 || domain > 0x7f) return ERR_PARAM;
  tsInit(ctx, domain);
  return OK;
}

/** Absorbs `len` bytes at `ptr`; ERR_PHASE once squeezing has started. */
export function absorb(ctx: usize, ptr: usize, len: usize): i32 {
  if (tsIsSqueezing(ctx)) return ERR_PHASE;
  tsAbsorb(ctx, ptr, len);
  return OK;
}

/** Writes the next `len` output bytes to `out`. */
export function squeeze(ctx: usize, out: usize, len: usize): i32 {
  tsSqueeze(ctx, out, len);
  return OK;
}

/** next_vec: `n` elements of `size` bytes (8 or 16) into `out`; see `tsNextVec`. */
export function nextVec(
  ctx: usize,
  out: usize,
  n: usize,
  size: usize,
  pLo: u64,
  pHi: u64,
  mLo: u64,
  mHi: u64,
): i32 {
  if (size != 8 && size != 16) return ERR_PARAM;
  tsNextVec(ctx, out, n, size, pLo, pHi, mLo, mHi);
  return OK;
}

/**
 * derive_seed in one call: TurboSHAKE128(msg, D = 1) truncated to 32 bytes, where `msg` is
 * the framed XofTurboShake128 message (dst and seed with their length prefixes, then binder).
 */
export function deriveSeed(ctx: usize, msg: usize, msgLen: usize, out: usize): i32 {
  tsInit(ctx, XOF_DOMAIN);
  tsAbsorb(ctx, msg, msgLen);
  tsSqueeze(ctx, out, SEED_SIZE);
  return OK;
}

/** expand_into_vec in one call: next_vec on a fresh XofTurboShake128 of the framed `msg`. */
export function expand(
  ctx: usize,
  msg: usize,
  msgLen: usize,
  out: usize,
  n: usize,
  size: usize,
  pLo: u64,
  pHi: u64,
  mLo: u64,
  mHi: u64,
): i32 {
  if (size != 8 && size != 16) return ERR_PARAM;
  tsInit(ctx, XOF_DOMAIN);
  tsAbsorb(ctx, msg, msgLen);
  tsNextVec(ctx, out, n, size, pLo, pHi, mLo, mHi);
  return OK;
}

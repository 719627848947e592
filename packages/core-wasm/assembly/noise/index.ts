// WASM module "noise": exact discrete Laplace and discrete Gaussian samples in bulk
// (Canonne, Kamath, Steinke, NeurIPS 2020) from a TurboSHAKE128 stream (RFC 9861). One call
// fills a whole output vector; the TS wrapper (src/noise/wasm.ts) owns the memory layout above
// heapBase(), checks every parameter, and turns status codes into errors.
import { tsAbsorb, tsInit, TS_CTX_SIZE } from '../xof/turboshake';
import { bitsStart, bitsWipe, REFILL } from './bits';
import { failed, gaussian, laplace, resetFailed } from './sampler';

/** Success. */
const OK: i32 = 0;
/** A sampler loop reached its bound (probability below 2^-1477 per loop). */
const ERR_BOUND: i32 = 1;

/** First free byte above the static data, 64-byte aligned: the wrapper's arena starts here. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/** Bytes of one TurboSHAKE128 context. */
export function ctxSize(): usize {
  return TS_CTX_SIZE;
}

/** Bytes of the squeeze buffer. */
export function bufSize(): usize {
  return REFILL;
}

function start(ctx: usize, buf: usize, msg: usize, msgLen: usize, domain: u32): void {
  tsInit(ctx, domain);
  tsAbsorb(ctx, msg, msgLen);
  bitsStart(ctx, buf);
  resetFailed();
}

function finish(ctx: usize, buf: usize): i32 {
  // Wipe the sponge state and the buffered output: nothing of the stream stays in memory.
  memory.fill(ctx, 0, TS_CTX_SIZE);
  memory.fill(buf, 0, REFILL);
  bitsWipe();
  return failed ? ERR_BOUND : OK;
}

/**
 * `count` discrete Laplace samples with scale s / r (lowest terms, s < 2^53, r < 2^63) as i64 at
 * `out`, from TurboSHAKE128(msg, domain).
 */
export function sampleLaplace(
  ctx: usize,
  buf: usize,
  msg: usize,
  msgLen: usize,
  domain: u32,
  out: usize,
  count: usize,
  s: u64,
  r: u64,
): i32 {
  start(ctx, buf, msg, msgLen, domain);
  for (let i: usize = 0; i < count; i++) {
    const y = laplace(s, r);
    if (failed) break;
    store<i64>(out + (i << 3), y);
  }
  return finish(ctx, buf);
}

/**
 * `count` discrete Gaussian samples as i64 at `out`; the constants t, n, m, b = bHi 2^64 + bLo
 * come from src/noise/params.ts `gaussianConstants`.
 */
export function sampleGaussian(
  ctx: usize,
  buf: usize,
  msg: usize,
  msgLen: usize,
  domain: u32,
  out: usize,
  count: usize,
  t: u64,
  n: u64,
  m: u64,
  bHi: u64,
  bLo: u64,
): i32 {
  start(ctx, buf, msg, msgLen, domain);
  for (let i: usize = 0; i < count; i++) {
    const y = gaussian(t, n, m, bHi, bLo);
    if (failed) break;
    store<i64>(out + (i << 3), y);
  }
  return finish(ctx, buf);
}

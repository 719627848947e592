// The WASM noise backend: exact discrete Laplace and Gaussian samples from the kernels of
// assembly/noise, one call per output vector. This wrapper checks every parameter (shared with
// the TS twin in params.ts), owns the memory above the module's heap base, and turns the kernel
// status into an error.
//
// Memory layout from heapBase(): TurboSHAKE128 context | squeeze buffer | message | samples.
import type { NoiseKernels } from '../backend.js';
import type { NoiseOptions, Rational } from '../types.js';
import { BackendError } from '../errors.js';
import { checkCount, gaussianConstants, seedFrom, toReducedRational } from './params.js';
import { MECH_GAUSSIAN, MECH_LAPLACE, NOISE_DOMAIN, noiseMessage } from './stream.js';

/** The exports of assembly/noise/index.ts. */
interface NoiseExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  ctxSize(): number;
  bufSize(): number;
  sampleLaplace(
    ctx: number,
    buf: number,
    msg: number,
    msgLen: number,
    domain: number,
    out: number,
    count: number,
    s: bigint,
    r: bigint,
  ): number;
  sampleGaussian(
    ctx: number,
    buf: number,
    msg: number,
    msgLen: number,
    domain: number,
    out: number,
    count: number,
    t: bigint,
    n: bigint,
    m: bigint,
    bHi: bigint,
    bLo: bigint,
  ): number;
}

// Kernel status codes (assembly/noise/index.ts).
const OK = 0;
const ERR_BOUND = 1;

const PAGE = 65536;
const WORD = (1n << 64n) - 1n;
const MSG_SPACE = 64;

/** Offsets of the regions of one call. */
interface Layout {
  ctx: number;
  buf: number;
  msg: number;
  out: number;
}

/**
 * The noise samplers on a WASM instance of assembly/noise.
 *
 * @param instance - the instantiated "noise" module.
 * @returns the noise kernels.
 * @throws {BackendError} when the module lacks the expected exports.
 */
export function wasmNoise(instance: WebAssembly.Instance): NoiseKernels {
  const k = instance.exports as unknown as NoiseExports;
  if (typeof k.sampleLaplace !== 'function' || typeof k.sampleGaussian !== 'function') {
    throw new BackendError('wasm noise module lacks its kernels');
  }
  const ctx = k.heapBase();
  const buf = ctx + k.ctxSize();
  const msg = buf + k.bufSize();
  const layout: Layout = { ctx, buf, msg, out: msg + MSG_SPACE };

  /** Grows the memory to hold `count` samples and writes the message; returns its length. */
  function prepare(mech: number, seed: Uint8Array, count: number): number {
    const need = layout.out + 8 * count;
    const have = k.memory.buffer.byteLength;
    if (need > have) {
      try {
        k.memory.grow(Math.ceil((need - have) / PAGE));
      } catch {
        throw new BackendError(`wasm memory: could not grow to ${need} bytes`);
      }
    }
    const message = noiseMessage(mech, seed);
    new Uint8Array(k.memory.buffer, layout.msg, MSG_SPACE).set(message);
    message.fill(0);
    return message.length;
  }

  /** Copies the samples out and wipes the message; throws on a failed status. */
  function collect(status: number, count: number): BigInt64Array {
    new Uint8Array(k.memory.buffer, layout.msg, MSG_SPACE).fill(0);
    if (status === ERR_BOUND) throw new BackendError('noise sampler exceeded its iteration bound');
    if (status !== OK) throw new BackendError(`noise kernel failed with status ${status}`);
    return new BigInt64Array(k.memory.buffer, layout.out, count).slice();
  }

  function discreteLaplace(
    scale: Rational | number,
    count: number,
    options?: NoiseOptions,
  ): BigInt64Array {
    const { num, den } = toReducedRational(scale, 'scale');
    checkCount(count);
    const seed = seedFrom(options);
    const len = prepare(MECH_LAPLACE, seed, count);
    seed.fill(0);
    const { ctx, buf, msg, out } = layout;
    const status = k.sampleLaplace(ctx, buf, msg, len, NOISE_DOMAIN, out, count, num, den);
    return collect(status, count);
  }

  function discreteGaussian(
    sigmaSquared: Rational | number,
    count: number,
    options?: NoiseOptions,
  ): BigInt64Array {
    const c = gaussianConstants(toReducedRational(sigmaSquared, 'sigmaSquared'));
    checkCount(count);
    const seed = seedFrom(options);
    const len = prepare(MECH_GAUSSIAN, seed, count);
    seed.fill(0);
    const { ctx, buf, msg, out } = layout;
    const status = k.sampleGaussian(
      ctx,
      buf,
      msg,
      len,
      NOISE_DOMAIN,
      out,
      count,
      c.t,
      c.n,
      c.m,
      c.b >> 64n,
      c.b & WORD,
    );
    return collect(status, count);
  }

  return { discreteLaplace, discreteGaussian };
}

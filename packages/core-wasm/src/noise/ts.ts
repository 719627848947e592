// The pure-TS twin of the noise kernels: exact discrete Laplace and Gaussian samples from the
// TurboSHAKE128 noise stream, bit-identical to the WASM kernels for the same seed.
import type { NoiseOptions, Rational } from '../types.js';
import type { NoiseKernels } from '../backend.js';
import { checkCount, gaussianConstants, seedFrom, toReducedRational } from './params.js';
import { gaussian, laplace } from './sampler.js';
import { MECH_GAUSSIAN, MECH_LAPLACE, NoiseBitStream } from './stream.js';

function discreteLaplace(
  scale: Rational | number,
  count: number,
  options?: NoiseOptions,
): BigInt64Array {
  const { num, den } = toReducedRational(scale, 'scale');
  checkCount(count);
  const seed = seedFrom(options);
  const stream = new NoiseBitStream(MECH_LAPLACE, seed);
  seed.fill(0);
  try {
    const out = new BigInt64Array(count);
    const s = Number(num);
    for (let i = 0; i < count; i++) out[i] = laplace(stream, s, den);
    return out;
  } finally {
    stream.destroy();
  }
}

function discreteGaussian(
  sigmaSquared: Rational | number,
  count: number,
  options?: NoiseOptions,
): BigInt64Array {
  const c = gaussianConstants(toReducedRational(sigmaSquared, 'sigmaSquared'));
  checkCount(count);
  const seed = seedFrom(options);
  const stream = new NoiseBitStream(MECH_GAUSSIAN, seed);
  seed.fill(0);
  try {
    const out = new BigInt64Array(count);
    for (let i = 0; i < count; i++) out[i] = gaussian(stream, c);
    return out;
  } finally {
    stream.destroy();
  }
}

/** The noise samplers of the pure-TS backend (see sampler.ts for the exact draws). */
export const tsNoise: NoiseKernels = { discreteLaplace, discreteGaussian };

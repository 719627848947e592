// Benchmark suite "noise": the exact discrete Laplace and discrete Gaussian samplers of
// core-wasm (Canonne, Kamath, Steinke 2020) at scales 1 to 1000, WASM kernels against the
// pure-TS twin, in samples per second. Each operation draws one batch from a fixed seed.
import { getBackend, type Backend, type BackendKind } from '@private-measurement/core-wasm';
import type { BenchCase, Suite, SuiteOptions } from '../suite.js';

const GROUP = 'noise';

/** Scales measured: the Laplace scale t and the Gaussian sigma (sigma^2 = scale^2). */
const SCALES = [1, 10, 100, 1000];
const QUICK_SCALES = [1, 1000];

/** Samples per operation, the same on both backends so that the runner's ratios compare them. */
const BATCH = 8192;

/** The backends that can be built here; one that cannot is reported and left out. */
function backends(): Backend[] {
  const out: Backend[] = [];
  for (const kind of ['wasm', 'ts'] as BackendKind[]) {
    try {
      out.push(getBackend(kind));
    } catch (e) {
      console.error(`bench noise: backend ${kind} unavailable: ${(e as Error).message}`);
    }
  }
  return out;
}

function cases(b: Backend, scale: number): BenchCase[] {
  const count = BATCH;
  const seed = new Uint8Array(32).map((_, i) => (i * 29 + 3) & 0xff);
  const options = { seed };
  const common = {
    group: GROUP,
    backend: b.kind,
    params: { scale },
    unitsPerOp: count,
    unit: 'sample',
  };
  const laplace = { num: BigInt(scale), den: 1n };
  const sigma2 = { num: BigInt(scale * scale), den: 1n };
  return [
    {
      ...common,
      name: 'discrete Laplace',
      fn: () => void b.discreteLaplace(laplace, count, options),
    },
    {
      ...common,
      name: 'discrete Gaussian',
      fn: () => void b.discreteGaussian(sigma2, count, options),
    },
  ];
}

/** Discrete Laplace and Gaussian throughput by scale: WASM and the TS twin. */
const suite: Suite = {
  name: 'noise',
  description:
    'exact discrete Laplace (scale t) and discrete Gaussian (sigma = t, sigma^2 = t^2) ' +
    'samples/s for t in 1..1000, batches of 8192 samples from a fixed seed',
  cases(options: SuiteOptions): BenchCase[] {
    const scales = options.sizes ?? (options.quick ? QUICK_SCALES : SCALES);
    const bs = backends();
    return scales.flatMap((scale) => bs.flatMap((b) => cases(b, scale)));
  },
};

export default suite;

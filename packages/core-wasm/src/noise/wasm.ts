// Placeholder until the WASM noise kernels land.
import type { NoiseKernels } from '../backend.js';
import { BackendError } from '../errors.js';
export function wasmNoise(_instance: WebAssembly.Instance): NoiseKernels {
  throw new BackendError('wasm noise kernels not built');
}

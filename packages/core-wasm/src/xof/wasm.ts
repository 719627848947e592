// Placeholder until the WASM XOF kernels land.
import type { XofKernels } from '../backend.js';
import { BackendError } from '../errors.js';
export function wasmXof(_instance: WebAssembly.Instance): XofKernels {
  throw new BackendError('wasm xof kernels not built');
}

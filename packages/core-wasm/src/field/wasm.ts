// Placeholder until the WASM field kernels land.
import type { FieldPair } from '../backend.js';
import { BackendError } from '../errors.js';
export function wasmFields(_instance: WebAssembly.Instance): FieldPair {
  throw new BackendError('wasm field kernels not built');
}

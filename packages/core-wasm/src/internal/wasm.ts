// Instantiation of the compiled AssemblyScript modules. The bytes are embedded (base64) by
// scripts/build-wasm.mjs; Node instantiates synchronously on first use, browsers call `ready()`.
import * as generated from './generated/index.js';
import { BackendError } from '../errors.js';

/** Names of the compiled modules: one per folder under `assembly/`. */
export type WasmModuleName = 'field' | 'xof' | 'noise';

const instances = new Map<WasmModuleName, WebAssembly.Instance>();

function bytesOf(name: WasmModuleName): Uint8Array<ArrayBuffer> {
  const b64 = (generated as Record<string, string | undefined>)[`${name}WasmBase64`];
  if (b64 === undefined) throw new BackendError(`wasm module "${name}" was not built`);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const imports = {
  env: {
    abort(): never {
      throw new BackendError('wasm kernel aborted');
    },
  },
};

/**
 * The instance of module `name`, compiled synchronously on first use.
 * @throws {BackendError} when the module is missing or WebAssembly is unavailable.
 */
export function instanceSync(name: WasmModuleName): WebAssembly.Instance {
  let inst = instances.get(name);
  if (inst === undefined) {
    try {
      inst = new WebAssembly.Instance(new WebAssembly.Module(bytesOf(name)), imports);
    } catch (e) {
      if (e instanceof BackendError) throw e;
      throw new BackendError(`wasm module "${name}" could not be instantiated`);
    }
    instances.set(name, inst);
  }
  return inst;
}

/** Compiles module `name` asynchronously (required on browser main threads). */
export async function instanceAsync(name: WasmModuleName): Promise<WebAssembly.Instance> {
  const have = instances.get(name);
  if (have !== undefined) return have;
  const { instance } = await WebAssembly.instantiate(bytesOf(name), imports);
  instances.set(name, instance);
  return instance;
}

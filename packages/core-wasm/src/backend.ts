// Backend selection: the WASM kernels by default, the pure-TS twin where WebAssembly cannot be
// instantiated or when a caller asks for it. Both implement the same `Backend` interface.
import type { Backend, BackendKind, Field } from './types.js';
import { BackendError, ParamError } from './errors.js';
import { instanceAsync, instanceSync } from './internal/wasm.js';
import { tsFields } from './field/ts.js';
import { wasmFields } from './field/wasm.js';
import { tsXof } from './xof/ts.js';
import { wasmXof } from './xof/wasm.js';
import { tsNoise } from './noise/ts.js';
import { wasmNoise } from './noise/wasm.js';

/** The two fields of one backend. */
export interface FieldPair {
  readonly Field64: Field;
  readonly Field128: Field;
}

/** The XOF part of a backend. */
export type XofKernels = Pick<Backend, 'turboShake128' | 'xof' | 'deriveSeed' | 'expandIntoVec'>;

/** The noise part of a backend. */
export type NoiseKernels = Pick<Backend, 'discreteLaplace' | 'discreteGaussian'>;

let tsBackend: Backend | undefined;
let wasmBackend: Backend | undefined;
let wasmUnavailable = false;
let defaultKind: BackendKind = 'wasm';

function compose(kind: BackendKind, f: FieldPair, x: XofKernels, n: NoiseKernels): Backend {
  return {
    kind,
    Field64: f.Field64,
    Field128: f.Field128,
    turboShake128: x.turboShake128,
    xof: x.xof,
    deriveSeed: x.deriveSeed,
    expandIntoVec: x.expandIntoVec,
    discreteLaplace: n.discreteLaplace,
    discreteGaussian: n.discreteGaussian,
  };
}

function buildTs(): Backend {
  tsBackend ??= compose('ts', tsFields, tsXof, tsNoise);
  return tsBackend;
}

function buildWasm(): Backend {
  if (wasmBackend !== undefined) return wasmBackend;
  const fields = wasmFields(instanceSync('field'));
  wasmBackend = compose(
    'wasm',
    fields,
    wasmXof(instanceSync('xof')),
    wasmNoise(instanceSync('noise')),
  );
  return wasmBackend;
}

/**
 * The backend of the given kind, or the default one.
 *
 * @param kind - `'wasm'` or `'ts'`; omitted: the default (WASM unless it cannot be
 *   instantiated, then the pure-TS twin).
 * @returns the backend.
 * @throws {BackendError} when `'wasm'` is asked for explicitly and cannot be instantiated.
 * @example
 * const { Field64 } = getBackend();
 * Field64.mul(Field64.fromBigInts([2n]), Field64.fromBigInts([3n])); // [6n]
 */
export function getBackend(kind?: BackendKind): Backend {
  const want = kind ?? defaultKind;
  if (want === 'ts') return buildTs();
  if (want !== 'wasm') throw new ParamError(`backend: expected "wasm" or "ts", received ${String(want)}`);
  if (kind === undefined && wasmUnavailable) return buildTs();
  try {
    return buildWasm();
  } catch (e) {
    if (kind === 'wasm') throw e instanceof BackendError ? e : new BackendError('wasm unavailable');
    wasmUnavailable = true;
    return buildTs();
  }
}

/**
 * Sets the backend that `getBackend()` returns when no kind is given.
 *
 * @param kind - `'wasm'` (the default) or `'ts'`.
 * @throws {ParamError} for any other value.
 */
export function setDefaultBackend(kind: BackendKind): void {
  if (kind !== 'wasm' && kind !== 'ts') {
    throw new ParamError(`backend: expected "wasm" or "ts", received ${String(kind)}`);
  }
  defaultKind = kind;
}

/**
 * Compiles the WASM modules asynchronously, as browsers require on the main thread, and
 * returns the default backend. Node does not need it (it compiles synchronously on first use).
 *
 * @returns the default backend, WASM when it could be instantiated.
 */
export async function ready(): Promise<Backend> {
  try {
    await Promise.all([instanceAsync('field'), instanceAsync('xof'), instanceAsync('noise')]);
  } catch {
    wasmUnavailable = true;
  }
  return getBackend();
}

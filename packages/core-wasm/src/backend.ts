// Backend selection, part by part: the fields, the XOF and the noise samplers each run on their
// WASM module by default and fall back to the pure-TS twin on their own when that module cannot
// be instantiated, or everything runs on the twin when a caller asks for it.
import type { Backend, BackendKind, BackendParts, Field } from './types.js';
import { BackendError, ParamError } from './errors.js';
import { instanceAsync, instanceSync, type WasmModuleName } from './internal/wasm.js';
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

/** The kernels of each part on one backend. */
interface Kernels {
  fields: FieldPair;
  xof: XofKernels;
  noise: NoiseKernels;
}

type Part = keyof Kernels;

const PARTS: readonly Part[] = ['fields', 'xof', 'noise'];

/** The WASM module of each part. */
const MODULE: Readonly<Record<Part, WasmModuleName>> = {
  fields: 'field',
  xof: 'xof',
  noise: 'noise',
};

const WRAP: { [P in Part]: (instance: WebAssembly.Instance) => Kernels[P] } = {
  fields: wasmFields,
  xof: wasmXof,
  noise: wasmNoise,
};

const TWIN: Kernels = { fields: tsFields, xof: tsXof, noise: tsNoise };

/** Each WASM part once built, or the error that stopped it (never retried). */
const wasmPart: { [P in Part]?: Kernels[P] | BackendError } = {};

let tsBackend: Backend | undefined;
let wasmBackend: Backend | undefined;
let defaultBackend: Backend | undefined;
let defaultKind: BackendKind = 'wasm';

function compose(k: Kernels, parts: BackendParts): Backend {
  const all = PARTS.every((p) => parts[p] === 'wasm');
  return {
    kind: all ? 'wasm' : 'ts',
    parts,
    Field64: k.fields.Field64,
    Field128: k.fields.Field128,
    turboShake128: k.xof.turboShake128,
    xof: k.xof.xof,
    deriveSeed: k.xof.deriveSeed,
    expandIntoVec: k.xof.expandIntoVec,
    discreteLaplace: k.noise.discreteLaplace,
    discreteGaussian: k.noise.discreteGaussian,
  };
}

function littleEndian(): boolean {
  return new Uint8Array(new BigUint64Array([1n]).buffer)[0] === 1;
}

/** The WASM kernels of `part`, or the BackendError saying why they cannot be built. */
function wasmKernels<P extends Part>(part: P): Kernels[P] | BackendError {
  let got = wasmPart[part] as Kernels[P] | BackendError | undefined;
  if (got !== undefined) return got;
  try {
    // Limitation: linear memory is little-endian and the wrappers read it through typed arrays
    // in the host's byte order, so big-endian hosts get the twin.
    if (!littleEndian()) throw new BackendError('wasm: big-endian hosts are not supported');
    got = WRAP[part](instanceSync(MODULE[part]));
  } catch (e) {
    got =
      e instanceof BackendError
        ? e
        : new BackendError(`wasm module "${MODULE[part]}" could not be set up`);
  }
  (wasmPart as Record<Part, Kernels[P] | BackendError>)[part] = got;
  return got;
}

function buildTs(): Backend {
  tsBackend ??= compose(TWIN, { fields: 'ts', xof: 'ts', noise: 'ts' });
  return tsBackend;
}

function buildWasm(): Backend {
  if (wasmBackend !== undefined) return wasmBackend;
  const fields = wasmKernels('fields');
  const xof = wasmKernels('xof');
  const noise = wasmKernels('noise');
  for (const k of [fields, xof, noise]) if (k instanceof BackendError) throw k;
  wasmBackend = compose(
    { fields: fields as FieldPair, xof: xof as XofKernels, noise: noise as NoiseKernels },
    { fields: 'wasm', xof: 'wasm', noise: 'wasm' },
  );
  return wasmBackend;
}

/** WASM for every part that can be instantiated, the twin for the others. */
function buildDefault(): Backend {
  if (defaultBackend !== undefined) return defaultBackend;
  const fields = wasmKernels('fields');
  const xof = wasmKernels('xof');
  const noise = wasmKernels('noise');
  const kind = (k: object): BackendKind => (k instanceof BackendError ? 'ts' : 'wasm');
  defaultBackend = compose(
    {
      fields: fields instanceof BackendError ? TWIN.fields : fields,
      xof: xof instanceof BackendError ? TWIN.xof : xof,
      noise: noise instanceof BackendError ? TWIN.noise : noise,
    },
    { fields: kind(fields), xof: kind(xof), noise: kind(noise) },
  );
  return defaultBackend;
}

/**
 * The backend of the given kind, or the default one.
 *
 * @param kind - `'wasm'`: every part on WASM; `'ts'`: every part on the pure-TS twin; omitted:
 *   the default set by `setDefaultBackend` (initially WASM part by part: the fields, the XOF
 *   and the noise samplers each fall back to the twin on their own when their WASM module
 *   cannot be instantiated; `parts` says which ran where).
 * @returns the backend.
 * @throws {BackendError} when `'wasm'` is asked for explicitly and any WASM module cannot be
 *   instantiated.
 * @throws {ParamError} for any other kind.
 * @example
 * const { Field64 } = getBackend();
 * Field64.mul(Field64.fromBigInts([2n]), Field64.fromBigInts([3n])); // [6n]
 */
export function getBackend(kind?: BackendKind): Backend {
  const want = kind ?? defaultKind;
  if (want === 'ts') return buildTs();
  if (want !== 'wasm') {
    throw new ParamError(`backend: expected "wasm" or "ts", received ${String(want)}`);
  }
  return kind === 'wasm' ? buildWasm() : buildDefault();
}

/**
 * Sets the backend that `getBackend()` returns when no kind is given.
 *
 * @param kind - `'wasm'` (the default: WASM part by part, the twin where a module fails) or
 *   `'ts'`.
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
 * A module that fails to compile leaves only its own part on the twin.
 *
 * @returns the default backend.
 */
export async function ready(): Promise<Backend> {
  await Promise.allSettled(PARTS.map((p) => instanceAsync(MODULE[p])));
  return getBackend();
}

// Benchmark suite "field": Field64 and Field128 (draft-irtf-cfrg-vdaf-20 §6.1.4) vector
// multiply and add, inner product, NTT and polynomial product, on the WASM kernels and the
// pure-TS twin, plus the raw WASM kernels on data already in linear memory (no staging copies).
import {
  getBackend,
  type Backend,
  type BackendKind,
  type Field,
} from '@private-measurement/core-wasm';
import type { BenchCase, Suite, SuiteOptions } from '../suite.js';

const GROUP = 'field';

/** Vector lengths when none are asked for. */
const DEFAULT_SIZES = [4096, 65536];
const QUICK_SIZES = [4096];

/** NTT size of the targets (Field64 NTT of size 4096 in at most 150 us). */
const NTT_SIZE = 4096;

/** The internal hook of the WASM fields that times a kernel on data already in WASM memory. */
type RawKernelHook = (op: 'add' | 'mul' | 'ntt', n: number) => () => void;

/** The backends that can be built here; one that cannot is reported and left out. */
function backends(): Backend[] {
  const out: Backend[] = [];
  for (const kind of ['wasm', 'ts'] as BackendKind[]) {
    try {
      out.push(getBackend(kind));
    } catch (e) {
      console.error(`bench field: backend ${kind} unavailable: ${(e as Error).message}`);
    }
  }
  return out;
}

/** n canonical pseudo-random elements of F, deterministic. */
function vector(F: Field, n: number, seed: bigint) {
  const v = F.zeros(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    F.set(v, i, ((s << 64n) | (s ^ 0x5851f42d4c957f2dn)) % F.modulus);
  }
  return v;
}

function vectorCases(b: Backend, F: Field, n: number): BenchCase[] {
  const a = vector(F, n, 1n);
  const c = vector(F, n, 2n);
  const out = F.zeros(n);
  const common = { group: GROUP, backend: b.kind, params: { n }, unitsPerOp: n, unit: 'elem' };
  return [
    { ...common, name: `${F.name} vec mul`, fn: () => void F.mul(a, c, out) },
    { ...common, name: `${F.name} vec add`, fn: () => void F.add(a, c, out) },
    { ...common, name: `${F.name} inner product`, fn: () => void F.innerProduct(a, c) },
  ];
}

function polyCases(b: Backend, F: Field): BenchCase[] {
  const n = NTT_SIZE;
  const coeffs = vector(F, n, 3n);
  const half = vector(F, n / 2, 4n);
  const other = vector(F, n / 2, 5n);
  const common = { group: GROUP, backend: b.kind, params: { n }, unitsPerOp: n, unit: 'elem' };
  return [
    { ...common, name: `${F.name} NTT`, fn: () => void F.ntt(coeffs, n) },
    { ...common, name: `${F.name} polyMul`, fn: () => void F.polyMul(half, other) },
  ];
}

/** The raw kernels, timed without the copies into and out of linear memory. */
function rawCases(F: Field, sizes: number[]): BenchCase[] {
  const hook = (F as unknown as { _rawKernel?: RawKernelHook })._rawKernel;
  if (hook === undefined) return [];
  const raw = hook.bind(F);
  const cases: BenchCase[] = [];
  const common = { group: GROUP, backend: 'wasm' as const, unit: 'elem' };
  for (const n of sizes) {
    const params = { n };
    cases.push(
      {
        ...common,
        params,
        unitsPerOp: n,
        name: `${F.name} vec mul (raw kernel)`,
        fn: raw('mul', n),
      },
      {
        ...common,
        params,
        unitsPerOp: n,
        name: `${F.name} vec add (raw kernel)`,
        fn: raw('add', n),
      },
    );
  }
  const params = { n: NTT_SIZE };
  cases.push({
    ...common,
    params,
    unitsPerOp: NTT_SIZE,
    name: `${F.name} NTT (raw kernel)`,
    fn: raw('ntt', NTT_SIZE),
  });
  return cases;
}

const suite: Suite = {
  name: 'field',
  description:
    'Field64/Field128 vector mul, add, inner product, NTT (4096) and polyMul; WASM vs the TS twin, and raw WASM kernels',
  cases(options: SuiteOptions): BenchCase[] {
    const sizes = options.sizes ?? (options.quick ? QUICK_SIZES : DEFAULT_SIZES);
    const cases: BenchCase[] = [];
    for (const b of backends()) {
      for (const F of [b.Field64, b.Field128]) {
        for (const n of sizes) cases.push(...vectorCases(b, F, n));
        cases.push(...polyCases(b, F));
        if (b.kind === 'wasm') cases.push(...rawCases(F, sizes));
      }
    }
    return cases;
  },
};

export default suite;

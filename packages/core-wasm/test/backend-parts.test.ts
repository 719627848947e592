// Backend selection part by part: when one WASM module cannot be instantiated (simulated here by
// a mock of the instantiation module), the default backend runs that part on the pure-TS twin
// and keeps the others on WASM, while an explicit 'wasm' request fails with BackendError.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Backend, BackendParts } from '../src/types.js';

const sim = vi.hoisted(() => ({
  /** Modules whose instantiation fails, as the real loader reports it. */
  failing: new Set<string>(),
  /** Modules replaced by another module's instance (instantiates, but lacks the exports). */
  swapped: new Map<string, string>(),
}));

vi.mock('../src/internal/wasm.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/internal/wasm.js')>();
  const { BackendError } = await import('../src/errors.js');
  type Name = Parameters<typeof real.instanceSync>[0];
  return {
    ...real,
    instanceSync(name: Name): WebAssembly.Instance {
      if (sim.failing.has(name)) {
        throw new BackendError(`wasm module "${name}" could not be instantiated`);
      }
      return real.instanceSync((sim.swapped.get(name) ?? name) as Name);
    },
    async instanceAsync(name: Name): Promise<WebAssembly.Instance> {
      if (sim.failing.has(name)) throw new WebAssembly.CompileError('simulated');
      return real.instanceAsync(name);
    },
  };
});

/** A fresh copy of the backend module (its caches empty) under the current simulation. */
async function fresh(): Promise<typeof import('../src/backend.js')> {
  vi.resetModules();
  return import('../src/backend.js');
}

const seed = new Uint8Array(32).fill(7);

/** Checks that every part computes, and that each runs where `parts` says. */
function works(b: Backend, parts: BackendParts): void {
  expect(b.parts).toEqual(parts);
  expect(b.kind).toBe(Object.values(parts).every((k) => k === 'wasm') ? 'wasm' : 'ts');
  expect(b.Field64.backend).toBe(parts.fields);
  expect(b.Field128.backend).toBe(parts.fields);
  const F = b.Field64;
  expect(F.toBigInts(F.mul(F.fromBigInts([3n, F.modulus - 1n]), F.fromBigInts([5n, 2n])))).toEqual([
    15n,
    F.modulus - 2n,
  ]);
  expect(b.deriveSeed(seed, new Uint8Array(1), new Uint8Array(0))).toHaveLength(32);
  expect(b.discreteLaplace(3, 5, { seed })).toHaveLength(5);
  expect(b.discreteGaussian(9, 5, { seed })).toHaveLength(5);
}

describe('per-part fallback of the default backend', () => {
  beforeEach(() => {
    sim.failing.clear();
    sim.swapped.clear();
  });

  it('every module available: the default backend is WASM throughout', async () => {
    const m = await fresh();
    const b = m.getBackend();
    works(b, { fields: 'wasm', xof: 'wasm', noise: 'wasm' });
    expect(m.getBackend('wasm').parts).toEqual(b.parts);
  });

  for (const [module, part] of [
    ['field', 'fields'],
    ['xof', 'xof'],
    ['noise', 'noise'],
  ] as const) {
    it(`module "${module}" fails: only ${part} runs on the twin; 'wasm' throws BackendError`, async () => {
      sim.failing.add(module);
      const m = await fresh();
      const { tsFields } = await import('../src/field/ts.js');
      const { tsXof } = await import('../src/xof/ts.js');
      const { tsNoise } = await import('../src/noise/ts.js');
      const parts = { fields: 'wasm', xof: 'wasm', noise: 'wasm', [part]: 'ts' } as BackendParts;
      const b = m.getBackend();
      works(b, parts);
      // The twin's own kernels stand in for the failed part, the WASM ones for the others.
      expect(b.Field64 === tsFields.Field64).toBe(part === 'fields');
      expect(b.deriveSeed === tsXof.deriveSeed).toBe(part === 'xof');
      expect(b.discreteLaplace === tsNoise.discreteLaplace).toBe(part === 'noise');
      expect(m.getBackend()).toBe(b);

      const err = (() => {
        try {
          m.getBackend('wasm');
        } catch (e) {
          return e as { code?: string; message: string };
        }
        return undefined;
      })();
      expect(err?.code).toBe('BACKEND');
      expect(err?.message).toContain(`"${module}"`);
      works(m.getBackend('ts'), { fields: 'ts', xof: 'ts', noise: 'ts' });
    });
  }

  it('a module that instantiates without the expected exports falls back alone', async () => {
    // The "noise" name loads the xof module, which lacks the sampler kernels.
    sim.swapped.set('noise', 'xof');
    const m = await fresh();
    works(m.getBackend(), { fields: 'wasm', xof: 'wasm', noise: 'ts' });
    expect(() => m.getBackend('wasm')).toThrow(/noise/);
  });

  it('two modules fail: the third still runs on WASM', async () => {
    sim.failing.add('field');
    sim.failing.add('noise');
    const m = await fresh();
    works(m.getBackend(), { fields: 'ts', xof: 'wasm', noise: 'ts' });
  });

  it('ready() tolerates a module that fails to compile asynchronously', async () => {
    sim.failing.add('xof');
    const m = await fresh();
    const b = await m.ready();
    works(b, { fields: 'wasm', xof: 'ts', noise: 'wasm' });
  });

  it('the public samplers follow the default backend and agree with the twin', async () => {
    sim.failing.add('noise');
    vi.resetModules();
    const api = await import('../src/index.js');
    expect(api.getBackend().parts.noise).toBe('ts');
    const viaDefault = api.discreteLaplace({ num: 7n, den: 2n }, 64, { seed });
    const viaTs = api.discreteLaplace({ num: 7n, den: 2n }, 64, { seed, backend: 'ts' });
    expect(viaDefault).toEqual(viaTs);
    expect(() => api.discreteLaplace(1, 1, { seed, backend: 'wasm' })).toThrow(api.BackendError);
  });
});

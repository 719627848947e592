// Backend selection as far as the field kernels go: `getBackend('ts' | 'wasm')` hands out the
// twin and the WASM fields, the default follows setDefaultBackend, and bad kinds are rejected
// (per-part fallback: backend-parts.test.ts).
import { describe, expect, it } from 'vitest';
import { getBackend, setDefaultBackend } from '../src/index.js';
import type { BackendKind, Field } from '../src/types.js';
import { tsFields } from '../src/field/ts.js';
import { codeOf } from './field-support.js';

/** Checks a few products against BigInt arithmetic. */
function computes(F: Field): void {
  const xs = [0n, 1n, F.modulus - 1n, 123456789n];
  const got = F.toBigInts(F.mul(F.fromBigInts(xs), F.fromBigInts(xs)));
  expect(got).toEqual(xs.map((x) => (x * x) % F.modulus));
}

describe('getBackend and the field kernels', () => {
  it("'ts' returns the pure-TS twin fields", () => {
    const b = getBackend('ts');
    expect(b.kind).toBe('ts');
    expect(b.Field64).toBe(tsFields.Field64);
    expect(b.Field128).toBe(tsFields.Field128);
    computes(b.Field64);
    computes(b.Field128);
  });

  it("'wasm' returns the WASM fields", () => {
    const backend = getBackend('wasm');
    expect(backend.kind).toBe('wasm');
    expect(backend.parts.fields).toBe('wasm');
    expect(backend.Field64.backend).toBe('wasm');
    expect(backend.Field128.backend).toBe('wasm');
    computes(backend.Field64);
    computes(backend.Field128);
  });

  it('the default backend computes correctly and follows setDefaultBackend', () => {
    computes(getBackend().Field64);
    setDefaultBackend('ts');
    try {
      expect(getBackend().Field128.backend).toBe('ts');
    } finally {
      setDefaultBackend('wasm');
    }
  });

  it('rejects unknown kinds with ParamError', () => {
    expect(codeOf(() => getBackend('gpu' as BackendKind))).toBe('PARAM');
    expect(codeOf(() => setDefaultBackend('gpu' as BackendKind))).toBe('PARAM');
  });
});

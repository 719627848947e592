// Kernels on 2^20-element inputs, and WASM memory growth: a call that grows a module's linear
// memory (which detaches every view of the old buffer) must leave the wrappers, streams and
// caches created before it working. Large results are checked against independent
// computations: BigInt formulas, @noble/hashes' TurboSHAKE128 and the pure-TS twin.
import { turboshake128 } from '@noble/hashes/sha3-addons.js';
import { describe, expect, it } from 'vitest';
import { getBackend, type Field } from '../src/index.js';
import { instanceSync, type WasmModuleName } from '../src/internal/wasm.js';

const wasm = getBackend('wasm');
const twin = getBackend('ts');
const N = 2 ** 20;

/** Bytes of the linear memory of a WASM module. */
function memoryBytes(name: WasmModuleName): number {
  return (instanceSync(name).exports.memory as WebAssembly.Memory).buffer.byteLength;
}

/** n canonical pseudo-random elements (the top bits of each word cleared keep them below p). */
function randomVec(F: Field, n: number, seed: number): BigUint64Array {
  const v = new BigUint64Array(n * F.words);
  const h = new Uint32Array(v.buffer);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < h.length; i++) {
    // xorshift32; odd indices are the high halves of little-endian words.
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    h[i] = i % 2 === 1 ? (s >>> 0) & 0x1fffffff : s >>> 0;
  }
  return v;
}

function sameWords(a: BigUint64Array, b: BigUint64Array): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

describe('2^20-element field kernels', () => {
  for (const name of ['Field64', 'Field128'] as const) {
    it(`${name} WASM: NTT and inverse NTT of size 2^20 after growth, old wrapper still right`, () => {
      const F = wasm[name];
      const small = randomVec(F, 4096, 11);
      const smallEvals = F.ntt(small, 4096);
      const before = memoryBytes('field');

      const c = randomVec(F, N, 7);
      const evals = F.ntt(c, N);
      expect(memoryBytes('field')).toBeGreaterThan(before);
      const w = F.nthRoot(N);
      for (const i of [0, 1, 2, 12345, N / 2, N - 1]) {
        expect(F.get(evals, i)).toBe(F.polyEval(c, F.powS(w, BigInt(i))));
      }
      expect(sameWords(F.invNtt(evals), c)).toBe(true);

      // The same wrapper, its cached twiddles and a 4096-point NTT after the growth.
      expect(sameWords(F.ntt(small, 4096), smallEvals)).toBe(true);
      expect(sameWords(smallEvals, twin[name].ntt(small, 4096))).toBe(true);
    });
  }

  it('Field64 on both backends: 2^20-element mul, add, sub, inner product agree', () => {
    const [W, T] = [wasm.Field64, twin.Field64];
    const a = randomVec(W, N, 1);
    const b = randomVec(W, N, 2);
    const prod = W.mul(a, b);
    expect(sameWords(prod, T.mul(a, b))).toBe(true);
    expect(sameWords(W.add(a, b), T.add(a, b))).toBe(true);
    expect(sameWords(W.sub(a, b), T.sub(a, b))).toBe(true);
    expect(W.innerProduct(a, b)).toBe(T.innerProduct(a, b));
    const p = W.modulus;
    for (const i of [0, 99, N - 1]) expect(W.get(prod, i)).toBe((a[i] * b[i]) % p);
  });
});

describe('2^20-element expandIntoVec', () => {
  const seed = new Uint8Array(32).map((_, i) => i ^ 0x5c);
  const dst = new TextEncoder().encode('memory test');
  const binder = new Uint8Array([1, 2, 3]);
  // draft-irtf-cfrg-vdaf-20 §6.2.1: dst length (2 bytes LE) || dst || seed length || seed || binder.
  const msg = new Uint8Array([dst.length, 0, ...dst, seed.length, ...seed, ...binder]);

  it('Field128 WASM: equals the raw TurboSHAKE128 stream when no candidate is rejected', () => {
    const F = wasm.Field128;
    const before = memoryBytes('xof');
    const v = wasm.expandIntoVec(F, seed, dst, binder, N);
    expect(memoryBytes('xof')).toBeGreaterThan(before);
    const raw = turboshake128(msg, { D: 1, dkLen: 16 * N });
    const words = new BigUint64Array(raw.buffer, raw.byteOffset, 2 * N);
    // Each 16-byte candidate is below p here, so next_vec keeps every one in order.
    const p = F.modulus;
    let rejected = 0;
    for (let i = 0; i < N; i++) if (((words[2 * i + 1] << 64n) | words[2 * i]) >= p) rejected++;
    expect(rejected).toBe(0);
    expect(sameWords(v, words)).toBe(true);
  });

  it('Field64: WASM and the twin agree on 2^20 elements', () => {
    const a = wasm.expandIntoVec(wasm.Field64, seed, dst, binder, N);
    const b = twin.expandIntoVec(twin.Field64, seed, dst, binder, N);
    expect(a.length).toBe(N);
    expect(sameWords(a, b)).toBe(true);
  });
});

describe('memory growth under live wrappers', () => {
  it('an XOF stream created before growth continues correctly after it', () => {
    const seed = new Uint8Array(32).fill(3);
    const dst = new Uint8Array([9]);
    const w = wasm.xof(seed, dst, new Uint8Array(0));
    const t = twin.xof(seed, dst, new Uint8Array(0));
    const ts = wasm.turboShake128(0x1f).absorb(new Uint8Array([1, 2, 3]));
    const tt = twin.turboShake128(0x1f).absorb(new Uint8Array([1, 2, 3]));
    expect(w.next(100)).toEqual(t.next(100));

    // Enough Field128 elements to need more memory than the module has now.
    const before = memoryBytes('xof');
    const n = Math.ceil(before / 16) + N / 4;
    wasm.expandIntoVec(wasm.Field128, seed, dst, new Uint8Array(1), n);
    expect(memoryBytes('xof')).toBeGreaterThan(before);

    expect(w.next(1000)).toEqual(t.next(1000));
    expect(sameWords(w.nextVec(wasm.Field64, 500), t.nextVec(twin.Field64, 500))).toBe(true);
    expect(ts.absorb(new Uint8Array(500).fill(7)).squeeze(300)).toEqual(
      tt.absorb(new Uint8Array(500).fill(7)).squeeze(300),
    );
  });

  it('noise: over 2^20 samples grow memory; calls before and after agree with the twin', () => {
    const seed = new Uint8Array(32).fill(0xa5);
    const first = wasm.discreteLaplace(10, 1000, { seed });
    const before = memoryBytes('noise');
    const n = Math.ceil(before / 8) + N;
    const big = wasm.discreteGaussian(100, n, { seed });
    expect(memoryBytes('noise')).toBeGreaterThan(before);
    expect(big.subarray(0, 500)).toEqual(twin.discreteGaussian(100, 500, { seed }));
    // The tail of the big output is real samples, not untouched memory.
    expect(big.subarray(n - 4096).some((x) => x !== 0n)).toBe(true);

    expect(wasm.discreteLaplace(10, 1000, { seed })).toEqual(first);
    expect(first).toEqual(twin.discreteLaplace(10, 1000, { seed }));
  });
});

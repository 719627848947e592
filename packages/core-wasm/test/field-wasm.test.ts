// The WASM field kernels: the shared property suite, every kernel in lockstep with the pure-TS
// twin on random vectors (lengths 0 and 1 included), and large vectors that grow linear memory.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Field, FieldVec } from '../src/types.js';
import { instanceSync } from '../src/internal/wasm.js';
import { tsFields } from '../src/field/ts.js';
import { wasmFields } from '../src/field/wasm.js';
import { codeOf, elem, elemPairs, elems, fieldProperties } from './field-support.js';

const wasm = wasmFields(instanceSync('field'));
const pairs: [Field, Field][] = [
  [wasm.Field64, tsFields.Field64],
  [wasm.Field128, tsFields.Field128],
];

/** Whether two vectors hold the same words (a fast comparison for large vectors). */
function sameWords(a: FieldVec, b: FieldVec): boolean {
  const bytes = (v: FieldVec) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return a.length === b.length && bytes(a).equals(bytes(b));
}

/** Result of `f` as plain data (vectors as bigint arrays), or the error code it threw. */
function outcome(F: Field, f: (F: Field) => unknown): unknown {
  try {
    const r = f(F);
    return r instanceof BigUint64Array ? { vec: F.toBigInts(r as FieldVec) } : { value: r };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? 'untyped' };
  }
}

for (const [W, T] of pairs) {
  fieldProperties(W);

  describe(`${W.name}: wasm in lockstep with the twin`, () => {
    const same = (f: (F: Field) => unknown): void => expect(outcome(W, f)).toEqual(outcome(T, f));

    it('has the same parameters', () => {
      expect(W.backend).toBe('wasm');
      for (const key of [
        'name',
        'modulus',
        'encodedSize',
        'words',
        'generator',
        'genOrder',
      ] as const) {
        expect(W[key]).toBe(T[key]);
      }
    });

    it('elementwise kernels', () => {
      fc.assert(
        fc.property(elemPairs(W, 300), elem(W), ([xs, ys], c) => {
          const mk = (F: Field) => [F.fromBigInts(xs), F.fromBigInts(ys)] as const;
          same((F) => F.add(...mk(F)));
          same((F) => F.sub(...mk(F)));
          same((F) => F.mul(...mk(F)));
          same((F) => F.neg(mk(F)[0]));
          same((F) => F.addScalar(mk(F)[0], c));
          same((F) => F.mulScalar(mk(F)[0], c));
          same((F) => F.sum(mk(F)[0]));
          same((F) => F.innerProduct(...mk(F)));
          same((F) => F.inv(mk(F)[0]));
          same((F) => F.powers(c, xs.length));
          same((F) => F.encode(mk(F)[0]));
          same((F) => F.polyEval(mk(F)[0], c));
        }),
        { numRuns: 100 },
      );
    });

    it('decode of random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          same((F) => F.decode(bytes));
          const hi = bytes.slice(0, bytes.length - (bytes.length % W.encodedSize));
          for (let i = W.encodedSize - 1; i < hi.length; i += W.encodedSize) hi[i] |= 0xf0;
          same((F) => F.decode(hi));
        }),
        { numRuns: 100 },
      );
    });

    it('ntt, nttCoset, invNtt, lagrangeEval, lagrangeBasis, polyMul', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 9 }), elems(W, 600), elem(W), (k, cs, x) => {
          const n = 2 ** k;
          const c = cs.slice(0, n);
          same((F) => F.ntt(F.fromBigInts(c), n));
          same((F) => F.nttCoset!(F.fromBigInts(c), n));
          const full = [...cs, ...cs].slice(0, n);
          if (full.length === n) {
            same((F) => F.invNtt(F.fromBigInts(full)));
            same((F) => F.lagrangeEval(F.fromBigInts(full), x));
          }
          same((F) => F.lagrangeBasis!(n, x));
          same((F) => F.polyMul(F.fromBigInts(cs), F.fromBigInts(c)));
          same((F) => F.polyMul(F.fromBigInts(c), F.fromBigInts(cs.slice(0, 40))));
        }),
        { numRuns: 60 },
      );
    });

    it('cosetEvalsRows, every row length up to 2^8, with edge values', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 8 }),
          fc.integer({ min: 1, max: 3 }),
          elems(W, 200),
          (k, rows, cs) => {
            const n = 2 ** k;
            const vals = Array.from(
              { length: rows * n },
              (_, i) => cs[i % Math.max(1, cs.length)] ?? 0n,
            );
            same((F) => F.cosetEvalsRows!(F.fromBigInts(vals), rows));
            same((F) => F.cosetEvalsRows!(F.fromBigInts(vals), rows + 1));
          },
        ),
        { numRuns: 60 },
      );
      const p = W.modulus;
      for (const edge of [p - 1n, (1n << 64n) - 1n, 1n << 63n, 0n]) {
        const vals = Array.from({ length: 128 }, (_, i) =>
          i % 3 === 0 ? edge : p - 1n - BigInt(i),
        );
        same((F) => F.cosetEvalsRows!(F.fromBigInts(vals.map((x) => x % p)), 2));
      }
    });

    it('sumProductsDoubled, row lengths up to 2^8, with edge values', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 8 }),
          fc.integer({ min: 1, max: 3 }),
          elems(W, 200),
          (k, pairs, cs) => {
            const n = 2 ** k;
            const vals = Array.from(
              { length: 2 * pairs * n },
              (_, i) => cs[i % Math.max(1, cs.length)] ?? 0n,
            );
            same((F) => F.sumProductsDoubled!(F.fromBigInts(vals), pairs));
            same((F) => F.sumProductsDoubled!(F.fromBigInts(vals), pairs + 1));
          },
        ),
        { numRuns: 60 },
      );
      const p = W.modulus;
      for (const edge of [p - 1n, (1n << 64n) - 1n, 1n << 63n, 0n]) {
        const vals = Array.from({ length: 256 }, (_, i) =>
          i % 3 === 0 ? edge : p - 1n - BigInt(i),
        );
        same((F) => F.sumProductsDoubled!(F.fromBigInts(vals), 2));
        same((F) => F.sumProductsDoubled!(F.fromBigInts(vals), 128));
      }
    });

    it('cosetEvalsRows beyond the table caches (2^17 per row): spot values', () => {
      const n = 2 ** 17;
      const v = new BigUint64Array(n * W.words);
      for (let i = 0; i < v.length; i++) v[i] = BigInt(i * 40503 + 17) & ((1n << 60n) - 1n);
      const cos = W.cosetEvalsRows!(v, 1);
      const coeffs = W.invNtt(v);
      const s = W.nthRoot(2 * n);
      const w = W.nthRoot(n);
      for (const j of [0, 1, 77, n - 1]) {
        expect(W.get(cos, j)).toBe(W.polyEval(coeffs, W.mulS(s, W.powS(w, BigInt(j)))));
      }
    });

    it('bad arguments fail alike', () => {
      fc.assert(
        fc.property(elems(W, 8), elems(W, 8), fc.integer({ min: -2, max: 20 }), (xs, ys, n) => {
          const mk = (F: Field, v: bigint[]) => F.fromBigInts(v);
          same((F) => F.add(mk(F, xs), mk(F, ys)));
          same((F) => F.innerProduct(mk(F, xs), mk(F, ys)));
          same((F) => F.ntt(mk(F, xs), n));
          same((F) => F.invNtt(mk(F, xs)));
          same((F) => F.lagrangeEval(mk(F, xs), 1n));
          same((F) => F.mul(mk(F, xs), mk(F, xs), mk(F, ys)));
          same((F) => F.powers(2n, n));
        }),
        { numRuns: 100 },
      );
    });

    it('NTT beyond the twiddle cache (2^17): round trip and spot values', () => {
      const n = 2 ** 17;
      const c = new BigUint64Array(n * W.words);
      for (let i = 0; i < c.length; i++) c[i] = BigInt(i * 2654435761) & ((1n << 60n) - 1n);
      const ev = W.ntt(c, n);
      const w = W.nthRoot(n);
      for (const i of [0, 1, 5, n - 1]) {
        expect(W.get(ev, i)).toBe(W.polyEval(c, W.powS(w, BigInt(i))));
      }
      expect(sameWords(W.invNtt(ev), c)).toBe(true);
      const cos = W.nttCoset!(c, n);
      const s = W.nthRoot(2 * n);
      expect(W.get(cos, 3)).toBe(W.polyEval(c, W.mulS(s, W.powS(w, 3n))));
    });

    it('2^20-element vectors: memory grows and views are rebuilt', () => {
      const n = 2 ** 20;
      const a = new BigUint64Array(n * W.words);
      const b = new BigUint64Array(n * W.words);
      // Canonical pseudo-random words: the top bits cleared keep every element below p.
      let s = 0x243f6a8885a308d3n;
      for (let i = 0; i < a.length; i++) {
        s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
        a[i] = (s >> 2n) | 1n;
        b[i] = s >> 3n;
      }
      const prod = W.mul(a, b);
      const sum = W.add(a, b);
      for (const i of [0, 1, 12345, n - 1]) {
        expect(W.get(prod, i)).toBe(W.mulS(W.get(a, i), W.get(b, i)));
        expect(W.get(sum, i)).toBe(W.addS(W.get(a, i), W.get(b, i)));
      }
      expect(W.innerProduct(a, b)).toBe(T.innerProduct(a, b));
      expect(sameWords(W.decode(W.encode(a)), a)).toBe(true);
      const ai = W.inv(a);
      for (const i of [0, 777, n - 1]) expect(W.mulS(W.get(a, i), W.get(ai, i))).toBe(1n);
      // After growth a small call still sees fresh views.
      expect(W.toBigInts(W.mul(W.fromBigInts([2n]), W.fromBigInts([3n])))).toEqual([6n]);
      W.set(a, 5, 0n);
      const out = W.zeros(n);
      expect(codeOf(() => W.inv(a, out))).toBe('ARITHMETIC');
      expect(W.sum(out)).toBe(0n);
    });
  });
}

// Test support for the field kernels: arbitraries, BigInt reference formulas written from the
// definitions (not from the code under test), and the property suite that every backend passes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Field, FieldVec } from '../src/types.js';

/** x^e mod m, written independently of the code under test. */
export function refPow(x: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  x %= m;
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * x) % m;
    x = (x * x) % m;
  }
  return r;
}

/** An element of F, biased towards edge values. */
export function elem(F: Field): fc.Arbitrary<bigint> {
  const p = F.modulus;
  const edges = [0n, 1n, 2n, p - 1n, p - 2n, (p - 1n) / 2n, (1n << 32n) - 1n, 1n << 32n];
  if (F.words === 2) edges.push((1n << 64n) - 1n, 1n << 64n, (1n << 64n) + 1n);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...edges) },
    { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: p - 1n }) },
  );
}

/** A list of elements of F, lengths 0 to maxLength (0 and 1 included). */
export function elems(F: Field, maxLength = 40): fc.Arbitrary<bigint[]> {
  return fc.oneof(
    fc.array(elem(F), { minLength: 0, maxLength: 1 }),
    fc.array(elem(F), { minLength: 0, maxLength }),
  );
}

/** Two lists of the same length. */
export function elemPairs(F: Field, maxLength = 40): fc.Arbitrary<[bigint[], bigint[]]> {
  return fc
    .integer({ min: 0, max: maxLength })
    .chain((n) =>
      fc.tuple(
        fc.array(elem(F), { minLength: n, maxLength: n }),
        fc.array(elem(F), { minLength: n, maxLength: n }),
      ),
    );
}

/** Naive DFT: out[i] = sum_j c[j] * w^(i*j). */
export function naiveDft(c: bigint[], n: number, w: bigint, p: bigint): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0n;
    const wi = refPow(w, BigInt(i), p);
    let t = 1n;
    for (let j = 0; j < c.length; j++) {
      s += c[j] * t;
      t = (t * wi) % p;
    }
    out.push(s % p);
  }
  return out;
}

/** The first `n` of `vs`, padded with ones when it is shorter: `n` evaluations for a test. */
function firstN(vs: readonly bigint[], n: number): bigint[] {
  return [...vs.slice(0, n), ...new Array<bigint>(Math.max(0, n - vs.length)).fill(1n)];
}

/** Schoolbook product of two coefficient lists. */
export function schoolbook(a: bigint[], b: bigint[], p: bigint): bigint[] {
  if (a.length === 0 || b.length === 0) return [];
  const out = new Array<bigint>(a.length + b.length - 1).fill(0n);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] += a[i] * b[j];
  return out.map((x) => x % p);
}

/** Horner evaluation. */
export function horner(c: bigint[], x: bigint, p: bigint): bigint {
  let r = 0n;
  for (let i = c.length - 1; i >= 0; i--) r = (r * x + c[i]) % p;
  return r;
}

/** The error `code` thrown by `f`, or 'none'. */
export function codeOf(f: () => unknown): string {
  try {
    f();
    return 'none';
  } catch (e) {
    return (e as { code?: string }).code ?? 'untyped';
  }
}

const RUNS = { numRuns: 60 };

/** The properties that every field of every backend satisfies. */
export function fieldProperties(F: Field): void {
  const p = F.modulus;
  const V = (xs: bigint[]): FieldVec => F.fromBigInts(xs);
  const B = (v: FieldVec): bigint[] => F.toBigInts(v);

  describe(`${F.name} (${F.backend}) properties`, () => {
    it('vector add/sub/mul/neg match integer arithmetic mod p', () => {
      fc.assert(
        fc.property(elemPairs(F), ([xs, ys]) => {
          const a = V(xs);
          const b = V(ys);
          expect(B(F.add(a, b))).toEqual(xs.map((x, i) => (x + ys[i]) % p));
          expect(B(F.sub(a, b))).toEqual(xs.map((x, i) => (((x - ys[i]) % p) + p) % p));
          expect(B(F.mul(a, b))).toEqual(xs.map((x, i) => (x * ys[i]) % p));
          expect(B(F.neg(a))).toEqual(xs.map((x) => (p - x) % p));
        }),
        RUNS,
      );
    });

    it('field axioms hold on scalars and vectors', () => {
      fc.assert(
        fc.property(elem(F), elem(F), elem(F), (x, y, z) => {
          expect(F.addS(x, y)).toBe(F.addS(y, x));
          expect(F.mulS(x, y)).toBe(F.mulS(y, x));
          expect(F.mulS(F.mulS(x, y), z)).toBe(F.mulS(x, F.mulS(y, z)));
          expect(F.addS(F.addS(x, y), z)).toBe(F.addS(x, F.addS(y, z)));
          expect(F.mulS(x, F.addS(y, z))).toBe(F.addS(F.mulS(x, y), F.mulS(x, z)));
          expect(F.addS(x, F.negS(x))).toBe(0n);
          expect(F.subS(x, y)).toBe(F.addS(x, F.negS(y)));
          expect(F.mulS(x, 1n)).toBe(x);
          if (x !== 0n) expect(F.mulS(x, F.invS(x))).toBe(1n);
          expect(F.powS(x, 3n)).toBe(F.mulS(x, F.mulS(x, x)));
          const a = V([x, y]);
          const b = V([y, z]);
          const c = V([z, x]);
          expect(B(F.mul(a, F.add(b, c)))).toEqual(B(F.add(F.mul(a, b), F.mul(a, c))));
        }),
        RUNS,
      );
    });

    it('scalar kernels: addScalar, mulScalar, sum, innerProduct, powers, inv', () => {
      fc.assert(
        fc.property(elemPairs(F), elem(F), ([xs, ys], c) => {
          const a = V(xs);
          expect(B(F.addScalar(a, c))).toEqual(xs.map((x) => (x + c) % p));
          expect(B(F.mulScalar(a, c))).toEqual(xs.map((x) => (x * c) % p));
          expect(F.sum(a)).toBe(xs.reduce((s, x) => s + x, 0n) % p);
          expect(F.innerProduct(a, V(ys))).toBe(xs.reduce((s, x, i) => s + x * ys[i], 0n) % p);
          expect(B(F.powers(c, xs.length))).toEqual(xs.map((_, i) => refPow(c, BigInt(i), p)));
          const nz = xs.filter((x) => x !== 0n);
          expect(B(F.inv(V(nz)))).toEqual(nz.map((x) => refPow(x, p - 2n, p)));
        }),
        RUNS,
      );
    });

    it('out may alias an input', () => {
      fc.assert(
        fc.property(elemPairs(F), ([xs, ys]) => {
          const a = V(xs);
          const r = F.mul(a, V(ys), a);
          expect(r).toBe(a);
          expect(B(a)).toEqual(xs.map((x, i) => (x * ys[i]) % p));
        }),
        RUNS,
      );
    });

    it('encode/decode round trip; encoding is little-endian of encodedSize bytes', () => {
      fc.assert(
        fc.property(elems(F), (xs) => {
          const bytes = F.encode(V(xs));
          expect(bytes.length).toBe(xs.length * F.encodedSize);
          for (let i = 0; i < xs.length; i++) {
            let x = 0n;
            for (let j = F.encodedSize - 1; j >= 0; j--) {
              x = (x << 8n) | BigInt(bytes[i * F.encodedSize + j]);
            }
            expect(x).toBe(xs[i]);
          }
          expect(B(F.decode(bytes))).toEqual(xs);
        }),
        RUNS,
      );
    });

    it('decode rejects values >= p and bad lengths with DecodeError', () => {
      fc.assert(
        fc.property(
          elems(F, 8),
          fc.bigInt({ min: p, max: (1n << BigInt(8 * F.encodedSize)) - 1n }),
          fc.nat(),
          (xs, bad, at) => {
            const good = F.encode(V(xs));
            const pos = xs.length === 0 ? 0 : at % (xs.length + 1);
            const bytes = new Uint8Array(good.length + F.encodedSize);
            bytes.set(good.subarray(0, pos * F.encodedSize));
            bytes.set(good.subarray(pos * F.encodedSize), (pos + 1) * F.encodedSize);
            for (let j = 0; j < F.encodedSize; j++) {
              bytes[pos * F.encodedSize + j] = Number((bad >> BigInt(8 * j)) & 0xffn);
            }
            expect(codeOf(() => F.decode(bytes))).toBe('DECODE');
          },
        ),
        RUNS,
      );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
          if (bytes.length % F.encodedSize === 0) {
            const c = codeOf(() => F.decode(bytes));
            expect(['none', 'DECODE']).toContain(c);
            if (c === 'none') expect(F.encode(F.decode(bytes))).toEqual(bytes);
          } else {
            expect(codeOf(() => F.decode(bytes))).toBe('DECODE');
          }
        }),
        RUNS,
      );
    });

    it('nthRoot(n)^n == 1 and nthRoot(n)^(n/2) != 1', () => {
      const maxLog = F.words === 1 ? 32 : 52;
      for (let k = 0; k <= maxLog; k++) {
        const n = 2 ** k;
        const w = F.nthRoot(n);
        expect(refPow(w, BigInt(n), p)).toBe(1n);
        if (n > 1) expect(refPow(w, BigInt(n / 2), p)).toBe(p - 1n);
      }
      expect(codeOf(() => F.nthRoot(3))).toBe('PARAM');
      expect(codeOf(() => F.nthRoot(0))).toBe('PARAM');
    });

    it('ntt and nttCoset match a naive DFT; invNtt inverts ntt', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 6 }), elems(F, 64), (k, cs) => {
          const n = 2 ** k;
          const c = cs.slice(0, n);
          const w = F.nthRoot(n);
          const evals = F.ntt(V(c), n);
          expect(B(evals)).toEqual(naiveDft(c, n, w, p));
          const s = F.nthRoot(2 * n);
          const shifted = c.map((x, i) => (x * refPow(s, BigInt(i), p)) % p);
          expect(B(F.nttCoset!(V(c), n))).toEqual(naiveDft(shifted, n, w, p));
          const padded = [...c, ...new Array<bigint>(n - c.length).fill(0n)];
          expect(B(F.invNtt(evals))).toEqual(padded);
          const back = naiveDft(B(F.invNtt(V(padded))), n, w, p);
          expect(back).toEqual(padded);
        }),
        RUNS,
      );
    });

    it('cosetEvalsRows: each row re-evaluated on the coset s * <w>, from the definition', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 1, max: 4 }),
          elems(F, 128),
          (k, rows, cs) => {
            const n = 2 ** k;
            const vals = Array.from(
              { length: rows * n },
              (_, i) => cs[i % Math.max(1, cs.length)] ?? 0n,
            );
            const w = F.nthRoot(n);
            const s = F.nthRoot(2 * n);
            const nInv = refPow(BigInt(n), p - 2n, p);
            const wInv = refPow(w, p - 2n, p);
            const expected: bigint[] = [];
            for (let r = 0; r < rows; r++) {
              // Coefficients by the inverse DFT, then Horner at s * w^j.
              const row = vals.slice(r * n, (r + 1) * n);
              const coeffs = naiveDft(row, n, wInv, p).map((x) => (x * nInv) % p);
              for (let j = 0; j < n; j++)
                expected.push(horner(coeffs, (s * refPow(w, BigInt(j), p)) % p, p));
            }
            const input = V(vals);
            expect(B(F.cosetEvalsRows!(input, rows))).toEqual(expected);
            expect(B(input)).toEqual(vals);
            // In place: out aliases vals.
            expect(B(F.cosetEvalsRows!(input, rows, input))).toEqual(expected);
            expect(B(input)).toEqual(expected);
          },
        ),
        RUNS,
      );
    });

    it('cosetEvalsRows rejects bad shapes with ParamError and changes nothing', () => {
      const v = V([1n, 2n, 3n, 4n, 5n, 6n]);
      const out = V([9n, 9n, 9n, 9n, 9n, 9n]);
      for (const rows of [0, -1, 4, 5, 1.5, NaN, 2 ** 40]) {
        expect(codeOf(() => F.cosetEvalsRows!(v, rows, out))).toBe('PARAM');
      }
      // 6 elements in 1 or 3 rows: 6 and 2 elements per row; 6 is no power of two.
      expect(codeOf(() => F.cosetEvalsRows!(v, 1, out))).toBe('PARAM');
      expect(codeOf(() => F.cosetEvalsRows!(v, 3, V([1n])))).toBe('PARAM');
      expect(codeOf(() => F.cosetEvalsRows!(F.zeros(0), 1))).toBe('PARAM');
      expect(codeOf(() => F.cosetEvalsRows!([1n, 2n] as unknown as FieldVec, 1))).toBe('PARAM');
      expect(codeOf(() => F.cosetEvalsRows!(v, '3' as unknown as number))).toBe('PARAM');
      expect(B(v)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
      expect(B(out)).toEqual([9n, 9n, 9n, 9n, 9n, 9n]);
      expect(codeOf(() => F.cosetEvalsRows!(v, 3, out))).toBe('none');
    });

    it('sumProductsDoubled: 2n values of sum_j x_j * y_j, from the definition', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 4 }),
          fc.integer({ min: 1, max: 3 }),
          elems(F, 96),
          (k, pairs, cs) => {
            const n = 2 ** k;
            const vals = Array.from(
              { length: 2 * pairs * n },
              (_, i) => cs[(i * 7) % Math.max(1, cs.length)] ?? BigInt(i),
            );
            // Interpolate each row (inverse DFT), multiply the polynomials, evaluate at the
            // powers of nthRoot(2n).
            const w = F.nthRoot(n);
            const nInv = refPow(BigInt(n), p - 2n, p);
            const wInv = refPow(w, p - 2n, p);
            const coeffs = (r: number) =>
              naiveDft(vals.slice(r * n, (r + 1) * n), n, wInv, p).map((x) => (x * nInv) % p);
            let sum = new Array<bigint>(2 * n - 1).fill(0n);
            for (let j = 0; j < pairs; j++) {
              const prod = schoolbook(coeffs(2 * j), coeffs(2 * j + 1), p);
              sum = sum.map((x, i) => (x + prod[i]) % p);
            }
            const w2 = F.nthRoot(2 * n);
            const expected = Array.from({ length: 2 * n }, (_, i) =>
              horner(sum, refPow(w2, BigInt(i), p), p),
            );
            const input = V(vals);
            expect(B(F.sumProductsDoubled!(input, pairs))).toEqual(expected);
            expect(B(input)).toEqual(vals);
          },
        ),
        RUNS,
      );
    });

    it('sumProductsDoubled rejects bad shapes with ParamError and changes nothing', () => {
      const v = V([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
      for (const pairs of [0, -1, 3, 1.5, NaN, 8, '1' as unknown as number]) {
        expect(codeOf(() => F.sumProductsDoubled!(v, pairs))).toBe('PARAM');
      }
      expect(codeOf(() => F.sumProductsDoubled!(V([1n, 2n, 3n, 4n, 5n, 6n]), 1))).toBe('PARAM');
      expect(codeOf(() => F.sumProductsDoubled!(F.zeros(0), 1))).toBe('PARAM');
      expect(codeOf(() => F.sumProductsDoubled!([1n, 2n] as unknown as FieldVec, 1))).toBe('PARAM');
      expect(B(v)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
      expect(codeOf(() => F.sumProductsDoubled!(v, 2))).toBe('none');
      expect(codeOf(() => F.sumProductsDoubled!(v, 4))).toBe('none');
    });

    it('polyMul matches schoolbook, below and above the NTT threshold', () => {
      fc.assert(
        fc.property(elems(F, 80), elems(F, 80), (xs, ys) => {
          expect(B(F.polyMul(V(xs), V(ys)))).toEqual(schoolbook(xs, ys, p));
        }),
        { numRuns: 30 },
      );
      const xs = Array.from({ length: 70 }, (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15n) % p);
      const ys = Array.from({ length: 45 }, (_, i) => p - 1n - BigInt(i));
      expect(B(F.polyMul(V(xs), V(ys)))).toEqual(schoolbook(xs, ys, p));
    });

    it('polyEval is Horner; lagrangeEval equals invNtt then polyEval, also at the nodes', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 6 }),
          elems(F, 64),
          elem(F),
          fc.nat(),
          (k, vs, x, j) => {
            const n = 2 ** k;
            const ev = firstN(vs, n);
            expect(F.polyEval(V(vs), x)).toBe(horner(vs, x, p));
            const coeffs = F.invNtt(V(ev));
            expect(F.lagrangeEval(V(ev), x)).toBe(F.polyEval(coeffs, x));
            const node = refPow(F.nthRoot(n), BigInt(j % n), p);
            expect(F.lagrangeEval(V(ev), node)).toBe(ev[j % n]);
          },
        ),
        RUNS,
      );
    });

    it('lagrangeBasis: lagrangeEval by an inner product, unit vectors at the nodes', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 7 }),
          elems(F, 128),
          elem(F),
          fc.nat(),
          (k, vs, x, j) => {
            const n = 2 ** k;
            const ev = firstN(vs, n);
            const basis = F.lagrangeBasis!(n, x);
            expect(F.innerProduct(V(ev), basis)).toBe(F.lagrangeEval(V(ev), x));
            const node = refPow(F.nthRoot(n), BigInt(j % n), p);
            const unit = new Array<bigint>(n).fill(0n);
            unit[j % n] = 1n;
            expect(B(F.lagrangeBasis!(n, node))).toEqual(unit);
            const out = F.zeros(n);
            expect(F.lagrangeBasis!(n, x, out)).toBe(out);
            expect(B(out)).toEqual(B(basis));
          },
        ),
        RUNS,
      );
    });

    it('hostile inputs give typed errors and change nothing', () => {
      const a = V([1n, 2n, 3n]);
      const b = V([4n, 5n]);
      const out = V([7n, 7n, 7n]);
      expect(codeOf(() => F.add(a, b))).toBe('PARAM');
      expect(codeOf(() => F.mul(a, b))).toBe('PARAM');
      expect(codeOf(() => F.innerProduct(a, b))).toBe('PARAM');
      expect(codeOf(() => F.add(a, a, b))).toBe('PARAM');
      expect(codeOf(() => F.inv(V([1n, 0n, 2n]), out))).toBe('ARITHMETIC');
      expect(B(out)).toEqual([7n, 7n, 7n]);
      expect(codeOf(() => F.invS(0n))).toBe('ARITHMETIC');
      expect(codeOf(() => F.fromBigInts([p]))).toBe('PARAM');
      expect(codeOf(() => F.fromBigInts([-1n]))).toBe('PARAM');
      expect(codeOf(() => F.fromBigInts([0.5]))).toBe('PARAM');
      expect(codeOf(() => F.set(a, 0, p))).toBe('PARAM');
      expect(codeOf(() => F.set(a, 3, 1n))).toBe('PARAM');
      expect(codeOf(() => F.get(a, -1))).toBe('PARAM');
      expect(B(a)).toEqual([1n, 2n, 3n]);
      expect(codeOf(() => F.mulScalar(a, p))).toBe('PARAM');
      expect(codeOf(() => F.addScalar(a, -1n))).toBe('PARAM');
      expect(codeOf(() => F.powers(2n, -1))).toBe('PARAM');
      expect(codeOf(() => F.ntt(a, 2))).toBe('PARAM');
      expect(codeOf(() => F.ntt(a, 3))).toBe('PARAM');
      expect(codeOf(() => F.invNtt(a))).toBe('PARAM');
      expect(codeOf(() => F.invNtt(F.zeros(0)))).toBe('PARAM');
      expect(codeOf(() => F.lagrangeEval(a, 1n))).toBe('PARAM');
      expect(codeOf(() => F.lagrangeBasis!(3, 1n))).toBe('PARAM');
      expect(codeOf(() => F.lagrangeBasis!(4, p))).toBe('PARAM');
      expect(codeOf(() => F.lagrangeBasis!(4, 1n, out))).toBe('PARAM');
      expect(codeOf(() => F.slice(a, 2, 1))).toBe('PARAM');
      expect(codeOf(() => F.slice(a, 0, 4))).toBe('PARAM');
      expect(codeOf(() => F.add(new Uint32Array(3) as unknown as FieldVec, a))).toBe('PARAM');
      expect(codeOf(() => F.decode([1, 2] as unknown as Uint8Array))).toBe('PARAM');
      if (F.words === 2) {
        expect(codeOf(() => F.add(new BigUint64Array(3), new BigUint64Array(3)))).toBe('PARAM');
        expect(codeOf(() => F.len(new BigUint64Array(1)))).toBe('PARAM');
      }
    });

    it('element access and slicing', () => {
      fc.assert(
        fc.property(elems(F), elems(F), (xs, ys) => {
          const a = V(xs);
          expect(F.len(a)).toBe(xs.length);
          expect(B(F.concat([a, V(ys)]))).toEqual([...xs, ...ys]);
          expect(B(F.slice(a, 0))).toEqual(xs);
          if (xs.length > 0) {
            const i = xs.length - 1;
            expect(F.get(a, i)).toBe(xs[i]);
            expect(B(F.slice(a, 1, xs.length))).toEqual(xs.slice(1));
            F.set(a, i, ys[0] ?? 5n);
            expect(F.get(a, i)).toBe(ys[0] ?? 5n);
          }
          expect(B(F.zeros(xs.length))).toEqual(xs.map(() => 0n));
        }),
        RUNS,
      );
    });
  });
}

// FLP building blocks (draft-irtf-cfrg-vdaf-20 §6.1.3, §7.3, Appendix A) checked against their
// mathematical definitions: Lagrange-basis helpers against NTT evaluation, gadget polynomials
// against the gadget at every node, and prove/query/decide on valid and invalid inputs.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend, type Field, type FieldVec } from '@private-measurement/core-wasm';
import {
  FlpBBCGGI19,
  Mul,
  ParallelSum,
  PolyEval,
  countCircuit,
  histogramCircuit,
  l1BoundSumCircuit,
  multihotCountVecCircuit,
  sumCircuit,
  sumVecCircuit,
  type Gadget,
  type ValidCircuit,
} from '../src/index.js';
import { extendValues, lagrangeWeights } from '../src/vdaf/internal/lagrange.js';
import { encodeInto, nextPow2 } from '../src/vdaf/internal/vec.js';
import { sumVectors } from '../src/vdaf/internal/accumulate.js';
import {
  bitLength,
  decodeRangeChecked,
  rangeWeights,
  sumRangeChecked,
} from '../src/vdaf/circuits/range.js';

const b = getBackend('ts');
const fields: [string, Field][] = [
  ['Field64', b.Field64],
  ['Field128', b.Field128],
];

function randVec(f: Field, n: number): FieldVec {
  return b.expandIntoVec(f, randomBytes(32), new Uint8Array([1]), new Uint8Array(0), n);
}

describe.each(fields)('Lagrange basis on %s', (_n, f) => {
  it('extendValues recovers every evaluation of a polynomial of degree < m', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), (m) => {
        const n = nextPow2(m);
        const all = f.ntt(randVec(f, m), n);
        const got = extendValues(f, f.slice(all, 0, m), n);
        expect(f.toBigInts(got)).toEqual(f.toBigInts(all));
      }),
      { numRuns: 25, seed: 3 },
    );
  });

  it('lagrangeWeights give the value at t of the interpolated polynomial', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), (k) => {
        const n = 1 << k;
        const coeffs = randVec(f, n);
        const t = f.get(randVec(f, 1), 0);
        const v = f.innerProduct(f.ntt(coeffs, n), lagrangeWeights(f, n, t));
        expect(v).toBe(f.polyEval(coeffs, t));
      }),
      { numRuns: 20, seed: 4 },
    );
  });
});

const gadgets: [string, Gadget][] = [
  ['Mul', new Mul()],
  ['PolyEval x^2 - x', new PolyEval([0, -1, 1])],
  ['PolyEval x(x-1)(x-2)', new PolyEval([0, 2, -3, 1])],
  ['ParallelSum(Mul, 3)', new ParallelSum(new Mul(), 3)],
  ['ParallelSum(PolyEval, 2)', new ParallelSum(new PolyEval([1, 0, 5]), 2)],
];

describe.each(gadgets)('gadget %s', (_n, g) => {
  it.each(fields)('evalPoly agrees with eval at every wire node (%s)', (_f, f) => {
    for (const p of [2, 4, 8]) {
      const wires = randVec(f, g.arity * p);
      const poly = g.evalPoly(f, wires, p);
      const size = f.len(poly);
      expect(size).toBe(nextPow2(g.degree * (p - 1) + 1));
      for (let k = 0; k < p; k++) {
        const inp = f.zeros(g.arity);
        for (let j = 0; j < g.arity; j++) f.set(inp, j, f.get(wires, j * p + k));
        expect(f.get(poly, (k * size) / p)).toBe(g.eval(f, inp));
      }
    }
  });
});

/** `f` with the named optional kernels hidden, as an older Field implementation would be. */
function without(f: Field, names: readonly string[]): Field {
  const props: PropertyDescriptorMap = {};
  for (const name of names) props[name] = { value: undefined };
  return Object.create(f, props) as Field;
}

describe('ParallelSum(Mul) gadget polynomial: every code path gives the same values', () => {
  const both: [string, Field][] = [
    ['wasm Field128', getBackend('wasm').Field128],
    ['wasm Field64', getBackend('wasm').Field64],
    ['ts Field128', b.Field128],
  ];
  it.each(both)('fused kernel, batched coset rows, per-row transforms (%s)', (_n, f) => {
    for (const [count, p] of [
      [1, 2],
      [3, 4],
      [5, 8],
      [65, 128],
    ]) {
      const g = new ParallelSum(new Mul(), count);
      const wires = randVec(f, g.arity * p);
      const fused = f.toBigInts(g.evalPoly(f, wires, p));
      const rows = without(f, ['sumProductsDoubled']);
      const perRow = without(f, ['sumProductsDoubled', 'cosetEvalsRows', 'nttCoset']);
      expect(f.toBigInts(g.evalPoly(rows, wires, p))).toEqual(fused);
      expect(f.toBigInts(g.evalPoly(perRow, wires, p))).toEqual(fused);
      // The gadget at a node w^k is the value at position 2k of the doubled evaluations.
      const k = p - 1;
      const inp = f.zeros(g.arity);
      for (let j = 0; j < g.arity; j++) f.set(inp, j, f.get(wires, j * p + k));
      expect(fused[2 * k]).toBe(g.eval(f, inp));
    }
  });
});

/** run_flp of draft-20 §7.1 with a fresh random prove, query and joint randomness. */
function runFlp<M, R>(valid: ValidCircuit<M, R>, meas: FieldVec, shares = 1): boolean {
  const flp = new FlpBBCGGI19(valid);
  const f = flp.field;
  const jointRand = flp.jointRandLen > 0 ? randVec(f, flp.jointRandLen) : f.zeros(0);
  const proof = flp.prove(meas, randVec(f, flp.proveRandLen), jointRand);
  const queryRand = randVec(f, flp.queryRandLen);
  // Additive shares of the measurement and proof, queried separately, summed.
  const measShares: FieldVec[] = [meas.slice()];
  const proofShares: FieldVec[] = [proof.slice()];
  for (let i = 1; i < shares; i++) {
    const ms = randVec(f, flp.measLen);
    const ps = randVec(f, flp.proofLen);
    f.sub(measShares[0], ms, measShares[0]);
    f.sub(proofShares[0], ps, proofShares[0]);
    measShares.push(ms);
    proofShares.push(ps);
  }
  const verifier = f.zeros(flp.verifierLen);
  for (let i = 0; i < shares; i++) {
    f.add(
      verifier,
      flp.query(measShares[i], proofShares[i], queryRand, jointRand, shares),
      verifier,
    );
  }
  return flp.decide(verifier);
}

describe('FLP prove / query / decide', () => {
  const F64 = b.Field64;
  const F128 = b.Field128;
  const cases: [string, ValidCircuit<never, unknown>, FieldVec, FieldVec][] = [
    ['Count', countCircuit(F64) as never, F64.fromBigInts([1n]), F64.fromBigInts([2n])],
    [
      'Sum(10)',
      sumCircuit(F64, 10n) as never,
      sumCircuit(F64, 10n).encode(9),
      F64.fromBigInts([1n, 2n, 0n, 0n]),
    ],
    [
      'SumVec(3, 5, 2)',
      sumVecCircuit(F128, 3, 5n, 2) as never,
      sumVecCircuit(F128, 3, 5n, 2).encode([5, 0, 3]),
      F128.fromBigInts([1n, 1n, 3n, 0n, 0n, 0n, 0n, 0n, 0n]),
    ],
    [
      'Histogram(5, 2) (two buckets set)',
      histogramCircuit(F128, 5, 2) as never,
      histogramCircuit(F128, 5, 2).encode(3),
      F128.fromBigInts([1n, 0n, 0n, 1n, 0n]),
    ],
    [
      'MultihotCountVec(4, 2, 3) (weight lies)',
      multihotCountVecCircuit(F128, 4, 2, 3) as never,
      multihotCountVecCircuit(F128, 4, 2, 3).encode([true, false, true, false]),
      F128.fromBigInts([1n, 1n, 1n, 0n, 0n, 1n]),
    ],
    [
      'L1BoundSum(3, 6, 4) (norm lies)',
      l1BoundSumCircuit(F128, 3, 6n, 4) as never,
      l1BoundSumCircuit(F128, 3, 6n, 4).encode([1, 2, 3]),
      l1BoundSumCircuit(F128, 3, 6n, 4)
        .encode([1, 2, 3])
        .map((x, i) => (i === 0 ? 0n : x)),
    ],
  ];

  it.each(cases)('%s: accepts a valid measurement, 1 to 3 shares', (_n, valid, good) => {
    for (const shares of [1, 2, 3]) expect(runFlp(valid, good, shares)).toBe(true);
  });

  it.each(cases)('%s: rejects an invalid measurement', (_n, valid, _good, bad) => {
    expect(runFlp(valid, bad, 2)).toBe(false);
  });

  it('a degree-3 gadget with values read from the extended gadget polynomial', () => {
    // Three calls of x(x-1)(x-2): p = 4, 10 of 16 gadget evaluations sent, the third output is
    // at index 12, one of the six interpolated values.
    const range3: ValidCircuit<never, unknown> = {
      field: F64,
      gadgets: [new PolyEval([0, 2, -3, 1])],
      gadgetCalls: [3],
      measLen: 3,
      jointRandLen: 0,
      evalOutputLen: 3,
      outputLen: 3,
      encode: () => F64.zeros(3),
      truncate: (m) => m,
      decode: () => null,
      wireInputs: (m) => [m],
      evalOutputs: (_m, _j, _n, g) => g[0],
    };
    for (const shares of [1, 2, 3]) {
      expect(runFlp(range3, F64.fromBigInts([0n, 1n, 2n]), shares)).toBe(true);
    }
    expect(runFlp(range3, F64.fromBigInts([0n, 1n, 3n]), 2)).toBe(false);
    expect(runFlp(range3, F64.fromBigInts([5n, 1n, 2n]), 2)).toBe(false);
  });

  it('decide rejects a verifier with a wrong gadget check', () => {
    const flp = new FlpBBCGGI19(countCircuit(F64));
    const meas = F64.fromBigInts([1n]);
    const proof = flp.prove(meas, randVec(F64, flp.proveRandLen), F64.zeros(0));
    const v = flp.query(meas, proof, randVec(F64, flp.queryRandLen), F64.zeros(0), 1);
    expect(flp.decide(v)).toBe(true);
    F64.set(v, flp.verifierLen - 1, F64.addS(F64.get(v, flp.verifierLen - 1), 1n));
    expect(flp.decide(v)).toBe(false);
  });

  it('has the draft lengths for Count: proof 5, verifier 4, query rand 1', () => {
    // draft-20 §7.3.2: Mul, 1 call: p = 2, proof = 2 + (2 * 1 + 1), verifier = 1 + 2 + 1.
    const flp = new FlpBBCGGI19(countCircuit(F64));
    expect([flp.proofLen, flp.verifierLen, flp.queryRandLen, flp.proveRandLen]).toEqual([
      5, 4, 1, 2,
    ]);
  });
});

/**
 * The gadget tests of a query (verifier elements 1..) from their definition in
 * draft-irtf-cfrg-vdaf-20 §7.3.4: each wire polynomial (seed, one value per call, zeros) and the
 * extended gadget polynomial evaluated at t with the division-free `lagrangeEval`.
 */
function gadgetTests<M, R>(
  flp: FlpBBCGGI19<M, R>,
  meas: FieldVec,
  proof: FieldVec,
  queryRand: FieldVec,
  jointRand: FieldVec,
): bigint[] {
  const f = flp.field;
  const { gadgets, gadgetCalls, evalOutputLen } = flp.valid;
  const inputs = flp.valid.wireInputs(meas, jointRand, 1);
  const tOff = evalOutputLen > 1 ? evalOutputLen : 0;
  const out: bigint[] = [];
  let off = 0;
  gadgets.forEach((g, i) => {
    const calls = gadgetCalls[i];
    const p = nextPow2(1 + calls);
    const len = g.degree * (p - 1) + 1;
    const t = f.get(queryRand, tOff + i);
    for (let j = 0; j < g.arity; j++) {
      const wire = f.zeros(p);
      f.set(wire, 0, f.get(proof, off + j));
      for (let k = 0; k < calls; k++) f.set(wire, k + 1, f.get(inputs[i], j * calls + k));
      out.push(f.lagrangeEval(wire, t));
    }
    off += g.arity;
    const poly = extendValues(f, f.slice(proof, off, off + len), nextPow2(len));
    out.push(f.lagrangeEval(poly, t));
    off += len;
  });
  return out;
}

describe('FLP query gadget tests', () => {
  type Fields = Pick<ReturnType<typeof getBackend>, 'Field64' | 'Field128'>;
  const w = getBackend('wasm');
  // Without lagrangeBasis, query takes its weights from one batch inversion, as it does for
  // grids above 64 nodes.
  const backends: [string, Fields][] = [
    ['ts', b],
    ['wasm', w],
    [
      'wasm without lagrangeBasis',
      {
        Field64: without(w.Field64, ['lagrangeBasis']),
        Field128: without(w.Field128, ['lagrangeBasis']),
      },
    ],
  ];
  const circuits: [string, (be: Fields) => [ValidCircuit<never, unknown>, unknown]][] = [
    ['Count', (be) => [countCircuit(be.Field64) as never, 1]],
    ['Sum(255)', (be) => [sumCircuit(be.Field64, 255n) as never, 77]],
    ['Histogram(16, 4)', (be) => [histogramCircuit(be.Field128, 16, 4) as never, 7]],
    [
      'L1BoundSum(20, 255, 13)',
      (be) => [l1BoundSumCircuit(be.Field128, 20, 255n, 13) as never, Array(20).fill(3)],
    ],
    // 64 calls: a gadget grid of 256 nodes, beyond the division-free basis.
    ['Histogram(256, 4)', (be) => [histogramCircuit(be.Field128, 256, 4) as never, 100]],
  ];

  describe.each(backends)('%s backend', (_b, be) => {
    /** The circuit's FLP with a proof of its measurement under fresh joint randomness. */
    const proven = (make: (typeof circuits)[number][1]) => {
      const [valid, m] = make(be);
      const flp = new FlpBBCGGI19(valid);
      const f = flp.field;
      const meas = valid.encode(m as never);
      const jointRand = randVec(f, flp.jointRandLen);
      const proof = flp.prove(meas, randVec(f, flp.proveRandLen), jointRand);
      return { valid, flp, f, meas, jointRand, proof };
    };

    it.each(circuits)('%s: equal to the wire and gadget polynomials at t', (_n, make) => {
      const { valid, flp, f, meas, jointRand, proof } = proven(make);
      const tOff = valid.evalOutputLen > 1 ? valid.evalOutputLen : 0;
      const size = nextPow2(valid.gadgets[0].degree * (nextPow2(1 + valid.gadgetCalls[0]) - 1) + 1);
      // A random point, then a node of the gadget grid that is no wire node (odd power).
      for (const t of [f.get(randVec(f, 1), 0), f.nthRoot(size), f.powS(f.nthRoot(size), 3n)]) {
        const queryRand = randVec(f, flp.queryRandLen);
        f.set(queryRand, tOff, t);
        const v = flp.query(meas, proof, queryRand, jointRand, 1);
        const want = gadgetTests(flp, meas, proof, queryRand, jointRand);
        expect(f.toBigInts(f.slice(v, 1))).toEqual(want);
      }
    });

    it.each(circuits)('%s: a test point on a wire node is a VerifyError', (_n, make) => {
      const { valid, flp, f, meas, jointRand, proof } = proven(make);
      const queryRand = randVec(f, flp.queryRandLen);
      f.set(queryRand, valid.evalOutputLen > 1 ? valid.evalOutputLen : 0, 1n);
      expect(() => flp.query(meas, proof, queryRand, jointRand, 1)).toThrow(
        expect.objectContaining({ code: 'VERIFY' }),
      );
    });
  });
});

describe('range-checked integer decoding of shares', () => {
  const both: [string, Field][] = [
    ['ts Field64', b.Field64],
    ['ts Field128', b.Field128],
    ['wasm Field128', getBackend('wasm').Field128],
  ];
  it.each(both)('decode and sum equal the weighted sums of the bits (%s)', (_n, f) => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 1000n }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        (max, count, offset) => {
          // Random elements, not bits: shares of an encoding are arbitrary field elements.
          const bits = bitLength(max);
          const meas = randVec(f, offset + count * bits + 2);
          const weights = rangeWeights(max);
          const want: bigint[] = [];
          for (let i = 0; i < count; i++) {
            let x = 0n;
            for (let l = 0; l < bits; l++) {
              x += weights[l] * f.get(meas, offset + i * bits + l);
            }
            want.push(x % f.modulus);
          }
          expect(f.toBigInts(decodeRangeChecked(f, meas, offset, count, max))).toEqual(want);
          const sum = want.reduce((a, x) => a + x, 0n) % f.modulus;
          expect(sumRangeChecked(f, meas, offset, count, max)).toBe(sum);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });
});

describe('encodeInto', () => {
  const all: [string, Field][] = [
    ['ts Field64', b.Field64],
    ['ts Field128', b.Field128],
    ['wasm Field64', getBackend('wasm').Field64],
    ['wasm Field128', getBackend('wasm').Field128],
  ];
  it.each(all)('writes Field.encode of a vector or view at the offset (%s)', (_n, f) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 3 }), (n, skip) => {
        // A view that starts `skip` elements into a larger vector.
        const v = randVec(f, n + skip).subarray(skip * f.words);
        const out = new Uint8Array(3 + n * f.encodedSize + 2).fill(0xee);
        encodeInto(f, v, out, 3);
        expect(out.subarray(3, 3 + n * f.encodedSize)).toEqual(f.encode(v));
        expect([...out.subarray(0, 3), ...out.subarray(3 + n * f.encodedSize)]).toEqual(
          Array(5).fill(0xee),
        );
      }),
      { numRuns: 30, seed: 13 },
    );
    expect(() => encodeInto(f, randVec(f, 2), new Uint8Array(f.encodedSize), 0)).toThrow(
      expect.objectContaining({ code: 'PARAM' }),
    );
  });
});

describe('exact summation of output shares', () => {
  it.each(fields)('sumVectors equals a chain of field additions (%s)', (_n, f) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 9 }), (count, n) => {
        // Mix random vectors with all-(p-1) vectors, the worst case for carries.
        const vecs = Array.from({ length: count }, (_, i) =>
          i % 3 === 0 ? f.fromBigInts(Array(n).fill(f.modulus - 1n)) : randVec(f, n),
        );
        const chain = vecs.reduce((acc, v) => f.add(acc, v), f.zeros(n));
        expect(f.toBigInts(sumVectors(f, vecs, n))).toEqual(f.toBigInts(chain));
      }),
      { numRuns: 30, seed: 9 },
    );
  });
});

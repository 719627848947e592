// FLP gadgets of draft-irtf-cfrg-vdaf-20 Appendix A: Mul, PolyEval and ParallelSum, with their
// polynomial evaluation in the Lagrange basis done by whole-vector NTT and arithmetic kernels.
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { ParamError } from '../errors.js';
import { cosetEvalsRows, doubleEvals } from './internal/lagrange.js';
import { copyStrided, foldRows, nextPow2 } from './internal/vec.js';

/**
 * A gadget: a non-affine sub-circuit of a validity circuit (draft-irtf-cfrg-vdaf-20 §7.3.2).
 * Implementations are stateless and may be shared between fields and backends.
 */
export interface Gadget {
  /** Number of input wires. */
  readonly arity: number;
  /** Arithmetic degree of the gadget. */
  readonly degree: number;
  /**
   * The gadget on one input.
   *
   * @param field - the field.
   * @param inp - `arity` elements.
   * @returns the output value.
   */
  eval(field: Field, inp: FieldVec): bigint;
  /**
   * The gadget on polynomials in the Lagrange basis.
   *
   * @param field - the field.
   * @param wires - `arity` x `p` matrix, row j the evaluations of wire polynomial j at the
   *   powers of nthRoot(p).
   * @param p - wire polynomial length, a power of two.
   * @returns nextPow2(degree * (p - 1) + 1) evaluations of the gadget polynomial.
   */
  evalPoly(field: Field, wires: FieldVec, p: number): FieldVec;
}

/** Number of evaluations of each wire polynomial: next_power_of_2(1 + calls) (§7.3.2). */
export function wirePolyLen(calls: number): number {
  return nextPow2(1 + calls);
}

/** Number of evaluations of a gadget polynomial sent in a proof (§7.3.2). */
export function gadgetPolyLen(degree: number, wirePolyLength: number): number {
  return degree * (wirePolyLength - 1) + 1;
}

function row(field: Field, m: FieldVec, r: number, n: number): FieldVec {
  return m.subarray(r * n * field.words, (r + 1) * n * field.words);
}

/**
 * The multiplication gadget Mul(x, y) = x * y (draft-irtf-cfrg-vdaf-20 Appendix A.1).
 *
 * @example
 * const g = new Mul(); // arity 2, degree 2
 */
export class Mul implements Gadget {
  readonly arity = 2;
  readonly degree = 2;

  eval(field: Field, inp: FieldVec): bigint {
    return field.mulS(field.get(inp, 0), field.get(inp, 1));
  }

  evalPoly(field: Field, wires: FieldVec, p: number): FieldVec {
    // draft-irtf-cfrg-vdaf-20 §6.1.3.2 poly_mul: double both operands, multiply pointwise.
    const a = doubleEvals(field, row(field, wires, 0, p));
    const b = doubleEvals(field, row(field, wires, 1, p));
    return field.mul(a, b, a);
  }
}

/**
 * The polynomial-evaluation gadget PolyEval(x) = poly(x) (draft-irtf-cfrg-vdaf-20 Appendix A.2).
 *
 * @example
 * const range2 = new PolyEval([0n, -1n, 1n]); // x^2 - x, degree 2
 */
export class PolyEval implements Gadget {
  readonly arity = 1;
  readonly degree: number;
  /** Coefficients, lowest degree first, leading zeros stripped, as signed integers. */
  readonly coeffs: readonly bigint[];

  /**
   * @param coeffs - polynomial coefficients, lowest degree first (negative values allowed).
   * @throws {ParamError} when the polynomial is zero or constant.
   */
  constructor(coeffs: readonly (bigint | number)[]) {
    const c = coeffs.map((x) => BigInt(x));
    while (c.length > 0 && c[c.length - 1] === 0n) c.pop();
    if (c.length < 2) {
      throw new ParamError(
        `coeffs: expected a polynomial of degree >= 1, received ${c.length - 1}`,
      );
    }
    this.coeffs = c;
    this.degree = c.length - 1;
  }

  private fieldCoeffs(field: Field): bigint[] {
    const p = field.modulus;
    return this.coeffs.map((x) => ((x % p) + p) % p);
  }

  eval(field: Field, inp: FieldVec): bigint {
    const c = this.fieldCoeffs(field);
    const x = field.get(inp, 0);
    let acc = 0n;
    for (let i = c.length - 1; i >= 0; i--) acc = field.addS(field.mulS(acc, x), c[i]);
    return acc;
  }

  evalPoly(field: Field, wires: FieldVec, p: number): FieldVec {
    const n = nextPow2(gadgetPolyLen(this.degree, p));
    const c = this.fieldCoeffs(field);

    // Lagrange -> monomial basis, then n evaluations of the input polynomial.
    const x = field.ntt(field.invNtt(row(field, wires, 0, p)), n);

    // Horner's rule on whole vectors: the composition poly(I) at the n points.
    const acc = field.addScalar(field.zeros(n), c[c.length - 1]);
    for (let i = c.length - 2; i >= 0; i--) {
      field.mul(acc, x, acc);
      if (c[i] !== 0n) field.addScalar(acc, c[i], acc);
    }
    return acc;
  }
}

/**
 * The parallel-sum gadget: `count` calls of a sub-circuit gadget on consecutive inputs,
 * summed (draft-irtf-cfrg-vdaf-20 Appendix A.3).
 *
 * @example
 * const g = new ParallelSum(new Mul(), 32); // arity 64, degree 2
 */
export class ParallelSum implements Gadget {
  readonly arity: number;
  readonly degree: number;
  readonly subcircuit: Gadget;
  readonly count: number;

  /**
   * @param subcircuit - the gadget applied `count` times.
   * @param count - number of calls, >= 1.
   * @throws {ParamError} when count < 1.
   */
  constructor(subcircuit: Gadget, count: number) {
    if (!Number.isInteger(count) || count < 1) {
      throw new ParamError(`count: expected an integer >= 1, received ${String(count)}`);
    }
    this.subcircuit = subcircuit;
    this.count = count;
    this.arity = subcircuit.arity * count;
    this.degree = subcircuit.degree;
  }

  eval(field: Field, inp: FieldVec): bigint {
    const a = this.subcircuit.arity;
    const w = field.words;
    if (this.subcircuit instanceof Mul) {
      // Sum of x[2i] * x[2i+1]: one inner product of the even and odd inputs.
      const n = this.count;
      const evenOdd = field.zeros(2 * n);
      copyStrided(field, inp, 0, 2, evenOdd, 0, 1, n);
      copyStrided(field, inp, 1, 2, evenOdd, n, 1, n);
      return field.innerProduct(evenOdd.subarray(0, n * w), evenOdd.subarray(n * w));
    }
    let out = 0n;
    for (let i = 0; i < this.count; i++) {
      out = field.addS(out, this.subcircuit.eval(field, inp.subarray(i * a * w, (i + 1) * a * w)));
    }
    return out;
  }

  evalPoly(field: Field, wires: FieldVec, p: number): FieldVec {
    if (this.subcircuit instanceof Mul) return this.sumOfProducts(field, wires, p);
    const a = this.subcircuit.arity;
    const w = field.words;
    const out = field.zeros(nextPow2(gadgetPolyLen(this.degree, p)));
    for (let i = 0; i < this.count; i++) {
      const sub = wires.subarray(i * a * p * w, (i + 1) * a * p * w);
      field.add(out, this.subcircuit.evalPoly(field, sub, p), out);
    }
    return out;
  }

  /**
   * ParallelSum(Mul) in whole-matrix form: the gadget polynomial's 2p values are the sums over
   * pairs of x_j * y_j at the nodes w_2p^(2i) (the wire values themselves) and on the coset
   * w_2p^(2i+1) (two transforms per wire), interleaved as draft-20 double_evaluations orders them.
   */
  private sumOfProducts(field: Field, wires: FieldVec, p: number): FieldVec {
    const c = this.count;
    // One backend call where the field has the fused kernel: no staging of intermediate rows.
    if (field.sumProductsDoubled !== undefined) return field.sumProductsDoubled(wires, c);
    const rowLen = p * field.words;
    // Rows 0..c-1 hold the x_j, rows c..2c-1 the y_j, so both coset passes are one call.
    const xy = field.zeros(2 * c * p);
    for (let j = 0; j < c; j++) {
      xy.set(wires.subarray(2 * j * rowLen, (2 * j + 1) * rowLen), j * rowLen);
      xy.set(wires.subarray((2 * j + 1) * rowLen, (2 * j + 2) * rowLen), (c + j) * rowLen);
    }
    const x = xy.subarray(0, c * rowLen);
    const y = xy.subarray(c * rowLen);
    const even = foldRows(field, field.mul(x, y), c, p);
    cosetEvalsRows(field, xy, 2 * c, xy);
    const odd = foldRows(field, field.mul(x, y, x), c, p);
    const out = field.zeros(2 * p);
    copyStrided(field, even, 0, 1, out, 0, 2, p);
    copyStrided(field, odd, 0, 1, out, 1, 2, p);
    return out;
  }
}

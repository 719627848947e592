// Polynomials in the Lagrange basis over the powers of a principal n-th root of unity
// (draft-irtf-cfrg-vdaf-20 §6.1.3.2), expressed as whole-vector kernel calls.
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { cached, invInt, negNodes, nodes, powPow2 } from './cache.js';
import { copyStrided } from './vec.js';

/**
 * The quotients w^i / (t - w^i) for the n nodes w^i, w = nthRoot(n): the Lagrange basis values
 * L_i(t) without their common factor `lagrangeScale` (L_i(t) = (t^n - 1) / n * w^i / (t - w^i)).
 * Three kernel calls and one batch inversion. Pre-condition: t^n != 1 (the caller checks).
 *
 * @param field - the field.
 * @param n - number of nodes, a power of two.
 * @param t - the evaluation point.
 * @param out - where to write the n quotients, or a new vector.
 * @returns the n quotients.
 */
export function nodeQuotients(field: Field, n: number, t: bigint, out?: FieldVec): FieldVec {
  const d = field.addScalar(negNodes(field, n), t, out);
  field.inv(d, d);
  return field.mul(d, nodes(field, n), d);
}

/** The factor (t^n - 1) / n of every Lagrange basis value at t, from tn = t^n. */
export function lagrangeScale(field: Field, tn: bigint, n: number): bigint {
  return field.mulS(field.subS(tn, 1n), invInt(field, n));
}

/**
 * Lagrange basis values L_i(t) for the n nodes, so that the value at t of a polynomial with
 * evaluations v at the powers of nthRoot(n) is innerProduct(v, weights). Pre-condition:
 * t^n != 1 (the caller checks).
 */
export function lagrangeWeights(field: Field, n: number, t: bigint): FieldVec {
  const q = nodeQuotients(field, n, t);
  return field.mulScalar(q, lagrangeScale(field, powPow2(field, t, n), n), q);
}

/**
 * The (n - m) x m matrix E with E * vals = the missing evaluations at w^m..w^(n-1) of the
 * polynomial of degree < m with evaluations `vals` at w^0..w^(m-1), w = nthRoot(n). Barycentric
 * interpolation over the m known nodes, where the products over the known nodes come from
 * x^n - 1 and the few missing nodes. Cached per (field, m, n).
 */
function extensionMatrix(field: Field, m: number, n: number): FieldVec {
  return cached(field, `ext:${m}:${n}`, () => {
    const all = nodes(field, n);
    const known = all.subarray(0, m * field.words);
    const missing = all.slice(m * field.words);
    const k = n - m;

    // prodK[i] = prod over missing x_k of (x_i - x_k), for the known nodes x_i.
    const prodK = field.addScalar(field.zeros(m), 1n);
    const tmp = field.zeros(m);
    for (let j = 0; j < k; j++) {
      field.addScalar(known, field.negS(field.get(missing, j)), tmp);
      field.mul(prodK, tmp, prodK);
    }

    // Barycentric weights over the known nodes: b_i = x_i * prodK[i] / n.
    const b = field.mul(known, prodK);
    field.mulScalar(b, invInt(field, n), b);

    // ell[k] = prod over known x_j of (x_k - x_j)
    //        = n / (x_k * prod over other missing (x_k - x_k')).
    const other = field.addScalar(field.zeros(k), 1n);
    const d = field.zeros(k);
    for (let j = 0; j < k; j++) {
      field.addScalar(missing, field.negS(field.get(missing, j)), d);
      field.set(d, j, 1n);
      field.mul(other, d, other);
    }
    const ell = field.mul(other, missing);
    field.inv(ell, ell);
    field.mulScalar(ell, BigInt(n), ell);

    // Row k: ell[k] * b_i / (x_k - x_i).
    const out = field.zeros(k * m);
    const negKnown = field.neg(known);
    const w = field.words;
    for (let j = 0; j < k; j++) {
      const row = out.subarray(j * m * w, (j + 1) * m * w);
      field.addScalar(negKnown, field.get(missing, j), row);
      field.inv(row, row);
      field.mul(row, b, row);
      field.mulScalar(row, field.get(ell, j), row);
    }
    return out;
  });
}

/**
 * Extends the evaluations `vals` (at w^0..w^(m-1), w = nthRoot(n)) of a polynomial of degree
 * < m to all n evaluations, n a power of two >= m (draft-irtf-cfrg-vdaf-20 §6.1.3.2,
 * extend_values_to_power_of_2): one inner product per missing value with a cached matrix.
 *
 * @param field - the field.
 * @param vals - the m known values.
 * @param n - the number of values wanted, a power of two >= m.
 * @param out - where to write the n values (must not alias `vals`), or a new vector.
 * @returns the n values.
 */
export function extendValues(field: Field, vals: FieldVec, n: number, out?: FieldVec): FieldVec {
  const m = field.len(vals);
  const o = out ?? field.zeros(n);
  o.set(vals);
  if (m === n) return o;
  const e = extensionMatrix(field, m, n);
  const w = field.words;
  for (let j = 0; j < n - m; j++) {
    field.set(o, m + j, field.innerProduct(e.subarray(j * m * w, (j + 1) * m * w), vals));
  }
  return o;
}

/**
 * 2n evaluations (at the powers of nthRoot(2n)) of the polynomial given by n evaluations
 * (draft-irtf-cfrg-vdaf-20 §6.1.3.2 double_evaluations): the known values interleaved with the
 * values on the coset s * w^i, s = nthRoot(2n).
 */
export function doubleEvals(field: Field, vals: FieldVec): FieldVec {
  const n = field.len(vals);
  const out = field.zeros(2 * n);
  copyStrided(field, vals, 0, 1, out, 0, 2, n);
  copyStrided(field, cosetEvals(field, vals), 0, 1, out, 1, 2, n);
  return out;
}

/**
 * The values at s * w^i (i < n, w = nthRoot(n), s = nthRoot(2n)) of the polynomial with values
 * `vals` at the powers of w: the odd half of `doubleEvals`.
 */
export function cosetEvals(field: Field, vals: FieldVec): FieldVec {
  const n = field.len(vals);
  if (n === 2) {
    // Two values at 1 and -1: p(x) = a + b x with a = (v0 + v1) / 2, b = (v0 - v1) / 2; the
    // coset is {s, -s}, s = nthRoot(4). Scalars beat two kernel calls at this size.
    const v0 = field.get(vals, 0);
    const v1 = field.get(vals, 1);
    const half = invInt(field, 2);
    const a = field.mulS(field.addS(v0, v1), half);
    const bs = field.mulS(field.mulS(field.subS(v0, v1), half), field.nthRoot(4));
    return field.fromBigInts([field.addS(a, bs), field.subS(a, bs)]);
  }
  const coeffs = field.invNtt(vals);
  if (field.nttCoset !== undefined) return field.nttCoset(coeffs, n);
  const all = field.ntt(coeffs, 2 * n);
  const odd = field.zeros(n);
  copyStrided(field, all, 1, 2, odd, 0, 1, n);
  return odd;
}

/**
 * `cosetEvals` of every row of the `rows` x n matrix `m` (n a power of two), in one backend call
 * when the field has `cosetEvalsRows`.
 *
 * @param field - the field.
 * @param m - row-major matrix of values at the powers of nthRoot(n).
 * @param rows - number of rows.
 * @param out - where to write (may alias `m`), or a new vector.
 * @returns the values of every row at s * w^i.
 */
export function cosetEvalsRows(field: Field, m: FieldVec, rows: number, out?: FieldVec): FieldVec {
  if (field.cosetEvalsRows !== undefined) return field.cosetEvalsRows(m, rows, out);
  const o = out ?? field.zeros(field.len(m));
  const rw = (field.len(m) / rows) * field.words;
  for (let r = 0; r < rows; r++) o.set(cosetEvals(field, m.subarray(r * rw, (r + 1) * rw)), r * rw);
  return o;
}

// Polynomials in the Lagrange basis over the powers of a principal n-th root of unity
// (draft-irtf-cfrg-vdaf-20 §6.1.3.2), expressed as whole-vector kernel calls.
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { copyStrided } from './vec.js';

/**
 * The vector of Lagrange basis values L_i(t) for the nodes w^0..w^(n-1), w = nthRoot(n), so
 * that the value at t of a polynomial with evaluations v is innerProduct(v, weights).
 * Pre-condition: t^n != 1 (t is not a node); the caller checks it.
 */
export function lagrangeWeights(field: Field, n: number, t: bigint): FieldVec {
  const nodes = field.powers(field.nthRoot(n), n);

  // L_i(t) = (t^n - 1) / n * w^i / (t - w^i)
  const diff = field.addScalar(field.neg(nodes), t);
  field.inv(diff, diff);
  field.mul(diff, nodes, diff);
  const scale = field.mulS(field.subS(field.powS(t, BigInt(n)), 1n), field.invS(BigInt(n)));
  return field.mulScalar(diff, scale, diff);
}

/** Values at t of each row of the `rows` x n matrix `m`, given `lagrangeWeights(n, t)`. */
export function evalRows(field: Field, m: FieldVec, rows: number, weights: FieldVec): FieldVec {
  const n = field.len(weights);
  const w = field.words;
  const out = field.zeros(rows);
  for (let r = 0; r < rows; r++) {
    field.set(out, r, field.innerProduct(m.subarray(r * n * w, (r + 1) * n * w), weights));
  }
  return out;
}

/**
 * Extends the evaluations `vals` (at w^0..w^(m-1), w = nthRoot(n)) of a polynomial of degree
 * < m to all n evaluations, n a power of two >= m (draft-irtf-cfrg-vdaf-20 §6.1.3.2,
 * extend_values_to_power_of_2). Barycentric interpolation over the m known nodes, where the
 * products over the known nodes are obtained from x^n - 1 and the few missing nodes.
 */
export function extendValues(field: Field, vals: FieldVec, n: number): FieldVec {
  const m = field.len(vals);
  const out = field.zeros(n);
  out.set(vals);
  if (m === n) return out;
  const nodes = field.powers(field.nthRoot(n), n);
  const known = nodes.subarray(0, m * field.words);
  const missing = nodes.slice(m * field.words);
  const k = n - m;
  const nInv = field.invS(BigInt(n));

  // prodK[i] = prod over missing x_k of (x_i - x_k), for the known nodes x_i.
  const prodK = field.addScalar(field.zeros(m), 1n);
  const tmp = field.zeros(m);
  for (let j = 0; j < k; j++) {
    field.addScalar(known, field.negS(field.get(missing, j)), tmp);
    field.mul(prodK, tmp, prodK);
  }

  // Barycentric weights over the known nodes: b_i = x_i * prodK[i] / n, pre-multiplied by v_i.
  const bv = field.mul(known, prodK);
  field.mulScalar(bv, nInv, bv);
  field.mul(bv, vals, bv);

  // ell[k] = prod over known x_j of (x_k - x_j) = n / x_k / prod over other missing (x_k - x_k').
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

  // P(x_k) = ell[k] * sum_i bv[i] / (x_k - x_i)
  const negKnown = field.neg(known);
  for (let j = 0; j < k; j++) {
    field.addScalar(negKnown, field.get(missing, j), tmp);
    field.inv(tmp, tmp);
    field.set(out, m + j, field.mulS(field.get(ell, j), field.innerProduct(bv, tmp)));
  }
  return out;
}

/**
 * 2n evaluations (at the powers of nthRoot(2n)) of the polynomial given by n evaluations
 * (draft-irtf-cfrg-vdaf-20 §6.1.3.2 double_evaluations): the known values interleaved with the
 * values on the coset s * w^i, s = nthRoot(2n).
 */
export function doubleEvals(field: Field, vals: FieldVec): FieldVec {
  const n = field.len(vals);
  const coeffs = field.invNtt(vals);
  if (field.nttCoset === undefined) return field.ntt(coeffs, 2 * n);
  const odd = field.nttCoset(coeffs, n);
  const out = field.zeros(2 * n);
  copyStrided(field, vals, 0, 1, out, 0, 2, n);
  copyStrided(field, odd, 0, 1, out, 1, 2, n);
  return out;
}

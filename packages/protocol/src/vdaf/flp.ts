// The FLP of draft-irtf-cfrg-vdaf-20 §7.3 (BBCGGI19 generic construction): validity circuits,
// proof generation, linear queries and decision, with gadget polynomials in the Lagrange basis.
import type { Field, FieldVec } from '@private-measurement/core-wasm';
import { ParamError, VerifyError } from '../errors.js';
import { type Gadget, gadgetPolyLen, wirePolyLen } from './gadgets.js';
import { nodes, powPow2 } from './internal/cache.js';
import {
  extendValues,
  lagrangeScale,
  lagrangeWeights,
  nodeQuotients,
} from './internal/lagrange.js';
import { copyStrided, nextPow2, transposeInto, weightedRowSum } from './internal/vec.js';

/**
 * A validity circuit (draft-irtf-cfrg-vdaf-20 §7.3.2), split in two vector phases so that no
 * gadget call is evaluated element by element: `wireInputs` gives the inputs of every call of
 * every gadget at once, `evalOutputs` combines the gadget outputs with affine gates.
 *
 * Limitation: a circuit whose gadget inputs depend on the outputs of other gadget calls cannot
 * be expressed in this two-phase form; none of the circuits of draft-20 or of the L1BoundSum
 * draft needs it.
 */
export interface ValidCircuit<M, R> {
  readonly field: Field;
  readonly gadgets: readonly Gadget[];
  /** Number of calls of each gadget. */
  readonly gadgetCalls: readonly number[];
  readonly measLen: number;
  readonly jointRandLen: number;
  readonly evalOutputLen: number;
  readonly outputLen: number;
  /** Encodes a measurement; throws `ParamError` when it is invalid. */
  encode(measurement: M): FieldVec;
  /** The aggregatable part of an encoded measurement (share). */
  truncate(meas: FieldVec): FieldVec;
  /** The aggregate result from the sum of the aggregate shares. */
  decode(output: FieldVec, numMeasurements: number): R;
  /**
   * Inputs of every gadget call: for gadget g, an `arity` x `gadgetCalls[g]` row-major matrix
   * whose row j holds the value of wire j at calls 1, 2, ...
   */
  wireInputs(meas: FieldVec, jointRand: FieldVec, numShares: number): FieldVec[];
  /** The circuit output (`evalOutputLen` elements) from the outputs of every gadget call. */
  evalOutputs(
    meas: FieldVec,
    jointRand: FieldVec,
    numShares: number,
    gadgetOutputs: readonly FieldVec[],
  ): FieldVec;
}

/**
 * Largest gadget grid whose Lagrange basis values query takes from `Field.lagrangeBasis` (five
 * products per node, for both grids) rather than from one batch inversion (an exponentiation of
 * about 2 log2(p) products): 64 nodes for Field128, 32 for Field64 (measured with a /tmp
 * micro-benchmark of both paths on Prio3Histogram(256, 16) and Prio3Sum(255)).
 */
function basisMaxSize(f: Field): number {
  return f.words === 2 ? 64 : 32;
}

/** The sizes of one gadget that every proof and query uses, fixed by the circuit. */
interface GadgetLayout {
  readonly arity: number;
  readonly calls: number;
  /** Wire polynomial length, next_power_of_2(1 + calls). */
  readonly p: number;
  /** Gadget polynomial values sent in a proof. */
  readonly len: number;
  /** The gadget polynomial's evaluation grid, next_power_of_2(len). */
  readonly size: number;
  /** size / p: the wire nodes are every step-th node of the gadget grid. */
  readonly step: number;
}

/**
 * FlpBBCGGI19 over a validity circuit (draft-irtf-cfrg-vdaf-20 §7.3).
 *
 * @example
 * const flp = new FlpBBCGGI19(countCircuit(getBackend().Field64));
 * const proof = flp.prove(meas, proveRand, jointRand);
 */
export class FlpBBCGGI19<M, R> {
  readonly valid: ValidCircuit<M, R>;
  readonly field: Field;
  readonly proveRandLen: number;
  readonly queryRandLen: number;
  readonly jointRandLen: number;
  readonly measLen: number;
  readonly outputLen: number;
  readonly proofLen: number;
  readonly verifierLen: number;
  private readonly layouts: readonly GadgetLayout[];
  /** Elements of scratch space one query needs (see `query`). */
  private readonly queryScratch: number;

  /**
   * @param valid - the validity circuit.
   * @throws {ParamError} when the gadget lists disagree or a wire polynomial exceeds the field's
   *   NTT capacity.
   */
  constructor(valid: ValidCircuit<M, R>) {
    if (valid.gadgets.length !== valid.gadgetCalls.length || valid.gadgets.length === 0) {
      throw new ParamError('gadgetCalls: expected one positive call count per gadget');
    }
    this.valid = valid;
    this.field = valid.field;
    let proveRandLen = 0;
    let proofLen = 0;
    let verifierLen = 1;
    valid.gadgets.forEach((g, i) => {
      const calls = valid.gadgetCalls[i];
      if (!Number.isInteger(calls) || calls < 1) {
        throw new ParamError(`gadgetCalls: expected integers >= 1, received ${String(calls)}`);
      }
      const p = wirePolyLen(calls);
      if (BigInt(nextPow2(gadgetPolyLen(g.degree, p))) > valid.field.genOrder) {
        throw new ParamError('gadgetCalls: too many calls for the field');
      }
      proveRandLen += g.arity;
      proofLen += g.arity + gadgetPolyLen(g.degree, p);
      verifierLen += g.arity + 1;
    });

    // draft-irtf-cfrg-vdaf-20 §7.3.2 prove_rand_len, query_rand_len, proof_len, verifier_len
    this.proveRandLen = proveRandLen;
    this.queryRandLen = valid.gadgets.length + (valid.evalOutputLen > 1 ? valid.evalOutputLen : 0);
    this.jointRandLen = valid.jointRandLen;
    this.measLen = valid.measLen;
    this.outputLen = valid.outputLen;
    this.proofLen = proofLen;
    this.verifierLen = verifierLen;
    this.layouts = valid.gadgets.map((g, i) => {
      const calls = valid.gadgetCalls[i];
      const p = wirePolyLen(calls);
      const len = gadgetPolyLen(g.degree, p);
      const size = nextPow2(len);
      return { arity: g.arity, calls, p, len, size, step: size / p };
    });
    // Per gadget: polynomial, outputs, quotients or basis values of the gadget grid, weights
    // of the wire grid (at most p), wire matrix and repeated weights.
    this.queryScratch = this.layouts.reduce(
      (n, l) => n + 2 * l.size + l.calls + l.p + 2 * (l.calls + 1) * l.arity,
      0,
    );
  }

  /** Wire polynomials (arity x p, Lagrange basis): seed at w^0, call k at w^k, zeros after. */
  private wirePolys(g: Gadget, inputs: FieldVec, calls: number, seeds: FieldVec): FieldVec {
    const f = this.field;
    const p = wirePolyLen(calls);
    const wires = f.zeros(g.arity * p);
    copyStrided(f, seeds, 0, 1, wires, 0, p, g.arity);
    for (let j = 0; j < g.arity; j++)
      copyStrided(f, inputs, j * calls, 1, wires, j * p + 1, 1, calls);
    return wires;
  }

  /**
   * Generates a proof (draft-irtf-cfrg-vdaf-20 §7.3.3).
   *
   * @param meas - encoded measurement, `measLen` elements.
   * @param proveRand - `proveRandLen` elements.
   * @param jointRand - `jointRandLen` elements.
   * @returns the proof, `proofLen` elements.
   */
  prove(meas: FieldVec, proveRand: FieldVec, jointRand: FieldVec): FieldVec {
    const f = this.field;
    const inputs = this.valid.wireInputs(meas, jointRand, 1);
    const proof = f.zeros(this.proofLen);
    let seedOff = 0;
    let off = 0;
    this.valid.gadgets.forEach((g, i) => {
      const calls = this.valid.gadgetCalls[i];
      const p = wirePolyLen(calls);
      const seeds = f.slice(proveRand, seedOff, seedOff + g.arity);
      seedOff += g.arity;

      // The proof carries the wire seeds, then the first gadget_poly_len gadget evaluations.
      copyStrided(f, seeds, 0, 1, proof, off, 1, g.arity);
      off += g.arity;
      const gadgetPoly = g.evalPoly(f, this.wirePolys(g, inputs[i], calls, seeds), p);
      const len = gadgetPolyLen(g.degree, p);
      copyStrided(f, gadgetPoly, 0, 1, proof, off, 1, len);
      off += len;
    });
    return proof;
  }

  /**
   * Runs the linear queries on a measurement share and proof share
   * (draft-irtf-cfrg-vdaf-20 §7.3.4).
   *
   * @param meas - measurement (share), `measLen` elements.
   * @param proof - proof (share), `proofLen` elements.
   * @param queryRand - `queryRandLen` elements.
   * @param jointRand - `jointRandLen` elements.
   * @param numShares - number of shares the measurement was split into.
   * @returns the verifier (share), `verifierLen` elements.
   * @throws {VerifyError} when a test point is a root of unity of the wire polynomials.
   */
  query(
    meas: FieldVec,
    proof: FieldVec,
    queryRand: FieldVec,
    jointRand: FieldVec,
    numShares: number,
  ): FieldVec {
    const f = this.field;
    const w = f.words;
    const { evalOutputLen } = this.valid;
    const inputs = this.valid.wireInputs(meas, jointRand, numShares);

    // Every temporary of the query lives in one buffer, carved in order: one allocation per
    // query instead of one per intermediate vector.
    const scratch = new BigUint64Array(this.queryScratch * w);
    let used = 0;
    const carve = (n: number): FieldVec => {
      const v = scratch.subarray(used * w, (used + n) * w);
      used += n;
      return v;
    };

    // Recover each gadget polynomial and read the gadget outputs off it.
    let off = 0;
    const seedOffs: number[] = [];
    const polys: FieldVec[] = [];
    const outputs: FieldVec[] = [];
    for (const l of this.layouts) {
      seedOffs.push(off);
      off += l.arity;
      const vals = proof.subarray(off * w, (off + l.len) * w);
      const poly = extendValues(f, vals, l.size, carve(l.size));
      off += l.len;
      polys.push(poly);

      // The k-th call's output is the gadget polynomial at w_p^k = w_size^(k * size / p).
      const out = carve(l.calls);
      copyStrided(f, poly, l.step, l.step, out, 0, 1, l.calls);
      outputs.push(out);
    }

    // Circuit output, reduced by a random linear combination when it has several elements.
    const circuitOut = this.valid.evalOutputs(meas, jointRand, numShares, outputs);
    let v: bigint;
    let tOff = 0;
    if (evalOutputLen > 1) {
      v = f.innerProduct(queryRand.subarray(0, evalOutputLen * w), circuitOut);
      tOff = evalOutputLen;
    } else {
      v = f.get(circuitOut, 0);
    }

    // Gadget tests: wire polynomials and gadget polynomial at the random point t.
    const verifier = f.zeros(this.verifierLen);
    f.set(verifier, 0, v);
    let vOff = 1;
    this.layouts.forEach((l, i) => {
      const t = f.get(queryRand, tOff + i);
      const tp = powPow2(f, t, l.p);
      // draft-irtf-cfrg-vdaf-20 §7.3.4: t must not be one of the wire polynomial nodes.
      if (tp === 1n) throw new VerifyError('query: test point is a root of unity');

      // Only the first calls + 1 nodes carry a nonzero wire value (the seed, then one value per
      // call), so only their Lagrange weights are needed.
      const n = l.calls + 1;
      let weights: FieldVec;
      let gadgetCheck: bigint;
      if (f.lagrangeBasis !== undefined && l.size <= basisMaxSize(f)) {
        // Small grids: the division-free basis values (prefix and suffix products) of both
        // grids cost fewer products than one field inversion, and hold when t is a node.
        weights = f.lagrangeBasis(l.p, t, carve(l.p)).subarray(0, n * w);
        gadgetCheck = f.innerProduct(polys[i], f.lagrangeBasis(l.size, t, carve(l.size)));
      } else if (powPow2(f, tp, l.step) === 1n) {
        // t is a node of the larger gadget grid (probability about size / p): the value there is
        // stored rather than interpolated.
        weights = carve(n);
        weights.set(lagrangeWeights(f, l.p, t).subarray(0, n * w));
        gadgetCheck = f.get(polys[i], f.toBigInts(nodes(f, l.size)).indexOf(t));
      } else {
        // The wire nodes are every step-th gadget node: one inversion serves both grids.
        const ts = powPow2(f, tp, l.step);
        const q = nodeQuotients(f, l.size, t, carve(l.size));
        gadgetCheck = f.mulS(f.innerProduct(polys[i], q), lagrangeScale(f, ts, l.size));
        weights = carve(n);
        copyStrided(f, q, 0, l.step, weights, 0, 1, n);
        f.mulScalar(weights, lagrangeScale(f, tp, l.p), weights);
      }

      // The wire seeds (row 0) and the inputs of call k (row k), weighted and summed.
      const wires = carve(n * l.arity);
      copyStrided(f, proof, seedOffs[i], 1, wires, 0, 1, l.arity);
      transposeInto(f, inputs[i], l.arity, l.calls, wires.subarray(l.arity * w));
      const wireChecks = weightedRowSum(f, wires, n, l.arity, weights, carve(n * l.arity));
      copyStrided(f, wireChecks, 0, 1, verifier, vOff, 1, l.arity);
      vOff += l.arity;
      f.set(verifier, vOff, gadgetCheck);
      vOff += 1;
    });
    return verifier;
  }

  /**
   * Decides from a whole verifier message (draft-irtf-cfrg-vdaf-20 §7.3.5).
   *
   * @param verifier - `verifierLen` elements, the sum of all verifier shares.
   * @returns true when the circuit output is zero and every gadget test passes.
   */
  decide(verifier: FieldVec): boolean {
    const f = this.field;
    if (f.get(verifier, 0) !== 0n) return false;
    let off = 1;
    let ok = true;
    for (const g of this.valid.gadgets) {
      const wireChecks = verifier.subarray(off * f.words, (off + g.arity) * f.words);
      off += g.arity;
      if (g.eval(f, wireChecks) !== f.get(verifier, off)) ok = false;
      off += 1;
    }
    return ok;
  }
}

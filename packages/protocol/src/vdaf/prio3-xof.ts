// The XOF derivations of Prio3 (draft-irtf-cfrg-vdaf-20 §7.2.6): helper shares, prove, query
// and joint randomness, all domain-separated by format_dst(0, ID, usage) || ctx (§6.2.3).
import type { Backend, Field, FieldVec } from '@private-measurement/core-wasm';
import type { FlpBBCGGI19 } from './flp.js';
import { concatBytes, encodeInto } from './internal/vec.js';
import { SEED_SIZE, VDAF_VERSION } from './prio3-types.js';

// draft-irtf-cfrg-vdaf-20 §7.2, table "Constants used by Prio3"
const USAGE_MEAS_SHARE = 1;
const USAGE_PROOF_SHARE = 2;
const USAGE_JOINT_RANDOMNESS = 3;
const USAGE_PROVE_RANDOMNESS = 4;
const USAGE_QUERY_RANDOMNESS = 5;
const USAGE_JOINT_RAND_SEED = 6;
const USAGE_JOINT_RAND_PART = 7;

/** Prio3's XOF calls for one instance (algorithm ID, proof count, FLP, backend). */
export class Prio3Xof {
  private readonly idBytes: Uint8Array;
  private readonly field: Field;

  /**
   * @param id - algorithm ID.
   * @param proofs - number of proofs.
   * @param flp - the instance's FLP (for the vector lengths).
   * @param backend - the kernels.
   */
  constructor(
    id: number,
    private readonly proofs: number,
    private readonly flp: FlpBBCGGI19<unknown, unknown>,
    private readonly backend: Backend,
  ) {
    this.idBytes = new Uint8Array(4);
    new DataView(this.idBytes.buffer).setUint32(0, id);
    this.field = flp.field;
  }

  /** draft-irtf-cfrg-vdaf-20 §5 domain_separation_tag with §6.2.3 format_dst. */
  dst(usage: number, ctx: Uint8Array): Uint8Array {
    const out = new Uint8Array(8 + ctx.length);
    out[0] = VDAF_VERSION;
    out[1] = 0; // algorithm class: VDAF
    out.set(this.idBytes, 2);
    out[6] = usage >> 8;
    out[7] = usage & 0xff;
    out.set(ctx, 8);
    return out;
  }

  helperMeasShare(ctx: Uint8Array, aggId: number, seed: Uint8Array): FieldVec {
    const dst = this.dst(USAGE_MEAS_SHARE, ctx);
    return this.backend.expandIntoVec(
      this.field,
      seed,
      dst,
      Uint8Array.of(aggId),
      this.flp.measLen,
    );
  }

  helperProofsShare(ctx: Uint8Array, aggId: number, seed: Uint8Array): FieldVec {
    const dst = this.dst(USAGE_PROOF_SHARE, ctx);
    const binder = Uint8Array.of(this.proofs, aggId);
    const n = this.flp.proofLen * this.proofs;
    return this.backend.expandIntoVec(this.field, seed, dst, binder, n);
  }

  proveRands(ctx: Uint8Array, seed: Uint8Array): FieldVec {
    const dst = this.dst(USAGE_PROVE_RANDOMNESS, ctx);
    const n = this.flp.proveRandLen * this.proofs;
    return this.backend.expandIntoVec(this.field, seed, dst, Uint8Array.of(this.proofs), n);
  }

  queryRands(verifyKey: Uint8Array, ctx: Uint8Array, nonce: Uint8Array): FieldVec {
    const dst = this.dst(USAGE_QUERY_RANDOMNESS, ctx);
    const binder = concatBytes([Uint8Array.of(this.proofs), nonce]);
    const n = this.flp.queryRandLen * this.proofs;
    return this.backend.expandIntoVec(this.field, verifyKey, dst, binder, n);
  }

  jointRandPart(
    ctx: Uint8Array,
    aggId: number,
    blind: Uint8Array,
    measShare: FieldVec,
    nonce: Uint8Array,
  ): Uint8Array {
    const dst = this.dst(USAGE_JOINT_RAND_PART, ctx);
    // binder = aggId || nonce || encode(measShare), built in place.
    const f = this.field;
    const binder = new Uint8Array(1 + nonce.length + f.len(measShare) * f.encodedSize);
    binder[0] = aggId;
    binder.set(nonce, 1);
    encodeInto(f, measShare, binder, 1 + nonce.length);
    return this.backend.deriveSeed(blind, dst, binder);
  }

  jointRandSeed(ctx: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
    const dst = this.dst(USAGE_JOINT_RAND_SEED, ctx);
    return this.backend.deriveSeed(new Uint8Array(SEED_SIZE), dst, concatBytes(parts));
  }

  jointRands(ctx: Uint8Array, seed: Uint8Array): FieldVec {
    const dst = this.dst(USAGE_JOINT_RANDOMNESS, ctx);
    const n = this.flp.jointRandLen * this.proofs;
    return this.backend.expandIntoVec(this.field, seed, dst, Uint8Array.of(this.proofs), n);
  }
}

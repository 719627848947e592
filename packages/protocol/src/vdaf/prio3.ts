// Prio3 of draft-irtf-cfrg-vdaf-20 §7.2: sharding, verification, aggregation and unsharding of
// any FLP validity circuit, with XofTurboShake128, 2 to 255 shares and 1 to 255 proofs.
// This code follows the draft text and its official test vectors; it has had no independent
// security review.
import type { Backend, Field, FieldVec } from '@private-measurement/core-wasm';
import { ParamError, VerifyError } from '../errors.js';
import * as codec from './codec.js';
import { FlpBBCGGI19 } from './flp.js';
import { sumVectors } from './internal/accumulate.js';
import { bytesEqual, checkInt, copyStrided } from './internal/vec.js';
import {
  NONCE_SIZE,
  SEED_SIZE,
  resolveBackend,
  type Prio3HelperShare,
  type Prio3InputShare,
  type Prio3LeaderShare,
  type Prio3Params,
  type Prio3PublicShare,
  type Prio3Report,
  type Prio3VerifierMessage,
  type Prio3VerifierShare,
  type Prio3VerifyState,
} from './prio3-types.js';
import { Prio3Xof } from './prio3-xof.js';

export * from './prio3-types.js';

/**
 * Prio3 over any validity circuit (draft-irtf-cfrg-vdaf-20 §7.2). The variants
 * (`Prio3Count`, `Prio3Histogram`, ...) are subclasses that fix the circuit. Prio3 has no
 * aggregation parameter, so the draft's `agg_param` arguments are omitted.
 *
 * @example
 * const vdaf = new Prio3Histogram(2, 4, 2);
 * const { publicShare, inputShares } = vdaf.shard(ctx, 2, nonce, rand);
 */
export class Prio3<M, R> {
  readonly id: number;
  readonly shares: number;
  readonly proofs: number;
  readonly flp: FlpBBCGGI19<M, R>;
  readonly field: Field;
  readonly backend: Backend;
  /** Rounds of verification: 1. */
  readonly rounds = 1;
  readonly nonceSize = NONCE_SIZE;
  readonly verifyKeySize = SEED_SIZE;
  /** Bytes of randomness `shard` consumes. */
  readonly randSize: number;
  private readonly xof: Prio3Xof;

  /**
   * @param params - algorithm ID, shares, proofs, circuit and backend.
   * @throws {ParamError} on out-of-range parameters.
   */
  constructor(params: Prio3Params<M, R>) {
    this.id = checkInt('id', params.id, 0, 0xffffffff);
    // draft-irtf-cfrg-vdaf-20 §7.2: SHARES in [2, 256), PROOFS in [1, 256).
    this.shares = checkInt('shares', params.shares, 2, 255);
    this.proofs = checkInt('proofs', params.proofs, 1, 255);
    this.backend = resolveBackend(params.backend);
    this.flp = new FlpBBCGGI19(params.circuit(this.backend));
    this.field = this.flp.field;
    this.randSize = SEED_SIZE * this.shares * (this.flp.jointRandLen > 0 ? 2 : 1);
    this.xof = new Prio3Xof(
      this.id,
      this.proofs,
      this.flp as FlpBBCGGI19<unknown, unknown>,
      this.backend,
    );
  }

  /** Whether the circuit uses joint randomness (then shares carry blinds). */
  get usesJointRand(): boolean {
    return this.flp.jointRandLen > 0;
  }

  private checkCtx(ctx: Uint8Array): void {
    if (!(ctx instanceof Uint8Array)) throw new ParamError('ctx: expected a Uint8Array');
    // draft-irtf-cfrg-vdaf-20 §6.2.1: the tag (8 bytes + ctx) must not exceed 65535 bytes.
    if (ctx.length > 65535 - 8) {
      throw new ParamError(`ctx: expected at most 65527 bytes, received ${ctx.length}`);
    }
  }

  private checkBytes(name: string, b: unknown, n: number): asserts b is Uint8Array {
    if (!(b instanceof Uint8Array)) throw new ParamError(`${name}: expected a Uint8Array`);
    if (b.length !== n) throw new ParamError(`${name}: expected ${n} bytes, received ${b.length}`);
  }

  private checkVec(name: string, v: unknown, n: number): asserts v is FieldVec {
    if (!(v instanceof BigUint64Array) || v.length !== n * this.field.words) {
      throw new ParamError(`${name}: expected ${n} field elements`);
    }
  }

  /** Elements [i * n, (i + 1) * n) of v, without copying (v itself when that is all of it). */
  private part(v: FieldVec, i: number, n: number): FieldVec {
    const w = this.field.words;
    if (i === 0 && v.length === n * w) return v;
    return v.subarray(i * n * w, (i + 1) * n * w);
  }

  /**
   * Splits a measurement into a public share and one input share per aggregator
   * (draft-irtf-cfrg-vdaf-20 §7.2.1).
   *
   * @param ctx - application context string.
   * @param measurement - the measurement, as the variant defines it.
   * @param nonce - 16 bytes.
   * @param rand - `randSize` random bytes.
   * @returns the public share and `shares` input shares.
   * @throws {ParamError} for an invalid measurement or wrong-sized nonce or rand.
   * @example
   * const vdaf = new Prio3Count(2);
   * const rand = crypto.getRandomValues(new Uint8Array(vdaf.randSize));
   * const report = vdaf.shard(ctx, 1, nonce, rand);
   */
  shard(ctx: Uint8Array, measurement: M, nonce: Uint8Array, rand: Uint8Array): Prio3Report {
    this.checkCtx(ctx);
    this.checkBytes('nonce', nonce, NONCE_SIZE);
    this.checkBytes('rand', rand, this.randSize);
    const f = this.field;
    const flp = this.flp;
    const seeds: Uint8Array[] = [];
    for (let i = 0; i < this.randSize; i += SEED_SIZE) seeds.push(rand.slice(i, i + SEED_SIZE));

    // Encode the measurement (rejects invalid ones).
    const meas = flp.valid.encode(measurement);

    // Seeds: helper shares (and blinds), then the leader blind, then the prove seed.
    const jr = this.usesJointRand;
    const helperSeeds: Uint8Array[] = [];
    const helperBlinds: Uint8Array[] = [];
    for (let j = 0; j < this.shares - 1; j++) {
      helperSeeds.push(seeds[jr ? 2 * j : j]);
      if (jr) helperBlinds.push(seeds[2 * j + 1]);
    }
    const rest = seeds.slice(jr ? 2 * (this.shares - 1) : this.shares - 1);
    const leaderBlind = jr ? rest[0] : null;
    const proveSeed = jr ? rest[1] : rest[0];

    // Shard the measurement; compute the joint randomness parts.
    const leaderMeasShare = meas.slice();
    const parts: Uint8Array[] = [];
    for (let j = 0; j < this.shares - 1; j++) {
      const helperMeasShare = this.xof.helperMeasShare(ctx, j + 1, helperSeeds[j]);
      f.sub(leaderMeasShare, helperMeasShare, leaderMeasShare);
      if (jr)
        parts.push(this.xof.jointRandPart(ctx, j + 1, helperBlinds[j], helperMeasShare, nonce));
    }
    if (leaderBlind !== null) {
      parts.unshift(this.xof.jointRandPart(ctx, 0, leaderBlind, leaderMeasShare, nonce));
    }

    // Generate each proof with its own prove and joint randomness.
    const proveRands = this.xof.proveRands(ctx, proveSeed);
    const jointRands = jr
      ? this.xof.jointRands(ctx, this.xof.jointRandSeed(ctx, parts))
      : f.zeros(0);
    const leaderProofsShare = f.zeros(flp.proofLen * this.proofs);
    for (let i = 0; i < this.proofs; i++) {
      const proof = flp.prove(
        meas,
        this.part(proveRands, i, flp.proveRandLen),
        this.part(jointRands, i, flp.jointRandLen),
      );
      copyStrided(f, proof, 0, 1, leaderProofsShare, i * flp.proofLen, 1, flp.proofLen);
    }

    // Shard the proofs: the leader's share is the proofs minus the helpers' shares.
    for (let j = 0; j < this.shares - 1; j++) {
      const helperProofs = this.xof.helperProofsShare(ctx, j + 1, helperSeeds[j]);
      f.sub(leaderProofsShare, helperProofs, leaderProofsShare);
    }

    const inputShares: Prio3InputShare[] = [
      { measShare: leaderMeasShare, proofsShare: leaderProofsShare, blind: leaderBlind },
    ];
    for (let j = 0; j < this.shares - 1; j++) {
      inputShares.push({ seed: helperSeeds[j], blind: jr ? helperBlinds[j] : null });
    }
    return { publicShare: jr ? parts : null, inputShares };
  }

  /** Checks the shape of an input share for aggregator `aggId`. */
  private checkInputShare(aggId: number, share: Prio3InputShare): void {
    const jr = this.usesJointRand;
    if (aggId === 0) {
      const s = share as Prio3LeaderShare;
      this.checkVec('inputShare.measShare', s.measShare, this.flp.measLen);
      this.checkVec('inputShare.proofsShare', s.proofsShare, this.flp.proofLen * this.proofs);
    } else {
      this.checkBytes('inputShare.seed', (share as Prio3HelperShare).seed, SEED_SIZE);
    }
    if (jr) this.checkBytes('inputShare.blind', share.blind, SEED_SIZE);
    else if (share.blind !== null) throw new ParamError('inputShare.blind: expected null');
  }

  /**
   * Starts verification of one report by one aggregator (draft-irtf-cfrg-vdaf-20 §7.2.2,
   * verify_init).
   *
   * @param verifyKey - 32-byte verification key shared by the aggregators.
   * @param ctx - application context string.
   * @param aggId - this aggregator's index, 0 (leader) to shares - 1.
   * @param nonce - the report nonce, 16 bytes.
   * @param publicShare - the report's public share.
   * @param inputShare - this aggregator's input share.
   * @returns the verification state and the verifier share to broadcast.
   * @throws {ParamError} on wrong-sized inputs.
   * @throws {VerifyError} when the query cannot be answered (test point on a node).
   */
  verifyInit(
    verifyKey: Uint8Array,
    ctx: Uint8Array,
    aggId: number,
    nonce: Uint8Array,
    publicShare: Prio3PublicShare,
    inputShare: Prio3InputShare,
  ): { state: Prio3VerifyState; verifierShare: Prio3VerifierShare } {
    this.checkBytes('verifyKey', verifyKey, SEED_SIZE);
    this.checkCtx(ctx);
    checkInt('aggId', aggId, 0, this.shares - 1);
    this.checkBytes('nonce', nonce, NONCE_SIZE);
    this.checkInputShare(aggId, inputShare);
    const f = this.field;
    const flp = this.flp;

    // Expand the input share.
    let measShare: FieldVec;
    let proofsShare: FieldVec;
    if (aggId === 0) {
      ({ measShare, proofsShare } = inputShare as Prio3LeaderShare);
    } else {
      const seed = (inputShare as Prio3HelperShare).seed;
      measShare = this.xof.helperMeasShare(ctx, aggId, seed);
      proofsShare = this.xof.helperProofsShare(ctx, aggId, seed);
    }
    const outShare = flp.valid.truncate(measShare);

    // Joint randomness: our own part replaces the client's claim for aggregator aggId.
    let jointRands = f.zeros(0);
    let corrected: Uint8Array | null = null;
    let part: Uint8Array | null = null;
    if (this.usesJointRand) {
      if (publicShare === null || publicShare.length !== this.shares) {
        throw new ParamError(`publicShare: expected ${this.shares} joint randomness parts`);
      }
      publicShare.forEach((p, i) => this.checkBytes(`publicShare[${i}]`, p, SEED_SIZE));
      part = this.xof.jointRandPart(ctx, aggId, inputShare.blind as Uint8Array, measShare, nonce);
      const parts = publicShare.slice();
      parts[aggId] = part;
      corrected = this.xof.jointRandSeed(ctx, parts);
      jointRands = this.xof.jointRands(ctx, corrected);
    } else if (publicShare !== null) {
      throw new ParamError('publicShare: expected null');
    }

    // Query the measurement share with each proof share.
    const queryRands = this.xof.queryRands(verifyKey, ctx, nonce);
    const verifiers: FieldVec[] = [];
    for (let i = 0; i < this.proofs; i++) {
      verifiers.push(
        flp.query(
          measShare,
          this.part(proofsShare, i, flp.proofLen),
          this.part(queryRands, i, flp.queryRandLen),
          this.part(jointRands, i, flp.jointRandLen),
          this.shares,
        ),
      );
    }
    // One proof (every variant but the multiproof ones): the verifier is the share itself.
    const verifiersShare = this.proofs === 1 ? verifiers[0] : f.concat(verifiers);
    return {
      state: { outShare, correctedJointRandSeed: corrected },
      verifierShare: { verifiersShare, jointRandPart: part },
    };
  }

  /**
   * Combines the verifier shares of all aggregators into the verifier message, deciding each
   * proof (draft-irtf-cfrg-vdaf-20 §7.2.2, verifier_shares_to_message).
   *
   * @param ctx - application context string.
   * @param verifierShares - one verifier share per aggregator, in aggregator order.
   * @returns the verifier message (the joint randomness seed, or null).
   * @throws {VerifyError} when a proof is rejected.
   * @throws {ParamError} on a wrong number or shape of verifier shares.
   */
  verifierSharesToMessage(
    ctx: Uint8Array,
    verifierShares: readonly Prio3VerifierShare[],
  ): Prio3VerifierMessage {
    this.checkCtx(ctx);
    if (verifierShares.length !== this.shares) {
      throw new ParamError(
        `verifierShares: expected ${this.shares}, received ${verifierShares.length}`,
      );
    }
    const f = this.field;
    const flp = this.flp;
    const n = flp.verifierLen * this.proofs;
    verifierShares.forEach((vs, i) => this.checkVec(`verifierShares[${i}]`, vs.verifiersShare, n));
    // The sum starts as a new vector, the first two shares added; the others add in place.
    const verifiers = f.add(verifierShares[0].verifiersShare, verifierShares[1].verifiersShare);
    for (let i = 2; i < verifierShares.length; i++) {
      f.add(verifiers, verifierShares[i].verifiersShare, verifiers);
    }
    const parts: Uint8Array[] = [];
    verifierShares.forEach((vs, i) => {
      if (this.usesJointRand) {
        this.checkBytes(`verifierShares[${i}].jointRandPart`, vs.jointRandPart, SEED_SIZE);
        parts.push(vs.jointRandPart);
      }
    });

    // Decide every proof.
    for (let i = 0; i < this.proofs; i++) {
      if (!flp.decide(this.part(verifiers, i, flp.verifierLen))) {
        throw new VerifyError('verifierShares: proof verifier check failed');
      }
    }
    return this.usesJointRand ? this.xof.jointRandSeed(ctx, parts) : null;
  }

  /**
   * Finishes verification: checks the joint randomness and releases the output share
   * (draft-irtf-cfrg-vdaf-20 §7.2.2, verify_next).
   *
   * @param _ctx - application context string (unused by Prio3, kept for the draft's signature).
   * @param state - this aggregator's verification state.
   * @param message - the verifier message.
   * @returns the output share.
   * @throws {VerifyError} when the joint randomness seed differs from the corrected one.
   */
  verifyNext(_ctx: Uint8Array, state: Prio3VerifyState, message: Prio3VerifierMessage): FieldVec {
    const want = state.correctedJointRandSeed;
    // Spec: the draft compares two Optional values; we require null exactly when the circuit
    // uses no joint randomness, and otherwise the same 32 bytes.
    const ok = want === null ? message === null : message !== null && bytesEqual(message, want);
    if (!ok) throw new VerifyError('verifierMessage: joint randomness check failed');
    return state.outShare;
  }

  /** Prio3 accepts a report in one aggregation only (draft-irtf-cfrg-vdaf-20 §7.2.3). */
  isValid(previousAggregations: number): boolean {
    return previousAggregations === 0;
  }

  /** An all-zero aggregate share (draft-irtf-cfrg-vdaf-20 §7.2.4, agg_init). */
  aggInit(): FieldVec {
    return this.field.zeros(this.flp.outputLen);
  }

  /**
   * Adds an output share into an aggregate share, in place (§7.2.4, agg_update).
   *
   * @returns `aggShare`.
   * @throws {ParamError} on a length mismatch.
   */
  aggUpdate(aggShare: FieldVec, outShare: FieldVec): FieldVec {
    this.checkVec('aggShare', aggShare, this.flp.outputLen);
    this.checkVec('outShare', outShare, this.flp.outputLen);
    return this.field.add(aggShare, outShare, aggShare);
  }

  /**
   * Sum of aggregate shares (draft-irtf-cfrg-vdaf-20 §7.2.4, merge).
   *
   * @throws {ParamError} on a length mismatch.
   */
  merge(aggShares: readonly FieldVec[]): FieldVec {
    const agg = this.aggInit();
    for (const a of aggShares) this.aggUpdate(agg, a);
    return agg;
  }

  /**
   * agg_init followed by agg_update for every output share: the aggregate share of a batch.
   *
   * @throws {ParamError} on a length mismatch.
   */
  aggregate(outShares: Iterable<FieldVec>): FieldVec {
    const outs = Array.from(outShares);
    outs.forEach((o, i) => this.checkVec(`outShares[${i}]`, o, this.flp.outputLen));
    // Exact limb sums, one reduction at the end: no kernel call per output share.
    return sumVectors(this.field, outs, this.flp.outputLen);
  }

  /**
   * The aggregate result from all aggregate shares (draft-irtf-cfrg-vdaf-20 §7.2.5).
   *
   * @param aggShares - one aggregate share per aggregator.
   * @param numMeasurements - number of measurements aggregated.
   * @throws {ParamError} on a wrong number or length of shares.
   */
  unshard(aggShares: readonly FieldVec[], numMeasurements: number): R {
    if (aggShares.length !== this.shares) {
      throw new ParamError(`aggShares: expected ${this.shares}, received ${aggShares.length}`);
    }
    return this.flp.valid.decode(this.merge(aggShares), numMeasurements);
  }

  // Encodings (draft-irtf-cfrg-vdaf-20 §7.2.7). Decoders throw `DecodeError` on truncated,
  // trailing or non-canonical bytes.

  /** Encodes a public share. */
  encodePublicShare(share: Prio3PublicShare): Uint8Array {
    return codec.encodePublicShare(this as Prio3<unknown, unknown>, share);
  }

  /** Decodes a public share. @throws {DecodeError} */
  decodePublicShare(bytes: Uint8Array): Prio3PublicShare {
    return codec.decodePublicShare(this as Prio3<unknown, unknown>, bytes);
  }

  /** Encodes an input share. */
  encodeInputShare(share: Prio3InputShare): Uint8Array {
    return codec.encodeInputShare(this as Prio3<unknown, unknown>, share);
  }

  /** Decodes the input share of aggregator `aggId`. @throws {DecodeError} @throws {ParamError} */
  decodeInputShare(aggId: number, bytes: Uint8Array): Prio3InputShare {
    return codec.decodeInputShare(this as Prio3<unknown, unknown>, aggId, bytes);
  }

  /** Encodes a verifier share. */
  encodeVerifierShare(share: Prio3VerifierShare): Uint8Array {
    return codec.encodeVerifierShare(this as Prio3<unknown, unknown>, share);
  }

  /** Decodes a verifier share. @throws {DecodeError} */
  decodeVerifierShare(bytes: Uint8Array): Prio3VerifierShare {
    return codec.decodeVerifierShare(this as Prio3<unknown, unknown>, bytes);
  }

  /** Encodes a verifier message. */
  encodeVerifierMessage(msg: Prio3VerifierMessage): Uint8Array {
    return codec.encodeVerifierMessage(this as Prio3<unknown, unknown>, msg);
  }

  /** Decodes a verifier message. @throws {DecodeError} */
  decodeVerifierMessage(bytes: Uint8Array): Prio3VerifierMessage {
    return codec.decodeVerifierMessage(this as Prio3<unknown, unknown>, bytes);
  }

  /** Encodes an output share (same format as an aggregate share). */
  encodeOutShare(share: FieldVec): Uint8Array {
    return codec.encodeAggShare(this as Prio3<unknown, unknown>, share);
  }

  /** Decodes an output share. @throws {DecodeError} */
  decodeOutShare(bytes: Uint8Array): FieldVec {
    return codec.decodeAggShare(this as Prio3<unknown, unknown>, bytes);
  }

  /** Encodes an aggregate share. */
  encodeAggShare(share: FieldVec): Uint8Array {
    return codec.encodeAggShare(this as Prio3<unknown, unknown>, share);
  }

  /** Decodes an aggregate share. @throws {DecodeError} */
  decodeAggShare(bytes: Uint8Array): FieldVec {
    return codec.decodeAggShare(this as Prio3<unknown, unknown>, bytes);
  }

  /** Encodes a verification state for storage (our format: output share, then seed). */
  encodeVerifyState(state: Prio3VerifyState): Uint8Array {
    return codec.encodeVerifyState(this as Prio3<unknown, unknown>, state);
  }

  /** Decodes a stored verification state. @throws {DecodeError} */
  decodeVerifyState(bytes: Uint8Array): Prio3VerifyState {
    return codec.decodeVerifyState(this as Prio3<unknown, unknown>, bytes);
  }
}

// Byte encodings of Prio3 messages (draft-irtf-cfrg-vdaf-20 §7.2.7): public share, input shares,
// verifier shares and message, output and aggregate shares, and our verification state format.
// Decoders take exactly the expected length and reject non-canonical field elements.
import type { FieldVec } from '@private-measurement/core-wasm';
import { DecodeError } from '../errors.js';
import { checkInt, concatBytes, decodeVec, encodeInto } from './internal/vec.js';
import type { Prio3 } from './prio3.js';
import type {
  Prio3InputShare,
  Prio3LeaderShare,
  Prio3HelperShare,
  Prio3PublicShare,
  Prio3VerifierMessage,
  Prio3VerifierShare,
  Prio3VerifyState,
} from './prio3-types.js';
import { SEED_SIZE } from './prio3-types.js';

type AnyPrio3 = Prio3<unknown, unknown>;

function expectLength(what: string, bytes: Uint8Array, n: number): void {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError(`${what}: expected a Uint8Array`);
  if (bytes.length !== n) {
    throw new DecodeError(`${what}: expected ${n} bytes, received ${bytes.length}`);
  }
}

/** Encoded public share: the joint randomness parts, or empty (§7.2.7.1). */
export function encodePublicShare(_v: AnyPrio3, share: Prio3PublicShare): Uint8Array {
  return share === null ? new Uint8Array(0) : concatBytes(share);
}

/** Decodes a public share; throws `DecodeError` on a wrong length (§7.2.7.1). */
export function decodePublicShare(v: AnyPrio3, bytes: Uint8Array): Prio3PublicShare {
  if (!v.usesJointRand) {
    expectLength('publicShare', bytes, 0);
    return null;
  }
  expectLength('publicShare', bytes, SEED_SIZE * v.shares);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < v.shares; i++) parts.push(bytes.slice(i * SEED_SIZE, (i + 1) * SEED_SIZE));
  return parts;
}

/** Encoded input share: leader (meas, proofs[, blind]) or helper (seed[, blind]) (§7.2.7.2). */
export function encodeInputShare(v: AnyPrio3, share: Prio3InputShare): Uint8Array {
  const f = v.field;
  const blind = share.blind ?? new Uint8Array(0);
  if (!('measShare' in share)) return concatBytes([share.seed, blind]);
  const m = f.len(share.measShare) * f.encodedSize;
  const p = f.len(share.proofsShare) * f.encodedSize;
  const out = new Uint8Array(m + p + blind.length);
  encodeInto(f, share.measShare, out, 0);
  encodeInto(f, share.proofsShare, out, m);
  out.set(blind, m + p);
  return out;
}

/** Decodes the input share of aggregator `aggId` (§7.2.7.2). */
export function decodeInputShare(v: AnyPrio3, aggId: number, bytes: Uint8Array): Prio3InputShare {
  const f = v.field;
  const blindLen = v.usesJointRand ? SEED_SIZE : 0;
  checkInt('aggId', aggId, 0, v.shares - 1);
  if (aggId === 0) {
    const m = v.flp.measLen * f.encodedSize;
    const p = v.flp.proofLen * v.proofs * f.encodedSize;
    expectLength('inputShare', bytes, m + p + blindLen);
    const share: Prio3LeaderShare = {
      measShare: decodeVec(f, bytes.subarray(0, m), v.flp.measLen, 'inputShare.measShare'),
      proofsShare: decodeVec(
        f,
        bytes.subarray(m, m + p),
        v.flp.proofLen * v.proofs,
        'inputShare.proofsShare',
      ),
      blind: blindLen > 0 ? bytes.slice(m + p) : null,
    };
    return share;
  }
  expectLength('inputShare', bytes, SEED_SIZE + blindLen);
  const share: Prio3HelperShare = {
    seed: bytes.slice(0, SEED_SIZE),
    blind: blindLen > 0 ? bytes.slice(SEED_SIZE) : null,
  };
  return share;
}

/** Encoded verifier share: verifiers share[, joint randomness part] (§7.2.7.3). */
export function encodeVerifierShare(v: AnyPrio3, share: Prio3VerifierShare): Uint8Array {
  const f = v.field;
  if (share.jointRandPart === null) return f.encode(share.verifiersShare);
  const m = f.len(share.verifiersShare) * f.encodedSize;
  const out = new Uint8Array(m + share.jointRandPart.length);
  encodeInto(f, share.verifiersShare, out, 0);
  out.set(share.jointRandPart, m);
  return out;
}

/** Decodes a verifier share (§7.2.7.3). */
export function decodeVerifierShare(v: AnyPrio3, bytes: Uint8Array): Prio3VerifierShare {
  const f = v.field;
  const n = v.flp.verifierLen * v.proofs;
  const m = n * f.encodedSize;
  expectLength('verifierShare', bytes, m + (v.usesJointRand ? SEED_SIZE : 0));
  return {
    verifiersShare: decodeVec(f, bytes.subarray(0, m), n, 'verifierShare'),
    jointRandPart: v.usesJointRand ? bytes.slice(m) : null,
  };
}

/** Encoded verifier message: the joint randomness seed or empty (§7.2.7.4). */
export function encodeVerifierMessage(_v: AnyPrio3, msg: Prio3VerifierMessage): Uint8Array {
  return msg === null ? new Uint8Array(0) : msg.slice();
}

/** Decodes a verifier message (§7.2.7.4). */
export function decodeVerifierMessage(v: AnyPrio3, bytes: Uint8Array): Prio3VerifierMessage {
  expectLength('verifierMessage', bytes, v.usesJointRand ? SEED_SIZE : 0);
  return v.usesJointRand ? bytes.slice() : null;
}

/** Encoded aggregate (or output) share: OUTPUT_LEN field elements (§7.2.7.5). */
export function encodeAggShare(v: AnyPrio3, share: FieldVec): Uint8Array {
  return v.field.encode(share);
}

/** Decodes an aggregate (or output) share (§7.2.7.5). */
export function decodeAggShare(v: AnyPrio3, bytes: Uint8Array): FieldVec {
  return decodeVec(v.field, bytes, v.flp.outputLen, 'aggShare');
}

/**
 * Encoded verification state, for storage between requests: the output share followed by
 * the corrected joint randomness seed when the circuit uses one. Spec: the draft leaves the
 * state's encoding to implementations; this is ours.
 */
export function encodeVerifyState(v: AnyPrio3, state: Prio3VerifyState): Uint8Array {
  const enc = v.field.encode(state.outShare);
  return state.correctedJointRandSeed === null
    ? enc
    : concatBytes([enc, state.correctedJointRandSeed]);
}

/** Decodes a verification state written by `encodeVerifyState`. */
export function decodeVerifyState(v: AnyPrio3, bytes: Uint8Array): Prio3VerifyState {
  const m = v.flp.outputLen * v.field.encodedSize;
  expectLength('verifyState', bytes, m + (v.usesJointRand ? SEED_SIZE : 0));
  return {
    outShare: decodeVec(v.field, bytes.subarray(0, m), v.flp.outputLen, 'verifyState'),
    correctedJointRandSeed: v.usesJointRand ? bytes.slice(m) : null,
  };
}

// Constants and message types of Prio3 (draft-irtf-cfrg-vdaf-20 §7.2): shares, verifier
// messages and states as in-memory values, and the options that choose the backend.
import {
  getBackend,
  type Backend,
  type BackendKind,
  type FieldVec,
} from '@private-measurement/core-wasm';
import type { ValidCircuit } from './flp.js';

/** VERSION of draft-irtf-cfrg-vdaf-18, -19 and -20 (the first byte of every XOF tag). */
export const VDAF_VERSION = 18;
/** XofTurboShake128 seed size in bytes. */
export const SEED_SIZE = 32;
/** Prio3 nonce size in bytes (draft-irtf-cfrg-vdaf-20 §7.2). */
export const NONCE_SIZE = 16;

/** Which backend runs the field and XOF kernels: a kind, or a backend object. */
export interface Prio3Options {
  /** `'wasm'` (default when available), `'ts'`, or a `Backend` instance. */
  backend?: BackendKind | Backend;
}

/** Public share: the joint randomness parts, or null when the circuit uses none. */
export type Prio3PublicShare = Uint8Array[] | null;

/** The Leader's input share: measurement share, proofs share and blind. */
export interface Prio3LeaderShare {
  measShare: FieldVec;
  proofsShare: FieldVec;
  blind: Uint8Array | null;
}

/** A Helper's input share: a seed that expands to its shares, and its blind. */
export interface Prio3HelperShare {
  seed: Uint8Array;
  blind: Uint8Array | null;
}

/** An input share; aggregator 0 gets a `Prio3LeaderShare`, the others a `Prio3HelperShare`. */
export type Prio3InputShare = Prio3LeaderShare | Prio3HelperShare;

/** Verification state kept by an aggregator between verifyInit and verifyNext. */
export interface Prio3VerifyState {
  outShare: FieldVec;
  correctedJointRandSeed: Uint8Array | null;
}

/** Verifier share broadcast by each aggregator. */
export interface Prio3VerifierShare {
  verifiersShare: FieldVec;
  jointRandPart: Uint8Array | null;
}

/** Verifier message: the joint randomness seed, or null when the circuit uses none. */
export type Prio3VerifierMessage = Uint8Array | null;

/** Output of `shard`. */
export interface Prio3Report {
  publicShare: Prio3PublicShare;
  inputShares: Prio3InputShare[];
}

/** Parameters of a Prio3 instance built on a custom circuit. */
export interface Prio3Params<M, R> extends Prio3Options {
  /** Algorithm ID, a 32-bit unsigned integer (draft-irtf-cfrg-vdaf-20 §10). */
  id: number;
  /** Number of shares, 2 to 255. */
  shares: number;
  /** Number of proofs, 1 to 255. */
  proofs: number;
  /** Builds the validity circuit on the chosen backend's fields. */
  circuit: (backend: Backend) => ValidCircuit<M, R>;
}

/** Resolves the `backend` option. */
export function resolveBackend(b: BackendKind | Backend | undefined): Backend {
  if (b === undefined || typeof b === 'string') return getBackend(b);
  return b;
}

// The ping-pong topology of draft-irtf-cfrg-vdaf-20 §5.7.1 for two aggregators, over encoded
// messages: the Leader initialises, the Helper answers, each side reaches Finished or Rejected.
import type { FieldVec } from '@private-measurement/core-wasm';
import { ParamError, ProtocolError, VerifyError } from '../errors.js';
import { decodePingPongMessage, encodePingPongMessage } from './ping-pong-message.js';
import type { Prio3, Prio3VerifierShare, Prio3VerifyState } from './prio3.js';

/** A state of the verification state machine (draft-irtf-cfrg-vdaf-20 Appendix B). */
export type PingPongState =
  | { kind: 'continued'; verifyState: Prio3VerifyState; round: number; outbound: Uint8Array }
  | { kind: 'finished'; outShare: FieldVec }
  | { kind: 'finishedWithOutbound'; outShare: FieldVec; outbound: Uint8Array }
  | { kind: 'rejected'; error: ProtocolError };

type AnyPrio3 = Prio3<unknown, unknown>;

function checkTwoShares(vdaf: AnyPrio3): void {
  if (vdaf.shares !== 2) {
    throw new ParamError(`vdaf.shares: expected 2 for ping-pong, received ${vdaf.shares}`);
  }
}

// Spec: the draft maps every exception to Rejected; we keep our typed error in the state (for
// its code) and let anything else (a bug, not a bad report) propagate.
function rejected(e: unknown): PingPongState {
  if (e instanceof ProtocolError) return { kind: 'rejected', error: e };
  throw e;
}

/** verify_init on the encoded public share and input share of aggregator `aggId`. */
function initFromBytes(
  vdaf: AnyPrio3,
  verifyKey: Uint8Array,
  ctx: Uint8Array,
  aggId: number,
  nonce: Uint8Array,
  publicShare: Uint8Array,
  inputShare: Uint8Array,
): ReturnType<AnyPrio3['verifyInit']> {
  const ps = vdaf.decodePublicShare(publicShare);
  return vdaf.verifyInit(
    verifyKey,
    ctx,
    aggId,
    nonce,
    ps,
    vdaf.decodeInputShare(aggId, inputShare),
  );
}

/** Combines both verifier shares, finishes this side and builds the outbound message. */
function transition(
  vdaf: AnyPrio3,
  ctx: Uint8Array,
  shares: Prio3VerifierShare[],
  state: Prio3VerifyState,
): PingPongState {
  const message = vdaf.verifierSharesToMessage(ctx, shares);
  const encoded = vdaf.encodeVerifierMessage(message);
  const outShare = vdaf.verifyNext(ctx, state, message);
  // Prio3 has one round, so the transition always finishes (draft-20 §5.7.1).
  const outbound = encodePingPongMessage({ type: 'finish', verifierMessage: encoded });
  return { kind: 'finishedWithOutbound', outShare, outbound };
}

/**
 * The Leader's first step (draft-irtf-cfrg-vdaf-20 §5.7.1, ping_pong_leader_init).
 *
 * @param vdaf - a two-share Prio3 instance.
 * @param verifyKey - 32-byte verification key.
 * @param ctx - application context string.
 * @param nonce - report nonce.
 * @param publicShare - encoded public share.
 * @param inputShare - encoded Leader input share.
 * @returns `continued` with the `initialize` message to send, or `rejected` (with the typed
 *   error) when any step fails, as the draft turns every exception into Rejected.
 * @throws {ParamError} when `vdaf` does not have exactly two shares.
 * @example
 * const s = pingPongLeaderInit(vdaf, key, ctx, nonce, ps, leaderShare);
 */
export function pingPongLeaderInit(
  vdaf: AnyPrio3,
  verifyKey: Uint8Array,
  ctx: Uint8Array,
  nonce: Uint8Array,
  publicShare: Uint8Array,
  inputShare: Uint8Array,
): PingPongState {
  checkTwoShares(vdaf);
  try {
    const init = initFromBytes(vdaf, verifyKey, ctx, 0, nonce, publicShare, inputShare);
    const outbound = encodePingPongMessage({
      type: 'initialize',
      verifierShare: vdaf.encodeVerifierShare(init.verifierShare),
    });
    return { kind: 'continued', verifyState: init.state, round: 0, outbound };
  } catch (e) {
    return rejected(e);
  }
}

/**
 * The Helper's step on the Leader's `initialize` message (draft-irtf-cfrg-vdaf-20 §5.7.1,
 * ping_pong_helper_init).
 *
 * @returns `finishedWithOutbound` (output share and `finish` message) or `rejected`.
 */
export function pingPongHelperInit(
  vdaf: AnyPrio3,
  verifyKey: Uint8Array,
  ctx: Uint8Array,
  nonce: Uint8Array,
  publicShare: Uint8Array,
  inputShare: Uint8Array,
  inbound: Uint8Array,
): PingPongState {
  checkTwoShares(vdaf);
  try {
    const init = initFromBytes(vdaf, verifyKey, ctx, 1, nonce, publicShare, inputShare);
    const msg = decodePingPongMessage(inbound);
    if (msg.type !== 'initialize') throw new VerifyError('message: expected type initialize');
    const leaderShare = vdaf.decodeVerifierShare(msg.verifierShare);
    return transition(vdaf, ctx, [leaderShare, init.verifierShare], init.state);
  } catch (e) {
    return rejected(e);
  }
}

/**
 * The Leader's step on the Helper's reply (draft-irtf-cfrg-vdaf-20 §5.7.1,
 * ping_pong_leader_continued): for Prio3 a `finish` message that yields the output share.
 *
 * @returns `finished` with the output share, or `rejected`.
 */
export function pingPongLeaderContinued(
  vdaf: AnyPrio3,
  ctx: Uint8Array,
  state: PingPongState,
  inbound: Uint8Array,
): PingPongState {
  return continued(vdaf, ctx, state, inbound);
}

/**
 * The Helper's step on a later Leader message (draft-irtf-cfrg-vdaf-20 §5.7.1,
 * ping_pong_helper_continued). Prio3 has one round, so a Helper never needs it; it rejects
 * anything but a well-formed `finish` for a continued state.
 */
export function pingPongHelperContinued(
  vdaf: AnyPrio3,
  ctx: Uint8Array,
  state: PingPongState,
  inbound: Uint8Array,
): PingPongState {
  return continued(vdaf, ctx, state, inbound);
}

function continued(
  vdaf: AnyPrio3,
  ctx: Uint8Array,
  state: PingPongState,
  inbound: Uint8Array,
): PingPongState {
  try {
    if (state.kind !== 'continued') throw new VerifyError('state: expected a continued state');
    const msg = decodePingPongMessage(inbound);
    if (msg.type === 'initialize') throw new VerifyError('message: unexpected type initialize');
    const message = vdaf.decodeVerifierMessage(msg.verifierMessage);
    const out = vdaf.verifyNext(ctx, state.verifyState, message);
    // One round: only `finish` may follow (continue would need a second round).
    if (state.round + 1 === vdaf.rounds && msg.type === 'finish')
      return { kind: 'finished', outShare: out };
    throw new VerifyError('message: expected type finish');
  } catch (e) {
    return rejected(e);
  }
}

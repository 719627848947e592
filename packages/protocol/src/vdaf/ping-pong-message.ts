// The ping-pong `Message` of draft-irtf-cfrg-vdaf-20 §5.7.1: what the two aggregators exchange
// in the ping-pong topology, and what DAP-18 carries in `VerifyInit.payload`,
// `VerifyResp.payload` and `VerifyContinue.payload` (draft-ietf-ppm-dap-18 §4.5.3).
import { decodeWith, describe, encodeWith, type Codec } from '../codec.js';
import { DecodeError, ParamError } from '../errors.js';

/** Ping-pong `MessageType` codepoints (draft-irtf-cfrg-vdaf-20 §5.7.1). */
export const PingPongMessageType = {
  initialize: 0,
  continue: 1,
  finish: 2,
} as const;

/** A ping-pong `Message` (draft-irtf-cfrg-vdaf-20 §5.7.1); the shares are VDAF-encoded bytes. */
export type PingPongMessage =
  | { type: 'initialize'; verifierShare: Uint8Array }
  | { type: 'continue'; verifierMessage: Uint8Array; verifierShare: Uint8Array }
  | { type: 'finish'; verifierMessage: Uint8Array };

/** Codec of the ping-pong `Message`. */
export const pingPongMessageCodec: Codec<PingPongMessage> = {
  write(w, v) {
    switch (v.type) {
      case 'initialize':
        w.u8(PingPongMessageType.initialize, 'type');
        w.opaque(v.verifierShare, 4, 'verifier_share');
        break;
      case 'continue':
        w.u8(PingPongMessageType.continue, 'type');
        w.opaque(v.verifierMessage, 4, 'verifier_message');
        w.opaque(v.verifierShare, 4, 'verifier_share');
        break;
      case 'finish':
        w.u8(PingPongMessageType.finish, 'type');
        w.opaque(v.verifierMessage, 4, 'verifier_message');
        break;
      default:
        throw new ParamError(
          'ping-pong message type: expected initialize, continue or finish, received ' +
            describe((v as { type?: unknown }).type),
        );
    }
  },
  read(r) {
    const type = r.u8('type');
    switch (type) {
      case PingPongMessageType.initialize:
        return { type: 'initialize', verifierShare: r.opaque(4, 'verifier_share') };
      case PingPongMessageType.continue:
        return {
          type: 'continue',
          verifierMessage: r.opaque(4, 'verifier_message'),
          verifierShare: r.opaque(4, 'verifier_share'),
        };
      case PingPongMessageType.finish:
        return { type: 'finish', verifierMessage: r.opaque(4, 'verifier_message') };
      default:
        throw new DecodeError(`${r.what}: unknown message type ${type}`);
    }
  },
};

/**
 * Encodes a ping-pong message.
 *
 * @param message the message
 * @returns its encoding, to place in a `VerifyInit`, `VerifyResp` or `VerifyContinue` payload
 * @throws {ParamError} when the type is unknown or a share exceeds 2^32-1 bytes
 * @example encodePingPongMessage({ type: 'initialize', verifierShare })
 */
export function encodePingPongMessage(message: PingPongMessage): Uint8Array {
  // The two one-field messages of every Prio3 verification are written in one allocation; the
  // codec's writer (a growable buffer, then a copy) stays the encoder of `continue`.
  if (message?.type === 'initialize') {
    return oneField(PingPongMessageType.initialize, message.verifierShare, 'verifier_share');
  }
  if (message?.type === 'finish') {
    return oneField(PingPongMessageType.finish, message.verifierMessage, 'verifier_message');
  }
  return encodeWith(pingPongMessageCodec, message);
}

/** `type || opaque field<0..2^32-1>`, as the codec writes it. */
function oneField(type: number, bytes: Uint8Array, field: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new ParamError(`${field}: expected a Uint8Array, received ${describe(bytes)}`);
  }
  if (bytes.length > 0xffffffff) {
    throw new ParamError(`${field}: expected 0..4294967295 bytes, received ${bytes.length}`);
  }
  const out = new Uint8Array(5 + bytes.length);
  const n = bytes.length;
  out[0] = type;
  // The length prefix, big-endian (draft-irtf-cfrg-vdaf-20 §5.7.1 uses TLS syntax).
  out[1] = n >>> 24;
  out[2] = (n >>> 16) & 0xff;
  out[3] = (n >>> 8) & 0xff;
  out[4] = n & 0xff;
  out.set(bytes, 5);
  return out;
}

/**
 * Decodes a ping-pong message.
 *
 * @param bytes the payload
 * @returns the message
 * @throws {DecodeError} when the payload is not exactly one message
 * @example decodePingPongMessage(verifyResp.payload).type
 */
export function decodePingPongMessage(bytes: Uint8Array): PingPongMessage {
  // A well-formed initialize or finish is read directly; anything else, malformed input
  // included, goes through the codec and its errors.
  const type = bytes instanceof Uint8Array && bytes.length >= 5 ? bytes[0] : -1;
  if (type === PingPongMessageType.initialize || type === PingPongMessageType.finish) {
    const n = bytes[1] * 2 ** 24 + (bytes[2] << 16) + (bytes[3] << 8) + bytes[4];
    if (bytes.length === 5 + n) {
      // A copy into a plain Uint8Array, as the codec's reader makes (never a view of a Buffer).
      const body = new Uint8Array(n);
      body.set(bytes.subarray(5));
      return type === PingPongMessageType.initialize
        ? { type: 'initialize', verifierShare: body }
        : { type: 'finish', verifierMessage: body };
    }
  }
  return decodeWith(pingPongMessageCodec, bytes, 'PingPongMessage');
}

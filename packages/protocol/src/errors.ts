// Error classes of @private-measurement/protocol. Callers branch on `code`, never on message
// text; messages name the parameter and never contain shares, keys, seeds or measurements.

/** Base class of every error thrown by the protocol package. `code` is stable. */
export class ProtocolError extends Error {
  /** Stable machine-readable error code. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes that do not decode: truncated, trailing, oversized or non-canonical. */
export class DecodeError extends ProtocolError {
  constructor(message: string) {
    super('DECODE', message);
  }
}

/** A parameter or measurement out of range (also an invalid measurement given to `shard`). */
export class ParamError extends ProtocolError {
  constructor(message: string) {
    super('PARAM', message);
  }
}

/** VDAF verification failed: the report is invalid or a share was tampered with. */
export class VerifyError extends ProtocolError {
  constructor(message: string) {
    super('VERIFY', message);
  }
}

/**
 * Stable codes of {@link HpkeError}: `HPKE_UNKNOWN_CONFIG` (no key for the ciphertext's config
 * id), `HPKE_UNSUPPORTED_SUITE` (KEM, KDF or AEAD other than the supported suite), `HPKE_KEY`
 * (malformed key material), `HPKE_SEAL` and `HPKE_OPEN` (the operation failed, e.g. a wrong key,
 * info or AAD, or a tampered ciphertext), `HPKE` (anything else).
 */
export type HpkeErrorCode =
  | 'HPKE'
  | 'HPKE_UNKNOWN_CONFIG'
  | 'HPKE_UNSUPPORTED_SUITE'
  | 'HPKE_KEY'
  | 'HPKE_SEAL'
  | 'HPKE_OPEN';

/** HPKE sealing or opening failed; `code` says why (see {@link HpkeErrorCode}). */
export class HpkeError extends ProtocolError {
  constructor(message: string, code: HpkeErrorCode = 'HPKE') {
    super(code, message);
  }
}

/** A differential-privacy parameter cannot be calibrated. */
export class DpError extends ProtocolError {
  constructor(message: string) {
    super('DP', message);
  }
}

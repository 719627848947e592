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

/** HPKE sealing or opening failed. */
export class HpkeError extends ProtocolError {
  constructor(message: string) {
    super('HPKE', message);
  }
}

/** A differential-privacy parameter cannot be calibrated. */
export class DpError extends ProtocolError {
  constructor(message: string) {
    super('DP', message);
  }
}

// Error classes of @private-measurement/core-wasm. Callers branch on `code`, never on message
// text; messages name the parameter and never contain field elements, seeds or samples.

/** Base class of every error thrown by core-wasm. `code` is stable across versions. */
export class CoreError extends Error {
  /** Stable machine-readable error code. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument is out of range, of the wrong length or of the wrong type. */
export class ParamError extends CoreError {
  constructor(message: string) {
    super('PARAM', message);
  }
}

/** Bytes do not decode: wrong length, or a value that is not canonical (>= p). */
export class DecodeError extends CoreError {
  constructor(message: string) {
    super('DECODE', message);
  }
}

/** A field operation has no result, such as the inverse of zero. */
export class ArithmeticError extends CoreError {
  constructor(message: string) {
    super('ARITHMETIC', message);
  }
}

/** The WASM backend could not be instantiated or a kernel reported an internal fault. */
export class BackendError extends CoreError {
  constructor(message: string) {
    super('BACKEND', message);
  }
}

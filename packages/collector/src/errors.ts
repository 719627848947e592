// Error classes of @private-measurement/collector. Callers branch on `code`, never on message
// text; messages never contain shares, keys, tokens or aggregate values.

/** Base class of every error thrown by the collector package. `code` is stable. */
export class CollectorError extends Error {
  /** Stable machine-readable error code. */
  readonly code: string;

  /**
   * @param code - the stable code.
   * @param message - lowercase text naming the parameter or step.
   * @param options - the underlying error, if any.
   */
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument, option or configuration file is invalid. Code `PARAM`. */
export class ParamError extends CollectorError {
  /** @param message - names the parameter, with expected and received. */
  constructor(message: string) {
    super('PARAM', message);
  }
}

/**
 * The Leader could not be reached or did not answer in time. Code `TIMEOUT` (one request took
 * longer than the request timeout), `NETWORK` (connection refused, reset, DNS...) or `ABORTED`
 * (the caller's signal cancelled it).
 */
export class TransportError extends CollectorError {
  /**
   * @param code - `TIMEOUT`, `NETWORK` or `ABORTED`.
   * @param message - what failed.
   * @param options - the underlying error.
   */
  constructor(
    code: 'TIMEOUT' | 'NETWORK' | 'ABORTED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The Leader answered with an error status and no problem document. Code `HTTP_STATUS`. */
export class HttpStatusError extends CollectorError {
  /** The HTTP status code. */
  readonly status: number;
  /** The answer's Retry-After in ms, when it had a valid one (429, 503). */
  retryAfterMs: number | undefined;

  /**
   * @param status - the HTTP status.
   * @param message - what was requested.
   */
  constructor(status: number, message: string) {
    super('HTTP_STATUS', message);
    this.status = status;
  }
}

/**
 * The Leader aborted with an RFC 9457 problem document (draft-ietf-ppm-dap-18 §3.6). Code
 * `PROBLEM`; branch on `problemType` (a DAP token such as `batchInvalid`, or undefined for a
 * type outside the DAP namespace).
 */
export class ProblemError extends CollectorError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** The DAP problem type token, e.g. `invalidBatchSize`; undefined for other types. */
  readonly problemType: string | undefined;
  /** The document's `type` member as received, e.g. `urn:ietf:params:ppm:dap:error:...`. */
  readonly type: string;
  /** The document's `detail` member, if any (diagnostics written by the Leader). */
  readonly detail: string | undefined;
  /** The answer's Retry-After in ms, when it had a valid one (429, 503). */
  retryAfterMs: number | undefined;

  /**
   * @param status - the HTTP status.
   * @param type - the document's `type`.
   * @param problemType - the DAP token, when `type` is a DAP problem type.
   * @param detail - the document's `detail`.
   */
  constructor(status: number, type: string, problemType: string | undefined, detail?: string) {
    super(
      'PROBLEM',
      `leader aborted with ${problemType ?? type} (status ${status})` +
        (detail !== undefined ? `: ${detail}` : ''),
    );
    this.status = status;
    this.type = type;
    this.problemType = problemType;
    this.detail = detail;
  }
}

/**
 * The Leader's answer is not a valid DAP message: code `MEDIA_TYPE` (wrong or missing
 * Content-Type), `DECODE` (the body does not decode exactly), `BAD_RESPONSE` (a missing or
 * invalid Location header, a body that is too large, an inconsistent field).
 */
export class ResponseError extends CollectorError {
  /**
   * @param code - `MEDIA_TYPE`, `DECODE` or `BAD_RESPONSE`.
   * @param message - what was wrong.
   * @param options - the underlying error.
   */
  constructor(
    code: 'MEDIA_TYPE' | 'DECODE' | 'BAD_RESPONSE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** An encrypted aggregate share does not open with the Collector's key and AAD. Code `DECRYPT`. */
export class DecryptError extends CollectorError {
  /**
   * @param message - which share failed.
   * @param options - the underlying error.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('DECRYPT', message, options);
  }
}

/** Decrypted aggregate shares do not decode or unshard with the task's VDAF. Code `UNSHARD`. */
export class UnshardError extends CollectorError {
  /**
   * @param message - what failed.
   * @param options - the underlying error.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSHARD', message, options);
  }
}

/** The collection job was not ready before the polling deadline. Code `POLL_DEADLINE`. */
export class PollDeadlineError extends CollectorError {
  /** Location of the collection job, to resume polling later. */
  readonly location: string;

  /**
   * @param location - the job's URL.
   * @param message - how long it polled.
   */
  constructor(location: string, message: string) {
    super('POLL_DEADLINE', message);
    this.location = location;
  }
}
